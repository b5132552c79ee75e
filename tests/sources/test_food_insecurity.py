from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import food_insecurity
from rootcauses.sources.base import FileSpec, Part, RawFile


def _ipc(source_parts, country: str, start: str, end: str) -> dict[str, float]:
    frame = source_parts("food_insecurity")["ipc_acute_food_insecurity"].frame
    period = dt.date.fromisoformat(start + "-01")
    rows = frame[
        (frame["country"] == country)
        & (frame["period"] == period)
        & (pd.to_datetime(frame["period_end"]).dt.strftime("%Y-%m") == end)
    ]
    return rows.set_index("indicator")["value"].to_dict()


def _pou(source_parts, source_id: str) -> pd.Series:
    frame = source_parts("food_insecurity")[source_id].frame
    years = pd.to_datetime(frame["period"]).dt.year
    return frame.assign(year=years).set_index(["country", "year"])["value"]


# --- spot checks of SOURCE.md ----------------------------------------------------------------


def test_honduras_after_eta_and_iota(source_parts) -> None:
    current = _ipc(source_parts, "HND", "2020-12", "2021-03")
    assert current["ipc_phase3plus_people"] == 2_900_000
    assert current["ipc_phase3plus_share"] == 31.0
    assert current["ipc_phase4_people"] == 614_000
    later = _ipc(source_parts, "HND", "2021-07", "2021-09")
    assert later == {"ipc_phase3plus_people_projected": 3_300_000}


def test_el_salvador_2020_2021(source_parts) -> None:
    current = _ipc(source_parts, "SLV", "2020-11", "2021-02")
    assert current["ipc_phase3plus_people"] == 684_000
    assert current["ipc_phase3plus_share"] == 10.0
    assert current["ipc_phase3_people"] + current["ipc_phase4_people"] == 684_000
    assert _ipc(source_parts, "SLV", "2021-03", "2021-05")["ipc_phase3plus_people_projected"] == (
        985_000
    )
    assert _ipc(source_parts, "SLV", "2021-06", "2021-08")["ipc_phase3plus_people_projected"] == (
        1_040_000
    )


def test_guatemala_2022(source_parts) -> None:
    assert _ipc(source_parts, "GTM", "2022-03", "2022-05")["ipc_phase3plus_people"] == 3_900_000
    assert _ipc(source_parts, "GTM", "2022-06", "2022-09")["ipc_phase3plus_people_projected"] == (
        4_600_000
    )
    assert _ipc(source_parts, "GTM", "2022-10", "2023-02")["ipc_phase3plus_people_projected"] == (
        3_200_000
    )


def test_undernourishment_vintages(source_parts) -> None:
    primary = _pou(source_parts, "fao_undernourishment")
    older = _pou(source_parts, "fao_undernourishment_2022")
    assert primary["HND", 2018] == pytest.approx(13.7)
    assert primary["HND", 2022] == pytest.approx(20.4)
    assert primary["GTM", 2019] == pytest.approx(14.1)
    assert older["GTM", 2019] == pytest.approx(16.8, abs=0.05)
    assert primary["USA", 2010] == pytest.approx(2.5)  # FAO floor: "< 2.5%"
    assert "WLD" in primary.index.get_level_values("country")


def test_trifinio_and_undated_rows_only_in_the_extra_table(source_parts) -> None:
    parts = source_parts("food_insecurity")
    table = parts["ipc_analyses"].frame
    assert len(table) == 27
    assert (table["countries"] == "SLV;GTM;HND").sum() == 5
    assert table["period_start"].isna().sum() == 1  # GT 2024/25 first projection period
    indicators = parts["ipc_acute_food_insecurity"].frame
    people = indicators["indicator"].str.startswith("ipc_phase3plus_people")
    assert people.sum() == 27 - 5 - 1


# --- bad input ---------------------------------------------------------------------------------

SPEC = FileSpec(pattern="*", url="https://example.invalid/x")
IPC = ",".join(food_insecurity.IPC_COLUMNS) + "\n"
GOOD = "HN,Honduras,2021-02,2020-12,2021-03,current,2900000,31.0,,614000,,https://x,,\n"


def _raw(text: str, name: str = "ipc.csv") -> RawFile:
    return RawFile(name=name, data=text.encode(), spec=SPEC, url=SPEC.url, sha256="0")


def test_ipc_periods() -> None:
    rows = food_insecurity.read_ipc(_raw(IPC + GOOD))
    assert rows.loc[0, "period_start"] == dt.date(2020, 12, 1)
    assert rows.loc[0, "period_end"] == dt.date(2021, 3, 31)
    long = food_insecurity.ipc_indicators(rows)
    assert set(long["indicator"]) == {
        "ipc_phase3plus_people",
        "ipc_phase3plus_share",
        "ipc_phase4_people",
    }


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (IPC.replace("people_ipc3plus", "people"), SchemaDriftError, "people_ipc3plus"),
        (IPC + GOOD.replace("2021-03", "2021-13"), ParseError, "row 2, column 'period_end'"),
        (IPC + GOOD.replace("current", "forecast"), ParseError, "row 2, column 'period_type'"),
        (
            IPC + GOOD.replace("2900000", "2.9 million"),
            ParseError,
            "row 2, column 'people_ipc3plus'",
        ),
        (IPC + GOOD.replace("HN,", "XX,", 1), CheckError, "row 2, column 'iso2'"),
        (IPC + GOOD.replace("2020-12", "2021-12", 1), CheckError, "row 2: period_start is after"),
    ],
)
def test_bad_ipc_file(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        food_insecurity.read_ipc(_raw(text))
    assert "ipc.csv" in str(info.value)


OWID = "Entity,Code,Year,Prevalence of undernourishment (% of population)\n"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (OWID.replace("Prevalence of undernourishment", "Share"), SchemaDriftError, "one value"),
        (OWID + "Guatemala,GTM,2019,<2.5\n", ParseError, "row 2, column 'Prevalence"),
        (OWID + "Guatemala,GTM,20x9,14.1\n", ParseError, "row 2, column 'Year'"),
    ],
)
def test_bad_undernourishment_file(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        food_insecurity.read_pou(_raw(text, "pou.csv"), "fao_undernourishment", "t", "n")
    assert "pou.csv" in str(info.value)


def test_check_rejects_phases_that_do_not_add_up(source_parts) -> None:
    parts = source_parts("food_insecurity")
    table = parts["ipc_analyses"].frame.copy()
    table.loc[table["people_ipc4"] == 614_000, "people_ipc3"] = 1_000_000
    broken = [
        Part(p.source_id, p.table, table if p.source_id == "ipc_analyses" else p.frame, p.title)
        for p in parts.values()
    ]
    with pytest.raises(CheckError, match=r"Phase 3 .* differs from Phase 3"):
        food_insecurity.check(broken)
