from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rootcauses.errors import ParseError, SchemaDriftError
from rootcauses.sources import enso_oni
from rootcauses.sources.base import FileSpec, RawFile

SPEC = FileSpec(pattern="oni.ascii.txt", url=enso_oni.URL)


def _raw(text: str, name: str = "oni.ascii.txt") -> RawFile:
    return RawFile(name=name, data=text.encode(), spec=SPEC, url=SPEC.url, sha256="0")


def _oni(source_parts) -> pd.Series:
    frame = source_parts("enso_oni")["enso_oni"].frame
    oni = frame[frame["indicator"] == "oni"]
    return oni.set_index("period")["value"]


def test_cpc_spot_checks(source_parts) -> None:
    oni = _oni(source_parts)
    assert oni[dt.date(1997, 11, 1)] == 2.40  # OND 1997 → centre month November
    assert oni[dt.date(2015, 12, 1)] == 2.64  # NDJ 2015 → December 2015
    assert oni[dt.date(2023, 12, 1)] == 1.95
    assert oni[dt.date(1950, 1, 1)] == -1.53  # DJF 1950: first season


def test_annual_summaries_reproduce_the_derived_climate_file(source_parts, snapshot) -> None:
    ref = pd.read_csv(snapshot / "drivers/climate/enso_annual_from_oni.csv").set_index("year")
    frame = source_parts("enso_oni")["enso_oni_derived"].frame
    annual = frame[frame["frequency"] == "annual"]
    wide = annual.pivot(index="period", columns="indicator", values="value")
    wide.index = [p.year for p in wide.index]
    both = wide.join(ref.add_prefix("ref_"), how="inner")
    assert len(both) == len(ref)
    assert (both["oni_mean"] - both["ref_oni_mean_12_seasons"]).abs().max() < 6e-4
    assert (both["oni_mean_mjj_aso"] - both["ref_oni_mean_MJJ_to_ASO"]).abs().max() < 6e-4
    for column in ("oni_max", "oni_min", "el_nino_seasons", "la_nina_seasons"):
        assert (both[column] == both[f"ref_{column}"]).all(), column
    phase = both["enso_phase_mjj_aso"].map({1.0: "El Nino", 0.0: "Neutral", -1.0: "La Nina"})
    assert (phase == both["ref_enso_phase_MJJ_to_ASO"]).all()
    # SOURCE.md spot checks: strong El Niño growing seasons, and 2014 neutral by ONI
    assert round(wide.loc[1997, "oni_mean_mjj_aso"], 1) == 1.7
    assert round(wide.loc[2015, "oni_mean_mjj_aso"], 1) == 1.7
    assert round(wide.loc[2023, "oni_mean_mjj_aso"], 2) == 1.18
    assert round(wide.loc[2014, "oni_mean_mjj_aso"], 2) == 0.13


HEADER = " SEAS  YR   TOTAL   ANOM\n"


def _seasons(values: list[float], year: int = 2000) -> str:
    lines = [
        f"  {enso_oni.SEASONS[i % 12]} {year + i // 12}  27.00  {v:5.2f}"
        for i, v in enumerate(values)
    ]
    return HEADER + "\n".join(lines) + "\n"


def test_season_centre_months_and_episode_rule() -> None:
    # 5 seasons ≥ 0.5 make an El Niño episode; 4 seasons ≤ -0.5 are not a La Niña episode.
    values = [0.5, 0.6, 0.9, 1.0, 0.5, -0.9, -0.5, -0.7, -0.8, 0.0, 0.0, 0.1]
    parts = {p.source_id: p.frame for p in enso_oni.read([_raw(_seasons(values))])}
    oni = parts["enso_oni"].query("indicator == 'oni'")
    assert oni["period"].tolist()[0] == dt.date(2000, 1, 1)  # DJF
    assert oni["period"].tolist()[-1] == dt.date(2000, 12, 1)  # NDJ
    flag = parts["enso_oni_derived"].query("indicator == 'enso_episode'")["value"].tolist()
    assert flag == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    annual = parts["enso_oni_derived"].query("frequency == 'annual'")
    values_by_name = annual.set_index("indicator")["value"]
    assert values_by_name["el_nino_seasons"] == 5
    assert values_by_name["la_nina_seasons"] == 0
    assert values_by_name["enso_phase_mjj_aso"] == -1  # MJJ..ASO mean = -0.725


def test_incomplete_year_has_no_annual_mean() -> None:
    parts = {p.source_id: p.frame for p in enso_oni.read([_raw(_seasons([0.1] * 14))])}
    annual = parts["enso_oni_derived"].query("indicator == 'oni_mean'")
    assert annual["period"].tolist() == [dt.date(2000, 1, 1)]


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (" SEAS YR TOTAL ONI\n  DJF 1950  24.72  -1.53\n", SchemaDriftError, "ANOM"),
        (HEADER + "  DJF 1950  24.72  n/a\n", ParseError, "row 2, column 'ANOM'"),
        (HEADER + "  XYZ 1950  24.72  -1.53\n", ParseError, "column 'SEAS'"),
        (HEADER + "  DJF 1950  24.72  -1.53\n  JFM 1950  25.1", ParseError, "line 3"),
        (HEADER + "  DJF 1950  24.72  -1.53\n  DJF 1950  24.72  -1.53\n", ParseError, "twice|more"),
    ],
)
def test_bad_input_names_file_and_line(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        enso_oni.read([_raw(text)])
    assert "oni.ascii.txt" in str(info.value)
