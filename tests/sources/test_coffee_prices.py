from __future__ import annotations

import datetime as dt

import pytest

from rootcauses.errors import CheckError
from rootcauses.sources import coffee_prices
from rootcauses.sources.base import FileSpec, RawFile


def _series(source_parts, source_id: str):
    return source_parts("coffee_prices")[source_id].frame.set_index("period")["value"]


def test_spot_checks_from_source_md(source_parts) -> None:
    arabica = _series(source_parts, "fred_pcoffotmusdm")
    assert arabica[dt.date(2011, 4, 1)] == pytest.approx(300.5, abs=0.05)  # 2011 peak
    assert arabica[dt.date(1994, 7, 1)] == pytest.approx(201.4, abs=0.05)  # Brazil frost
    retail = _series(source_parts, "fred_apu0000717311")
    assert retail[dt.date(2014, 1, 1)] == pytest.approx(5.025)


def test_coverage_countries_and_units(source_parts) -> None:
    parts = source_parts("coffee_prices")
    for source_id in ("fred_pcoffotmusdm", "fred_pcoffrobusdm"):
        frame = parts[source_id].frame
        assert set(frame["country"]) == {"WLD"}
        assert frame["period"].min() == dt.date(1990, 1, 1)
        assert len(frame[frame["period"] <= dt.date(2024, 9, 1)]) == 417
        assert frame["unit"].iloc[0].startswith("US cents per pound")
    retail = parts["fred_apu0000717311"].frame
    assert set(retail["country"]) == {"USA"}
    assert retail["period"].min() == dt.date(1980, 1, 1)
    assert retail["unit"].iloc[0].startswith("US dollars per pound")
    assert set(retail["frequency"]) == {"monthly"}


def _raw(text: str, name: str = "PCOFFOTMUSDM.csv", role: str = "PCOFFOTMUSDM") -> RawFile:
    spec = FileSpec(pattern=name, url="https://example.invalid/x.csv", role=role)
    return RawFile(name=name, data=text.encode(), spec=spec, url=spec.url, sha256="0")


def test_check_refuses_values_out_of_range() -> None:
    files = [
        _raw("DATE,PCOFFOTMUSDM\n2024-01-01,2.5\n"),  # dollars, not cents
        _raw("DATE,PCOFFROBUSDM\n2024-01-01,200\n", "PCOFFROBUSDM.csv", "PCOFFROBUSDM"),
        _raw(
            "observation_date,APU0000717311\n2024-01-01,6.3\n",
            "APU0000717311_us_retail_ground_coffee.csv",
            "APU0000717311",
        ),
    ]
    parts = coffee_prices.read(files)
    with pytest.raises(CheckError, match=r"PCOFFOTMUSDM\.csv: column 'value' is 2\.5"):
        coffee_prices.check(parts)


def test_check_refuses_imf_series_of_different_releases() -> None:
    files = [
        _raw("DATE,PCOFFOTMUSDM\n2024-01-01,250\n2024-02-01,251\n"),
        _raw("DATE,PCOFFROBUSDM\n2024-01-01,200\n", "PCOFFROBUSDM.csv", "PCOFFROBUSDM"),
        _raw(
            "date,value\n2024-01-01,6.3\n",
            "APU0000717311_us_retail_ground_coffee.csv",
            "APU0000717311",
        ),
    ]
    with pytest.raises(CheckError, match="different months"):
        coffee_prices.check(coffee_prices.read(files))
