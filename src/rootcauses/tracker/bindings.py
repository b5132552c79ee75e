"""Metric bindings: a commitment's target (or its metric) read from a series in the store.

A **binding** names a series of the store's ``indicators`` table (:data:`SERIES`, the series the
tracker knows the unit and nature of), the countries to read it for (summed, when the series
can be summed across countries), an aggregation **rule** and the day it starts from:

* ``level``       the series' value in each period ending on or after ``start``;
* ``cumulative``  the running total of the series from the first period that begins on or after
                  ``start`` (a flow only: money obligated per fiscal year, not a rate);
* ``change``      the value minus that of the last period ending on or before ``start``.

``start`` defaults to the commitment's announcement date. A binding with a ``target`` (its
1-based position) **measures** that target: its derived readings count toward the status beside
the reported ones, and its series' unit must count toward the target's unit
(:mod:`.units`). A binding without a target is **context** for the metric: shown, never judged.

Derived readings are never stored: they are computed from the current build of the store each
time a status is (:class:`StoreSeries` caches them per build), so a rebuild recomputes them and
each one names its series, rule, periods and the source row of the store it came from.

The checks (:func:`check_binding`) are pure and shared by the file import (which names the
file, row and column of a problem) and the API (which names the field).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rootcauses.config import Settings
from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import RootCausesError
from rootcauses.periods import fiscal_year
from rootcauses.tracker import units

__all__ = [
    "RULES",
    "SERIES",
    "Binding",
    "Derived",
    "DerivedReading",
    "Point",
    "Provenance",
    "Series",
    "SeriesSource",
    "StoreSeries",
    "check_binding",
    "default_countries",
    "derive",
]

RULES = ("level", "cumulative", "change")
REGIONAL = "XNT"


@dataclass(frozen=True)
class Series:
    """A series of the store the tracker can bind to: its unit (in :data:`.units.UNITS`) and
    whether its values may be summed across countries (``summable``) and over time (``flow``)."""

    id: str
    label: str
    unit: str
    summable: bool = False
    flow: bool = False
    fiscal: bool = False  # periods are US fiscal years (October-September)


SERIES: dict[str, Series] = {
    s.id: s
    for s in (
        Series("us_aid_obligations_fy", "US foreign assistance obligations", "USD obligated",
               summable=True, flow=True, fiscal=True),
        Series("us_aid_disbursements_fy", "US foreign assistance disbursements", "USD disbursed",
               summable=True, flow=True, fiscal=True),
        Series("us_aid_appropriated_and_planned_fy",
               "US foreign assistance appropriated and planned", "USD appropriated",
               summable=True, flow=True, fiscal=True),
        Series("us_aid_presidents_budget_request_fy", "US President's budget request",
               "USD requested", summable=True, flow=True, fiscal=True),
        Series("homicide_rate", "intentional homicide rate", "per 100,000 population"),
        Series("wgi_control_of_corruption", "WGI control of corruption", "WGI estimate"),
        Series("wgi_rule_of_law", "WGI rule of law", "WGI estimate"),
        Series("wgi_government_effectiveness", "WGI government effectiveness", "WGI estimate"),
        Series("cpi_score", "Corruption Perceptions Index", "CPI score"),
        Series("unemployment_rate", "unemployment rate", "percent"),
        Series("undernourishment_prevalence", "prevalence of undernourishment", "percent"),
        Series("poverty_headcount_national", "poverty (national lines)", "percent"),
    )
}  # fmt: skip
for _series in SERIES.values():
    assert units.canonical(_series.unit) is not None, f"{_series.id}: unit not in the table"


@dataclass(frozen=True)
class Binding:
    """One binding as stored (see the module docstring)."""

    series: str
    countries: tuple[str, ...]
    rule: str = "level"
    target: int | None = None
    start: dt.date | None = None
    note: str | None = None


def default_countries(country: str) -> tuple[str, ...]:
    """The countries a commitment's series are read for: its own, or the three for 'regional'."""
    return tuple(NORTHERN_TRIANGLE) if country == REGIONAL else (country,)


def check_binding(binding: Binding, target_units: Sequence[str | None]) -> list[tuple[str, str]]:
    """Problems of a binding against its commitment's targets (their units, in order), as
    (column, message); empty when it is sound."""
    problems: list[tuple[str, str]] = []
    series = SERIES.get(binding.series)
    if series is None:
        problems.append(
            (
                "series",
                f"is {binding.series!r}: not a series the tracker knows; expected one "
                f"of {', '.join(SERIES)}",
            )
        )
    if binding.rule not in RULES:
        problems.append(("rule", f"is {binding.rule!r}; expected one of {', '.join(RULES)}"))
    if not binding.countries:
        problems.append(("countries", "is empty; expected ISO3 codes such as GTM;HND;SLV"))
    if series is not None:
        if len(binding.countries) > 1 and not series.summable:
            problems.append(
                (
                    "countries",
                    f"lists {len(binding.countries)} countries, but {series.id} "
                    f"({series.unit}) cannot be summed across countries; bind one country",
                )
            )
        if binding.rule == "cumulative" and not series.flow:
            problems.append(
                (
                    "rule",
                    f"is 'cumulative', but {series.id} ({series.unit}) is not a flow "
                    "that adds up over time; use level or change",
                )
            )
    if binding.target is not None:
        if not 1 <= binding.target <= len(target_units):
            problems.append(
                ("target", f"is {binding.target}; the commitment has {len(target_units)} target(s)")
            )
        elif series is not None:
            goal = target_units[binding.target - 1]
            if not units.counts_toward(series.unit, goal):
                problems.append(
                    (
                        "series",
                        f"{series.id} is in {series.unit!r} ({units.describe(series.unit)}),"
                        f" which does not count toward target {binding.target}'s unit {goal!r} "
                        "(see the units table, rootcauses.tracker.units); unit mismatch",
                    )
                )
    return problems


# --------------------------------------------------------------------------- deriving


@dataclass(frozen=True)
class Point:
    """One period of a series: its first and last day and its value."""

    start: dt.date
    end: dt.date
    value: float


@dataclass(frozen=True)
class Provenance:
    """Where a series came from: the store's ``sources`` row and the build it was read from."""

    source_id: str
    title: str
    publisher: str
    url: str
    status: str
    notes: str
    build_id: str


@dataclass(frozen=True)
class DerivedReading:
    """A level of the bound target's metric computed from the series (dated at the period's end)."""

    date: dt.date
    value: float
    period: str  # "FY2023", "2022" …
    periods: str  # what it sums or compares: "FY2022–FY2023" …


@dataclass(frozen=True)
class Derived:
    """A binding's readings with what they are (``label``), where from, or why there are none."""

    binding: Binding
    label: str
    unit: str
    readings: tuple[DerivedReading, ...] = ()
    provenance: Provenance | None = None
    problem: str | None = None
    caveats: tuple[str, ...] = field(default=())


class SeriesSource(Protocol):
    """Where derived readings read their series: the store (:class:`StoreSeries`) or a test's
    hand-made frame."""

    def points(self, series: str, country: str) -> list[Point]: ...

    def provenance(self, series: str) -> Provenance | None: ...

    def unavailable(self) -> str | None:
        """Why no series can be read at all (no store built …), or None."""
        ...


def _label(period: Point, series: Series) -> str:
    return f"FY{fiscal_year(period.start)}" if series.fiscal else str(period.start.year)


def _span(first: str, last: str) -> str:
    return first if first == last else f"{first}–{last}"


def _combined(source: SeriesSource, series: Series, countries: Sequence[str]) -> list[Point]:
    """The series summed over ``countries`` in the periods all of them report."""
    per_country = [{p.start: p for p in source.points(series.id, c)} for c in countries]
    if not per_country:
        return []
    common = set(per_country[0]).intersection(*per_country[1:])
    return [
        Point(start, per_country[0][start].end, sum(pc[start].value for pc in per_country))
        for start in sorted(common)
    ]


def describe_binding(binding: Binding, series: Series, start: dt.date | None) -> str:
    where = "+".join(binding.countries)
    since = f" since {start.isoformat()}" if start else ""
    if binding.rule == "cumulative":
        return f"cumulative {series.label} to {where}{since} ({series.id})"
    if binding.rule == "change":
        return (
            f"change in {series.label}, {where}, from the last period before {start} ({series.id})"
        )
    return f"{series.label}, {where} ({series.id})"


def derive(binding: Binding, announced: dt.date | None, source: SeriesSource) -> Derived:
    """A binding's derived readings from ``source`` (see the module docstring for the rules)."""
    series = SERIES.get(binding.series)
    if series is None:  # refused on the way in; an old row stays readable
        return Derived(binding, binding.series, "", problem=f"unknown series {binding.series!r}")
    start = binding.start or announced
    label = describe_binding(binding, series, start)
    unit = series.unit
    why_not = source.unavailable()
    if why_not:
        return Derived(binding, label, unit, problem=why_not)
    points = _combined(source, series, binding.countries)
    provenance = source.provenance(series.id)
    if not points:
        return Derived(
            binding, label, unit, provenance=provenance,
            problem=f"the store has no {series.id} for {'+'.join(binding.countries)}",
        )  # fmt: skip
    readings: list[DerivedReading] = []
    if binding.rule == "cumulative":
        if start is None:
            return Derived(
                binding,
                label,
                unit,
                provenance=provenance,
                problem="a cumulative rule needs a start (no announcement date)",
            )
        counted = [p for p in points if p.start >= start]
        total = 0.0
        for p in counted:
            total += p.value
            readings.append(
                DerivedReading(
                    p.end,
                    total,
                    _label(p, series),
                    _span(_label(counted[0], series), _label(p, series)),
                )
            )
    elif binding.rule == "change":
        before = [p for p in points if start is not None and p.end <= start]
        if start is None or not before:
            return Derived(
                binding,
                label,
                unit,
                provenance=provenance,
                problem=f"no {series.id} value before {start} to compare with",
            )
        base = before[-1]
        for p in points:
            if p.end > base.end:
                readings.append(
                    DerivedReading(
                        p.end,
                        p.value - base.value,
                        _label(p, series),
                        f"{_label(p, series)} vs {_label(base, series)}",
                    )
                )
    else:
        for p in points:
            if start is None or p.end >= start:
                readings.append(
                    DerivedReading(p.end, p.value, _label(p, series), _label(p, series))
                )
    caveats = _caveats(provenance, readings)
    problem = None if readings else f"no {series.id} period after {start} in the store yet"
    return Derived(binding, label, unit, tuple(readings), provenance, problem, caveats)


def _caveats(provenance: Provenance | None, readings: Sequence[DerivedReading]) -> tuple[str, ...]:
    """The source's own warnings about the periods read (e.g. 'FY2023 incomplete')."""
    if provenance is None or not readings:
        return ()
    notes = provenance.notes or ""
    found = []
    for marker in ("Incomplete reporting:", "incomplete"):
        if marker in notes:
            sentence = next(s for s in notes.split(". ") if marker in s)
            found.append(sentence.strip().rstrip(".") + ".")
            break
    return tuple(found)


# --------------------------------------------------------------------------- the store


class StoreSeries:
    """The bindable series of the store's current build, read once per build (thread-safe).

    A store that is missing or unreadable is not an error here: each derived reading then says
    why it is absent (:meth:`unavailable`), and reported progress is judged as before."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._build: str | None = None
        self._points: dict[tuple[str, str], list[Point]] = {}
        self._provenance: dict[str, Provenance] = {}
        self._problem: str | None = None

    def _load(self) -> None:
        from rootcauses.store import layout, query

        current = layout.read_current(self.settings)
        build = current.build_id if current else None
        with self._lock:
            if build is not None and build == self._build:
                return
            if build is None:
                self._build, self._problem = (
                    None,
                    ("no store built: run `rootcauses data build` to derive progress from series"),
                )
                return
            try:
                con = query.connect(self.settings)
            except RootCausesError as exc:
                self._build, self._problem = None, f"the store cannot be read: {exc}"
                return
            try:
                self._points, self._provenance = _read(con, list(SERIES), build)
            finally:
                con.close()
            self._build, self._problem = build, None

    def unavailable(self) -> str | None:
        self._load()
        return self._problem

    def points(self, series: str, country: str) -> list[Point]:
        self._load()
        return self._points.get((series, country), [])

    def provenance(self, series: str) -> Provenance | None:
        self._load()
        return self._provenance.get(series)

    @property
    def build_id(self) -> str | None:
        self._load()
        return self._build


def _period_end(start: dt.date) -> dt.date:
    try:
        return start.replace(year=start.year + 1) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return dt.date(start.year + 1, 2, 28)


def _read(
    con: object, series: list[str], build: str
) -> tuple[dict[tuple[str, str], list[Point]], dict[str, Provenance]]:
    import duckdb

    assert isinstance(con, duckdb.DuckDBPyConnection)
    marks = ", ".join("?" for _ in series)
    rows = con.execute(
        f"SELECT indicator, country, period, value, source FROM indicators "
        f"WHERE frequency = 'annual' AND value IS NOT NULL AND indicator IN ({marks}) "
        "ORDER BY indicator, country, period",
        series,
    ).fetchall()
    points: dict[tuple[str, str], list[Point]] = {}
    sources: dict[str, str] = {}
    for indicator, country, period, value, source in rows:
        day = period.date() if isinstance(period, dt.datetime) else period
        points.setdefault((indicator, country), []).append(
            Point(day, _period_end(day), float(value))
        )
        sources.setdefault(indicator, source)
    provenance: dict[str, Provenance] = {}
    wanted = sorted(set(sources.values()))
    if wanted:
        marks = ", ".join("?" for _ in wanted)
        found = con.execute(
            f"SELECT id, title, publisher, url, status, coalesce(notes, '') FROM sources "
            f"WHERE id IN ({marks})",
            wanted,
        ).fetchall()
        by_id = {r[0]: r for r in found}
        for indicator, source in sources.items():
            if source in by_id:
                sid, title, publisher, url, status, notes = by_id[source]
                provenance[indicator] = Provenance(sid, title, publisher, url, status, notes, build)
    return points, provenance


class FrameSeries:
    """A :class:`SeriesSource` over plain values, for tests and examples:
    ``{(series, country): [(period start, value), …]}``."""

    def __init__(
        self,
        values: Mapping[tuple[str, str], Iterable[tuple[dt.date, float]]],
        provenance: Mapping[str, Provenance] | None = None,
    ) -> None:
        self._points = {
            key: [Point(d, _period_end(d), float(v)) for d, v in sorted(items)]
            for key, items in values.items()
        }
        self._provenance = dict(provenance or {})

    def unavailable(self) -> str | None:
        return None

    def points(self, series: str, country: str) -> list[Point]:
        return self._points.get((series, country), [])

    def provenance(self, series: str) -> Provenance | None:
        return self._provenance.get(series)
