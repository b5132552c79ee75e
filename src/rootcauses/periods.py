"""US fiscal years and month labels. FY N runs from 1 October N-1 to 30 September N."""

from __future__ import annotations

import datetime as dt

MONTH_ABBR = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
MONTH_NUMBER = {abbr: i + 1 for i, abbr in enumerate(MONTH_ABBR)}
MONTH_NAME_NUMBER = {
    name: i + 1
    for i, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        )
    )
}


def fiscal_year(month: dt.date) -> int:
    return month.year + 1 if month.month >= 10 else month.year


def month_of_fiscal_year(fy: int, calendar_month: int) -> dt.date:
    """First day of the calendar month ``calendar_month`` (1-12) inside fiscal year ``fy``."""
    if not 1 <= calendar_month <= 12:
        raise ValueError(f"calendar month must be 1-12, got {calendar_month}")
    year = fy - 1 if calendar_month >= 10 else fy
    return dt.date(year, calendar_month, 1)
