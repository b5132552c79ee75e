from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import disasters
from rootcauses.sources.base import RawFile

EMDAT_SPEC = next(f for f in disasters.SOURCE.files if f.role == "emdat")
EVENTS_SPEC = next(f for f in disasters.SOURCE.files if f.role == "events")


def _raw(text: str, name: str = "emdat.csv", spec=EMDAT_SPEC, encoding: str = "latin-1"):
    return RawFile(name=name, data=text.encode(encoding), spec=spec, url=spec.url, sha256="0")


def _value(frame: pd.DataFrame, country: str, year: int, indicator: str) -> float:
    rows = frame[
        (frame["country"] == country)
        & (frame["period"] == dt.date(year, 1, 1))
        & (frame["indicator"] == indicator)
    ]
    assert len(rows) == 1, (country, year, indicator)
    return float(rows["value"].iloc[0])


def test_emdat_spot_checks(source_parts) -> None:
    frame = source_parts("disasters")["emdat"].frame
    # Hurricane Mitch, Honduras 1998
    assert _value(frame, "HND", 1998, "disaster_deaths_storm") == 14_600
    assert _value(frame, "HND", 1998, "disaster_affected_storm") == 2_112_000
    assert _value(frame, "HND", 1998, "disaster_damage_usd_storm") == 3_793_600_000
    assert _value(frame, "NIC", 1998, "disaster_deaths_storm") == 3_332
    assert _value(frame, "GTM", 2005, "disaster_deaths_storm") == 1_513  # Stan
    assert _value(frame, "SLV", 2001, "disaster_events_earthquake") == 2
    assert _value(frame, "SLV", 2001, "disaster_deaths_earthquake") == 1_159
    # Natural total for HND 1998 = storm + epidemic (17 deaths)
    assert _value(frame, "HND", 1998, "disaster_deaths_natural") == 14_617


def test_emdat_matches_the_eight_country_extract(source_parts, snapshot) -> None:
    ref = pd.read_csv(snapshot / "drivers/disasters/emdat_country_year_type_1900-2015.csv")
    frame = source_parts("disasters")["emdat"].frame
    ours = frame[frame["country"].isin(ref["iso3"].unique())]
    suffix = {t: s for t, (s, _) in disasters.TYPES.items()}
    for column, stem, scale in [
        ("n_events", "disaster_events", 1),
        ("total_deaths", "disaster_deaths", 1),
        ("total_affected", "disaster_affected", 1),
        ("homeless", "disaster_homeless", 1),
        ("total_damage_thousand_usd", "disaster_damage_usd", 1000),
    ]:
        expected = ref.dropna(subset=[column]).assign(
            indicator=lambda r, s=stem: s + "_" + r["disaster_type"].str.strip().map(suffix),
            period=lambda r: [dt.date(y, 1, 1) for y in r["year"]],
        )
        merged = expected.merge(
            ours,
            left_on=["iso3", "period", "indicator"],
            right_on=["country", "period", "indicator"],
            how="outer",
            indicator=True,
        )
        merged = merged[merged["indicator"].str.startswith(stem + "_")]
        merged = merged[~merged["indicator"].str.endswith(("_natural", "_technological"))]
        assert (merged["_merge"] == "both").all(), column
        assert (merged[column] * scale == merged["value"]).all(), column


def test_transcribed_eta_iota_events(source_parts) -> None:
    events = source_parts("disasters")["disasters_major_events"].frame
    assert set(events["country"]) == {"HND", "GTM", "NIC"}  # regional totals are not events
    gtm = events[events["country"] == "GTM"].iloc[0]
    assert "deaths 60 persons" in gtm["event"]
    assert gtm["date"] == dt.date(2020, 11, 3) and gtm["end_date"] == dt.date(2020, 11, 18)
    assert gtm["source_url"].startswith("https://")
    assert (events["category"] == "disaster").all()


HEADER = (
    'sep=,\nyear,"disaster type",iso," country_name",occurrence,"Total deaths",Affected,'
    'Injured,Homeless,"Total affected","Total damage"\n'
)
GOOD = (
    HEADER
    + "1998,Storm,HND,Honduras,1,14600,2100000,12000,,2112000,3793600\n"
    + "1998,Epidemic,HND,Honduras,2,17,2452,,,2452,\n"
    + "1998,Transport accident,HND,Honduras,1,30,,,,,\n"
    + '1990,Flood,SUN,"Soviet Union",1,5,,,,,\n'
    + '2001,Earthquake,SLV,"El Salvador",2,1159,1000,10,5,1015,\n'
    + "2005,Storm,GTM,Guatemala,1,1513,,,,,\n"
)


def test_group_totals_and_units_on_a_tiny_file() -> None:
    parts = disasters.read([_raw(GOOD)])
    frame = parts[0].frame
    assert _value(frame, "HND", 1998, "disaster_deaths_natural") == 14_617
    assert _value(frame, "HND", 1998, "disaster_deaths_technological") == 30
    assert _value(frame, "HND", 1998, "disaster_damage_usd_natural") == 3_793_600_000
    assert _value(frame, "HND", 1998, "disaster_events_natural") == 3
    # not reported → no row (never a zero)
    assert frame.query("country == 'HND' and indicator == 'disaster_damage_usd_epidemic'").empty
    assert "SUN" not in set(frame["country"])  # former states dropped
    disasters.check(parts)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (GOOD.replace('"Total deaths"', '"Deaths"'), SchemaDriftError, "Total deaths"),
        (GOOD.replace(",14600,", ",many,"), ParseError, r"row 3, column 'Total deaths'"),
        (GOOD.replace("SLV,", "XYZ,"), CheckError, r"row 7, column 'iso'.*XYZ"),
        (GOOD.replace("Earthquake", "Meteor"), ParseError, r"row 7, column 'disaster type'"),
        (GOOD.replace(",2112000,", ",2112001,"), CheckError, r"row 3, column 'Total affected'"),
    ],
)
def test_bad_emdat_names_file_row_and_column(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        disasters.read([_raw(text)])
    assert "emdat.csv" in str(info.value)


EVENTS_HEADER = ",".join(disasters.EVENT_COLUMNS) + "\n"
EVENT_ROW = (
    "Eta and Iota (hurricanes),Honduras,HN,2020-11-03,2020-11-18,deaths,94,persons,COPECO,"
    "https://example.org/a,,\n"
)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (EVENTS_HEADER.replace("measure", "what") + EVENT_ROW, SchemaDriftError, "measure"),
        (EVENTS_HEADER + EVENT_ROW.replace(",94,", ",lots,"), ParseError, "row 2, column 'value'"),
        (EVENTS_HEADER + EVENT_ROW.replace("Honduras", "Atlantis"), CheckError, "Atlantis"),
        (
            EVENTS_HEADER + EVENT_ROW.replace("2020-11-03", "3 Nov"),
            ParseError,
            "row 2, column 'start_date'",
        ),
    ],
)
def test_bad_transcribed_events(text: str, error: type, message: str) -> None:
    events = _raw(text, "events.csv", EVENTS_SPEC, "utf-8")
    with pytest.raises(error, match=message) as info:
        disasters.read([_raw(GOOD), events])
    assert "events.csv" in str(info.value)
