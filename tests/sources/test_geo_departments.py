from __future__ import annotations

import json

import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import geo_departments as geo
from rootcauses.sources.base import Part, RawFile

SPEC = geo.SOURCE.files[0]
SQUARE = [[[-89.0, 14.0], [-88.9, 14.0], [-88.9, 14.1], [-89.0, 14.0]]]


def _raw(document: dict) -> RawFile:
    data = json.dumps(document).encode()
    return RawFile(name="shapes.geojson", data=data, spec=SPEC, url=SPEC.url, sha256="0")


def _feature(code: str = "GT-01", coordinates=SQUARE) -> dict:
    properties = {"iso_3166_2": code, "iso2": code[:2], "admin1_name": "X", "area_km2": 12.5}
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Polygon", "coordinates": coordinates},
    }


def _collection(*features: dict, licence: str = "ODbL-1.0") -> dict:
    return {"type": "FeatureCollection", "license": licence, "features": list(features)}


def test_the_snapshot_has_every_department_once_with_its_attribution(source_parts) -> None:
    shapes = source_parts("geo_departments")["geo_departments"].frame
    assert shapes.groupby("country").size().to_dict() == {"GTM": 22, "HND": 18, "SLV": 14}
    assert shapes["code"].is_unique
    assert set(shapes["attribution"]) == {geo.ATTRIBUTION}
    assert "OpenStreetMap contributors (ODbL)" in geo.ATTRIBUTION
    islands = json.loads(shapes.set_index("code").loc["HN-IB", "geometry"])
    assert islands["type"] == "MultiPolygon"  # Islas de la Bahía with the Swan Islands


def test_a_feature_is_read_into_one_row() -> None:
    frame = geo.read_shapes(_raw(_collection(_feature("SV-CA"))))
    row = frame.iloc[0]
    assert (row["code"], row["country"], row["area_km2"]) == ("SV-CA", "SLV", 12.5)
    assert json.loads(row["geometry"]) == {"type": "Polygon", "coordinates": SQUARE}


@pytest.mark.parametrize(
    ("document", "error", "message"),
    [
        (_collection(_feature(), licence="CC-BY-4.0"), SchemaDriftError, "license"),
        (_collection(_feature("GT-1")), ParseError, "feature 1 (of the 'features' array) has"),
        (_collection(_feature(coordinates=[[[14.0, -89.0]]])), ParseError, "vertex (14.0, -89.0)"),
        (_collection(), ParseError, "no features"),
        ({"type": "Feature"}, SchemaDriftError, "FeatureCollection"),
    ],
)
def test_bad_outlines_are_refused_with_the_place(document, error, message) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        geo.read_shapes(_raw(document))


def test_a_missing_department_fails_the_check() -> None:
    frame = geo.read_shapes(_raw(_collection(_feature("GT-01"), _feature("HN-AT"))))
    with pytest.raises(CheckError, match="1 departments for GTM; expected 22"):
        geo.check([Part(geo.SOURCE_ID, geo.TABLE, frame, "outlines")])
