"""The one parser of dates and months (:mod:`rootcauses.periods`): what it reads, and errors that
name the place, the text and what was expected."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

from rootcauses import periods
from rootcauses.errors import PeriodError, RootCausesError

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2019-10", D(2019, 10, 1)), (" 2024-02 ", D(2024, 2, 1)), (D(2024, 2, 17), D(2024, 2, 1))],
)
def test_a_month_is_its_first_day(text: str | dt.date, expected: dt.date) -> None:
    assert periods.parse_month(text, "start") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2019/01", "bad --from '2019/01'; expected YYYY-MM, e.g. 2019-10"),
        ("2019", "bad --from '2019'; expected YYYY-MM"),
        ("2019-10-01", "bad --from '2019-10-01'; expected YYYY-MM"),
        ("", "bad --from ''; expected YYYY-MM"),
        ("2019-13", "bad --from '2019-13': not a real date (month must be in 1..12)"),
    ],
)
def test_a_bad_month_names_the_place_the_text_and_the_format(text: str, message: str) -> None:
    with pytest.raises(PeriodError) as caught:
        periods.parse_month(text, "--from")
    assert str(caught.value).startswith(message)
    assert caught.value.what == "--from" and caught.value.text == text


def test_days_and_partial_dates() -> None:
    assert periods.parse_day("2025-02-28", "as_of") == D(2025, 2, 28)
    assert periods.parse_partial_date("2025", "date") == (D(2025, 1, 1), "year")
    assert periods.parse_partial_date("2025-03", "date") == (D(2025, 3, 1), "month")
    assert periods.parse_partial_date("2025-03-04", "date") == (D(2025, 3, 4), "day")
    assert periods.parse_period_start("2021", "start") == D(2021, 1, 1)
    assert periods.parse_period_start(D(2021, 5, 9), "start") == D(2021, 5, 9)
    assert periods.period_start("2020-02") == D(2020, 2, 1)
    assert periods.period_end("2020-02") == D(2020, 2, 29)
    assert periods.period_end("2020") == D(2020, 12, 31)
    assert periods.period_start(None) is None and periods.period_end(None) is None


def test_bad_days_say_why_and_the_detail_leaves_the_place_to_the_caller() -> None:
    with pytest.raises(PeriodError) as caught:
        periods.parse_day("2025-02-30", "as_of")
    error = caught.value
    assert str(error) == (
        "bad as_of '2025-02-30': not a real date (day is out of range for month); "
        "expected a date YYYY-MM-DD"
    )
    assert error.detail.startswith("is '2025-02-30', not a real date")
    with pytest.raises(PeriodError, match="expected a date YYYY, YYYY-MM or YYYY-MM-DD"):
        periods.parse_partial_date("March 2025", "announced_date")
    with pytest.raises(PeriodError, match="expected a date YYYY-MM-DD"):
        periods.parse_day("20250228", "as_of")  # the compact ISO form is not accepted


def test_the_error_is_a_project_error_and_a_value_error_and_pickles() -> None:
    error = PeriodError("start", "x", "YYYY-MM")
    assert isinstance(error, RootCausesError) and isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) and copy.detail == error.detail
