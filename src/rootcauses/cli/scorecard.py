"""``rootcauses scorecard``: the outcome scorecard per pillar (thin: the work is in
:mod:`rootcauses.analysis.scorecard`). Registered on the root app as a command."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

from rootcauses.cli.support import FormatOption, OutputFormat, handle_errors, print_frame


class Country(StrEnum):
    GTM = "GTM"
    HND = "HND"
    SLV = "SLV"


@handle_errors
def scorecard(
    country: Annotated[
        Country | None, typer.Option(help="Only this country (default: all three).")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    full: Annotated[
        bool,
        typer.Option("--full", help="JSON with every field (statement, caveats, weights, series)."),
    ] = False,
) -> None:
    """Outcome indicators per pillar since 2021 against a synthetic control fitted on earlier
    years (in-space placebo bands): rows {pillar, indicator, country, pre_period, post_period,
    observed, counterfactual, lo90, hi90, verdict}. A verdict is an association, not an effect."""
    from rootcauses.analysis.scorecard import scorecard_from_store, scorecard_rows
    from rootcauses.config import get_settings
    from rootcauses.store import query

    with query.connect(get_settings()) as con:
        card = scorecard_from_store(con).select(country.value if country else None)
    if full:
        sys.stdout.write(json.dumps(card.public(), indent=1, ensure_ascii=False) + "\n")
        return
    print_frame(scorecard_rows(card), fmt, title="Outcome scorecard (association, not effect)")
