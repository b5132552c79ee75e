"""``rootcauses serve``: the web page and the API (thin: the app is
:func:`rootcauses.web.app.create_app`). Registered on the root app as a command."""

from __future__ import annotations

from typing import Annotated

import typer

from rootcauses.cli.support import console, err, handle_errors
from rootcauses.config import get_settings


@handle_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the dashboard and the API (http://HOST:PORT/, API under /api/)."""
    import uvicorn

    from rootcauses.store.layout import missing_store_message, read_current
    from rootcauses.web.app import create_app

    query_settings = get_settings()
    if read_current(query_settings) is None:
        err.print(f"[yellow]{missing_store_message(query_settings)} (pages will say so)[/]")
    console.print(f"serving on http://{host}:{port}/")
    uvicorn.run(
        create_app(query_settings),
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
    )
