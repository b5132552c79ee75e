"""Country names ↔ ISO3 codes, in one place.

Every source normalises country names through :func:`to_iso3`. Names are matched after folding
case, accents and punctuation; ISO alpha-2/alpha-3 codes are accepted as they are, and the legacy
3-letter codes of :data:`LEGACY_ISO3` (e.g. ``ROM``, ``ZAR``) become their current codes. A name
that is not known raises :class:`~rootcauses.errors.CheckError` naming it, so upstream drift fails
loudly instead of silently dropping a country.

Special codes beside ISO3: ``OTHER`` (the rest, when a source breaks out only some countries),
``XXX`` (citizenship unknown/unspecified, ICAO usage), ``XKX`` (Kosovo), ``SCG`` (Serbia and
Montenegro, former), ``WLD`` (world/global series) and ``XNT`` (the Northern Triangle as a group).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pycountry

from rootcauses.errors import CheckError
from rootcauses.i18n import N_

NORTHERN_TRIANGLE = ("GTM", "HND", "SLV")
COMPARATORS = ("MEX", "NIC", "CRI", "PAN")
HEADLINE_CITIZENSHIPS = ("GTM", "HND", "SLV", "MEX", "OTHER")

SPECIAL = {  # N_: in the translation catalogues (rootcauses.i18n.country reads them)
    "OTHER": N_("Other countries"),
    "XXX": N_("Unknown"),
    "XKX": N_("Kosovo"),
    "SCG": N_("Serbia and Montenegro (former)"),
    "WLD": N_("World"),
    "XNT": N_("Northern Triangle (GT+HN+SV)"),
}

# Superseded or publisher-specific 3-letter codes still printed in official files (the World
# Bank's WGI workbooks, TI's Kosovo) → the ISO3 / special code. to_iso3 accepts them as codes.
LEGACY_ISO3 = {
    "ADO": "AND",  # Andorra
    "KSV": "XKX",  # Kosovo
    "ROM": "ROU",  # Romania (ISO changed ROM to ROU in 2002)
    "TMP": "TLS",  # East Timor (ISO changed TMP to TLS in 2002)
    "WBG": "PSE",  # West Bank and Gaza
    "ZAR": "COD",  # Zaire / DR Congo (ISO changed ZAR to COD in 1997)
}

# Spellings seen in the official files that pycountry's names do not cover. Keys are folded
# (see _fold); keep them sorted by code.
ALIASES = {
    "bolivia": "BOL",
    "burma": "MMR",
    "myanmar burma": "MMR",
    "cape verde": "CPV",
    "china": "CHN",
    "china peoples republic": "CHN",
    "china peoples republic of": "CHN",
    "peoples republic of china": "CHN",
    "congo democratic republic": "COD",
    "democratic republic of congo": "COD",
    "democratic republic of the congo": "COD",
    "congo republic": "COG",
    "republic of congo": "COG",
    "cote divoire": "CIV",
    "ivory coast": "CIV",
    "czech republic": "CZE",
    "east timor": "TLS",
    "iran": "IRN",
    "korea south": "KOR",
    "south korea": "KOR",
    "korea north": "PRK",
    "north korea": "PRK",
    "laos": "LAO",
    "macedonia": "MKD",
    "micronesia": "FSM",
    "micronesia federated states": "FSM",
    "moldova": "MDA",
    "palestine": "PSE",
    "russia": "RUS",
    "swaziland": "SWZ",
    "syria": "SYR",
    "taiwan": "TWN",
    "tanzania": "TZA",
    "turkey": "TUR",
    "united states": "USA",
    "united states of america": "USA",
    "us": "USA",
    "usa": "USA",
    "venezuela": "VEN",
    "vietnam": "VNM",
    "other": "OTHER",
    "all others": "OTHER",
    "unknown": "XXX",
    "kosovo": "XKX",
    "serbia and montenegro": "SCG",
    "serbia and montenegro former": "SCG",
    "world": "WLD",
}


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("'", "").replace("\u2019", ""))
    return re.sub(r"\s+", " ", text).strip()


@cache
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                table[_fold(value)] = c.alpha_3
    table.update(ALIASES)
    return table


@cache
def _codes() -> dict[str, str]:
    codes = {c.alpha_3: c.alpha_3 for c in pycountry.countries}
    codes.update({c.alpha_2: c.alpha_3 for c in pycountry.countries})
    codes.update({k: k for k in SPECIAL})
    return codes


def to_iso3(name: str, *, where: str = "") -> str:
    """The ISO3 (or special) code for a country name or code; raise if it is unknown."""
    raw = str(name).strip()
    if raw.upper() in _codes() and (len(raw) in (2, 3) or raw.upper() == "OTHER"):
        return _codes()[raw.upper()]
    if len(raw) == 3 and raw.upper() in LEGACY_ISO3:
        return LEGACY_ISO3[raw.upper()]
    code = _lookup().get(_fold(raw))
    if code is None:
        place = f" in {where}" if where else ""
        raise CheckError(
            f"unknown country name {raw!r}{place}: add it to rootcauses.countries.ALIASES "
            "if it is a new spelling of a known country"
        )
    return code


def names_to_iso3(names, *, where: str = "") -> dict[str, str]:
    """Map every distinct name to ISO3 at once (so the error names the first unknown one)."""
    return {n: to_iso3(n, where=where) for n in sorted(set(names), key=str)}


def country_name(code: str) -> str:
    if code in SPECIAL:
        return SPECIAL[code]
    c = pycountry.countries.get(alpha_3=code)
    if c is None:
        raise CheckError(f"unknown ISO3 code {code!r}")
    return getattr(c, "common_name", None) or c.name
