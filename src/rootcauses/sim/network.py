"""The route network as arrays: nodes (origins, GT/MX transit and border points, US sectors),
directed edges pointing north, their length, mode and where they lie; fastest paths from every
origin to every sector.

Read from the store (``journey_locations``, ``journey_routes``) or from the plain CSV files a user
edits (``locations.csv``, ``routes.csv`` in the data snapshot's format). Validation names the
file, row and key: a duplicated location id, a route to an unknown location, an unknown mode, a
bad distance, or an origin that reaches no US sector.

Travel time, risk and cost per edge are not in the files (SOURCE.md: "No per-edge travel times or
costs"); they are computed from the edge's length and mode with named parameters
(:func:`edge_properties`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from rootcauses.sim.errors import SimError

ORIGIN, SECTOR = "origin", "destination_sector"
NODE_TYPES = ("origin", "border", "transit", "destination_sector")
MODES = ("bus", "train", "foot", "mixed")
CROSSING_EDGE = "crossing_to_sector"
EDGE_TYPES = ("travel", CROSSING_EDGE)
LOCATION_COLUMNS = ("id", "country", "type")
ROUTE_COLUMNS = ("from_id", "to_id", "edge_type", "mode", "distance_km")
COUNTRY_CODES = {"GT": "GTM", "HN": "HND", "SV": "SLV", "MX": "MEX", "US": "USA"}


@dataclass(frozen=True)
class Network:
    """Nodes and directed edges as arrays (index = position)."""

    node_ids: np.ndarray  # str
    node_type: np.ndarray  # str, one of NODE_TYPES
    node_country: np.ndarray  # ISO3
    edge_from: np.ndarray  # int32 node index
    edge_to: np.ndarray  # int32 node index
    edge_km: np.ndarray  # float64
    edge_mode: np.ndarray  # str, one of MODES
    edge_crossing: np.ndarray  # bool: Mexican crossing -> US sector
    label: str = "network"

    @property
    def origins(self) -> np.ndarray:
        return np.flatnonzero(self.node_type == ORIGIN)

    @property
    def sectors(self) -> np.ndarray:
        return np.flatnonzero(self.node_type == SECTOR)

    @property
    def edge_in_mexico(self) -> np.ndarray:
        """Travel edges that start or end in Mexico: where Mexican interdiction applies."""
        mexican = self.node_country == "MEX"
        in_mexico: np.ndarray = ~self.edge_crossing & (
            mexican[self.edge_from] | mexican[self.edge_to]
        )
        return in_mexico


@dataclass(frozen=True)
class Paths:
    """Fastest path from each origin to each sector, as padded edge lists."""

    edges: np.ndarray  # int32 [origins, sectors, max_len], -1 padded
    length: np.ndarray  # int16 [origins, sectors], 0 = unreachable
    days: np.ndarray  # float64 [origins, sectors], inf = unreachable


def _require(frame: pd.DataFrame, columns: tuple[str, ...], label: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SimError(f"{label}: missing column(s) {missing}; expected {list(columns)}")


def _row(label: str, position: int, csv: bool) -> str:
    """Where a row is: the CSV line (header = line 1) or the table row (0-based)."""
    return f"{label}: line {position + 2}" if csv else f"{label}: row {position}"


def build_network(
    locations: pd.DataFrame,
    routes: pd.DataFrame,
    *,
    locations_label: str = "locations",
    routes_label: str = "routes",
    csv: bool = False,
) -> Network:
    """Validate the two tables and turn them into arrays (pure; no I/O)."""
    _require(locations, LOCATION_COLUMNS, locations_label)
    _require(routes, ROUTE_COLUMNS, routes_label)
    ids = locations["id"].astype(str).to_numpy()
    dup = pd.Series(ids).duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise SimError(f"{_row(locations_label, pos, csv)}: id {ids[pos]!r} appears twice")
    types = locations["type"].astype(str).to_numpy()
    bad = ~np.isin(types, NODE_TYPES)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise SimError(
            f"{_row(locations_label, pos, csv)}: type {types[pos]!r} for id {ids[pos]!r}; "
            f"expected one of {list(NODE_TYPES)}"
        )
    if "country_iso3" in locations.columns:
        countries = locations["country_iso3"].astype(str).to_numpy()
    else:
        raw_country = locations["country"].astype(str).str.strip()
        unknown = ~raw_country.isin(list(COUNTRY_CODES) + list(COUNTRY_CODES.values()))
        if unknown.any():
            pos = int(np.flatnonzero(unknown)[0])
            raise SimError(
                f"{_row(locations_label, pos, csv)}: country {raw_country.iloc[pos]!r} for id "
                f"{ids[pos]!r}; expected one of {list(COUNTRY_CODES)}"
            )
        countries = raw_country.map(lambda c: COUNTRY_CODES.get(c, c)).to_numpy()
    index = {node: i for i, node in enumerate(ids)}

    ends = {}
    for column in ("from_id", "to_id"):
        values = routes[column].astype(str).to_numpy()
        known = np.array([v in index for v in values], dtype=bool)
        if not known.all():
            pos = int(np.flatnonzero(~known)[0])
            raise SimError(
                f"{_row(routes_label, pos, csv)}: {column} {values[pos]!r} is not a location id "
                f"in {locations_label}"
            )
        ends[column] = np.array([index[v] for v in values], dtype=np.int32)
    modes = routes["mode"].astype(str).to_numpy()
    bad = ~np.isin(modes, MODES)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise SimError(
            f"{_row(routes_label, pos, csv)}: mode {modes[pos]!r}; expected one of {list(MODES)}"
        )
    edge_types = routes["edge_type"].astype(str).to_numpy()
    bad = ~np.isin(edge_types, EDGE_TYPES)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise SimError(
            f"{_row(routes_label, pos, csv)}: edge_type {edge_types[pos]!r}; expected one of "
            f"{list(EDGE_TYPES)}"
        )
    km = pd.to_numeric(routes["distance_km"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(km) | (km < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise SimError(
            f"{_row(routes_label, pos, csv)}: distance_km {routes['distance_km'].iloc[pos]!r}; "
            "expected a number >= 0"
        )
    network = Network(
        node_ids=ids,
        node_type=types,
        node_country=countries,
        edge_from=ends["from_id"],
        edge_to=ends["to_id"],
        edge_km=km,
        edge_mode=modes,
        edge_crossing=edge_types == CROSSING_EDGE,
        label=routes_label,
    )
    check_connected(network)
    return network


def check_connected(network: Network) -> None:
    """Every origin must reach at least one US sector along the edges' direction."""
    if network.origins.size == 0:
        raise SimError(f"{network.label}: the network has no location of type {ORIGIN!r}")
    if network.sectors.size == 0:
        raise SimError(f"{network.label}: the network has no location of type {SECTOR!r}")
    n = network.node_ids.size
    graph = csr_matrix(
        (np.ones(network.edge_from.size), (network.edge_from, network.edge_to)), shape=(n, n)
    )
    hops = dijkstra(graph, directed=True, indices=network.origins, unweighted=True)
    reaches = np.isfinite(hops[:, network.sectors]).any(axis=1)
    if not reaches.all():
        cut = network.node_ids[network.origins[~reaches]]
        raise SimError(
            f"{network.label}: disconnected network: origin(s) {sorted(cut.tolist())} reach no "
            f"US sector ({SECTOR}) along the routes' direction"
        )


def read_network_csv(locations_csv: Path, routes_csv: Path) -> Network:
    """A network from the user-editable CSV files (the snapshot's journey/*.csv format)."""
    frames = []
    for path in (locations_csv, routes_csv):
        try:
            frames.append(pd.read_csv(path, dtype=str, keep_default_na=False))
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise SimError(f"cannot read {path}: {exc}") from exc
    return build_network(
        frames[0],
        frames[1],
        locations_label=str(locations_csv),
        routes_label=str(routes_csv),
        csv=True,
    )


def read_network_store(con: duckdb.DuckDBPyConnection) -> Network:
    """The network as built into the store by the ``journey`` source."""
    try:
        locations = con.execute("SELECT * FROM journey_locations ORDER BY id").df()
        routes = con.execute("SELECT * FROM journey_routes ORDER BY from_id, to_id").df()
    except duckdb.Error as exc:
        raise SimError(
            f"the store has no journey network ({exc}); run `rootcauses data build`"
        ) from exc
    return build_network(
        locations, routes, locations_label="journey_locations", routes_label="journey_routes"
    )


@dataclass(frozen=True)
class EdgeProperties:
    days: np.ndarray  # float64 travel days
    interdiction: np.ndarray  # float64 probability of Mexican interdiction on the edge
    death: np.ndarray  # float64 probability of death on the edge


def edge_properties(network: Network, params: Mapping[str, float]) -> EdgeProperties:
    """Travel days, interdiction and death probabilities per edge from length and mode."""
    speed = np.select(
        [network.edge_mode == m for m in MODES],
        [params[f"speed_{m}_km_per_day"] for m in MODES],
    )
    days = np.where(network.edge_crossing, params["crossing_days"], network.edge_km / speed)
    hazard = (
        params["mx_interdiction_per_1000km"]
        * params["mx_interdiction_multiplier"]
        * network.edge_km
        / 1000
    )
    interdiction = np.where(network.edge_in_mexico, 1 - np.exp(-hazard), 0.0)
    death_hazard = params["death_per_1000km"] * network.edge_km / 1000
    death_hazard = np.where(
        network.edge_mode == "train", death_hazard * params["train_death_multiplier"], death_hazard
    )
    death = np.where(
        network.edge_crossing, params["crossing_death_probability"], 1 - np.exp(-death_hazard)
    )
    return EdgeProperties(days=days, interdiction=interdiction, death=death)


def fastest_paths(network: Network, days: np.ndarray) -> Paths:
    """Fastest directed path from every origin to every sector (scipy's Dijkstra); parallel
    edges between the same two nodes keep the fastest."""
    n = network.node_ids.size
    order = np.lexsort((days, network.edge_to, network.edge_from))
    pairs = np.stack([network.edge_from[order], network.edge_to[order]], axis=1)
    first = np.ones(order.size, dtype=bool)
    first[1:] = (pairs[1:] != pairs[:-1]).any(axis=1)
    keep = order[first]
    weight = np.maximum(days[keep], 1e-9)  # explicit zeros would drop the edge
    graph = csr_matrix((weight, (network.edge_from[keep], network.edge_to[keep])), shape=(n, n))
    dist, pred = dijkstra(graph, directed=True, indices=network.origins, return_predecessors=True)
    edge_of = {(int(a), int(b)): int(e) for a, b, e in zip(*pairs[first].T, keep, strict=True)}
    origins, sectors = network.origins, network.sectors
    lists: list[list[list[int]]] = []
    for i, _origin in enumerate(origins):
        row = []
        for sector in sectors:
            path: list[int] = []
            node = int(sector)
            if np.isfinite(dist[i, sector]):
                while pred[i, node] >= 0:
                    prev = int(pred[i, node])
                    path.append(edge_of[(prev, node)])
                    node = prev
            row.append(path[::-1])
        lists.append(row)
    max_len = max(1, max(len(p) for row in lists for p in row))
    edges = np.full((origins.size, sectors.size, max_len), -1, dtype=np.int32)
    length = np.zeros((origins.size, sectors.size), dtype=np.int16)
    for i, row in enumerate(lists):
        for j, path in enumerate(row):
            edges[i, j, : len(path)] = path
            length[i, j] = len(path)
    path_days = dist[:, sectors]
    return Paths(edges=edges, length=length, days=path_days)


def path_failure(paths: Paths, props: EdgeProperties) -> np.ndarray:
    """Probability of not reaching the sector (interdicted or dead) per origin × sector."""
    survive = (1 - props.interdiction) * (1 - props.death)
    log_survive = np.append(np.log(survive), 0.0)  # index -1 (padding) -> log 1
    total = log_survive[paths.edges].sum(axis=2)
    return np.where(paths.length > 0, 1 - np.exp(total), 1.0)
