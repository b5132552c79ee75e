from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import drought
from rootcauses.sources.base import RawFile

SPECS = {f.role: f for f in drought.SOURCE.files}
GTM_JSON_SPEC = next(f for f in drought.SOURCE.files if f.pattern.endswith("_GTM.json"))
FOLDER = "drivers/drought"


def _raw(data: str | bytes, name: str, role: str) -> RawFile:
    spec = GTM_JSON_SPEC if role == "cckp_json" else SPECS[role]
    payload = data.encode() if isinstance(data, str) else data
    return RawFile(name=name, data=payload, spec=spec, url=spec.url, sha256="0")


def _wide(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.pivot_table(index=["country", "period"], columns="indicator", values="value")


def _at(frame: pd.DataFrame, country: str, year: int, indicator: str, month: int = 1) -> float:
    rows = frame[
        (frame["country"] == country)
        & (frame["period"] == dt.date(year, month, 1))
        & (frame["indicator"] == indicator)
    ]
    assert len(rows) == 1, (country, year, month, indicator)
    return float(rows["value"].iloc[0])


# ---- the real snapshot ---------------------------------------------------------------------


def test_documented_droughts_are_negative_anomalies(source_parts) -> None:
    derived = source_parts("drought")["cru_precip_derived"].frame
    z = pytest.approx  # SOURCE.md quotes z to 2 decimals and % of normal to whole numbers
    assert _at(derived, "GTM", 2015, "precip_may_aug_primera_z") == z(-1.98, abs=0.006)
    assert _at(derived, "GTM", 2015, "precip_jul_aug_canicula_pct_of_normal") == z(61, abs=0.6)
    assert _at(derived, "HND", 2019, "precip_may_oct_z") == z(-1.96, abs=0.006)
    assert _at(derived, "HND", 2019, "precip_may_aug_primera_z") == z(-2.00, abs=0.006)
    assert _at(derived, "SLV", 2019, "precip_may_oct_z") == z(-1.80, abs=0.006)
    assert _at(derived, "GTM", 2009, "precip_may_oct_z") == z(-1.25, abs=0.006)
    assert _at(derived, "HND", 2009, "precip_may_oct_z") == z(-1.37, abs=0.006)
    assert _at(derived, "HND", 2014, "precip_may_oct_z") == z(-1.04, abs=0.006)
    assert _at(derived, "GTM", 2014, "precip_jul_aug_canicula_pct_of_normal") == z(71, abs=0.6)
    # Hurricane Mitch: a wet October 1998 in Honduras (z = +2.56 in the old 1991-2016 vintage;
    # +1.5 vs 1991-2020 in CRU TS 4.09, fourth-wettest October since 1950)
    assert _at(derived, "HND", 1998, "precip_z", month=10) > 1.5


def test_monthly_anomalies_reproduce_the_csv_columns(source_parts, snapshot) -> None:
    ref = pd.read_csv(
        next((snapshot / FOLDER).glob("precip_monthly_by_country_cru_ts*_cckp_*.csv"))
    )
    ref["period"] = [dt.date(y, m, 1) for y, m in zip(ref["year"], ref["month"], strict=True)]
    ref = (
        ref.drop(columns="country")
        .rename(columns={"iso3": "country"})
        .set_index(["country", "period"])
    )
    parts = source_parts("drought")
    ours = _wide(pd.concat([parts["cru_precip"].frame, parts["cru_precip_derived"].frame]))
    ref = ref.rename(columns={"precip_pct_of_normal": "precip_pct_of_normal_y"})
    both = ours.join(ref, how="inner")
    assert len(both) == len(ref)
    assert (both["precip"] - both["precip_mm"]).abs().max() < 1e-9
    assert (both["precip_z"] - both["precip_z_1991_2020"]).abs().max() <= 5e-4 + 1e-9
    assert (
        both["precip_pct_of_normal"] - both["precip_pct_of_normal_y"]
    ).abs().max() <= 0.05 + 1e-9


def test_seasonal_totals_reproduce_the_derived_file(source_parts, snapshot) -> None:
    ref = pd.read_csv(
        next((snapshot / FOLDER).glob("precip_seasonal_annual_by_country_cru_ts*_cckp_*.csv"))
    )
    ref["period"] = [dt.date(y, 1, 1) for y in ref["year"]]
    ref = (
        ref.drop(columns="country")
        .rename(columns={"iso3": "country"})
        .set_index(["country", "period"])
    )
    derived = source_parts("drought")["cru_precip_derived"].frame
    ours = _wide(derived[derived["frequency"] == "annual"])
    ref = ref.rename(columns=lambda c: f"{c}_ref" if c.endswith("_pct_of_normal") else c)
    both = ours.join(ref, how="inner")
    assert len(both) == len(ref)
    for stem in drought.SEASONS:
        assert (both[stem] - both[f"{stem}_mm"]).abs().max() < 1e-6, stem
        assert (both[f"{stem}_z"] - both[f"{stem}_z_1991_2020"]).abs().max() <= 5e-4 + 1e-9
        pct = both[f"{stem}_pct_of_normal"] - both[f"{stem}_pct_of_normal_ref"]
        assert pct.abs().max() <= 0.05 + 1e-9, stem


def test_era5_cross_checks(source_parts, snapshot) -> None:
    parts = source_parts("drought")
    temp = parts["era5_temperature"].frame
    ref = pd.read_csv(next((snapshot / FOLDER).glob("temp_monthly_by_country_era5_owid_*.csv")))
    ref["period"] = [dt.date(y, m, 1) for y, m in zip(ref["year"], ref["month"], strict=True)]
    ours = _wide(temp).join(
        ref.drop(columns="country")
        .rename(columns={"iso3": "country"})
        .set_index(["country", "period"])
    )
    assert (ours["temp_anomaly_era5"] - ours["temp_anom_1991_2020_c"]).abs().max() <= 0.005 + 1e-9
    precip = parts["era5_precip"].frame
    assert set(precip["country"]) >= {"GTM", "HND", "SLV"}
    assert parts["era5_precip"].status == "derived"
    # annual ERA5 and CRU totals are correlated (SOURCE.md: 0.88 for GT, 1991-2024)
    cru = parts["cru_precip_derived"].frame.query("indicator == 'precip_annual'")
    gt = pd.merge(
        cru.query("country == 'GTM'"), precip.query("country == 'GTM'"), on="period"
    ).query("period >= @dt.date(1991, 1, 1)")
    assert np.corrcoef(gt["value_x"], gt["value_y"])[0, 1] > 0.8


# ---- tiny hand-made files --------------------------------------------------------------------


def _synthetic(code: str, years: range) -> dict[str, float]:
    """Rain that is wetter every year, with a seasonal cycle (30 baseline years included)."""
    return {
        f"{y}-{m:02d}": round(100 + 10 * np.sin(m) + (y - 1991), 2)
        for y in years
        for m in range(1, 13)
    }


def test_cckp_json_is_the_official_format_and_takes_precedence() -> None:
    doc = {"data": {"GTM": _synthetic("GTM", range(1991, 2022))}}
    json_file = _raw(json.dumps(doc), "cckp_cru_pr_monthly_GTM.json", "cckp_json")
    csv = "iso3,iso2,country,year,month,precip_mm\n" + "".join(
        f"{c},XX,x,{y},{m},{v}\n"
        for c in ("GTM", "HND")
        for y in range(1991, 2021)
        for m, v in [(mo, 999.0 if c == "GTM" else 50.0 + mo) for mo in range(1, 13)]
    )
    csv_file = _raw(csv, "precip_monthly_by_country_cru_ts409_cckp_1901-2024.csv", "cru_csv")
    parts = {p.source_id: p for p in drought.read([csv_file, json_file])}
    cru = parts["cru_precip"]
    assert cru.status == "derived"  # HND still comes from the CSV
    assert "CCKP API JSON for ['GTM']" in cru.notes
    gtm = cru.frame.query("country == 'GTM'")
    assert gtm["value"].max() < 999  # the JSON won over the CSV for GTM
    assert gtm["period"].max() == dt.date(2021, 12, 1)
    derived = parts["cru_precip_derived"].frame
    # 2021 is one year wetter than 2020: z of the annual total is above the baseline's
    assert _at(derived, "GTM", 2021, "precip_annual_z") > _at(
        derived, "GTM", 2020, "precip_annual_z"
    )
    only_json = {p.source_id: p for p in drought.read([json_file])}
    assert only_json["cru_precip"].status == "official"


def test_incomplete_seasons_are_left_out() -> None:
    series = _synthetic("GTM", range(1991, 2021))
    series.update({f"2021-{m:02d}": 80.0 for m in range(1, 9)})  # Jan-Aug 2021 only
    doc = json.dumps({"data": {"GTM": series}})
    parts = {p.source_id: p for p in drought.read([_raw(doc, "g.json", "cckp_json")])}
    annual = parts["cru_precip_derived"].frame.query(
        "period == @dt.date(2021, 1, 1) and frequency == 'annual'"
    )
    assert set(annual["indicator"].str.replace(r"_(z|pct_of_normal)$", "", regex=True)) == {
        "precip_may_aug_primera",
        "precip_jul_aug_canicula",
    }


CSV_HEADER = "iso3,iso2,country,year,month,precip_mm\n"
CSV_NAME = "precip_monthly_by_country_cru_ts409_cckp_1901-2024.csv"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (
            CSV_HEADER.replace("precip_mm", "pr") + "GTM,GT,G,1991,1,5\n",
            SchemaDriftError,
            "precip_mm",
        ),
        (CSV_HEADER + "GTM,GT,G,1991,1,wet\n", ParseError, "row 2, column 'precip_mm'"),
        (CSV_HEADER + "GTM,GT,G,1991,13,5\n", ParseError, "row 2, column 'month'"),
        (CSV_HEADER + "ATL,AT,Atlantis,1991,1,5\n", CheckError, "row 2, column 'iso3'.*ATL"),
        (CSV_HEADER + "GTM,GT,G,1991,1,5\n", CheckError, "baseline"),
    ],
)
def test_bad_csv_names_file_row_and_column(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        drought.read([_raw(text, CSV_NAME, "cru_csv")])
    assert CSV_NAME in str(info.value) or "baseline" in message


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        ("{not json", ParseError, "not readable JSON"),
        ('{"values": [1, 2]}', SchemaDriftError, "found keys \\['values'\\]"),
        ('{"data": {"GTM": {"1991/01": 3.0}}}', ParseError, "'1991/01'"),
        ('{"data": {"GTM": {"1991-01": "wet"}}}', ParseError, "column \"data\\['GTM'\\]\""),
        ('{"data": {"XQZ": {"1991-01": 3.0}}}', CheckError, "XQZ"),
    ],
)
def test_bad_cckp_json_names_file(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        drought.read([_raw(text, "cckp_cru_pr_monthly_GTM.json", "cckp_json")])
    assert "cckp_cru_pr_monthly_GTM.json" in str(info.value)
