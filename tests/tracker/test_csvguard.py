"""The CSV formula guard: what is quoted, what stays a number, and that unguard inverts it."""

from __future__ import annotations

import pandas as pd
import pytest

from rootcauses.tracker.csvguard import guard, guard_frame, guard_row, unguard, unguard_csv


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+1 million", "'+1 million"),
        ("-5 points", "'-5 points"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("'=x", "''=x"),  # already quoted by its author: one more quote, removed on import
        ("'quoted", "'quoted"),
        ("plain = text", "plain = text"),
        ("", ""),
    ],
)
def test_text_starting_with_a_formula_trigger_is_quoted(text: str, written: str) -> None:
    assert guard(text) == written
    assert unguard(written) == text


@pytest.mark.parametrize("number", ["-5", "+40%", "-12.5%;5000", "-1e-3", "-.5"])
def test_numbers_stay_numbers_in_numeric_columns(number: str) -> None:
    assert guard(number, numeric=True) == number
    assert guard(number) == "'" + number  # the same text in a text column is text


def test_numeric_columns_still_quote_what_is_not_a_number() -> None:
    assert guard("-5;=cmd", numeric=True) == "'-5;=cmd"
    assert guard_row({"value": "-5", "notes": "-5"}, numeric={"value"}) == {
        "value": "-5",
        "notes": "'-5",
    }


def test_frames_keep_number_cells_as_numbers() -> None:
    frame = pd.DataFrame(
        {"actor": ["=cmd", "ok"], "amount": [-5.0, 3.0], "value": [-2, None], "n": [1, 2]}
    )
    frame["value"] = frame["value"].astype(object)
    guarded = guard_frame(frame)
    assert guarded["actor"].tolist() == ["'=cmd", "ok"]
    assert guarded["amount"].tolist() == [-5.0, 3.0] and guarded["n"].tolist() == [1, 2]
    assert guarded["value"].tolist()[0] == -2
    assert frame["actor"].tolist() == ["=cmd", "ok"]  # a copy


def test_unguard_csv_removes_only_the_guard() -> None:
    data = "\ufeffa,b\n\"'=1,2\",'plain\n''=x,-5\n".encode()
    assert unguard_csv(data) == "\ufeffa,b\n\"=1,2\",'plain\n'=x,-5\n".encode()
    untouched = b"a,b\n1,2\n"
    assert unguard_csv(untouched) is untouched
