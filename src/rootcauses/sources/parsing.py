"""Parsing helpers whose errors name the file, row/sheet and column, and what was expected."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from rootcauses.countries import to_iso3
from rootcauses.errors import CheckError, ParseError, SchemaDriftError

HEADER_ROWS = 1  # rows before the first data row in a plain CSV; row numbers are 1-based lines
# Text that means "no value": in a count column, a blank or pandas' spellings of NA; in any
# other numeric column also the ".." of World Bank and other statistical offices, and "NA".
MISSING_COUNT = ("", "nan", "None", "NaN", "<NA>")
MISSING_NUMBER = (*MISSING_COUNT, "..", "NA")


def read_csv(
    raw: bytes, name: str, *, expected: Iterable[str] | None = None, **kwargs
) -> pd.DataFrame:
    """Parse CSV bytes as text columns; require the ``expected`` columns (renames fail loudly)."""
    if not raw.strip():
        raise ParseError(f"{name}: the file is empty (expected a CSV with a header row)")
    kwargs.setdefault("dtype", str)
    kwargs.setdefault("keep_default_na", False)
    try:
        frame = pd.read_csv(io.BytesIO(raw), **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise ParseError(f"{name}: not a readable CSV: {exc}") from exc
    if expected is not None:
        require_columns(frame, expected, name)
    _refuse_truncated(raw, frame, name, kwargs.get("sep", kwargs.get("delimiter", ",")))
    return frame


def _refuse_truncated(raw: bytes, frame: pd.DataFrame, name: str, sep: str) -> None:
    """A last line with fewer fields than the header means the download was cut short."""
    if frame.empty or raw.endswith((b"\n", b"\r")):
        return
    last_line = raw.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
    fields = next(csv.reader([last_line], delimiter=sep or ","), [])
    if len(fields) < len(frame.columns):
        raise ParseError(
            f"{name}: row {len(frame) + HEADER_ROWS} has {len(fields)} of "
            f"{len(frame.columns)} fields and the file ends there (truncated file?)"
        )


def require_columns(frame: pd.DataFrame, expected: Iterable[str], where: str) -> None:
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise SchemaDriftError(
            f"{where}: missing column(s) {missing}; expected {list(expected)}, "
            f"found {list(frame.columns)}"
        )


def rename_exact(frame: pd.DataFrame, mapping: Mapping[str, str], where: str) -> pd.DataFrame:
    """Rename columns, requiring every key to be present (owid/etl style: drift fails loudly)."""
    require_columns(frame, mapping.keys(), where)
    return frame.rename(columns=dict(mapping))


def first_true(mask: pd.Series | np.ndarray) -> int:
    """Position (0-based) of the first True in ``mask``, for an error that names its row; the
    caller has checked that there is one."""
    return int(np.flatnonzero(np.asarray(mask))[0])


def _first_bad(values: pd.Series, ok: pd.Series) -> tuple[int, object]:
    pos = first_true(~ok)
    return pos, values.iloc[pos]


def _numbers(
    values: pd.Series, blanks: tuple[str, ...], allow_missing: bool
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``values`` as numbers (thousands commas dropped), which are missing (NA or one of
    ``blanks``), and which are acceptable (a number, or missing when that is allowed)."""
    text = values.astype(str).str.strip().str.replace(",", "", regex=False)
    missing = pd.Series(values.isna().to_numpy() | text.isin(list(blanks)), index=values.index)
    numeric = pd.to_numeric(text.where(~missing), errors="coerce")
    return numeric, missing, numeric.notna() | (missing & allow_missing)


def to_int(
    values: pd.Series,
    name: str,
    column: str,
    *,
    header_rows: int = HEADER_ROWS,
    allow_missing: bool = False,
) -> pd.Series:
    """Whole non-negative counts; the error names the first bad row (1-based file line)."""
    numeric, missing, ok = _numbers(values, MISSING_COUNT, allow_missing)
    if not ok.all():
        pos, bad = _first_bad(values, ok)
        what = "is missing (truncated file?)" if missing.iloc[pos] else f"is {bad!r}"
        raise ParseError(
            f"{name}: row {pos + 1 + header_rows}, column {column!r} {what}; "
            "expected a whole number"
        )
    whole = numeric.isna() | (numeric == numeric.round())
    if not whole.all():
        pos, bad = _first_bad(values, whole)
        raise ParseError(
            f"{name}: row {pos + 1 + header_rows}, column {column!r} is {bad!r}; "
            "expected a whole number"
        )
    negative = numeric < 0
    if negative.any():
        pos, bad = _first_bad(values, ~negative)
        raise CheckError(
            f"{name}: row {pos + 1 + header_rows}, column {column!r} is {bad!r}; "
            "expected a count ≥ 0"
        )
    return numeric.astype("Int64")


def to_float(
    values: pd.Series,
    name: str,
    column: str,
    *,
    header_rows: int = HEADER_ROWS,
    allow_missing: bool = True,
) -> pd.Series:
    """Numbers; blanks become NA when allowed, anything else non-numeric is an error."""
    numeric, missing, ok = _numbers(values, MISSING_NUMBER, allow_missing)
    if not ok.all():
        pos, bad = _first_bad(values, ok)
        what = "is missing" if missing.iloc[pos] else f"is {bad!r}"
        raise ParseError(
            f"{name}: row {pos + 1 + header_rows}, column {column!r} {what}; expected a number"
        )
    return numeric.astype("float64")


def to_choice(
    values: pd.Series,
    mapping: Mapping[str, str],
    name: str,
    column: str,
    *,
    header_rows: int = HEADER_ROWS,
) -> pd.Series:
    """Map labels through ``mapping``; an unknown label is an error listing the allowed ones."""
    text = values.astype(str).str.strip()
    ok = text.isin(list(mapping))
    if not ok.all():
        pos, bad = _first_bad(values, ok)
        raise ParseError(
            f"{name}: row {pos + 1 + header_rows}, column {column!r} is {bad!r}; "
            f"expected one of {sorted(mapping)}"
        )
    return text.map(mapping)


def text_or_none(values: pd.Series) -> pd.Series:
    """Text cells as published, stripped; blank cells become None (NULL in the store)."""
    text = values.astype(str).str.strip()
    return text.astype(object).where(text != "", None)


def to_iso3_series(
    values: pd.Series, name: str, column: str, *, header_rows: int = HEADER_ROWS
) -> pd.Series:
    """Country names or codes to ISO3 through :mod:`rootcauses.countries` (one place)."""
    text = values.astype(str).str.strip()
    codes: dict[str, str] = {}
    for label in text.unique():
        try:
            codes[label] = to_iso3(label)
        except CheckError:
            pos = first_true(text == label)
            raise CheckError(
                f"{name}: row {pos + 1 + header_rows}, column {column!r}: unknown country "
                f"{label!r}; add the spelling to rootcauses.countries.ALIASES if it is a "
                "known country"
            ) from None
    return text.map(codes)


def to_date(
    values: pd.Series,
    name: str,
    column: str,
    *,
    fmt: str | None = None,
    header_rows: int = HEADER_ROWS,
    allow_missing: bool = False,
) -> pd.Series:
    text = values.astype(str).str.strip()
    missing = text.isin(["", "nan", "NaT", "None"])
    parsed = pd.to_datetime(text.where(~missing), format=fmt, errors="coerce")
    ok = parsed.notna() | (missing & allow_missing)
    if not ok.all():
        pos, bad = _first_bad(values, ok)
        raise ParseError(
            f"{name}: row {pos + 1 + header_rows}, column {column!r} is {bad!r}; "
            f"expected a date{f' ({fmt})' if fmt else ''}"
        )
    return parsed.dt.date


def open_workbook(raw: bytes, name: str, engine: str | None = "calamine") -> pd.ExcelFile:
    """An Excel workbook from its bytes, opened once (parse only the sheets needed with
    :func:`read_excel_sheet`); an empty or unreadable file is a parse error naming ``name``."""
    if not raw:
        raise ParseError(f"{name}: the file is empty (expected an Excel workbook)")
    try:
        return pd.ExcelFile(io.BytesIO(raw), engine=engine)
    except Exception as exc:  # the engines raise many types for a non-workbook
        raise ParseError(f"{name}: not a readable Excel workbook: {exc}") from exc


def read_excel_sheet(
    book_or_bytes: pd.ExcelFile | bytes, name: str, sheet: str, **kwargs
) -> pd.DataFrame:
    """One worksheet of an open workbook (or of the workbook's bytes, opened with
    :func:`open_workbook`); a missing sheet is a schema-drift error listing the sheets present."""
    if isinstance(book_or_bytes, pd.ExcelFile):
        book = book_or_bytes
    else:
        book = open_workbook(book_or_bytes, name)
    if sheet not in book.sheet_names:
        raise SchemaDriftError(f"{name}: no sheet {sheet!r}; sheets present: {book.sheet_names}")
    return pd.read_excel(book, sheet_name=sheet, **kwargs)


def numeric_block(
    block: pd.DataFrame,
    where: str,
    first_row: int,
    *,
    labels: Iterable[str] | None = None,
    missing: Iterable[str] = (),
) -> pd.DataFrame:
    """A block of table cells (a worksheet's or a wide CSV's) → floats; blank cells, and text
    cells in ``missing`` (e.g. the ``..`` some publishers print), become NaN. Any other
    non-numeric cell is an error naming its row (1-based file row, ``first_row`` for the first
    row of ``block``) and column (``labels``, one per column, else the block's own headers)."""
    try:  # fast path: numbers, NaN and numeric text
        return block.astype("float64")
    except (ValueError, TypeError):
        pass
    marks = {m.strip() for m in missing}
    numeric = block.apply(pd.to_numeric, errors="coerce")
    blank = block.isna() | block.map(
        lambda v: isinstance(v, str) and (not v.strip() or v.strip() in marks)
    )
    bad = (numeric.isna() & ~blank).to_numpy()
    if bad.any():
        i, j = (int(k[0]) for k in bad.nonzero())
        names = list(block.columns) if labels is None else list(labels)
        raise ParseError(
            f"{where}: row {first_row + i}, column {names[j]!r} is "
            f"{block.iat[i, j]!r}; expected a number"
        )
    return numeric.astype("float64")
