"""Pure pieces of the brief: periods, headline figures, events, driver panels, roll-ups."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rootcauses.report import build
from rootcauses.report.errors import ReportError


def _months(start: dt.date, n: int) -> list[dt.date]:
    return [build.add_months(start, i) for i in range(n)]


def test_previous_period_has_equal_length() -> None:
    start, end = dt.date(2019, 10, 1), dt.date(2024, 9, 1)
    prev_start, prev_end = build.previous_period(start, end)
    assert (prev_start, prev_end) == (dt.date(2014, 10, 1), dt.date(2019, 9, 1))
    assert build.months_between(prev_start, prev_end) == build.months_between(start, end) == 60


@pytest.mark.parametrize("value", ["2019", "2019-13", "19-10", "2019-10-01", ""])
def test_bad_months_are_rejected(value: str) -> None:
    with pytest.raises(ReportError, match="expected YYYY-MM"):
        build.parse_month(value, "start")


@pytest.mark.parametrize(("value", "code"), [("gtm", "GTM"), (" NT ", "NT"), ("XNT", "NT")])
def test_country_choices(value: str, code: str) -> None:
    assert build.parse_country(value) == code


def test_unknown_country_names_the_choices() -> None:
    with pytest.raises(ReportError, match=r"'MEX'.*GTM, HND, SLV, NT"):
        build.parse_country("MEX")


def test_headline_figures_by_hand() -> None:
    months = _months(dt.date(2020, 1, 1), 6)  # Jan-Jun 2020; the period is Apr-Jun
    own = pd.Series([1, 2, 3, 10, 20, 30], index=months)
    total = pd.Series([10, 10, 10, 100, 100, 100], index=months)
    h = build.headline_figures(own, total, dt.date(2020, 4, 1), dt.date(2020, 6, 1))
    assert (h.encounters, h.southwest_total, h.previous) == (60, 300, 6)
    assert h.share == pytest.approx(0.2)
    assert h.change == pytest.approx(9.0)
    assert (h.peak_month, h.peak_count) == (dt.date(2020, 6, 1), 30)
    assert h.months == h.months_with_data == 3


def test_no_change_when_the_previous_period_is_not_covered() -> None:
    months = _months(dt.date(2020, 3, 1), 4)  # only one month before April
    own = pd.Series([5, 1, 1, 1], index=months)
    total = own * 2
    h = build.headline_figures(own, total, dt.date(2020, 4, 1), dt.date(2020, 6, 1))
    assert h.previous is None and h.change is None
    assert h.encounters == 3


def test_events_in_window_are_numbered_by_date() -> None:
    frame = pd.DataFrame(
        {
            "date": [dt.date(2021, 5, 1), dt.date(2018, 1, 1), dt.date(2020, 3, 20)],
            "country": ["XNT", "GTM", "XNT"],
            "event": ["b", "before", "a"],
        }
    )
    inside = build.events_in(frame, dt.date(2020, 1, 1), dt.date(2021, 5, 1))
    assert list(inside["event"]) == ["a", "b"]
    assert list(inside["number"]) == [1, 2]


def test_driver_panel_latest_stops_at_the_period_end() -> None:
    long = pd.DataFrame(
        {
            "country": ["GTM"] * 3 + ["HND"] * 2,
            "period": pd.to_datetime(
                ["2018-01-01", "2019-01-01", "2023-01-01"] * 1
                + [
                    "2017-01-01",
                    "2019-01-01",
                ]
            ),
            "value": [1.0, 2.0, 9.0, 4.0, None],
            "unit": "u",
            "source": ["s1", "s1", "s2", "s1", "s1"],
        }
    )
    panel = build.driver_panel(long, "x", "X", 2015, 2020)
    assert panel.latest == {"GTM": (2019, 2.0), "HND": (2017, 4.0)}
    assert list(panel.values.index) == [2017, 2018, 2019]
    assert panel.sources == ("s1", "s2")


def test_leaderboard_rows_pick_the_chosen_model() -> None:
    board = pd.DataFrame(
        {
            "series": ["GTM"] * 4,
            "model": ["ets", "ets", "naive", "naive"],
            "h": [1, 3, 1, 3],
            "relative_mase": [0.5, 0.7, 1.0, 1.0],
            "cov80": [0.8, 0.6, 0.5, 0.5],
            "cov95": [1.0, 0.9, 0.7, 0.7],
        }
    )
    rows = build.leaderboard_rows(board, {"GTM": "ets"})
    assert rows.loc[0, "h=1"] == 0.5 and rows.loc[0, "h=3"] == 0.7
    assert pd.isna(rows.loc[0, "h=12"])
    assert rows.loc[0, "cov80"] == pytest.approx(0.7)


def test_theory_summary_lists_clear_drivers_with_sign() -> None:
    models = pd.DataFrame(
        {
            "theory": ["a", "a", "b"],
            "driver": ["x", "y", "z"],
            "coef": [1.0, -2.0, 0.1],
            "lo95": [0.5, -3.0, -1.0],
            "hi95": [1.5, -1.0, 1.0],
            "within_r2": [0.4, 0.4, 0.1],
            "oos_gain": [0.2, 0.2, -0.1],
            "rows": [10, 10, 10],
            "years": ["2000-2020"] * 3,
        }
    )
    summary = build.theory_summary(models)
    assert list(summary["theory"]) == ["a", "b"]
    assert summary.loc[0, "clear"] == "x (positive); y (negative)"  # unknown drivers: as named
    assert summary.loc[1, "clear"] == ""
    assert list(summary["drivers"]) == [2, 1]


def test_pearson_needs_variation() -> None:
    assert build.pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert build.pearson([1, 1, 1], [2, 4, 6]) is None
    assert build.pearson([1, 2], [2, 4]) is None
