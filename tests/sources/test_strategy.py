from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError, SourceError
from rootcauses.sources import strategy
from rootcauses.sources.base import FileSpec, RawFile


def _parts(source_parts):
    return source_parts("strategy")


def test_tables_as_documented(source_parts) -> None:
    parts = _parts(source_parts)
    assert len(parts["strategy_pillars"].frame) == 23
    assert len(parts["strategy_commitments"].frame) == 56
    assert len(parts["strategy_progress"].frame) == 43
    assert len(parts["strategy_events"].frame) == 60
    assert len(parts["strategy_event_details"].frame) == 60
    assert len(parts["strategy_aid_headlines"].frame) == 9
    # every published column is kept
    for source_id, columns in (
        ("strategy_pillars", strategy.PILLAR_COLUMNS),
        ("strategy_commitments", strategy.COMMITMENT_COLUMNS),
        ("strategy_progress", strategy.PROGRESS_COLUMNS),
    ):
        assert set(columns) <= set(parts[source_id].frame.columns), source_id


def test_commitments_by_actor_type_and_c900_running_totals(source_parts) -> None:
    parts = _parts(source_parts)
    commitments = parts["strategy_commitments"].frame
    assert commitments["actor_type"].value_counts().to_dict() == {
        "private": 33,
        "us_gov": 15,
        "ngo": 4,
        "partner_gov": 3,
        "multilateral": 1,
    }
    c001 = commitments.set_index("id").loc["C001"]
    assert c001["amount_usd"] == 4_000_000_000
    assert c001["country_iso3"] == "XNT"
    assert c001["pillar_id"] == "P1;P2;P3;P4;P5"
    c101 = commitments.set_index("id").loc["C101"]
    assert (c101["target_value"], c101["unit"]) == ("5000000;1000000", "people;businesses")
    progress = parts["strategy_progress"].frame
    c900 = progress[(progress["commitment_id"] == "C900") & (progress["unit"] == "USD committed")]
    assert c900.sort_values("report_date")["value"].tolist() == [750e6, 1.2e9, 3.2e9, 4.2e9, 5.2e9]


def test_dates_keep_their_precision(source_parts) -> None:
    parts = _parts(source_parts)
    commitments = parts["strategy_commitments"].frame.set_index("id")
    assert commitments.loc["C002", "announced_date"] == "2023-03"
    assert commitments.loc["C002", "announced_date_precision"] == "month"
    assert commitments.loc["C001", "announced_date_precision"] == "day"
    details = parts["strategy_event_details"].frame
    drought = details[details["date_text"] == "2019"]
    assert drought["date_precision"].tolist() == ["year"]
    assert drought["date"].tolist() == [dt.date(2019, 1, 1)]


def test_events_timeline(source_parts) -> None:
    events = _parts(source_parts)["strategy_events"].frame
    assert events["category"].value_counts().to_dict() == {
        "policy": 22,
        "corruption": 15,
        "election": 7,
        "aid": 6,
        "disaster": 5,
        "strategy": 4,
        "security": 1,
    }
    assert set(events["country"]) == {"GTM", "HND", "SLV", "XNT"}
    title42 = events[events["event"].str.contains("Title 42")].iloc[0]
    assert (title42["date"], title42["end_date"]) == (dt.date(2020, 3, 20), dt.date(2023, 5, 11))
    exception = events[events["category"] == "security"].iloc[0]
    assert (exception["date"], exception["country"]) == (dt.date(2022, 3, 27), "SLV")
    # an end date given to the month ends on its last day
    assert dt.date(2023, 11, 30) in set(events["end_date"])


def test_aid_indicators(source_parts) -> None:
    part = _parts(source_parts)["us_aid_country_summary"]
    aid = part.frame.set_index(["country", "period", "indicator"])["value"]
    assert len(part.frame) == 540  # 270 rows x current and constant
    assert aid["SLV", dt.date(2014, 10, 1), "us_aid_obligations_fy"] == 332_094_574
    assert aid["GTM", dt.date(2005, 10, 1), "us_aid_appropriated_and_planned_fy"] == 56_467_000
    assert aid["GTM", dt.date(2005, 10, 1), "us_aid_appropriated_and_planned_constant_fy"] == (
        70_597_876
    )
    assert part.status == "derived"
    assert "FY2023" in part.notes
    units = part.frame.groupby("indicator")["unit"].first()
    assert units["us_aid_obligations_fy"] == "current USD"
    assert units["us_aid_obligations_constant_fy"].startswith("constant USD")


def test_aid_headlines(source_parts) -> None:
    headlines = _parts(source_parts)["strategy_aid_headlines"].frame
    values = headlines.set_index(["fiscal_year_label", "measure"])["amount_usd"]
    assert values["FY2022", "President's request"] == 861_000_000
    assert values["FY2024", "President's request"] == 945_800_000
    status = headlines[headlines["fiscal_year_label"] == "FY2021-FY2024"]
    assert status["amount_usd"].isna().all()


# ---------------------------------------------------------------- tiny inputs


def _raw(text: str, role: str, name: str = "strategy.csv") -> RawFile:
    spec = FileSpec(pattern="*.csv", url="https://example.invalid/", role=role)
    return RawFile(name=name, data=text.encode(), spec=spec, url=spec.url, sha256="0")


EVENT_HEADER = ",".join(strategy.EVENT_COLUMNS) + "\n"
COMMITMENT_HEADER = ",".join(strategy.COMMITMENT_COLUMNS) + "\n"


def _commitment(cid: str, pillar: str = "P1", date: str = "2021-05", url: str = "https://x") -> str:
    return f"{cid},Acme,private,GT,{pillar},do it,jobs,10,jobs,,{date},2025,,{url},2021,\n"


@pytest.mark.parametrize(
    ("role", "text", "error", "message"),
    [
        ("events", "", ParseError, "empty"),
        ("events", EVENT_HEADER.replace("category", "kind"), SchemaDriftError, "category"),
        (
            "events",
            EVENT_HEADER + "2021-13,,GT,policy,x,https://x,\n",
            ParseError,
            "row 2, column 'date'",
        ),
        (
            "events",
            EVENT_HEADER + "2021-02-30,,GT,policy,x,https://x,\n",
            ParseError,
            "row 2, column 'date'",
        ),
        ("events", EVENT_HEADER + "2021,,GT,weather,x,https://x,\n", ParseError, "category"),
        ("events", EVENT_HEADER + "2021,,Atlantis,policy,x,https://x,\n", CheckError, "Atlantis"),
        (
            "commitments",
            COMMITMENT_HEADER + _commitment("C1", date="May 2021"),
            ParseError,
            "row 2, column 'announced_date'",
        ),
        (
            "commitments",
            COMMITMENT_HEADER.replace(",amount_usd", ",amount"),
            SchemaDriftError,
            "amount_usd",
        ),
    ],
)
def test_bad_input_names_file_row_and_column(
    role: str, text: str, error: type, message: str
) -> None:
    reader = {"events": strategy.events_parts, "commitments": strategy.commitments_part}[role]
    with pytest.raises(error, match=message) as info:
        reader(_raw(text, role))
    assert "strategy.csv" in str(info.value)


def _tracker_parts(commitments: str, progress_ids: list[str]) -> list:
    pillars = ",".join(strategy.PILLAR_COLUMNS) + "\nP1,RCS,Pillar I,,jobs,https://x,\n"
    progress = (
        ",".join(strategy.PROGRESS_COLUMNS)
        + "\n"
        + "".join(f"{cid},2022-06,5,jobs,five jobs,https://x,\n" for cid in progress_ids)
    )
    events = EVENT_HEADER + "2021-06,2022,regional,policy,a policy,https://x,\n"
    aid = (
        ",".join(strategy.AID_COLUMNS)
        + "\n"
        + "".join(f"{c},n,2020,Obligations,10,11,u,c,ok,\n" for c in ("GT", "HN", "SV"))
    )
    headlines = ",".join(strategy.HEADLINE_COLUMNS) + "\nFY2022,CA,request,5,https://x,\n"
    return strategy.read(
        [
            _raw(events, "events"),
            _raw(pillars, "pillars"),
            _raw(COMMITMENT_HEADER + commitments, "commitments"),
            _raw(progress, "progress"),
            _raw(aid, "aid_copy"),
            _raw(headlines, "aid_headlines"),
        ]
    )


def test_tiny_tracker_passes_check_and_events_cover_their_periods() -> None:
    parts = _tracker_parts(_commitment("C1"), ["C1"])
    strategy.check(parts)
    events = {p.source_id: p for p in parts}["strategy_events"].frame
    assert (events["date"][0], events["end_date"][0]) == (
        dt.date(2021, 6, 1),
        dt.date(2022, 12, 31),
    )
    assert events["country"][0] == "XNT"


@pytest.mark.parametrize(
    ("commitments", "progress", "message"),
    [
        (_commitment("C1") + _commitment("C1"), ["C1"], "'id' value 'C1'"),
        (_commitment("C1", pillar="P1;P9"), ["C1"], r"unknown pillar\(s\) \['P9'\]"),
        (_commitment("C1"), ["C2"], r"unknown or missing id\(s\) \['C2'\]"),
        (_commitment("C1", url="www.example.org"), ["C1"], "www.example.org"),
    ],
)
def test_check_finds_broken_references(commitments: str, progress: list[str], message: str) -> None:
    parts = _tracker_parts(commitments, progress)
    with pytest.raises(CheckError, match=message):
        strategy.check(parts)


OFFICIAL_HEADER = (
    "Country Code,Country Name,Region ID,Region Name,Income Group Acronym,Income Group Name,"
    "Transaction Type ID,Transaction Type Name,Fiscal Year,current_amount,constant_amount\n"
)


def test_official_foreignassistance_file_is_read_when_present() -> None:
    rows = [
        "GTM,Guatemala,6,Western Hemisphere,LMIC,x,2,Obligations,2024,100,90",
        "GTM,Guatemala,6,Western Hemisphere,LMIC,x,2,Obligations,1976tq,5,20",
        "MEX,Mexico,6,Western Hemisphere,UMIC,x,2,Obligations,2024,700,600",
        "SLV,El Salvador,6,Western Hemisphere,LMIC,x,3,Disbursements,2023,-4,-3",
    ]
    official = _raw(OFFICIAL_HEADER + "\n".join(rows) + "\n", "aid_official", "us_aid.csv")
    part = strategy.aid_part(official, official=True)
    frame = part.frame.set_index(["country", "period", "indicator"])["value"]
    assert frame.to_dict() == {
        ("GTM", dt.date(2023, 10, 1), "us_aid_obligations_fy"): 100.0,
        ("SLV", dt.date(2022, 10, 1), "us_aid_disbursements_fy"): -4.0,
        ("GTM", dt.date(2023, 10, 1), "us_aid_obligations_constant_fy"): 90.0,
        ("SLV", dt.date(2022, 10, 1), "us_aid_disbursements_constant_fy"): -3.0,
    }
    assert part.status == "official"


@pytest.mark.parametrize(
    ("row", "error", "message"),
    [
        ("GTM,Guatemala,6,W,L,x,2,Obligations,FY24,1,1", ParseError, "row 2, column 'Fiscal Year'"),
        (
            "GTM,Guatemala,6,W,L,x,2,Loans,2024,1,1",
            ParseError,
            "row 2, column 'Transaction Type Name'",
        ),
        (
            "GTM,Guatemala,6,W,L,x,2,Obligations,2024,lots,1",
            ParseError,
            "row 2, column 'current_amount'",
        ),
    ],
)
def test_bad_official_aid_rows(row: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        strategy.aid_part(_raw(OFFICIAL_HEADER + row + "\n", "aid_official", "us.csv"), True)
    assert "us.csv" in str(info.value)


def test_missing_aid_file_is_an_error() -> None:
    with pytest.raises(SourceError, match=r"ForeignAssistance\.gov"):
        strategy.read(_tracker_files_without_aid())


def _tracker_files_without_aid() -> list[RawFile]:
    parts = {
        "events": EVENT_HEADER + "2021,,GT,policy,x,https://x,\n",
        "pillars": ",".join(strategy.PILLAR_COLUMNS) + "\nP1,RCS,Pillar I,,jobs,https://x,\n",
        "commitments": COMMITMENT_HEADER + _commitment("C1"),
        "progress": ",".join(strategy.PROGRESS_COLUMNS) + "\n",
        "aid_headlines": ",".join(strategy.HEADLINE_COLUMNS) + "\n",
    }
    return [_raw(text, role) for role, text in parts.items()]


def test_partial_dates_helper() -> None:
    text, precision = strategy.partial_dates(
        pd.Series(["2021", "2021-06", "2021-06-07", ""]), "f.csv", "d"
    )
    assert text.tolist() == ["2021", "2021-06", "2021-06-07", None]
    assert precision.tolist() == ["year", "month", "day", None]
    assert strategy.period_end("2024-02") == dt.date(2024, 2, 29)
    assert strategy.period_start("2024") == dt.date(2024, 1, 1)
