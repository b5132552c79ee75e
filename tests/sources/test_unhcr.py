from __future__ import annotations

import bz2
import datetime as dt
import gzip
import lzma
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr
import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import unhcr
from rootcauses.sources.base import FileSpec, RawFile

FIVE = ["GTM", "HND", "SLV", "NIC", "MEX"]


@pytest.fixture
def parts(source_parts):
    return source_parts("unhcr")


@pytest.fixture
def applications(parts) -> pd.DataFrame:
    return parts["unhcr_asylum_applications"].frame


@pytest.fixture
def by_origin(parts) -> pd.Series:
    return parts["unhcr_by_origin"].frame.set_index(["indicator", "country", "period"])["value"]


def _jan(year: int) -> dt.date:
    return dt.date(year, 1, 1)


# --- the Checks of SOURCE.md on the snapshot ---------------------------------------------------


def test_row_counts_and_years(parts) -> None:
    expected = {
        "unhcr_population": (138_893, 1951, 2025),
        "unhcr_asylum_applications": (120_597, 2000, 2025),
        "unhcr_asylum_decisions": (113_929, 2000, 2025),
        "unhcr_solutions": (21_258, 1959, 2025),
    }
    for source_id, (rows, first, last) in expected.items():
        frame = parts[source_id].frame
        assert len(frame) == rows, source_id
        assert (frame["year"].min(), frame["year"].max()) == (first, last), source_id


def test_new_us_applications_mix_persons_and_cases(applications) -> None:
    new_us = applications.query("app_type == 'N' and asylum == 'USA'")
    assert new_us.groupby("year")["applied"].sum()[2023] == 1_176_051
    y2019 = new_us[new_us["year"] == 2019].groupby(["dec_level", "app_pc"])["applied"].sum()
    assert y2019.sum() == 256_198
    assert y2019["EO", "P"] == 166_731  # immigration court: persons
    assert y2019["IN", "C"] == 89_467  # USCIS affirmative: cases


def test_applications_by_central_american_origin_all_destinations(applications) -> None:
    table = (
        applications[applications["origin"].isin(FIVE)]
        .groupby(["year", "origin"])["applied"]
        .sum()
        .unstack()[FIVE]
    )
    assert table.loc[2014].tolist() == [9_249, 8_015, 11_730, 486, 14_166]
    assert table.loc[2019].tolist() == [59_952, 80_162, 57_439, 52_919, 40_191]
    assert table.loc[2023].tolist() == [50_809, 97_671, 35_559, 127_158, 73_173]


def test_nicaraguan_applications_2018_by_destination(applications) -> None:
    nic = applications.query("origin == 'NIC' and year == 2018").groupby("asylum")["applied"]
    assert nic.sum()[["CRI", "PAN", "USA"]].tolist() == [23_151, 2_874, 1_685]


def test_northern_triangle_refugees_and_asylum_seekers_abroad(by_origin) -> None:
    stock = by_origin["refugees_and_asylum_seekers_abroad"]
    nt = stock[stock.index.get_level_values("country").isin(["GTM", "HND", "SLV"])]
    totals = nt.groupby(level="period").sum()
    assert totals[_jan(2014)] == 66_583
    assert totals[_jan(2019)] == 469_215  # UNHCR: ~470,000 for Northern Central America
    assert totals[_jan(2024)] == 778_851


def test_new_applications_indicator_is_the_n_rows_summed(by_origin, applications) -> None:
    new = applications.query("app_type == 'N' and origin == 'HND' and year == 2019")
    assert by_origin["asylum_applications_new", "HND", _jan(2019)] == new["applied"].sum()
    assert by_origin["asylum_applications_new", "HND", _jan(2019)] < 80_162  # all app types


def test_special_origin_codes(parts, by_origin) -> None:
    population = parts["unhcr_population"].frame
    origins = set(population["origin"])
    assert {"XXX", "XXA", "TIB"} <= origins
    assert "UNK" not in origins
    indicator_countries = set(by_origin.index.get_level_values("country"))
    assert not {"XXX", "XXA", "TIB"} & indicator_countries
    assert parts["unhcr_by_origin"].status == "derived"


# --- tiny files built here ---------------------------------------------------------------------


def _rda(tmp_path: Path, frame: pd.DataFrame, obj: str, compress: str = "bz2") -> bytes:
    path = tmp_path / f"{obj}.rda"
    pyreadr.write_rdata(str(path), frame, df_name=obj, compress="gzip")
    data = gzip.decompress(path.read_bytes())
    compressed = {"bz2": bz2.compress, "gzip": gzip.compress, "xz": lzma.compress}
    return compressed[compress](data) if compress in compressed else data


def _raw(data: bytes, table: str) -> RawFile:
    spec = FileSpec(pattern=f"{table}.rda", url=unhcr.RAW_BASE + f"{table}.rda", role=table)
    return RawFile(name=f"{table}.rda", data=data, spec=spec, url=spec.url, sha256="0")


def _frames() -> dict[str, pd.DataFrame]:
    origins = ["GTM", "HND", "SLV"]
    base = {
        "year": [2019.0, 2019.0, 2019.0],
        "coo_name": ["Guatemala", "Honduras", "El Salvador"],
        "coo_iso": origins,
        "coa_name": ["Türkiye", "Mexico", "Unknown"],
        "coa_iso": ["TUR", "MEX", "UNK"],
    }
    population = pd.DataFrame(
        {**base, **{c: [1.0, 2.0, 3.0] for c in unhcr.POPULATION.figures}, "oip": np.nan}
    )
    applications = pd.DataFrame(
        {
            **base,
            "procedure_type": ["G", "G", "U"],
            "app_type": ["N", "N", "N"],
            "dec_level": ["EO", "IN", "FI"],
            "app_pc": ["P", "C", "P"],
            "applied": [10.0, 20.0, 30.0],
        }
    )
    appeal = applications.iloc[[0]].assign(app_type="NA", dec_level="NA", applied=7.0)
    applications = pd.concat([applications, appeal], ignore_index=True)  # "NA" is a code
    decisions = pd.DataFrame(
        {
            **base,
            "procedure_type": ["G", "G", "U"],
            "dec_level": ["EO", "IN", "FI"],
            "dec_pc": ["P", "C", "P"],
            **{c: [1.0, 1.0, 1.0] for c in unhcr.DECISIONS.figures},
            "dec_total": [4.0, 4.0, 4.0],
        }
    )
    solutions = pd.DataFrame({**base, **{c: [1.0, np.nan, 3.0] for c in unhcr.SOLUTIONS.figures}})
    return {
        "population": population,
        "asylum_applications": applications,
        "asylum_decisions": decisions,
        "solutions": solutions,
    }


def _files(tmp_path: Path, **changed: pd.DataFrame) -> list[RawFile]:
    frames = {**_frames(), **changed}
    return [_raw(_rda(tmp_path, frames[t.name], t.name), t.name) for t in unhcr.TABLES]


def test_tiny_release_reads_and_checks(tmp_path: Path) -> None:
    parts = {p.source_id: p for p in unhcr.read(_files(tmp_path))}
    unhcr.check(list(parts.values()))
    population = parts["unhcr_population"].frame
    assert population["asylum"].tolist() == ["TUR", "MEX", "XXX"]
    assert population["year"].tolist() == [2019, 2019, 2019]
    apps = parts["unhcr_asylum_applications"].frame
    assert apps["app_type"].tolist() == ["N", "N", "N", "NA"]  # not a missing value
    indicators = parts["unhcr_by_origin"].frame.set_index(["indicator", "country"])["value"]
    new = {"GTM": 10.0, "HND": 20.0, "SLV": 30.0}
    assert indicators["asylum_applications_new"].to_dict() == new
    assert indicators["refugees_and_asylum_seekers_abroad", "HND"] == 4.0
    assert "other_in_need_of_protection_abroad" not in indicators.index  # all NA: dropped
    assert set(parts["unhcr_by_origin"].frame["period"]) == {dt.date(2019, 1, 1)}


@pytest.mark.parametrize("compress", ["bz2", "gzip", "xz", "none"])
def test_reads_every_compression(tmp_path: Path, compress: str) -> None:
    frame = _frames()["population"]
    raw = _raw(_rda(tmp_path, frame, "population", compress), "population")
    parts = unhcr.read([raw, *_files(tmp_path)[1:]])
    assert parts[0].frame["refugees"].tolist() == [1.0, 2.0, 3.0]


def test_factor_columns_read_as_text(tmp_path: Path) -> None:
    applications = _frames()["asylum_applications"]
    factors = applications.assign(
        coa_iso=pd.Categorical(applications["coa_iso"], categories=["MEX", "TUR", "UNK", "ZZZ"]),
        app_pc=pd.Categorical(applications["app_pc"]),
    )
    parts = {p.source_id: p.frame for p in unhcr.read(_files(tmp_path))}
    factor_parts = unhcr.read(_files(tmp_path, asylum_applications=factors))
    # the unused level ZZZ (not a country) is no error
    pd.testing.assert_frame_equal(factor_parts[1].frame, parts["unhcr_asylum_applications"])


def _bad_population(**columns) -> pd.DataFrame:
    frame = _frames()["population"].copy()
    for name, values in columns.items():
        frame[name] = values
    return frame


@pytest.mark.parametrize(
    ("frame", "error", "message"),
    [
        (
            _bad_population().rename(columns={"refugees": "refugee"}),
            SchemaDriftError,
            r"population\.rda: data frame 'population' lacks column\(s\) \['refugees'\]",
        ),
        (
            _bad_population(coo_iso=["GTM", "ZZZ", "SLV"]),
            CheckError,
            r"population\.rda: .*row 2, column 'coo_iso': unknown country code 'ZZZ'",
        ),
        (
            _bad_population(coa_iso=["GTM", None, "SLV"]),
            CheckError,
            r"population\.rda: .*row 2, column 'coa_iso' is missing",
        ),
        (
            _bad_population(asylum_seekers=[1.0, -5.0, 0.0]),
            CheckError,
            r"population\.rda: .*row 2, column 'asylum_seekers' is -5",
        ),
        (
            _bad_population(year=["2019", "2019", "2019"]),
            ParseError,
            r"population\.rda: .*column 'year' holds text",
        ),
        (
            _bad_population(year=[2019.0, 2019.5, 2019.0]),
            ParseError,
            r"population\.rda: .*row 2, column 'year' is 2019\.5",
        ),
        (
            _bad_population(refugees=["1", "2", "3"]),
            ParseError,
            r"population\.rda: .*column 'refugees' holds text",
        ),
        (
            _bad_population(coo_iso=["GTM", "GTM", "SLV"], coa_iso=["MEX", "MEX", "UNK"]),
            CheckError,
            r"population\.rda: data frame 'population', row 2 repeats the cell",
        ),
    ],
)
def test_bad_input_names_file_row_and_column(
    tmp_path: Path, frame: pd.DataFrame, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        unhcr.read(_files(tmp_path, population=frame))


def test_unreadable_files(tmp_path: Path) -> None:
    files = _files(tmp_path)
    good = files[0].data
    cases = [
        (b"", ParseError, r"population\.rda: the file is empty"),
        (good[: len(good) // 2], ParseError, r"population\.rda: not a readable R data file"),
        (
            bz2.compress(bz2.decompress(good)[:-300]),
            ParseError,
            r"population\.rda: not a readable R data file",
        ),
    ]
    for data, error, message in cases:
        broken = [_raw(data, "population"), *files[1:]]
        with pytest.raises(error, match=message):
            unhcr.read(broken)


def test_wrong_object_name(tmp_path: Path) -> None:
    files = _files(tmp_path)
    renamed = _raw(_rda(tmp_path, _frames()["population"], "pop"), "population")
    with pytest.raises(SchemaDriftError, match=r"population\.rda: no data frame 'population'"):
        unhcr.read([renamed, *files[1:]])


def test_check_requires_northern_triangle_origins(tmp_path: Path) -> None:
    frame = _bad_population(coo_iso=["MEX", "MEX", "NIC"], coa_iso=["USA", "CRI", "CRI"])
    parts = unhcr.read(_files(tmp_path, population=frame))
    with pytest.raises(CheckError, match=r"population\.rda: column 'coo_iso' never has"):
        unhcr.check(parts)


def test_check_refuses_decision_parts_far_from_the_total(tmp_path: Path) -> None:
    decisions = _frames()["asylum_decisions"].assign(dec_total=[40.0, 40.0, 40.0])
    parts = unhcr.read(_files(tmp_path, asylum_decisions=decisions))
    with pytest.raises(CheckError, match=r"asylum_decisions\.rda: columns .* in 2019"):
        unhcr.check(parts)


def test_check_refuses_returns_that_disagree_between_tables(tmp_path: Path) -> None:
    solutions = _frames()["solutions"].assign(returned_refugees=[100.0, np.nan, 3.0])
    parts = unhcr.read(_files(tmp_path, solutions=solutions))
    with pytest.raises(
        CheckError, match=r"population\.rda / solutions\.rda: .*'returned_refugees'"
    ):
        unhcr.check(parts)
