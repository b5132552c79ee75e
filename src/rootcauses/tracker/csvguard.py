"""CSV cells that a spreadsheet will not run: the guard against formula injection (OWASP).

Editors' text reaches CSV files (the tracker's export, the API's ``format=csv``, the CLI's
``--format csv``); a cell such as ``=HYPERLINK(…)`` or ``@SUM(…)`` would run as a formula when the
file is opened in a spreadsheet. :func:`guard` prefixes such a cell with a single quote, which
spreadsheets read as "text". Numbers stay numbers: a number is not a formula, so a number (or the
text of one, in a column that holds numbers) is never quoted.

:func:`unguard` is the exact inverse, so an exported file imports back unchanged
(:func:`unguard_csv` is applied to every CSV the tracker imports). To make that exact, a cell
that already starts with quotes followed by a trigger character gets one more quote: ``'=x``
is written ``''=x`` and reads back as ``'=x``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Mapping
from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# A number, or a ``;``-list of them (targets such as ``+40%;5000``), written by the exporter.
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?"
_NUMBERS = re.compile(rf"{_NUMBER}(?:;{_NUMBER})*")


def _needs_quote(text: str) -> bool:
    """Whether ``text``, after any leading quotes, starts with a formula trigger."""
    return text.lstrip(QUOTE).startswith(TRIGGERS)


def guard(value: Any, *, numeric: bool = False) -> Any:
    """``value`` safe for a CSV cell: text starting with ``= + - @``, a tab or a carriage return
    gets a leading quote. Non-text values are returned as they are; in a ``numeric`` column,
    the text of a number is too."""
    if not isinstance(value, str) or not _needs_quote(value):
        return value
    if numeric and _NUMBERS.fullmatch(value):
        return value
    return QUOTE + value


def unguard(text: str) -> str:
    """The text :func:`guard` was given: one leading quote removed where guard added one."""
    if text.startswith(QUOTE) and _needs_quote(text[1:]):
        return text[1:]
    return text


def guard_row(row: Mapping[str, Any], numeric: Collection[str] = ()) -> dict[str, Any]:
    """A CSV row with every cell guarded (``numeric`` names the columns that hold numbers)."""
    return {k: guard(v, numeric=k in numeric) for k, v in row.items()}


def guard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are guarded; number cells are left as numbers."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            out[column] = values.map(guard)
    return out


def unguard_csv(data: bytes) -> bytes:
    """CSV bytes with every cell :func:`unguard`-ed (the header too), or ``data`` itself when
    no cell was guarded. A UTF-8 byte-order mark is kept."""
    if QUOTE.encode() not in data:
        return data
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # not ours to judge: the parser reports it with the file's name
        return data
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cleaned = [[unguard(cell) for cell in row] for row in rows]
    if cleaned == rows:
        return data
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(cleaned)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


__all__ = ["TRIGGERS", "guard", "guard_frame", "guard_row", "unguard", "unguard_csv"]
