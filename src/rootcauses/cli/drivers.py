"""``rootcauses drivers``: the driver models (thin: the work is in
:mod:`rootcauses.analysis.runs`)."""

from __future__ import annotations

import typer

from rootcauses.cli.support import (
    Basis,
    BasisOption,
    FormatOption,
    OutputFormat,
    console,
    handle_errors,
    print_frame,
)
from rootcauses.config import get_settings

app = typer.Typer(help="Weigh the competing explanations of migration.", no_args_is_help=True)


@app.command("fit")
@handle_errors
def drivers_fit(basis: BasisOption = Basis.usbp, fmt: FormatOption = OutputFormat.table) -> None:
    """Fixed-effects regressions for each theory (economic, governance, violence, climate, US
    demand, deterrence) and all together; stores the comparison in the store."""
    from rootcauses.analysis.runs import run_drivers

    table, replication = run_drivers(get_settings(), basis=basis.value)
    shown = table.assign(
        **{c: table[c].map(lambda v: f"{v:.3f}") for c in ("coef", "lo95", "hi95", "p_value")},
        within_r2=table["within_r2"].map(lambda v: f"{v:.2f}"),
        oos_gain=table["oos_gain"].map(lambda v: f"{v:+.2f}"),
    )
    print_frame(
        shown,
        fmt,
        title="Driver models: log encounters per 100,000 (country and "
        "month-of-year effects, Driscoll-Kraay 95% intervals)",
    )
    if fmt is OutputFormat.table:
        console.print(replication)
