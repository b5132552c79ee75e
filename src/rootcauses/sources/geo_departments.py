"""Department (admin-1) outlines of Guatemala, Honduras and El Salvador, for the maps.

One extra table, ``department_shapes`` (id ``geo_departments``): one row per department — ISO
3166-2 ``code`` (the key of ``subnational_departments`` and ``department_values``), ``country``
(ISO3), ``name``, ``area_km2`` (of the simplified polygon) and ``geometry`` (the GeoJSON
Polygon or MultiPolygon as text, WGS84 lon/lat), with ``attribution``, the credit line the
licence requires wherever the outlines are shown.

The outlines come from OpenStreetMap via geoBoundaries (simplified by the snapshot): ODbL 1.0,
so the store keeps them as read and the web draws them with the attribution; they are never
copied into the repository.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources.base import FileSpec, Part, RawFile, SourceSpec, one
from rootcauses.sources.checks import part_frame

SOURCE_ID = "geo_departments"
TABLE = "department_shapes"
ISO_3166_2 = re.compile(r"^(GT|HN|SV)-[0-9A-Z]{2}$")
COUNTRY_OF = {"GT": "GTM", "HN": "HND", "SV": "SLV"}
DEPARTMENTS = {"GTM": 22, "HND": 18, "SLV": 14}  # per the snapshot's SOURCE.md
GEOMETRIES = ("Polygon", "MultiPolygon")
# Central America with Honduras' Swan Islands: a vertex outside means swapped lon/lat.
LON_RANGE, LAT_RANGE = (-93.0, -83.0), (12.0, 18.5)
# The credit the snapshot's SOURCE.md requires for these OpenStreetMap-derived outlines.
ATTRIBUTION = (
    "© OpenStreetMap contributors (ODbL); boundaries via geoBoundaries (www.geoboundaries.org)"
)
LICENCE = "ODbL 1.0 (© OpenStreetMap contributors), via geoBoundaries gbOpen"
PROPERTIES = ("iso_3166_2", "iso2", "admin1_name", "area_km2")


def _feature_error(name: str, index: int, what: str) -> ParseError:
    return ParseError(f"{name}: feature {index + 1} (of the 'features' array) {what}")


def _coordinates(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    rings = (
        geometry["coordinates"]
        if geometry["type"] == "Polygon"
        else [ring for polygon in geometry["coordinates"] for ring in polygon]
    )
    return [(float(p[0]), float(p[1])) for ring in rings for p in ring]


def read_shapes(raw: RawFile) -> pd.DataFrame:
    """The GeoJSON FeatureCollection → one row per department (geometry kept as GeoJSON text)."""
    name = raw.name
    try:
        document = json.loads(raw.data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"{name}: not readable GeoJSON: {exc}") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise SchemaDriftError(f"{name}: expected a GeoJSON FeatureCollection at the top level")
    licence = str(document.get("license", ""))
    if "ODbL" not in licence:
        raise SchemaDriftError(
            f"{name}: the 'license' member is {licence!r}; expected the ODbL the attribution "
            "on the maps is written for (re-read the folder's SOURCE.md)"
        )
    rows = []
    for index, feature in enumerate(document.get("features") or []):
        properties = feature.get("properties") or {}
        missing = [p for p in PROPERTIES if p not in properties]
        if missing:
            raise _feature_error(name, index, f"has no property {missing[0]!r}")
        code = str(properties["iso_3166_2"]).strip()
        if not ISO_3166_2.match(code):
            raise _feature_error(
                name, index, f"has iso_3166_2 {code!r}; expected a GT, HN or SV ISO 3166-2 code"
            )
        if properties["iso2"] != code[:2]:
            raise _feature_error(name, index, f"is {code} but its iso2 is {properties['iso2']!r}")
        geometry = feature.get("geometry") or {}
        if geometry.get("type") not in GEOMETRIES:
            raise _feature_error(
                name,
                index,
                f"({code}) has geometry {geometry.get('type')!r}; expected one of "
                f"{', '.join(GEOMETRIES)}",
            )
        try:
            points = _coordinates(geometry)
        except (KeyError, IndexError, TypeError, ValueError):
            raise _feature_error(name, index, f"({code}) has malformed coordinates") from None
        outside = [
            p
            for p in points
            if not (LON_RANGE[0] <= p[0] <= LON_RANGE[1] and LAT_RANGE[0] <= p[1] <= LAT_RANGE[1])
        ]
        if not points or outside:
            where = f"vertex {outside[0]}" if outside else "no vertices"
            raise _feature_error(
                name, index, f"({code}) has {where}; expected lon/lat in Central America"
            )
        rows.append(
            {
                "code": code,
                "country": COUNTRY_OF[code[:2]],
                "name": str(properties["admin1_name"]).strip(),
                "area_km2": float(properties["area_km2"]),
                "geometry": json.dumps(geometry, separators=(",", ":")),
                "attribution": ATTRIBUTION,
            }
        )
    if not rows:
        raise ParseError(f"{name}: the FeatureCollection has no features")
    return pd.DataFrame(rows)


def read(files: Sequence[RawFile]) -> list[Part]:
    raw = one(files, "departments")
    return [
        Part(
            SOURCE_ID,
            TABLE,
            read_shapes(raw),
            "Department outlines of Guatemala, Honduras and El Salvador (simplified)",
            (raw,),
            "derived",
            "OpenStreetMap boundaries via geoBoundaries, simplified (200 m); the three countries' "
            "OSM extracts overlap along their borders (HN-SV about 60 km2): fine for "
            "choropleths, not for border-precise work.",
        )
    ]


def check(parts: list[Part]) -> None:
    shapes = part_frame(parts, SOURCE_ID, SOURCE_ID)
    twice = shapes["code"][shapes["code"].duplicated()]
    if not twice.empty:
        raise CheckError(f"{SOURCE_ID}: department {twice.iloc[0]} has two outlines")
    counts = shapes["country"].value_counts()
    for country in NORTHERN_TRIANGLE:
        if int(counts.get(country, 0)) != DEPARTMENTS[country]:
            raise CheckError(
                f"{SOURCE_ID}: {int(counts.get(country, 0))} departments for {country}; "
                f"expected {DEPARTMENTS[country]}"
            )
    if not (shapes["area_km2"] > 0).all():
        raise CheckError(f"{SOURCE_ID}: a department has no area")


SOURCE = SourceSpec(
    id=SOURCE_ID,
    title="Department outlines of GT/HN/SV (OpenStreetMap via geoBoundaries, simplified)",
    publisher="geoBoundaries (William & Mary geoLab); © OpenStreetMap contributors",
    folder="geo",
    homepage="https://www.geoboundaries.org/",
    licence=LICENCE,
    kind="driver",
    files=(
        FileSpec(
            pattern="departments_GT_HN_SV_adm1.geojson",
            url="https://www.geoboundaries.org/",
            role="departments",
            status="derived",
            fetchable=False,
        ),
    ),
    read=read,
    check=check,
    notes=(
        f"Attribution required wherever shown: {ATTRIBUTION}. GT and HN from OSM via Wambacher "
        "(geoBoundaries GTM-ADM1-53557124, HND-ADM1-10453824), SV via osm-boundaries.com "
        "(SLV-ADM1-98794003); simplified with mapshaper and keyed by ISO 3166-2 by the snapshot."
    ),
    extra_tables=(TABLE,),
)
