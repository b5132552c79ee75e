from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from rootcauses.errors import ParseError, SchemaDriftError
from rootcauses.sources.parsing import (
    MISSING_NUMBER,
    numeric_block,
    open_workbook,
    read_excel_sheet,
)


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Data"
    book.active.append(["a", "b"])
    book.active.append([1, 2.5])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_open_workbook_and_sheet() -> None:
    book = open_workbook(_xlsx(), "w.xlsx")
    frame = read_excel_sheet(book, "w.xlsx", "Data")
    assert frame.to_dict("list") == {"a": [1], "b": [2.5]}
    assert read_excel_sheet(_xlsx(), "w.xlsx", "Data").equals(frame)  # from the bytes


@pytest.mark.parametrize(
    ("data", "sheet", "error", "message"),
    [
        (b"", "Data", ParseError, r"w\.xlsx: the file is empty"),
        (b"not a workbook", "Data", ParseError, r"w\.xlsx: not a readable Excel workbook"),
        (None, "Other", SchemaDriftError, r"w\.xlsx: no sheet 'Other'; sheets present: \['Data'\]"),
    ],
)
def test_bad_workbook_names_file_and_sheet(data, sheet: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        read_excel_sheet(_xlsx() if data is None else data, "w.xlsx", sheet)


def test_numeric_block() -> None:
    block = pd.DataFrame({"2020": ["1.5", "", " "], "2021": [2, None, ".."]}, dtype=object)
    with pytest.raises(ParseError, match=r"f\.csv: row 4, column '2021' is '\.\.'"):
        numeric_block(block, "f.csv", 2)
    values = numeric_block(block, "f.csv", 2, missing=MISSING_NUMBER)
    assert values.dtypes.tolist() == [np.float64, np.float64]
    assert values.fillna(-1).to_numpy().tolist() == [[1.5, 2.0], [-1, -1], [-1, -1]]
    bad = block.assign(**{"2021": [2, "many", None]})
    with pytest.raises(ParseError, match=r"row 3, column '2021 Estimate' is 'many'"):
        numeric_block(bad, "f.csv", 2, labels=["2020 Estimate", "2021 Estimate"])
