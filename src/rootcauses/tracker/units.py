"""The tracker's units, and which of them count toward a target in which unit. Pure.

One explicit table (:data:`UNITS`): every unit a commitment, a progress report or a bound series
uses, its aliases (spellings that are the same unit), and the target units a reading in it
counts toward besides its own. A report counts toward a target only when
:func:`counts_toward` says so; any other report of a measurable commitment is listed as *not
counted* in its status reason and on its page (:func:`unmatched_note`), never silently dropped.

Money has stages, and only money that reached someone counts toward a plain ``USD`` target
("provide $4 billion", "invest $150M"): obligated, disbursed, spent, invested or deployed.
A pledge (``USD committed``), a budget request (``USD requested``), an appropriation
(``USD appropriated``) or the sales of supported firms (``USD sales``) are other measures: they
count only toward a target in that same unit. Counts of people, households and families are
three different things (a household may hold several families; a family several people), so
none counts toward another. Units not in the table compare by their text, ignoring case and
spacing (``farms`` = ``Farms``), as :func:`.status.same_unit` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["UNITS", "Unit", "canonical", "counts_toward", "describe", "normalise", "table"]


@dataclass(frozen=True)
class Unit:
    """A unit: its name, what it measures, its aliases and the other units it counts toward."""

    name: str
    dimension: str
    meaning: str
    aliases: tuple[str, ...] = ()
    counts_toward: tuple[str, ...] = ()


_DELIVERED = ("USD",)

UNITS: tuple[Unit, ...] = (
    Unit("USD", "money", "US dollars provided, spent or invested (stage not stated)", ("US$",)),
    Unit(
        "USD obligated",
        "money",
        "US dollars a US agency legally committed (ForeignAssistance.gov 'Obligations')",
        counts_toward=_DELIVERED,
    ),
    Unit(
        "USD disbursed",
        "money",
        "US dollars paid out (ForeignAssistance.gov 'Disbursements')",
        counts_toward=_DELIVERED,
    ),
    Unit("USD spent", "money", "US dollars spent", counts_toward=_DELIVERED),
    Unit("USD invested", "money", "US dollars invested", counts_toward=_DELIVERED),
    Unit(
        "USD deployed",
        "money",
        "US dollars deployed (pledges turned into spending)",
        (),
        _DELIVERED,
    ),
    Unit("USD committed", "money", "US dollars pledged: a promise, not money delivered"),
    Unit("USD requested", "money", "US dollars in a budget request: not money delivered"),
    Unit(
        "USD appropriated",
        "money",
        "US dollars appropriated or planned by Congress and agencies: not money delivered",
        ("USD appropriated and planned",),
    ),
    Unit("USD sales", "money", "sales of supported firms: not money provided"),
    Unit("people", "people", "persons", ("persons", "individuals")),
    Unit("people trained", "people", "persons trained (not persons reached)"),
    Unit("people (projected)", "people", "a projection of persons to be reached, not a result"),
    Unit("households", "households", "households (a household may hold several families)"),
    Unit("families", "families", "families (not households, not people)"),
    Unit("businesses", "firms", "firms of any size", ("firms", "companies")),
    Unit("jobs", "jobs", "jobs (created, or created and sustained, as the source defines)"),
    Unit(
        "per 100,000 population",
        "rate",
        "a rate per 100,000 residents",
        ("per 100000 population", "per 100k"),
    ),
    Unit(
        "WGI estimate",
        "score",
        "Worldwide Governance Indicators estimate (standard normal units, about -2.5 to +2.5)",
    ),
    Unit("CPI score", "score", "Corruption Perceptions Index score (0 highly corrupt, 100 clean)"),
    Unit("percent", "share", "a percentage", ("%",)),
)


def normalise(text: str | None) -> str:
    """Lower case, single spaces: the form units are compared in."""
    return " ".join((text or "").lower().split())


_BY_NAME: dict[str, Unit] = {}
for _unit in UNITS:
    for _name in (_unit.name, *_unit.aliases):
        key = normalise(_name)
        assert key not in _BY_NAME, f"unit {_name!r} is listed twice"
        _BY_NAME[key] = _unit
for _unit in UNITS:
    for _other in _unit.counts_toward:
        assert normalise(_other) in _BY_NAME, f"{_unit.name} counts toward unknown {_other!r}"


def canonical(text: str | None) -> Unit | None:
    """The table's unit for ``text`` (by name or alias), or None when it is not in the table."""
    return _BY_NAME.get(normalise(text)) if text else None


def counts_toward(reading_unit: str | None, target_unit: str | None) -> bool:
    """Whether a reading in ``reading_unit`` measures a target in ``target_unit``: the same
    unit (aliases included), or one the table lets it count toward. No unit matches nothing."""
    if not reading_unit or not target_unit:
        return False
    reading, target = canonical(reading_unit), canonical(target_unit)
    if reading is None or target is None:
        return normalise(reading_unit) == normalise(target_unit)
    if reading is target:
        return True
    return any(canonical(other) is target for other in reading.counts_toward)


def describe(text: str | None) -> str:
    """What a unit means, for messages ("a pledge, not money delivered" …)."""
    unit = canonical(text)
    return unit.meaning if unit else "not in the units table: matched by its text"


def table() -> list[dict[str, object]]:
    """The table as rows (for the API, the CLI and the pages)."""
    return [
        {
            "unit": u.name,
            "dimension": u.dimension,
            "meaning": u.meaning,
            "aliases": list(u.aliases),
            "counts_toward": [u.name, *u.counts_toward],
        }
        for u in UNITS
    ]


def listed(units: Iterable[str | None]) -> str:
    """Units as text for messages: 'USD', 'people' …"""
    return ", ".join(repr(u) for u in units if u) or "none"
