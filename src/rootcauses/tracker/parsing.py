"""Text ⇄ value conversions for tracker fields, shared by the file import/export and the API.

Pure functions; each raises ``ValueError`` with a message that reads well after
"row N, column 'x' " (the callers add where the text came from).

* **Partial dates** keep their precision, as in the strategy files: ``2021``, ``2021-05`` or
  ``2021-05-27`` ⇄ (first day of the period, ``year``/``month``/``day``).
* **Deadlines** are published as free text ("FY2024", "~2027 (five years)", "2024 / 2025").
  :func:`parse_deadline` reads the dates in it — ``FY2024`` is 30 Sep 2024, a year or month is
  its last day — and keeps the latest; when the text lists one date per target (split on ``/``
  or ``;``) each target gets its own. Text with no date in it ("annual") gives no deadline.
* **Targets** are ``;``-separated values paired by position with the units: a number ≥ 0, or
  a relative change such as ``+40%`` (of the baseline).
* **Baselines** are free text; a number is read from them only when the text is just a number,
  optionally followed by a parenthesis ("9,796 (FY2021)").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from urllib.parse import urlsplit

from rootcauses import periods
from rootcauses.errors import PeriodError
from rootcauses.periods import period_end

Precision = str  # "year" | "month" | "day"

_FISCAL_YEAR = re.compile(r"\bFY\s?(\d{4})\b", re.IGNORECASE)
_DATE_IN_TEXT = re.compile(r"(?<!\d)(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?!\d)")
_RELATIVE = re.compile(r"^([+-]\d+(?:\.\d+)?)%$")
_PLAIN_NUMBER = re.compile(r"^\s*(\d[\d,]*(?:\.\d+)?)\s*(?:\([^()]*\))?\s*$")
_URL_SPLIT = re.compile(r"\s+;\s+")
YEARS = range(1900, 2201)


# --------------------------------------------------------------------------- dates


def parse_partial_date(text: str) -> tuple[dt.date, Precision]:
    """``YYYY`` / ``YYYY-MM`` / ``YYYY-MM-DD`` → (first day, precision)
    (:func:`.periods.parse_partial_date`). The ValueError's message names no field: the caller
    puts it after the field's name."""
    try:
        return periods.parse_partial_date(text, "date")
    except PeriodError as exc:
        raise ValueError(exc.detail) from None


def format_partial_date(day: dt.date | None, precision: Precision | None) -> str:
    """(first day, precision) → the text it was parsed from; None → ''."""
    if day is None:
        return ""
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def last_day(day: dt.date | None, precision: Precision | None) -> dt.date | None:
    """The last day of the period a partial date names (a day is its own last day)."""
    if day is None:
        return None
    return period_end(format_partial_date(day, precision))


def parse_day(text: str) -> dt.date:
    """A full ISO date (``YYYY-MM-DD``; :func:`.periods.parse_day`), its message as above."""
    try:
        return periods.parse_day(text, "date")
    except PeriodError as exc:
        raise ValueError(exc.detail) from None


def _dates_in(text: str) -> list[dt.date]:
    found: list[dt.date] = []
    for match in _FISCAL_YEAR.finditer(text):
        year = int(match.group(1))
        if year in YEARS:
            found.append(dt.date(year, 9, 30))
    rest = _FISCAL_YEAR.sub(" ", text)
    for match in _DATE_IN_TEXT.finditer(rest):
        if int(match.group(1)) not in YEARS:
            continue
        try:
            end = period_end(match.group(0))
        except ValueError:
            continue
        if end is not None:
            found.append(end)
    return found


def parse_deadline(
    text: str | None, n_targets: int = 1
) -> tuple[dt.date | None, list[dt.date | None]]:
    """(commitment deadline, one deadline per target) read from published deadline text.

    The per-target list is all None unless the text has one dated part per target."""
    per_target: list[dt.date | None] = [None] * n_targets
    if not text or not text.strip():
        return None, per_target
    found = _dates_in(text)
    if not found:
        return None, per_target
    parts = [p for p in re.split(r"\s*[/;]\s*", text.strip()) if p]
    if n_targets > 1 and len(parts) == n_targets:
        dated = [_dates_in(p) for p in parts]
        if all(dated):
            per_target = [max(d) for d in dated]
    return max(found), per_target


# --------------------------------------------------------------------------- numbers


def parse_number(text: str) -> float:
    """A number, with or without thousands separators."""
    cleaned = text.strip().replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"is {text!r}; expected a number") from None
    if not math.isfinite(value):
        raise ValueError(f"is {text!r}; expected a finite number")
    return value


def format_number(value: float | None) -> str:
    """Shortest text that reads back as the same float ('' for None, no trailing '.0')."""
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


def parse_target(text: str) -> tuple[float | None, bool]:
    """One target: (value, relative). Blank → (None, False); ``+40%`` → (40.0, True)."""
    text = text.strip()
    if not text:
        return None, False
    relative = _RELATIVE.fullmatch(text)
    if relative:
        change = float(relative.group(1))
        if change <= -100:
            raise ValueError(f"is {text!r}; a relative change must be above -100%")
        return change, True
    try:
        value = parse_number(text)
    except ValueError:
        raise ValueError(
            f"is {text!r}; expected a number ≥ 0 or a relative change such as +40%"
        ) from None
    if value < 0:
        raise ValueError(f"is {text!r}; a target cannot be negative (use the baseline for falls)")
    return value, False


def format_target(value: float | None, relative: bool) -> str:
    if value is None:
        return ""
    if relative:
        return ("+" if value >= 0 else "") + format_number(value) + "%"
    return format_number(value)


def split_list(text: str | None) -> list[str]:
    """``a;b`` → ['a', 'b'] (stripped); blank → []."""
    if text is None or not text.strip():
        return []
    return [part.strip() for part in text.split(";")]


def parse_targets(
    values: str | None, units: str | None
) -> list[tuple[float | None, bool, str | None]]:
    """Paired ``target_value`` / ``unit`` lists → [(value, relative, unit)].

    A unit without a value ("USD" with no target) is kept as an unmeasurable target, so the
    text survives an export and re-import."""
    value_parts, unit_parts = split_list(values), split_list(units)
    if value_parts and unit_parts and len(value_parts) != len(unit_parts):
        raise ValueError(
            f"has {len(value_parts)} value(s) {values!r} but unit has {len(unit_parts)} "
            f"({units!r}); they pair by position"
        )
    count = max(len(value_parts), len(unit_parts))
    value_parts += [""] * (count - len(value_parts))
    unit_parts += [""] * (count - len(unit_parts))
    targets = []
    for value_text, unit in zip(value_parts, unit_parts, strict=True):
        value, relative = parse_target(value_text)
        targets.append((value, relative, unit or None))
    return targets


def baseline_number(text: str | None) -> float | None:
    """The baseline as a number when its text is just one ("1000", "9,796 (FY2021)")."""
    if not text:
        return None
    match = _PLAIN_NUMBER.fullmatch(text)
    return parse_number(match.group(1)) if match else None


# --------------------------------------------------------------------------- URLs


def check_http_url(text: str) -> str:
    """An absolute http(s) URL without spaces, returned as given."""
    value = text.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError(f"is {text!r}; expected an http(s) URL")
    return value


def split_urls(text: str | None) -> list[str]:
    """Source URLs as published: one, or several separated by `` ; ``."""
    if text is None or not text.strip():
        return []
    return [u.strip() for u in _URL_SPLIT.split(text.strip()) if u.strip()]


def join_urls(urls: list[str]) -> str:
    return " ; ".join(urls)
