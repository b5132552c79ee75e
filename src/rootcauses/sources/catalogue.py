"""Plain names, themes and descriptions of the indicators each source writes — for readers who
never saw the store's codes (``wgi_rule_of_law_pctrank``, ``disaster_affected_storm`` …).

Each source module keeps the entries of the indicators it writes, beside its parser, as
``INDICATORS`` (its ``SourceSpec.indicators``): ordered ``(pattern, info)`` pairs made with
:func:`named`; a pattern is a regular expression matched against the whole
indicator code, and the info's ``name`` and ``description`` may use its named groups (``{kind}``)
in plain words. :func:`describe` finds an indicator's entry; one with none gets its words, never
its code, and ``documented`` is False (a test lists every indicator of the store that has none).
Series that only describe another's uncertainty (standard errors) are ``hidden``: kept in the
store and the API, not offered in the dashboard's pickers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from typing import IO, Any

from rootcauses.i18n import N_, gettext

# Themes a reporter looks for, in the order the pickers show them (marked for the catalogues:
# the dashboard shows them in the page's language).
THEMES = (
    N_("Violence and crime"),
    N_("Economy and jobs"),
    N_("Remittances"),
    N_("Poverty and development"),
    N_("Governance and corruption"),
    N_("Climate and weather"),
    N_("Disasters"),
    N_("Food security"),
    N_("Population"),
    N_("Displacement and asylum"),
    N_("Enforcement and the journey"),
    N_("US aid"),
    N_("US labour market"),
    N_("Emigration"),
)
OTHER = N_("Other")  # the theme of an indicator without an entry


@dataclass(frozen=True)
class IndicatorInfo:
    """How the dashboard names and explains one indicator (the unit comes from the store)."""

    name: str
    theme: str
    description: str = ""
    hidden: bool = False
    documented: bool = True


VIOLENCE, ECONOMY, REMITTANCES, POVERTY, GOVERNANCE, CLIMATE, DISASTERS = THEMES[:7]
FOOD, POPULATION, DISPLACEMENT, ENFORCEMENT, US_AID, US_LABOUR, EMIGRATION = THEMES[7:]


def named(name: str, theme: str, description: str = "", hidden: bool = False) -> IndicatorInfo:
    """An entry of a source's ``INDICATORS`` (the theme one of :data:`THEMES`)."""
    if theme not in THEMES:
        raise ValueError(f"indicator theme {theme!r} is not one of {THEMES}")
    return IndicatorInfo(name, theme, description, hidden)


WGI = {
    "control_of_corruption": "control of corruption",
    "government_effectiveness": "government effectiveness",
    "political_stability": "political stability and absence of violence",
    "regulatory_quality": "regulatory quality",
    "rule_of_law": "rule of law",
    "voice_and_accountability": "voice and accountability",
}
SEASONS = {
    "may_oct": "May-October rainy season",
    "may_aug_primera": "May-August (primera) growing season",
    "jul_aug_canicula": "July-August mid-summer drought (canícula)",
    "sep_nov_postrera": "September-November (postrera) growing season",
    "annual": "calendar year",
}
AID_STAGES = {
    "presidents_budget_request": "requested in the President's budget",
    "appropriated_and_planned": "appropriated and planned",
    "initial_allocations": "initially allocated",
    "obligations": "obligated",
    "disbursements": "disbursed",
}

# Words for the groups the patterns capture.
WORDS = {
    **WGI,
    **SEASONS,
    **{k: k.replace("_", " ") for k in ("female", "male", "rural", "urban")},
    "_projected": " (projected)",
    "_survey": "",
    "_estimate": "",
    "_cumulative": " (cumulative)",
    "_monthly": " (monthly)",
    "_jan_sep": " (Jan-Sep)",
    "_nt_jan_nov": " (Jan-Nov, from the three countries)",
    "_or_channelled": " or channelled",
    "central_america": "Central America",
    "north_america": "North America",
    "south_america": "South America",
    "insecurity_violence": "insecurity or violence",
    "family_reunification": "family reunification",
    "job_offer": "a job offer",
    "natural_disaster": "a natural disaster",
    "work": "work",
    "study": "study",
    "marriage": "marriage",
    "deportation": "a deportation",
    "caribbean": "the Caribbean",
    "other": "other reasons",
    "mean": "mean",
    "max": "maximum",
    "min": "minimum",
    **{s: s.replace("_", " ") for s in AID_STAGES},
    **AID_STAGES,
}


def _plain(code: str) -> str:
    return code.replace("_", " ").strip()


def _key(text: str) -> str:
    """``text`` as the catalogue holds it: a literal % written %%, as in the python-format
    strings beside it (``Remittances received (%% of GDP)``)."""
    return text.replace("%", "%%")


def _translated(text: str) -> str:
    """A name, description or word in the current language (itself in English or when the
    catalogue lacks it)."""
    return gettext(_key(text)).replace("%%", "%") if text.strip() else text


def _fill(template: str, groups: dict[str, str | None]) -> str:
    words = {k: _translated(WORDS.get(v or "", _plain(v or ""))) for k, v in groups.items()}
    return _translated(template).format(**words)


@cache
def _compiled() -> dict[str, tuple[tuple[re.Pattern[str], IndicatorInfo], ...]]:
    """Every source's entries (its ``SourceSpec.indicators``), compiled, by source id."""
    from rootcauses.sources import all_sources  # the sources import this module

    return {
        spec.id: tuple((re.compile(pattern), info) for pattern, info in spec.indicators)
        for spec in all_sources().values()
        if spec.indicators
    }


def describe(code: str, sources: Iterable[str] = ()) -> IndicatorInfo:
    """The entry of indicator ``code`` as written by any of ``sources`` (dataset ids; all when none
    is given), its name and description in the current language; an indicator with no entry
    keeps its words and is not ``documented``."""
    compiled = _compiled()
    order = [s for s in sources if s in compiled] or list(compiled)
    for source in order:
        for pattern, info in compiled[source]:
            found = pattern.fullmatch(code)
            if found:
                groups = found.groupdict()
                return replace(
                    info,
                    name=_fill(info.name, groups),
                    description=_fill(info.description, groups),
                )
    return IndicatorInfo(_plain(code).capitalize(), OTHER, "", documented=False)


def extract_entries(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[Any, ...]]:
    """Babel extractor for this module (babel.cfg's ``indicators`` method): its own marked
    strings, then every source's indicator names and descriptions and the words filled into
    them, as :func:`describe` looks them up, so they are translated in the catalogue while each
    source keeps its entries beside its parser."""
    from babel.messages.extract import extract_python

    from rootcauses.sources.disasters import TYPES  # the EM-DAT types the {kind} of a name takes

    yield from extract_python(fileobj, keywords, comment_tags, options)
    texts = [
        t for entries in _compiled().values() for _p, i in entries for t in (i.name, i.description)
    ]
    kinds = [_plain(word) for pair in TYPES.values() for word in pair]
    for text in dict.fromkeys([*texts, *WORDS.values(), *kinds]):
        if text.strip():
            yield 0, None, _key(text), []


__all__ = ["OTHER", "THEMES", "WORDS", "IndicatorInfo", "describe", "named"]
