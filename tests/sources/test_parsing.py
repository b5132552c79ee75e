"""Numbers read from text columns (:func:`~rootcauses.sources.parsing.to_int`,
:func:`~rootcauses.sources.parsing.to_float`): thousands commas, which text counts as missing for
a count and for any other number, and errors that name the file, row and column; and the
position of a mask's first True that those errors start from (``first_true``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError
from rootcauses.sources.parsing import first_true, to_float, to_int


def test_counts_drop_thousands_commas_and_may_be_missing_when_allowed() -> None:
    values = pd.Series([" 1,234 ", None, "", "<NA>", "7"])
    counts = to_int(values, "f.csv", "count", allow_missing=True)
    assert counts.dtype == "Int64"
    assert counts.tolist() == [1234, pd.NA, pd.NA, pd.NA, 7]


@pytest.mark.parametrize(
    ("cell", "error", "message"),
    [
        ("", ParseError, r"f\.csv: row 3, column 'count' is missing \(truncated file\?\)"),
        ("..", ParseError, r"row 3, column 'count' is '\.\.'; expected a whole number"),
        ("1.5", ParseError, r"row 3, column 'count' is '1\.5'; expected a whole number"),
        ("-2", CheckError, r"row 3, column 'count' is '-2'; expected a count ≥ 0"),
    ],
)
def test_a_bad_count_names_its_row_and_column(cell: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        to_int(pd.Series(["1", cell]), "f.csv", "count")


def test_numbers_take_the_statistical_offices_no_data_as_missing() -> None:
    values = pd.Series(["2,500.5", "..", "NA", "", None, "-0.25"])
    numbers = to_float(values, "f.csv", "value")
    assert numbers.dtype == "float64"
    assert numbers.isna().tolist() == [False, True, True, True, True, False]
    assert numbers[[0, 5]].tolist() == [2500.5, -0.25]


@pytest.mark.parametrize(
    ("cell", "allow_missing", "what"), [("abc", True, "is 'abc'"), ("..", False, "is missing")]
)
def test_a_bad_number_names_its_row_and_column(cell: str, allow_missing: bool, what: str) -> None:
    with pytest.raises(ParseError, match=f"f.csv: row 4, column 'value' {what}; expected a number"):
        to_float(pd.Series(["1", "2", cell]), "f.csv", "value", allow_missing=allow_missing)


def test_first_true_is_a_position_not_a_label() -> None:
    mask = pd.Series([False, False, True, True], index=[10, 20, 30, 40])
    assert first_true(mask) == 2
    assert first_true(~mask) == 0
    assert first_true(np.array([0, 0, 0, 5])) == 3
