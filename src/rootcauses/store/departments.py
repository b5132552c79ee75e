"""Department (admin-1) data of Guatemala, Honduras and El Salvador for maps: the outlines and
every department-level value the store holds, in one long shape.

Values come from two tables: ``department_emigration`` (censuses and surveys, periods may span
years) and ``subnational_indicators`` (population, Honduran homicides, the subnational HDI where
its region is one department; rows for multi-department regions are left out). Both are keyed
by ISO 3166-2 codes, the key of ``department_shapes``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from rootcauses.errors import BuildError, QueryError
from rootcauses.sources.catalogue import describe

SHAPES_TABLE = "department_shapes"
VALUES_SQL = """
    SELECT code, country, indicator, period, year, year_end, value, unit, measure, source
    FROM department_emigration
    UNION ALL
    SELECT code, country, indicator, CAST(year AS VARCHAR), year, year, value, unit,
           coalesce(measure, ''), source
    FROM subnational_indicators
    WHERE regexp_full_match(code, '(GT|HN|SV)-[0-9A-Z]{2}')
"""
REBUILD = "rebuild the store with `rootcauses data build` (the snapshot's geo/ folder is needed)"


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def _require(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    missing = sorted(set(tables) - _tables(con))
    if missing:
        raise BuildError(f"this store has no {', '.join(missing)} table: {REBUILD}")


def shapes(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The department outlines as a GeoJSON FeatureCollection (feature ``id`` = ISO 3166-2
    code) with the ``attribution`` their licence requires and the ``licence``."""
    _require(con, SHAPES_TABLE, "sources")
    frame = con.execute(
        f"SELECT code, country, name, area_km2, geometry, attribution FROM {SHAPES_TABLE} "
        "ORDER BY code"
    ).df()
    licence = con.execute(
        "SELECT min(licence) FROM sources WHERE table_name = ?", [SHAPES_TABLE]
    ).fetchone()
    features = [
        {
            "type": "Feature",
            "id": row.code,
            "properties": {
                "code": row.code,
                "country": row.country,
                "name": row.name,
                "area_km2": float(row.area_km2),
            },
            "geometry": json.loads(row.geometry),
        }
        for row in frame.itertuples()
    ]
    return {
        "type": "FeatureCollection",
        "attribution": str(frame["attribution"].iloc[0]) if len(frame) else "",
        "licence": str(licence[0]) if licence and licence[0] else "",
        "features": features,
    }


def attribution(con: duckdb.DuckDBPyConnection) -> str:
    """The credit line the department outlines' licence requires (empty without them)."""
    if SHAPES_TABLE not in _tables(con):
        return ""
    row = con.execute(f"SELECT min(attribution) FROM {SHAPES_TABLE}").fetchone()
    return str(row[0]) if row and row[0] else ""


def _values(con: duckdb.DuckDBPyConnection) -> str:
    _require(con, "department_emigration", "subnational_indicators", "subnational_departments")
    return f"SELECT v.*, d.name FROM ({VALUES_SQL}) v JOIN subnational_departments d USING (code)"


def catalogue(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per department indicator and country: plain name, theme, description, unit,
    first and last year, departments covered and how it was measured."""
    frame = con.execute(
        f"SELECT indicator, v.country, min(unit) AS unit, min(year) AS first_year, "
        "max(year_end) AS last_year, count(DISTINCT code) AS departments, "
        "string_agg(DISTINCT measure, ', ' ORDER BY measure) AS measure, min(v.source) AS source "
        f"FROM ({_values(con)}) v GROUP BY indicator, v.country ORDER BY indicator, v.country"
    ).df()
    datasets = {"emigration_departments": ["emigration_departments"]}
    infos = [
        describe(code, datasets.get(str(source), ["subnational"]))
        for code, source in zip(frame["indicator"], frame["source"], strict=True)
    ]
    frame.insert(1, "name", [i.name for i in infos])
    frame.insert(2, "theme", [i.theme for i in infos])
    frame.insert(3, "description", [i.description for i in infos])
    return frame


def values(
    con: duckdb.DuckDBPyConnection,
    indicator: str,
    *,
    countries: Sequence[str] | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Every department value of ``indicator`` (of ``countries``; of periods that include
    ``year``), ordered by country, code and year."""
    sql = f"SELECT * FROM ({_values(con)}) v WHERE indicator = ?"
    params: list[Any] = [indicator]
    if countries:
        sql += f" AND country IN ({', '.join('?' for _ in countries)})"
        params += list(countries)
    if year is not None:
        sql += " AND year <= ? AND year_end >= ?"
        params += [year, year]
    frame = con.execute(sql + " ORDER BY country, code, year, year_end", params).df()
    if frame.empty:
        known = {
            r[0] for r in con.execute(f"SELECT DISTINCT indicator FROM ({VALUES_SQL})").fetchall()
        }
        if indicator not in known:
            raise QueryError(
                f"no department indicator {indicator!r}; see /api/departments/indicators"
            )
    columns = ["code", "name", "country", "indicator", "period", "year", "year_end", "value"]
    return frame[[*columns, "unit", "measure", "source"]]


__all__ = ["attribution", "catalogue", "shapes", "values"]
