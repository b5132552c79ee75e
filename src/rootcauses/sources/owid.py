"""Our World in Data grapher CSV downloads: the one reader of that format.

A grapher CSV (``https://ourworldindata.org/grapher/<chart>.csv``) has the columns ``Entity,
Code, Year, <value>`` and sometimes annotation columns after them (e.g. ``World region according
to OWID``). Countries carry their ISO3 code; OWID's own codes are mapped where the entity is one
the project keeps (``OWID_WRL`` → ``WLD``, ``OWID_KOS`` → ``XKX``); regions, income groups and
entities without a code (UN regions, sub-national units, urban-only surveys …) are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from rootcauses.errors import SchemaDriftError
from rootcauses.sources.base import RawFile
from rootcauses.sources.parsing import read_csv, to_float, to_int, to_iso3_series

OWID_GRAPHER = (
    "https://ourworldindata.org/grapher/{chart}.csv?v=1&csvType=full&useColumnShortNames=false"
)
OWID_COLUMNS = ("Entity", "Code", "Year")
# OWID's own codes for entities that are countries (or the world) in this project's code list.
OWID_CODES = {"OWID_WRL": "WLD", "OWID_KOS": "XKX"}


@dataclass(frozen=True)
class GrapherTable:
    """What :func:`read_owid_grapher` read from one file."""

    rows: pd.DataFrame  # country (ISO3), year, value; entities without a code and NaN dropped
    column: str  # the header of the value column
    dropped: list[str]  # names of the entities dropped for want of an ISO3 code (sorted)


def read_owid_grapher(raw: RawFile, value_pattern: str) -> GrapherTable:
    """An OWID grapher CSV → (country, year, value) rows of the entities with an ISO3 code.

    The value column is the one column whose header matches the regular expression
    ``value_pattern`` (case-insensitive); none or several is a schema-drift error.
    """
    name = raw.name
    df = read_csv(raw.data, name, expected=OWID_COLUMNS)
    matches = [c for c in df.columns if re.search(value_pattern, c, flags=re.IGNORECASE)]
    if len(matches) != 1:
        raise SchemaDriftError(
            f"{name}: expected one value column matching {value_pattern!r}, found {matches}; "
            f"columns: {list(df.columns)}"
        )
    column = matches[0]
    code = df["Code"].str.strip().replace(OWID_CODES)
    is_country = code.str.fullmatch(r"[A-Z]{3}")
    out = pd.DataFrame(
        {
            "country": to_iso3_series(code.where(is_country, "WLD"), name, "Code"),
            "year": to_int(df["Year"], name, "Year"),
            "value": to_float(df[column], name, column),
        }
    )
    out = out[is_country & out["value"].notna()]
    dropped = sorted(df.loc[~is_country, "Entity"].unique())
    return GrapherTable(out.reset_index(drop=True), column, dropped)
