from __future__ import annotations

import pytest

from rootcauses.errors import CheckError, ParseError, SchemaDriftError
from rootcauses.sources import owid
from rootcauses.sources.base import FileSpec, RawFile

SPEC = FileSpec(pattern="*.csv", url="https://example.invalid/grapher/chart.csv")
OWID = "Entity,Code,Year,GDP per capita,World region according to OWID\n"


def _raw(text: str, name: str = "g.csv") -> RawFile:
    return RawFile(name=name, data=text.encode(), spec=SPEC, url=SPEC.url, sha256="0")


def test_owid_grapher_codes() -> None:
    text = OWID + (
        "Guatemala,GTM,2020,9000.5,North America\n"
        "World,OWID_WRL,2020,20000,\n"
        "Kosovo,OWID_KOS,2020,12000,Europe\n"
        "High-income countries,OWID_HIC,2020,50000,\n"
        "East Asia and Pacific (WB),WB_EAP,2020,17000,\n"
        "Argentina (urban),,2020,22000,\n"
        "Honduras,HND,2020,,North America\n"
    )
    grapher = owid.read_owid_grapher(_raw(text), r"^GDP per capita")
    assert grapher.column == "GDP per capita"
    assert grapher.rows.set_index("country")["value"].to_dict() == {
        "GTM": 9000.5,
        "WLD": 20000.0,
        "XKX": 12000.0,
    }
    assert grapher.dropped == [
        "Argentina (urban)",
        "East Asia and Pacific (WB)",
        "High-income countries",
    ]


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "empty"),
        (OWID.replace("GDP per capita", "GDP"), SchemaDriftError, "one value column"),
        (OWID.replace("Code", "ISO"), SchemaDriftError, "Code"),
        (OWID + "Guatemala,GTM,2020,lots,\n", ParseError, "row 2, column 'GDP per capita'"),
        (OWID + "Guatemala,GTM,2020,1,\nAtlantis,ATL,2020,1,\n", CheckError, "row 3.*ATL"),
    ],
)
def test_bad_owid_grapher(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        owid.read_owid_grapher(_raw(text), r"^GDP per capita")
    assert "g.csv" in str(info.value)
