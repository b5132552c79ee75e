"""The ``rootcauses`` command line: thin wrappers over library functions, one module per command
group (:mod:`.data`, :mod:`.tracker`, :mod:`.drivers`, :mod:`.forecast`, :mod:`.sim`,
:mod:`.serve`, :mod:`.report`) and the options, output and error handling they share
(:mod:`.support`).

Errors the project raises on purpose (:class:`~rootcauses.errors.RootCausesError`) are printed
as one paragraph without a traceback, and the command exits 1.
"""

from __future__ import annotations

import typer

from rootcauses.cli import data, drivers, forecast, prepare, report, serve, sim, tracker
from rootcauses.cli import scorecard as scorecard_cli

app = typer.Typer(
    help="rootcauses: data, models and a policy lab for migration from the Northern Triangle.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(data.app, name="data")
app.add_typer(drivers.app, name="drivers")
app.add_typer(forecast.app, name="forecast")
app.command("serve")(serve.serve)
app.add_typer(tracker.app, name="tracker")
app.add_typer(sim.app, name="sim")
app.command("report")(report.report)
app.command("prepare")(prepare.prepare)
app.command("scorecard")(scorecard_cli.scorecard)


def main() -> None:  # pragma: no cover - console entry
    app()
