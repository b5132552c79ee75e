"""Text ⇄ value conversions: partial dates, published deadlines, targets, baselines, URLs."""

from __future__ import annotations

import datetime as dt

import pytest

from rootcauses.tracker import parsing

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # every deadline wording of the snapshot's commitments.csv
        ("four years (not dated; ~FY2022-FY2025)", D(2025, 9, 30)),
        ("FY2024", D(2024, 9, 30)),
        ("three years (~2024)", D(2024, 12, 31)),
        ("five years from May 2022 program launch (~2027)", D(2027, 12, 31)),
        ("~2027 (five years)", D(2027, 12, 31)),
        ("2022-07", D(2022, 7, 31)),
        ("2025-12-31", D(2025, 12, 31)),
        ("2025", D(2025, 12, 31)),
        ("2033", D(2033, 12, 31)),
        ("~2025 (four years)", D(2025, 12, 31)),
        ("2024 / 2025", D(2025, 12, 31)),
        ("2024-02", D(2024, 2, 29)),
        ("annual", None),
        ("", None),
        (None, None),
        ("by 12,000 farms", None),
        ("mid-2027", D(2027, 12, 31)),
        ("2022-2025", D(2025, 12, 31)),
    ],
)
def test_deadlines_are_read_from_published_text(text: str | None, expected: dt.date | None) -> None:
    assert parsing.parse_deadline(text)[0] == expected


def test_one_deadline_per_target_when_the_text_lists_them() -> None:
    assert parsing.parse_deadline("2024 / 2025", 2) == (
        D(2025, 12, 31),
        [D(2024, 12, 31), D(2025, 12, 31)],
    )
    assert parsing.parse_deadline("2025", 2) == (D(2025, 12, 31), [None, None])
    assert parsing.parse_deadline("four years (not dated; ~FY2022-FY2025)", 2)[1] == [None, None]


@pytest.mark.parametrize(
    ("text", "day", "precision"),
    [
        ("2021", D(2021, 1, 1), "year"),
        ("2021-05", D(2021, 5, 1), "month"),
        ("2021-05-27", D(2021, 5, 27), "day"),
    ],
)
def test_partial_dates_round_trip(text: str, day: dt.date, precision: str) -> None:
    assert parsing.parse_partial_date(text) == (day, precision)
    assert parsing.format_partial_date(day, precision) == text


def test_the_last_day_of_a_partial_date() -> None:
    assert parsing.last_day(D(2024, 2, 1), "month") == D(2024, 2, 29)
    assert parsing.last_day(D(2024, 1, 1), "year") == D(2024, 12, 31)
    assert parsing.last_day(D(2024, 1, 5), "day") == D(2024, 1, 5)
    assert parsing.last_day(None, None) is None


@pytest.mark.parametrize("text", ["2021-13", "2021-02-30", "21-05-01", "May 2021", "2021/05"])
def test_malformed_dates_say_what_was_expected(text: str) -> None:
    with pytest.raises(ValueError, match=r"is '.*'"):
        parsing.parse_partial_date(text)


def test_targets_pair_with_units() -> None:
    assert parsing.parse_targets("5000000;1000000", "people;businesses") == [
        (5_000_000, False, "people"),
        (1_000_000, False, "businesses"),
    ]
    assert parsing.parse_targets("+40%", "flights") == [(40.0, True, "flights")]
    assert parsing.parse_targets("", "USD") == [(None, False, "USD")]
    assert parsing.parse_targets("1,200", "") == [(1200.0, False, None)]
    assert parsing.parse_targets(None, None) == []


@pytest.mark.parametrize(
    ("values", "units", "message"),
    [
        ("-5", "people", "cannot be negative"),
        ("lots", "people", "expected a number ≥ 0 or a relative change"),
        ("1;2", "people", "has 2 value(s)"),
        ("-100%", "flights", "above -100%"),
    ],
)
def test_bad_targets(values: str, units: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        parsing.parse_targets(values, units)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("value", "relative", "text"),
    [
        (4e9, False, "4000000000"),
        (0.5, False, "0.5"),
        (40.0, True, "+40%"),
        (-20.0, True, "-20%"),
        (None, False, ""),
    ],
)
def test_targets_format_back_to_their_text(value, relative, text) -> None:
    assert parsing.format_target(value, relative) == text
    if text:
        assert parsing.parse_target(text) == (value, relative)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1000", 1000),
        ("9,796 (FY2021)", 9796),
        ("10 (May 2021)", 10),
        ("~60% of adults unbanked", None),
        ("$750M at May 2021 launch", None),
        ("7-8 flights/week", None),
        (None, None),
    ],
)
def test_a_baseline_number_only_when_the_text_is_one(text, number) -> None:
    assert parsing.baseline_number(text) == number


def test_urls() -> None:
    assert parsing.check_http_url(" https://example.org/a?b=1 ") == "https://example.org/a?b=1"
    for bad in (
        "ftp://example.org/x",
        "example.org",
        "https://",
        "javascript:alert(1)",
        "http://exa mple.org",
    ):
        with pytest.raises(ValueError, match="expected an http"):
            parsing.check_http_url(bad)
    assert parsing.split_urls("https://a.org/1 ; https://b.org/2") == [
        "https://a.org/1",
        "https://b.org/2",
    ]
    assert parsing.join_urls(["https://a.org/1", "https://b.org/2"]) == (
        "https://a.org/1 ; https://b.org/2"
    )


def test_numbers_format_to_the_shortest_exact_text() -> None:
    for value in (0.0, 1.0, 4e9, 945_800_000.0, 0.1, 1 / 3, 2.5e-7):
        assert float(parsing.format_number(value)) == value
    assert parsing.format_number(4e9) == "4000000000"
    assert parsing.format_number(None) == ""
