from __future__ import annotations

import datetime as dt

import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import us_labor
from rootcauses.sources.base import FileSpec, RawFile

FEB, APR = dt.date(2020, 2, 1), dt.date(2020, 4, 1)


def _series(source_parts, source_id: str):
    return source_parts("us_labor")[source_id].frame.set_index("period")["value"]


def test_covid_spot_checks_from_source_md(source_parts) -> None:
    assert _series(source_parts, "fred_unrate")[APR] == 14.8
    payrolls = _series(source_parts, "fred_payems")
    assert payrolls[FEB] == 152_292
    assert payrolls[APR] == 130_424  # ~21.9 million jobs lost
    construction = _series(source_parts, "fred_uscons")
    assert construction[FEB] == 7_610
    assert construction[APR] == 6_522


def test_indicators_units_and_coverage(source_parts) -> None:
    parts = source_parts("us_labor")
    expected = {
        "fred_payems": ("us_payrolls", "thousands of persons"),
        "fred_unrate": ("us_unemployment_rate", "%"),
        "fred_uscons": ("us_construction_employment", "thousands of persons"),
    }
    for source_id, (indicator, unit) in expected.items():
        frame = parts[source_id].frame
        assert set(frame["indicator"]) == {indicator}
        assert frame["unit"].iloc[0].startswith(unit)
        assert set(frame["country"]) == {"USA"}
        assert frame["period"].min() == dt.date(1970, 1, 1)
        assert len(frame[frame["period"] <= dt.date(2024, 9, 1)]) == 657


def _raw(series: str, text: str) -> RawFile:
    spec = FileSpec(pattern=f"{series}.csv", url="https://example.invalid/x.csv", role=series)
    return RawFile(name=f"{series}.csv", data=text.encode(), spec=spec, url=spec.url, sha256="0")


def _files(payems: str, unrate: str, uscons: str) -> list[RawFile]:
    return [_raw("PAYEMS", payems), _raw("UNRATE", unrate), _raw("USCONS", uscons)]


GOOD = {
    "payems": "observation_date,PAYEMS\n2024-08-01,157757\n2024-09-01,157912\n",
    "unrate": "observation_date,UNRATE\n2024-08-01,4.2\n2024-09-01,4.1\n",
    "uscons": "observation_date,USCONS\n2024-08-01,8236\n2024-09-01,8254\n",
}


def test_newer_fred_layout_reads() -> None:
    parts = us_labor.read(_files(**GOOD))
    us_labor.check(parts)
    assert [len(p.frame) for p in parts] == [2, 2, 2]


@pytest.mark.parametrize(
    ("field", "text", "error", "message"),
    [
        ("payems", "", ParseError, "PAYEMS.csv: the file is empty"),
        ("unrate", "DATE,UNEMPLOYMENT\n2024-08-01,4.2\n", SchemaDriftError, "UNRATE.csv"),
        ("uscons", "DATE,USCONS\n2024-08-01,n/a\n", ParseError, "USCONS.csv: row 2, column"),
        ("unrate", "DATE,UNRATE\n", ParseError, "UNRATE.csv: no rows"),
    ],
)
def test_bad_input_names_file_row_and_column(
    field: str, text: str, error: type, message: str
) -> None:
    files = _files(**{**GOOD, field: text})
    with pytest.raises(error, match=message):
        us_labor.read(files)


def test_check_refuses_construction_above_total_payrolls() -> None:
    swapped = {**GOOD, "uscons": GOOD["uscons"].replace("8236", "40000")}
    with pytest.raises(CheckError, match=r"USCONS\.csv / PAYEMS\.csv: column 'value'"):
        us_labor.check(us_labor.read(_files(**swapped)))


def test_check_refuses_unemployment_rate_as_a_fraction() -> None:
    fraction = {**GOOD, "unrate": "DATE,UNRATE\n2024-08-01,0.042\n2024-09-01,0.041\n"}
    with pytest.raises(CheckError, match=r"UNRATE\.csv: column 'value' is 0\.042"):
        us_labor.check(us_labor.read(_files(**fraction)))
