"""Status rules: how far a commitment has come against what was promised. Pure: no I/O, no clock.

A commitment has zero or more **targets**, each a number in a unit ("5,000,000 people"), with a
**baseline** (0 when none is given: "spend $150M" starts from nothing), a **start** (the day it
was announced; without one, the first report), a **deadline** and, optionally, declared
**milestones** (date, value). Its **trajectory** runs in straight lines from (start, baseline)
through the milestones to (deadline, target). **Readings** state the metric's level on a date,
in a unit that counts toward the target's (:mod:`.units`); they are never added together. A
reading is ``reported`` (a progress report, with its evidence URL) or ``derived`` (computed from
a series of the store by a binding, :mod:`.bindings`); the rules treat both alike, the reasons
say which one they rest on, and of two readings on the same day the derived one is the latest.

Rules, applied to each target on the day ``as_of`` (readings dated after it are ignored):

1. ``no_metric``       no numeric target (or a relative target such as ``+40%`` whose baseline is
                       not a number), so there is nothing to measure.
2. ``achieved``        the latest reading reached the target (≥ it for a rise, ≤ it for a fall),
                       whenever that was; the reason says if it came after the deadline.
3. ``no_deadline``     no deadline, so no trajectory to be on.
4. the deadline has passed (``as_of`` > deadline): ``missed`` when the latest reading falls short
   and was taken no more than ``stale_after_days`` before the deadline; a shortfall read longer
   before it is ``no_recent_data`` (the end is unknown: what happened in between was not seen);
   with no reading at all, ``Thresholds.unreported_after_deadline`` (``no_recent_data`` by
   default: silence is not proof of failure, but it can be set to ``missed``).
5. ``no_recent_data``  no reading yet, or the latest is more than ``stale_after_days`` old.
6. otherwise the **shortfall** is the share of the baseline→target distance by which the latest
   reading trails the trajectory on the reading's date (ahead of it counts as 0):
   ≤ ``on_track_tolerance`` → ``on_track``; ≤ ``at_risk_tolerance`` → ``at_risk``;
   more → ``off_track``. Bounds are inclusive: exactly on a tolerance is still inside it.

Measuring the shortfall as a share of the distance treats rises and falls alike (cutting X from
100 to 50, a reading of 80 is 40% of the way) and stays defined when the baseline is 0.

A commitment's status is ``no_metric`` when none of its targets is measurable, else the most
severe status among its measurable targets, in the order of :data:`SEVERITY`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from itertools import pairwise

__all__ = [
    "SEVERITY",
    "Judgement",
    "Milestone",
    "Reading",
    "Status",
    "Target",
    "TargetJudgement",
    "Thresholds",
    "expected_value",
    "judge_commitment",
    "judge_target",
    "money_reported",
    "resolve_target",
    "same_unit",
]

EPSILON = 1e-9  # floating-point slack at the tolerance bounds


class Status(StrEnum):
    achieved = "achieved"
    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"
    missed = "missed"
    no_recent_data = "no_recent_data"
    no_metric = "no_metric"
    no_deadline = "no_deadline"


SEVERITY: tuple[Status, ...] = (
    Status.missed,
    Status.off_track,
    Status.at_risk,
    Status.no_recent_data,
    Status.no_deadline,
    Status.on_track,
    Status.achieved,
    Status.no_metric,
)
"""Most severe first: a commitment takes the first of these that any measurable target has."""

DEFAULT_MONEY_UNITS = ("USD", "USD deployed", "USD disbursed", "USD invested", "USD spent")


@dataclass(frozen=True)
class Thresholds:
    """The tunable numbers of the rules (see the module docstring); load them with
    :meth:`from_mapping` from TOML or the environment (``rootcauses.tracker.config``)."""

    on_track_tolerance: float = 0.10
    """Largest shortfall behind the trajectory, as a share of baseline→target, still on track."""
    at_risk_tolerance: float = 0.25
    """Largest shortfall still at risk; beyond it a target is off track."""
    stale_after_days: int = 365
    """A target whose latest reading is older than this has no recent data."""
    unreported_after_deadline: Status = Status.no_recent_data
    """Status of a target whose deadline passed with no reading at all (or ``missed``)."""
    money_units: tuple[str, ...] = DEFAULT_MONEY_UNITS
    """Progress units that count as money delivered in the roll-ups' "reported USD"."""

    def __post_init__(self) -> None:
        if not 0 <= self.on_track_tolerance <= self.at_risk_tolerance <= 1:
            raise ValueError(
                "thresholds: expected 0 ≤ on_track_tolerance ≤ at_risk_tolerance ≤ 1, got "
                f"{self.on_track_tolerance} and {self.at_risk_tolerance}"
            )
        if self.stale_after_days < 1:
            raise ValueError(
                f"thresholds: stale_after_days must be ≥ 1, got {self.stale_after_days}"
            )
        if self.unreported_after_deadline not in (Status.no_recent_data, Status.missed):
            raise ValueError(
                "thresholds: unreported_after_deadline must be 'no_recent_data' or 'missed', "
                f"got {self.unreported_after_deadline!r}"
            )

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, object], base: Thresholds | None = None
    ) -> Thresholds:
        """Thresholds from plain values (a TOML table, environment strings), over ``base``.

        Unknown keys and values of the wrong type raise ``ValueError`` naming the key."""
        base = base or cls()
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"thresholds: unknown setting(s) {unknown}; known: {sorted(known)}")
        changes: dict[str, object] = {}
        for key, value in values.items():
            try:
                if key in ("on_track_tolerance", "at_risk_tolerance"):
                    changes[key] = float(value)  # type: ignore[arg-type]
                elif key == "stale_after_days":
                    number = float(value)  # type: ignore[arg-type]
                    if not number.is_integer():
                        raise ValueError
                    changes[key] = int(number)
                elif key == "unreported_after_deadline":
                    changes[key] = Status(str(value))
                else:  # money_units
                    items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
                    changes[key] = tuple(str(v).strip() for v in items if str(v).strip())
            except (TypeError, ValueError):
                raise ValueError(f"thresholds: {key} = {value!r} is not a valid value") from None
        merged = {f: getattr(base, f) for f in known} | changes
        return cls(**merged)


@dataclass(frozen=True)
class Reading:
    """A level of the target's metric on a date, in a unit that counts toward the target's:
    ``reported`` (``source`` the evidence URL) or ``derived`` (``source`` the series and rule)."""

    date: dt.date
    value: float
    origin: str = "reported"
    source: str | None = None


@dataclass(frozen=True)
class Milestone:
    """A declared point of the trajectory: the value promised by a date."""

    date: dt.date
    value: float


@dataclass(frozen=True)
class Target:
    """One measurable promise, with everything the rules need to judge it."""

    target: float | None
    unit: str | None = None
    baseline: float | None = None
    start: dt.date | None = None
    deadline: dt.date | None = None
    milestones: tuple[Milestone, ...] = ()
    readings: tuple[Reading, ...] = ()
    why_unmeasurable: str = "no numeric target"


@dataclass(frozen=True)
class TargetJudgement:
    status: Status
    reason: str
    unit: str | None = None
    expected_fraction: float | None = None
    """Share of baseline→target the trajectory asked for on the latest reading's date."""
    actual_fraction: float | None = None
    """Share of baseline→target the latest reading covers."""
    latest: Reading | None = None


@dataclass(frozen=True)
class Judgement:
    status: Status
    reason: str
    targets: tuple[TargetJudgement, ...] = field(default=())
    has_metric: bool = False
    has_deadline: bool = False


# --------------------------------------------------------------------------- helpers


def resolve_target(value: float | None, relative: bool, baseline: float | None) -> float | None:
    """The absolute target: ``value`` itself, or for a relative target (``value`` = percent
    change, e.g. +40) the baseline moved by that percent; None when that cannot be known."""
    if value is None:
        return None
    if not relative:
        return value
    if baseline is None:
        return None
    return baseline * (1 + value / 100)


def same_unit(a: str | None, b: str | None) -> bool:
    """Units match ignoring case and spacing ("USD" = "usd"; "USD" ≠ "USD committed")."""
    if a is None or b is None:
        return False
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def _num(value: float) -> str:
    if value == int(value) or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _points(share: float) -> str:
    return f"{share * 100:.1f} points"


def _unit(target: Target) -> str:
    return f" {target.unit}" if target.unit else ""


def _said(reading: Reading, target: Target) -> str:
    """A reading in words: "1,100,000 people reported on 2021-12-13", or for a derived one
    "909,000,000 USD derived for 2023-09-30 from <series and rule>"."""
    value = f"{_num(reading.value)}{_unit(target)}"
    if reading.origin == "derived":
        return f"{value} derived for {reading.date} from {reading.source or 'a bound series'}"
    return f"{value} reported on {reading.date}"


def expected_value(target: Target, start: dt.date, on: dt.date) -> float:
    """The trajectory's value on ``on``: straight lines from (start, baseline) through the
    milestones to (deadline, target); flat before the start and after the deadline."""
    assert target.target is not None and target.deadline is not None
    baseline = target.baseline or 0.0
    points = [(start, baseline)]
    points += sorted(
        (m.date, m.value) for m in target.milestones if start < m.date < target.deadline
    )
    points.append((max(target.deadline, start), target.target))
    if on <= points[0][0]:
        return points[0][1] if target.deadline > start else target.target
    for (d0, v0), (d1, v1) in pairwise(points):
        if on <= d1:
            span = (d1 - d0).days
            return v1 if span == 0 else v0 + (v1 - v0) * (on - d0).days / span
    return target.target


def _fraction(value: float, baseline: float, target: float) -> float:
    distance = target - baseline
    if distance == 0:
        return 1.0 if value >= target else 0.0
    return (value - baseline) / distance


def _reached(value: float, baseline: float, target: float) -> bool:
    return value >= target if target >= baseline else value <= target


# --------------------------------------------------------------------------- rules


def judge_target(target: Target, as_of: dt.date, thresholds: Thresholds) -> TargetJudgement:
    """Apply the rules of the module docstring to one target."""
    unit = target.unit
    if target.target is None:
        return TargetJudgement(Status.no_metric, target.why_unmeasurable, unit)
    goal, baseline = target.target, target.baseline or 0.0
    readings = sorted(
        (r for r in target.readings if r.date <= as_of),
        key=lambda r: (r.date, r.origin == "derived"),
    )
    latest = readings[-1] if readings else None
    where_to = f"from {_num(baseline)} to {_num(goal)}{_unit(target)}"
    if latest is not None:
        actual = _fraction(latest.value, baseline, goal)
        said = _said(latest, target)
        if _reached(latest.value, baseline, goal):
            late = (
                f", after the deadline {target.deadline}"
                if target.deadline and latest.date > target.deadline
                else ""
            )
            return TargetJudgement(
                Status.achieved,
                f"{said} reaches the target ({where_to}){late}",
                unit,
                actual_fraction=actual,
                latest=latest,
            )
    if target.deadline is None:
        latest_text = f"; latest: {_num(latest.value)} on {latest.date}" if latest else ""
        return TargetJudgement(
            Status.no_deadline,
            f"target {_num(goal)}{_unit(target)} has no deadline{latest_text}",
            unit,
            actual_fraction=None if latest is None else _fraction(latest.value, baseline, goal),
            latest=latest,
        )
    if as_of > target.deadline:
        if latest is None:
            return TargetJudgement(
                thresholds.unreported_after_deadline,
                f"the deadline {target.deadline} passed with no report in"
                f"{_unit(target) or ' its unit'}",
                unit,
            )
        early = (target.deadline - latest.date).days
        if early > thresholds.stale_after_days:
            start = target.start or readings[0].date
            then = _fraction(expected_value(target, start, latest.date), baseline, goal)
            return TargetJudgement(
                Status.no_recent_data,
                f"the deadline {target.deadline} passed, but the latest reading is {early} days "
                f"before it (the window is {thresholds.stale_after_days} days), so whether the "
                f"target was met is unknown: {said} was {_pct(actual)} of the way {where_to} "
                f"when the trajectory asked for {_pct(then)}",
                unit,
                expected_fraction=then,
                actual_fraction=actual,
                latest=latest,
            )
        return TargetJudgement(
            Status.missed,
            f"the deadline {target.deadline} passed; {said} is {_pct(actual)} of the way "
            f"{where_to}",
            unit,
            expected_fraction=1.0,
            actual_fraction=actual,
            latest=latest,
        )
    if latest is None:
        return TargetJudgement(
            Status.no_recent_data, f"no report in{_unit(target) or ' its unit'} yet", unit
        )
    age = (as_of - latest.date).days
    if age > thresholds.stale_after_days:
        return TargetJudgement(
            Status.no_recent_data,
            f"the latest report ({latest.date}) is {age} days old; the window is "
            f"{thresholds.stale_after_days} days",
            unit,
            actual_fraction=actual,
            latest=latest,
        )
    start = target.start or readings[0].date
    expected = _fraction(expected_value(target, start, latest.date), baseline, goal)
    shortfall = max(0.0, expected - actual)
    if shortfall <= thresholds.on_track_tolerance + EPSILON:
        status = Status.on_track
    elif shortfall <= thresholds.at_risk_tolerance + EPSILON:
        status = Status.at_risk
    else:
        status = Status.off_track
    behind = f"{_points(shortfall)} behind" if shortfall > 0 else "not behind"
    return TargetJudgement(
        status,
        f"{said} is {_pct(actual)} of the way {where_to} by {target.deadline}; the "
        f"trajectory asked for {_pct(expected)} by then ({behind}; tolerances "
        f"{_points(thresholds.on_track_tolerance)} on track, "
        f"{_points(thresholds.at_risk_tolerance)} at risk)",
        unit,
        expected_fraction=expected,
        actual_fraction=actual,
        latest=latest,
    )


def judge_commitment(
    targets: Sequence[Target],
    as_of: dt.date,
    thresholds: Thresholds,
    *,
    deadline: dt.date | None = None,
    not_counted: str | None = None,
) -> Judgement:
    """Judge every target and combine: the most severe measurable status (:data:`SEVERITY`).

    ``deadline`` is the commitment's own deadline, which counts for ``has_deadline`` even when
    the commitment has no target. ``not_counted`` describes reports whose unit fits no target
    (:func:`.units.counts_toward`); a measurable commitment's reason ends with it, so they are
    flagged rather than silently ignored."""
    judged = tuple(judge_target(t, as_of, thresholds) for t in targets)
    has_deadline = deadline is not None or any(t.deadline is not None for t in targets)
    measurable = [j for j in judged if j.status is not Status.no_metric]
    if not measurable:
        reason = judged[0].reason if len(judged) == 1 else "no numeric target"
        return Judgement(Status.no_metric, reason, judged, False, has_deadline)
    status = min((j.status for j in measurable), key=SEVERITY.index)
    if len(judged) == 1:
        reason = judged[0].reason
    else:
        reason = "; ".join(
            f"target {i} ({j.unit or 'no unit'}) {j.status.value}: {j.reason}"
            for i, j in enumerate(judged, start=1)
        )
    if not_counted:
        reason = f"{reason}. {not_counted}"
    return Judgement(status, reason, judged, True, has_deadline)


def money_reported(
    reports: Iterable[tuple[dt.date | None, float | None, str | None]],
    as_of: dt.date,
    units: Sequence[str],
) -> float | None:
    """Money delivered as last reported: the latest dated value (on or before ``as_of``) whose
    unit is one of ``units``; of several on that date, the largest. Reports are levels, so
    they are never summed."""
    dated = [
        (d, v)
        for d, v, u in reports
        if d is not None and v is not None and d <= as_of and any(same_unit(u, m) for m in units)
    ]
    if not dated:
        return None
    last = max(d for d, _ in dated)
    return max(v for d, v in dated if d == last)
