"""Dates, months and US fiscal years: the one place text is read as a date or a month.

FY N runs from 1 October N-1 to 30 September N. The parsers take ``what``, the place the text
came from (``--from``, ``start``, ``as_of`` …), and raise :class:`~rootcauses.errors.PeriodError`
naming it, the text and what was expected; callers that answer with their own error class (a
422 with field problems, a :class:`~rootcauses.sim.errors.SimError`) re-raise it as theirs.

========================  ===========================================  ==========================
function                  reads                                        gives
========================  ===========================================  ==========================
``parse_month``           ``YYYY-MM`` (or a date)                      first day of the month
``parse_day``             ``YYYY-MM-DD`` (or a date)                   that day
``parse_partial_date``    ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``      (first day, precision)
``parse_period_start``    the same, or a date                          first day
``period_start/_end``     a well-formed partial date                   its first / last day
========================  ===========================================  ==========================
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Literal

from rootcauses.errors import PeriodError

Precision = Literal["year", "month", "day"]
PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
MONTH = re.compile(r"^\d{4}-\d{2}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PRECISION: dict[int, Precision] = {4: "year", 7: "month", 10: "day"}

EXPECTED_MONTH = "YYYY-MM, e.g. 2019-10"
EXPECTED_DAY = "a date YYYY-MM-DD"
EXPECTED_PARTIAL = "a date YYYY, YYYY-MM or YYYY-MM-DD"

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


# --------------------------------------------------------------------------- parsing text


def _checked(text: str, shape: re.Pattern[str], what: str, expected: str) -> dt.date:
    """The first day of the period ``text`` names, once it has ``shape`` and is a real date."""
    value = text.strip()
    if not shape.fullmatch(value):
        raise PeriodError(what, text, expected)
    year, month, day = [*(int(p) for p in value.split("-")), 1, 1][:3]
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise PeriodError(what, text, expected, f"not a real date ({exc})") from None


def parse_month(value: str | dt.date, what: str) -> dt.date:
    """``YYYY-MM`` → the first day of that month; a date → the first day of its month."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    return _checked(value, MONTH, what, EXPECTED_MONTH)


def parse_day(value: str | dt.date, what: str) -> dt.date:
    """A full ISO date, ``YYYY-MM-DD``."""
    if isinstance(value, dt.date):
        return value
    return _checked(value, DAY, what, EXPECTED_DAY)


def parse_partial_date(text: str, what: str) -> tuple[dt.date, Precision]:
    """``YYYY`` / ``YYYY-MM`` / ``YYYY-MM-DD`` → (first day, precision)."""
    day = _checked(text, PARTIAL_DATE, what, EXPECTED_PARTIAL)
    return day, PRECISION[len(text.strip())]


def parse_period_start(value: str | dt.date, what: str) -> dt.date:
    """The first day of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a date is itself."""
    if isinstance(value, dt.date):
        return value
    return parse_partial_date(value, what)[0]


def period_start(text: str | None) -> dt.date | None:
    """The first day of a well-formed partial date (checked by the caller); None → None."""
    if text is None:
        return None
    year, month, day = [*(int(p) for p in text.split("-")), 1, 1][:3]
    return dt.date(year, month, day)


def period_end(text: str | None) -> dt.date | None:
    """The last day of a well-formed partial date (checked by the caller); None → None."""
    if text is None:
        return None
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    month = parts[1] if len(parts) == 2 else 12
    return dt.date(parts[0], month, calendar.monthrange(parts[0], month)[1])
