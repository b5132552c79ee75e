"""``rootcauses prepare``: the first run (:mod:`rootcauses.jobs.first_run`), so that no page of
a freshly built store is empty. ``make run`` calls it after the build."""

from __future__ import annotations

from typing import Annotated

import typer

from rootcauses.cli.support import console, handle_errors
from rootcauses.config import get_settings


@handle_errors
def prepare(
    force: Annotated[
        bool, typer.Option("--force", help="Rerun every step, even those stored for this build.")
    ] = False,
) -> None:
    """Fit the driver models, forecast (with its backtest) and compute the policy lab's
    counterfactual histories for the current build, skipping what is already stored for it."""
    from rootcauses.jobs.first_run import prepare as run_steps

    results = run_steps(
        get_settings(),
        force=force,
        report=lambda name, message: console.print(f"{name}: {message}"),
    )
    ran = [r for r in results if r.ran]
    console.print(
        f"first run: {len(ran)} step(s) in {sum(r.seconds for r in ran):.0f} s"
        + (f"; {len(results) - len(ran)} already stored" if len(ran) < len(results) else "")
    )
