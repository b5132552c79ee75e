"""``rootcauses drivers``: the driver models (thin: the work is in
:mod:`rootcauses.analysis.runs`)."""

from __future__ import annotations

import pandas as pd
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


def _fixed(frame: pd.DataFrame, digits: dict[str, str]) -> pd.DataFrame:
    present = {c: f for c, f in digits.items() if c in frame.columns}
    return frame.assign(
        **{
            c: frame[c].map(lambda v, f=f: "" if pd.isna(v) else format(v, f))
            for c, f in present.items()
        }
    )


@app.command("fit")
@handle_errors
def drivers_fit(basis: BasisOption = Basis.usbp, fmt: FormatOption = OutputFormat.table) -> None:
    """Each theory (economic, governance, violence, climate, US demand, deterrence, all) against
    a trend baseline out of sample, with intervals whose bandwidth follows the residual
    autocorrelation; a difference-in-differences of US policy regimes across nationalities; the
    department-level designs; stores everything in the results store (``driver_models``).
    ``--format csv|json`` prints every stored row (column ``section`` says which part)."""
    from rootcauses.analysis.runs import run_drivers

    run = run_drivers(get_settings(), basis=basis.value)
    if fmt is not OutputFormat.table:
        print_frame(run.stored, fmt)
        return
    coefficients = ("coef", "lo95", "hi95", "p_value", "boot_lo95", "boot_hi95", "boot_p_value")
    shown = _fixed(
        run.table[
            ["theory", "level", "driver", *coefficients, "bandwidth", "rows", "years", "note"]
        ],
        {c: ".3f" for c in coefficients},
    )
    print_frame(
        shown,
        fmt,
        title="Driver models: log encounters per 100,000 (country and month-of-year effects and "
        "a common linear trend; Driscoll-Kraay fixed-b and block-bootstrap 95% intervals)",
    )
    print_frame(
        _fixed(
            run.verdicts,
            {"skill_vs_trend": "+.2f", "skill_alone_vs_trend": "+.2f", "dm_p_value": ".3f"},
        ),
        fmt,
        title="Against the trend baseline, forward-chaining by year (skill = share of the "
        "trend's squared error removed; Diebold-Mariano p)",
    )
    beaten = run.verdicts[run.verdicts["verdict"] == "beats the trend out of sample"]
    console.print(
        "No theory beats the trend baseline out of sample: none is reported as explaining "
        "migration."
        if beaten.empty
        else f"Beat the trend out of sample: {', '.join(beaten['theory'])}."
    )
    print_frame(
        _fixed(
            run.did[
                ["regime", "term", "treated", "control", *coefficients[:4], "boot_p_value", "note"]
            ],
            {c: ".3f" for c in coefficients},
        ),
        fmt,
        title="US policy regimes, difference-in-differences across nationalities (log points)",
    )
    if len(run.departments):
        print_frame(
            _fixed(
                run.departments.drop(columns=["note", "outcome"]),
                {c: ".3f" for c in ("coef", "lo95", "hi95", "p_value", "perm_p_value")},
            ),
            fmt,
            title="Departments (Clemens-style designs; permutation p-values)",
        )
    console.print(run.replication)
    for name, text in run.limits.items():
        console.print(f"[bold]What the data cannot identify ({name}):[/] {text}")
