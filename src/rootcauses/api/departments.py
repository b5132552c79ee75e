"""Departments of Guatemala, Honduras and El Salvador: outlines for maps and their values."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, Field

from rootcauses.api.deps import Store
from rootcauses.api.paging import CSV_TOO, Paging, TablePage, frame_response
from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import BuildError, QueryError
from rootcauses.store import departments

router = APIRouter(tags=["departments"])
Country = Literal[NORTHERN_TRIANGLE]  # type: ignore[valid-type]


class Feature(BaseModel):
    type: Literal["Feature"]
    id: str = Field(description="ISO 3166-2 code, e.g. GT-13")
    properties: dict[str, Any] = Field(description="code, country (ISO3), name, area_km2")
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon, lon/lat")


class DepartmentShapes(BaseModel):
    """A GeoJSON FeatureCollection of the 54 departments, with the credit line their licence
    (ODbL: OpenStreetMap contributors) requires wherever they are shown."""

    type: Literal["FeatureCollection"]
    attribution: str
    licence: str
    features: list[Feature]


def _query_error(exc: BuildError | QueryError) -> HTTPException:
    """A store built before the departments were added: 404 saying to rebuild; an unknown
    indicator: 422."""
    return HTTPException(status_code=422 if isinstance(exc, QueryError) else 404, detail=str(exc))


@router.get("/departments/shapes", response_model=DepartmentShapes)
def shapes(store: Store) -> dict[str, Any]:
    """Department outlines (simplified, WGS84) keyed by ISO 3166-2 code."""
    try:
        return departments.shapes(store)
    except (BuildError, QueryError) as exc:
        raise _query_error(exc) from None


@router.get("/departments/indicators", response_model=TablePage, responses=CSV_TOO)
def indicators(store: Store, page: Paging, format: Literal["json", "csv"] = "json") -> Response:
    """Department-level indicators per country: plain name, theme, unit, years and how they
    were measured (census count, survey estimate, transcribed …)."""
    try:
        frame = departments.catalogue(store)
    except (BuildError, QueryError) as exc:
        raise _query_error(exc) from None
    return frame_response(frame, format, "department_indicators", page)


@router.get("/departments/values", response_model=TablePage, responses=CSV_TOO)
def values(
    store: Store,
    page: Paging,
    indicator: Annotated[
        str, Query(pattern=r"^[a-z0-9_]{1,80}$", description="e.g. emigrants_per_1000_population")
    ],
    country: Annotated[list[Country] | None, Query(description="GTM, HND, SLV")] = None,
    year: Annotated[
        int | None, Query(ge=1900, le=2100, description="only periods that include this year")
    ] = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """One indicator by department: code, name, country, period, value, unit, measure, source.
    Levels of census indicators compare within a country (the reference windows differ)."""
    try:
        frame = departments.values(store, indicator, countries=country, year=year)
    except (BuildError, QueryError) as exc:
        raise _query_error(exc) from None
    return frame_response(frame, format, indicator, page)
