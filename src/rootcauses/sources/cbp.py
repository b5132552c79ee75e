"""CBP encounter CSV downloads (``cbp.gov/document/stats/...``): the columns and labels shared by
its files (nationwide encounters by state, Southwest Land Border encounters, …).

Every file has ``Fiscal Year`` (``2021`` or ``2026 (FYTD)``), ``Month (abbv)`` (``OCT`` …),
``Demographic`` and ``Title of Authority`` with the labels below; what else a file carries is
read by its source module.
"""

from __future__ import annotations

import pandas as pd

from rootcauses.errors import ParseError
from rootcauses.periods import MONTH_NUMBER
from rootcauses.sources.parsing import first_true, to_choice

# The unaccompanied-children label changed between releases.
DEMOGRAPHICS = {
    "Single Adults": "SINGLE_ADULT",
    "FMUA": "FMUA",
    "Accompanied Minors": "ACCOMPANIED_MINOR",
    "UC / Single Minors": "UAC",
    "UAC": "UAC",
}
AUTHORITIES = {"Title 8": "T8", "Title 42": "T42"}
MONTHS = {abbr: str(n) for abbr, n in MONTH_NUMBER.items()}


def parse_fiscal_year(values: pd.Series, name: str) -> pd.Series:
    """``2021`` or ``2026 (FYTD)`` → 2021 / 2026."""
    years = values.astype(str).str.extract(r"^\s*(\d{4})", expand=False)
    if years.isna().any():
        pos = first_true(years.isna())
        raise ParseError(
            f"{name}: row {pos + 2}, column 'Fiscal Year' is {values.iloc[pos]!r}; "
            "expected a year such as 2021 or '2026 (FYTD)'"
        )
    return years.astype(int)


def parse_calendar_month(values: pd.Series, name: str) -> pd.Series:
    """``Month (abbv)`` (``JAN`` …) → calendar month number 1-12."""
    return to_choice(values, MONTHS, name, "Month (abbv)").astype(int)
