"""Alembic environment for the tracker database.

The tracker runs migrations itself (``rootcauses tracker migrate`` or on first use) and passes
an open connection in ``config.attributes["connection"]``, inside a transaction it commits.
For writing a new revision by hand, ``sqlalchemy.url`` in a config also works.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from rootcauses.tracker.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    if context.is_offline_mode():
        raise RuntimeError("the tracker migrations run online only (they need a connection)")
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no connection given and no sqlalchemy.url in the Alembic config")
    engine = create_engine(url)
    with engine.begin() as own:
        _configure(own)
    engine.dispose()


run()
