from __future__ import annotations

import datetime as dt

import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import journey
from rootcauses.sources.base import FileSpec, RawFile


def _parts(source_parts):
    return source_parts("journey")


def test_network_as_documented(source_parts) -> None:
    parts = _parts(source_parts)
    nodes = parts["journey_locations"].frame
    assert nodes["type"].value_counts().to_dict() == {
        "transit": 57,
        "border": 25,
        "origin": 15,
        "destination_sector": 9,
    }
    assert nodes.loc[nodes["id"] == "EL_CEIBO", "lat"].isna().all()
    assert nodes.set_index("id").loc["GUA_CITY", "country_iso3"] == "GTM"
    assert nodes.set_index("id").loc["GUA_CITY", "admin1"] == "07"  # codes stay text
    routes = parts["journey_routes"].frame
    assert routes["edge_type"].value_counts().to_dict() == {"travel": 123, "crossing_to_sector": 18}
    travel = routes[routes["edge_type"] == "travel"]
    assert travel["mode"].value_counts().to_dict() == {
        "bus": 80,
        "train": 37,
        "mixed": 4,
        "foot": 2,
    }
    assert (travel["method"] == "great_circle_x_road_factor").sum() == 85
    assert (travel["method"] == "great_circle_x_rail_factor").sum() == 36
    arriaga = routes.set_index(["from_id", "to_id"]).loc[("ARRIAGA", "IXTEPEC")]
    assert (arriaga["distance_km"], arriaga["method"]) == (153.0, "source_rail")
    crossings = parts["journey_crossing_to_sector"].frame
    assert crossings.groupby("sector_id").size()["SEC_TCA"] == 5


def test_shortest_network_distances(source_parts) -> None:  # SOURCE.md check 2
    routes = _parts(source_parts)["journey_routes"].frame
    expected = {
        "SPS": {"MATAMOROS": 2_331, "REYNOSA": 2_437, "TIJUANA": 4_514},
        "GUA_CITY": {"REYNOSA": 2_339, "TIJUANA": 4_336},
        "SAN_SALVADOR": {"REYNOSA": 2_571, "TIJUANA": 4_569},
    }
    for origin, targets in expected.items():
        dist = journey.shortest_km(routes, origin)
        for target, km in targets.items():
            assert round(dist[target]) == km, (origin, target)
    sps = journey.shortest_km(routes, "SPS")
    crossings = routes.loc[routes["edge_type"] == "crossing_to_sector", "from_id"]
    assert min(crossings, key=sps.__getitem__) == "MATAMOROS"  # the Gulf route is shortest


def test_network_path_sums(source_parts) -> None:  # SOURCE.md check 3
    routes = _parts(source_parts)["journey_routes"].frame
    cdmx = journey.shortest_km(routes, "CDMX")
    assert (round(cdmx["TIJUANA"]), round(cdmx["REYNOSA"])) == (2_932, 995)
    gto = journey.shortest_km(routes, "GUANAJUATO")
    assert [round(gto[x]) for x in ("NUEVO_LAREDO", "CD_JUAREZ", "TIJUANA")] == [
        1_132,
        1_621,
        2_637,
    ]
    assert round(journey.shortest_km(routes, "CD_JUAREZ")["CD_CUAUHTEMOC"]) == 3_140


def test_missing_migrants(source_parts) -> None:  # SOURCE.md MMP checks
    part = _parts(source_parts)["iom_missing_migrants_americas"]
    frame = part.frame
    assert len(frame) == 528
    assert set(frame["country"]) == {"WLD"}
    year = frame.assign(year=[p.year for p in frame["period"]])
    y2022 = year[year["year"] == 2022].groupby("indicator")["value"].sum()
    assert y2022.to_dict() == {
        "missing_migrants_dead_missing_north_america": 568,
        "missing_migrants_dead_missing_central_america": 489,
        "missing_migrants_dead_missing_caribbean": 350,
        "missing_migrants_dead_missing_south_america": 58,
    }
    assert "2024-12" in part.notes


def test_mexican_enforcement_indicators(source_parts) -> None:
    part = _parts(source_parts)["journey_mx_enforcement"]
    frame = part.frame.set_index(["indicator", "country", "period", "frequency"])["value"]
    y2021 = dt.date(2021, 1, 1)
    assert frame["mx_presented_or_channelled", "WLD", y2021, "annual"] == 307_569
    assert frame["mx_presented_or_channelled", "HND", y2021, "annual"] == 127_227
    assert frame["mx_presented_or_channelled", "GTM", y2021, "annual"] == 80_717
    assert frame["mx_presented_or_channelled", "SLV", y2021, "annual"] == 24_514
    cumulative = part.frame[part.frame["indicator"] == "mx_presented_cumulative"]
    assert cumulative.set_index("country")["value"].to_dict() == {
        "GTM": 382_040,
        "HND": 333_789,
        "SLV": 154_480,
        "WLD": 985_338,
    }
    assert set(cumulative["period_end"]) == {dt.date(2018, 12, 31)}
    assert frame["mx_returned", "GTM", dt.date(2016, 1, 1), "annual"] == 59_679
    for year, value in ((2022, 169_688), (2023, 224_461), (2024, 198_006)):
        assert frame["mx_apprehensions_nt", "XNT", dt.date(year, 1, 1), "annual"] == value
    jan_sep = part.frame[part.frame["indicator"] == "mx_presented_jan_sep"]
    assert set(jan_sep["frequency"]) == {"irregular"}
    assert dt.date(2019, 9, 30) in set(jan_sep["period_end"])
    assert "Central America" in part.notes  # group rows are listed, not dropped silently


def test_parameters_and_sector_shares(source_parts) -> None:
    parts = _parts(source_parts)
    params = parts["journey_parameters"].frame.set_index(["parameter", "country", "year"])
    assert len(params) == 201
    assert (
        params.loc[("smuggler_fee_mean_transit_and_crossing", "NT", "2010-2019"), "value_number"]
        == 4_559
    )
    assert params.loc[("share_using_smuggler", "NT", "2016-2021"), "value_number"] == 0.55
    assert params.loc[("prob_debt_to_pay_coyote", "NT", "2013-2020Q1"), "value_number"] == 0.731
    ranged = params.loc[("smuggler_fee_transit_mexico_only_range", "NT", "c.2019-2022")]
    assert (ranged["value"], ranged["value_number"] != ranged["value_number"]) == (
        "3000-4000",
        True,
    )
    shares = parts["journey_sector_shares"].frame.set_index(["fiscal_year", "sector_id"])["share"]
    assert shares[2014, "SEC_RGV"] == pytest.approx(0.535, abs=0.0005)
    assert shares[2024, "SEC_RGV"] == pytest.approx(0.088, abs=0.0005)
    assert shares[2024, "SEC_TCA"] == pytest.approx(0.303, abs=0.0005)
    assert shares[2024, "SEC_SDC"] == pytest.approx(0.212, abs=0.0005)


# ---------------------------------------------------------------- tiny inputs


def _raw(text: str, role: str, name: str = "journey.csv") -> RawFile:
    spec = FileSpec(pattern="*.csv", url="https://example.invalid/", role=role)
    return RawFile(name=name, data=text.encode(), spec=spec, url=spec.url, sha256="0")


LOC_HEADER = ",".join(journey.LOCATION_COLUMNS) + "\n"
ROUTE_HEADER = ",".join(journey.ROUTE_COLUMNS) + "\n"
CROSS_HEADER = ",".join(journey.CROSSING_COLUMNS) + "\n"
LOCATIONS = (
    LOC_HEADER
    + "TOWN,Town,GT,origin,15.0,-90.0,01,Town,geonames,u,,\n"
    + "EDGE,Edge,MX,border,16.0,-90.0,05,Edge,geonames,u,,\n"
    + "SEC,Sector,US,destination_sector,17.0,-90.0,TX,Sector,geonames,u,,\n"
)
GC = round(float(journey.haversine_km(15.0, -90.0, 16.0, -90.0)), 1)
SC = round(float(journey.haversine_km(16.0, -90.0, 17.0, -90.0)), 1)


def _network(to_id: str = "EDGE", distance: float | None = None):
    distance = round(GC * 1.32, 1) if distance is None else distance
    routes = (
        ROUTE_HEADER
        + f"TOWN,{to_id},Town,Edge,travel,bus,c,{GC},1.32,{distance},"
        + "great_circle_x_road_factor,,u\n"
        + f"EDGE,SEC,Edge,Sector,crossing_to_sector,foot,c,{SC},,{SC},great_circle_to_sector,,u\n"
    )
    crossings = CROSS_HEADER + "EDGE,Edge,Port,SEC,Sector,,u\n"
    parts = [
        journey.locations_part(_raw(LOCATIONS, "locations")),
        journey.routes_part(_raw(routes, "routes")),
        journey.crossings_part(_raw(crossings, "crossings")),
    ]
    return {p.source_id: p for p in parts}


def test_tiny_network_passes_and_unknown_endpoint_fails() -> None:
    journey.check_network(_network())
    with pytest.raises(CheckError, match=r"'to_id' names unknown location\(s\) \['NOWHERE'\]"):
        journey.check_network(_network(to_id="NOWHERE"))


def test_check_catches_a_distance_that_does_not_follow_the_method() -> None:
    with pytest.raises(CheckError, match=r"TOWN -> EDGE: distance_km 999\.0"):
        journey.check_network(_network(distance=999.0))


@pytest.mark.parametrize(
    ("reader", "role", "text", "error", "message"),
    [
        (journey.locations_part, "locations", "", ParseError, "empty"),
        (
            journey.locations_part,
            "locations",
            LOC_HEADER.replace(",lat,", ",latitude,"),
            SchemaDriftError,
            "lat",
        ),
        (
            journey.locations_part,
            "locations",
            LOC_HEADER + "X,X,GT,origin,north,-90,01,X,geonames,u,,\n",
            ParseError,
            "row 2, column 'lat'",
        ),
        (
            journey.locations_part,
            "locations",
            LOC_HEADER + "X,X,GT,village,15,-90,01,X,geonames,u,,\n",
            ParseError,
            "column 'type'",
        ),
        (
            journey.locations_part,
            "locations",
            LOC_HEADER + "X,X,Atlantis,origin,15,-90,01,X,geonames,u,,\n",
            CheckError,
            "Atlantis",
        ),
        (
            journey.routes_part,
            "routes",
            ROUTE_HEADER + "A,B,a,b,travel,plane,c,1,1.32,,m,,u\n",
            ParseError,
            "column 'mode'",
        ),
        (
            journey.routes_part,
            "routes",
            ROUTE_HEADER + "A,B,a,b,travel,bus,c,1,1.32,,m,,u\n",
            ParseError,
            "row 2, column 'distance_km'",
        ),
        (
            journey.mmp_part,
            "missing_migrants",
            ",".join(journey.MMP_COLUMNS) + "\nCaribbean,2020,13,1,r,p,c,u\n",
            ParseError,
            "row 2, column 'month'",
        ),
        (
            journey.mmp_part,
            "missing_migrants",
            ",".join(journey.MMP_COLUMNS) + "\nEurope,2020,1,1,r,p,c,u\n",
            ParseError,
            "region_of_incident",
        ),
        (
            journey.parameters_part,
            "parameters",
            ",".join(journey.PARAMETER_COLUMNS) + "\np,GT,2020,,USD,u,\n",
            ParseError,
            "row 2, column 'value'",
        ),
    ],
)
def test_bad_input_names_file_row_and_column(reader, role, text, error, message) -> None:
    with pytest.raises(error, match=message) as info:
        reader(_raw(text, role))
    assert "journey.csv" in str(info.value)


def test_enforcement_periods_and_codes() -> None:
    rows = (
        ",".join(journey.PARAMETER_COLUMNS)
        + "\n"
        + "".join(
            [
                "mx_presented,all,2015,10,events,u,\n",
                "mx_presented_jan_sep,HN,2019,5,events,u,\n",
                "mx_presented_or_channelled,all,2022-Q2,7,events,u,\n",
                "mx_presented_monthly,all,2019-06 (to 24th),3,events,u,\n",
                "mx_apprehensions_nt,NT,2011-2018,9,events,u,\n",
                "mx_presented,Central America,2015,8,events,u,\n",
            ]
        )
    )
    part = journey.enforcement_part(_raw(rows, "mx_enforcement"))
    got = {
        (r.indicator, r.country): (r.period, r.period_end, r.frequency)
        for r in part.frame.itertuples(index=False)
    }
    assert got == {
        ("mx_presented", "WLD"): (dt.date(2015, 1, 1), None, "annual"),
        ("mx_presented_jan_sep", "HND"): (dt.date(2019, 1, 1), dt.date(2019, 9, 30), "irregular"),
        ("mx_presented_or_channelled", "WLD"): (dt.date(2022, 4, 1), None, "quarterly"),
        ("mx_apprehensions_nt", "XNT"): (dt.date(2011, 1, 1), dt.date(2018, 12, 31), "multi-year"),
    }
    assert "mx_presented_monthly all 2019-06 (to 24th)" in part.notes
    assert "mx_presented Central America 2015" in part.notes
