"""Tracker operations on one database session: read and judge, edit with an audit trail, users
and tokens, import and export of record batches.

Every function takes an open :class:`~sqlalchemy.orm.Session` inside a transaction
(:meth:`rootcauses.tracker.db.Tracker.session`) and the :class:`~.auth.Actor` doing it, and
raises the tracker's errors (:class:`~rootcauses.errors.TrackerError`); the CLI and the API are
thin layers over these. Nothing here commits: the caller's transaction does, or rolls back.

Every create, update and delete writes an :class:`~.models.AuditEntry` with the record before
and after as JSON. Commitments are edited under optimistic locking: an edit names the
``version`` it is based on, and a stale one is refused (:class:`TrackerConflictError`) with
nothing changed; two edits racing from the same version cannot both pass, because the UPDATE
itself is conditional on the version (SQLAlchemy's ``version_id_col``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from rootcauses.countries import to_iso3
from rootcauses.errors import (
    CheckError,
    TrackerConflictError,
    TrackerInputError,
    TrackerNotFoundError,
)
from rootcauses.tracker import parsing, units
from rootcauses.tracker.auth import Actor, hash_token, new_token, require
from rootcauses.tracker.bindings import Binding, Derived, SeriesSource, derive
from rootcauses.tracker.models import (
    ApiToken,
    AuditEntry,
    Commitment,
    CommitmentPillar,
    MetricBinding,
    Milestone,
    Pillar,
    ProgressReport,
    Strategy,
    Target,
    User,
    utcnow,
)
from rootcauses.tracker.rollup import RollupItem
from rootcauses.tracker.schemas import (
    AuditPublic,
    BindingPublic,
    CommitmentCreate,
    CommitmentFields,
    CommitmentPublic,
    CommitmentUpdate,
    DerivedPoint,
    DerivedPublic,
    NotCounted,
    PillarCreate,
    PillarPublic,
    ProgressCreate,
    ProgressImport,
    ProgressPublic,
    TargetPublic,
    UserCreate,
    UserPublic,
)
from rootcauses.tracker.status import (
    Judgement,
    Reading,
    Status,
    Thresholds,
    judge_commitment,
    money_reported,
    resolve_target,
)
from rootcauses.tracker.status import Milestone as PathPoint
from rootcauses.tracker.status import Target as TargetSpec

OnExisting = Literal["update", "skip", "error"]
MAX_LISTED_PROBLEMS = 8
T = TypeVar("T")


# --------------------------------------------------------------------------- content ⇄ rows


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _partial(day: dt.date | None, precision: str | None) -> str | None:
    return parsing.format_partial_date(day, precision) or None


def commitment_content(c: Commitment) -> dict[str, Any]:
    """A commitment's data as plain JSON: the shape of :class:`CommitmentCreate` (plus ``id``),
    used for the audit log, for change detection and for export."""
    return {
        "id": c.id,
        "actor": c.actor,
        "actor_type": c.actor_type,
        "country": c.country,
        "pillar_ids": c.pillar_ids,
        "commitment": c.commitment,
        "metric": c.metric,
        "targets": [
            {
                "unit": t.unit,
                "relative": t.relative,
                "value": t.value,
                "baseline_value": t.baseline_value,
                "deadline": _iso(t.deadline),
                "milestones": [
                    {"date": m.date.isoformat(), "value": m.value} for m in t.milestones
                ],
            }
            for t in c.targets
        ],
        "baseline": c.baseline,
        "announced_date": _partial(c.announced_date, c.announced_precision),
        "deadline_text": c.deadline_text,
        "deadline": _iso(c.deadline),
        "amount_usd": c.amount_usd,
        "source_urls": list(c.source_urls or []),
        "source_date": _partial(c.source_date, c.source_date_precision),
        "notes": c.notes,
        "aggregate": c.aggregate,
        "bindings": [binding_content(b) for b in c.bindings],
    }


def binding_content(b: MetricBinding) -> dict[str, Any]:
    return {
        "target": b.target,
        "series": b.series,
        "countries": parsing.split_list(b.countries),
        "rule": b.rule,
        "start": _iso(b.start),
        "note": b.note,
    }


def binding_spec(b: MetricBinding) -> Binding:
    return Binding(
        b.series, tuple(parsing.split_list(b.countries)), b.rule, b.target, b.start, b.note
    )


def content_from_input(data: CommitmentFields, commitment_id: str) -> dict[str, Any]:
    """Validated input → content (the shape of :func:`commitment_content`). A deadline not
    given is read from ``deadline_text`` (see :func:`.parsing.parse_deadline`), per target
    when the text lists one date per target."""
    deadline, per_target = data.deadline, [t.deadline for t in data.targets]
    if deadline is None and data.deadline_text:
        derived, derived_per_target = parsing.parse_deadline(data.deadline_text, len(data.targets))
        deadline = derived
        per_target = [given or d for given, d in zip(per_target, derived_per_target, strict=True)]
    return {
        "id": commitment_id,
        "actor": data.actor,
        "actor_type": data.actor_type,
        "country": data.country,
        "pillar_ids": list(data.pillar_ids),
        "commitment": data.commitment,
        "metric": data.metric,
        "targets": [
            {
                "unit": t.unit,
                "relative": t.relative,
                "value": t.value,
                "baseline_value": t.baseline_value,
                "deadline": _iso(target_deadline),
                "milestones": [
                    {"date": m.date.isoformat(), "value": m.value}
                    for m in sorted(t.milestones, key=lambda m: m.date)
                ],
            }
            for t, target_deadline in zip(data.targets, per_target, strict=True)
        ],
        "baseline": data.baseline,
        "announced_date": data.announced_date,
        "deadline_text": data.deadline_text,
        "deadline": _iso(deadline),
        "amount_usd": data.amount_usd,
        "source_urls": list(data.source_urls),
        "source_date": data.source_date,
        "notes": data.notes,
        "aggregate": data.aggregate,
        "bindings": [
            {
                "target": spec.target,
                "series": spec.series,
                "countries": list(spec.countries),
                "rule": spec.rule,
                "start": _iso(spec.start),
                "note": spec.note,
            }
            for spec in (b.spec(data.country) for b in data.bindings or [])
        ],
    }


def _split_partial(text: str | None) -> tuple[dt.date | None, str | None]:
    return parsing.parse_partial_date(text) if text else (None, None)


def _day(text: str | None) -> dt.date | None:
    return parsing.parse_day(text) if text else None


def _write_content(session: Session, c: Commitment, content: dict[str, Any]) -> None:
    """Set a commitment's columns and children from content (children replaced when changed).

    Old target rows are deleted (and flushed) before anything else changes, so their positions
    can be reused and the commitment row is updated once: its version rises by exactly one."""
    old = commitment_content(c) if c.id and c.version else None
    new_targets = old is None or old["targets"] != content["targets"]
    if new_targets and c.targets:
        c.targets.clear()
        session.flush()
    c.actor = content["actor"]
    c.actor_type = content["actor_type"]
    c.country = content["country"]
    c.commitment = content["commitment"]
    c.metric = content["metric"]
    c.baseline = content["baseline"]
    c.announced_date, c.announced_precision = _split_partial(content["announced_date"])
    c.deadline_text = content["deadline_text"]
    c.deadline = _day(content["deadline"])
    c.amount_usd = content["amount_usd"]
    c.source_urls = list(content["source_urls"])
    c.source_date, c.source_date_precision = _split_partial(content["source_date"])
    c.notes = content["notes"]
    c.aggregate = content["aggregate"]
    if old is None or old["pillar_ids"] != content["pillar_ids"]:
        c.pillar_links = [
            CommitmentPillar(pillar_id=p, position=i) for i, p in enumerate(content["pillar_ids"])
        ]
    if old is None or old["bindings"] != content["bindings"]:
        if c.bindings:
            c.bindings.clear()
            session.flush()
        c.bindings = [
            MetricBinding(
                position=i,
                target=b["target"],
                series=b["series"],
                countries=";".join(b["countries"]),
                rule=b["rule"],
                start=_day(b["start"]),
                note=b["note"],
            )
            for i, b in enumerate(content["bindings"], start=1)
        ]
    if new_targets:
        c.targets = [
            Target(
                position=i,
                unit=t["unit"],
                relative=t["relative"],
                value=t["value"],
                baseline_value=t["baseline_value"],
                deadline=_day(t["deadline"]),
                milestones=[
                    Milestone(date=parsing.parse_day(m["date"]), value=m["value"])
                    for m in t["milestones"]
                ],
            )
            for i, t in enumerate(content["targets"], start=1)
        ]


def _audited(content: dict[str, Any], c: Commitment) -> dict[str, Any]:
    return content | {
        "version": c.version,
        "deleted_at": c.deleted_at.isoformat() if c.deleted_at else None,
    }


def progress_content(p: ProgressReport) -> dict[str, Any]:
    return {
        "id": p.id,
        "commitment_id": p.commitment_id,
        "date": _partial(p.report_date, p.report_date_precision),
        "value": p.value,
        "unit": p.unit,
        "reported": p.reported,
        "evidence_url": p.evidence_url,
        "note": p.note,
        "recorded_by": p.recorded_by,
        "recorded_at": p.recorded_at.isoformat() if p.recorded_at else None,
        "deleted_at": p.deleted_at.isoformat() if p.deleted_at else None,
    }


def pillar_content(p: Pillar) -> dict[str, Any]:
    return {
        "id": p.id,
        "framework": p.strategy.name,
        "pillar": p.name,
        "line_of_effort": p.line_of_effort,
        "description": p.description,
        "source_url": p.source_url,
        "notes": p.notes,
        "parent_id": p.parent_id,
    }


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str,
    *,
    commitment_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=utcnow(),
            actor=actor.name,
            user_id=actor.user_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            commitment_id=commitment_id,
            before=before,
            after=after,
        )
    )


def _problems_error(problems: list[tuple[str, str, str]]) -> TrackerInputError:
    shown = [f"{where}, {name!r}: {message}" for where, name, message in problems]
    text = "; ".join(shown[:MAX_LISTED_PROBLEMS])
    if len(shown) > MAX_LISTED_PROBLEMS:
        text += f"; and {len(shown) - MAX_LISTED_PROBLEMS} more"
    return TrackerInputError(text, problems)


# --------------------------------------------------------------------------- reading


def _commitment_query() -> Select[Commitment]:
    return select(Commitment).options(
        selectinload(Commitment.pillar_links),
        selectinload(Commitment.targets).selectinload(Target.milestones),
        selectinload(Commitment.progress),
        selectinload(Commitment.bindings),
    )


def get_commitment(
    session: Session, commitment_id: str, *, for_update: bool = False, deleted: bool = False
) -> Commitment:
    """The commitment ``commitment_id`` (locked for the transaction with ``for_update``)."""
    query = _commitment_query().where(Commitment.id == commitment_id)
    if for_update:
        query = query.with_for_update(of=Commitment)
    found = session.scalars(query).one_or_none()
    if found is None or (found.deleted_at is not None and not deleted):
        raise TrackerNotFoundError(f"no commitment {commitment_id!r}")
    return found


def pillar_scope(session: Session, pillar_id: str) -> set[str]:
    """A pillar and its lines of effort (one level down, as the strategy has)."""
    children = session.scalars(select(Pillar.id).where(Pillar.parent_id == pillar_id)).all()
    return {pillar_id, *children}


def normalise_country(text: str) -> str:
    if text.strip().lower() == "regional":
        return "XNT"
    try:
        return to_iso3(text)
    except CheckError as exc:
        raise TrackerInputError(str(exc), [("query", "country", str(exc))]) from None


def list_commitments(
    session: Session,
    *,
    pillar: str | None = None,
    actor_type: str | None = None,
    country: str | None = None,
    include_deleted: bool = False,
) -> list[Commitment]:
    query = _commitment_query().order_by(Commitment.id)
    if not include_deleted:
        query = query.where(Commitment.deleted_at.is_(None))
    if pillar:
        scope = pillar_scope(session, pillar)
        query = query.where(
            Commitment.id.in_(
                select(CommitmentPillar.commitment_id).where(CommitmentPillar.pillar_id.in_(scope))
            )
        )
    if actor_type:
        query = query.where(Commitment.actor_type == actor_type)
    if country:
        query = query.where(Commitment.country == normalise_country(country))
    return list(session.scalars(query).all())


def live_progress(c: Commitment) -> list[ProgressReport]:
    return sorted(
        (p for p in c.progress if p.deleted_at is None),
        key=lambda p: (p.report_date or dt.date.min, p.id),
    )


def target_specs(c: Commitment, derived: Sequence[Derived] = ()) -> list[TargetSpec]:
    """The commitment's targets in the form the status rules take (:mod:`.status`).

    A report counts toward a target when its unit does (:func:`.units.counts_toward`); a report
    known only to the month or year is placed on the last day of that period; undated reports
    are not used. ``derived`` readings of bindings to a target count toward it too."""
    reports = [p for p in live_progress(c) if p.report_date is not None and p.value is not None]
    start = c.announced_date
    specs = []
    for position, t in enumerate(c.targets, start=1):
        goal = resolve_target(t.value, t.relative, t.baseline_value)
        why = (
            f"the relative target {parsing.format_target(t.value, True)} needs a numeric baseline"
            if t.relative and goal is None
            else "no numeric target"
        )
        readings = [
            Reading(
                parsing.last_day(p.report_date, p.report_date_precision),  # type: ignore[arg-type]
                p.value,  # type: ignore[arg-type]
                "reported",
                p.evidence_url,
            )
            for p in reports
            if units.counts_toward(p.unit, t.unit)
        ]
        readings += [
            Reading(r.date, r.value, "derived", d.label)
            for d in derived
            if d.binding.target == position
            for r in d.readings
        ]
        specs.append(
            TargetSpec(
                target=goal,
                unit=t.unit,
                baseline=t.baseline_value,
                start=start,
                deadline=t.deadline or c.deadline,
                milestones=tuple(PathPoint(m.date, m.value) for m in t.milestones),
                readings=tuple(readings),
                why_unmeasurable=why,
            )
        )
    return specs


def not_counted(c: Commitment) -> list[ProgressReport]:
    """Numeric reports whose unit counts toward none of the commitment's targets."""
    return [
        p
        for p in live_progress(c)
        if p.value is not None and not any(units.counts_toward(p.unit, t.unit) for t in c.targets)
    ]


def not_counted_note(reports: Sequence[ProgressReport], target_units: Sequence[str]) -> str | None:
    """The flag a status reason ends with: reports in other units, by unit, with the latest."""
    if not reports:
        return None
    by_unit: dict[str, list[ProgressReport]] = {}
    for p in reports:
        by_unit.setdefault(p.unit or "no unit", []).append(p)
    parts = []
    for unit, found in by_unit.items():
        last = found[-1]
        when = _partial(last.report_date, last.report_date_precision) or "undated"
        value = f"{last.value:,.10g}"
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        parts.append(f"{value} {unit} ({when}){more}")
    wanted = ", ".join(repr(u) for u in target_units) or "none"
    return (
        f"Not counted: {len(reports)} report(s) in a unit no target is in ({wanted}; see the "
        f"units table): {'; '.join(parts)}"
    )


@dataclass(frozen=True)
class Evaluated:
    """A commitment with its judgement on a date, the derived readings of its bindings and the
    reports whose unit fits none of its targets."""

    commitment: Commitment
    judgement: Judgement
    reported_usd: float | None
    as_of: dt.date
    derived: tuple[Derived, ...] = ()
    not_counted: tuple[ProgressReport, ...] = ()

    @property
    def evidence(self) -> str | None:
        """'reported' or 'derived': what the status rests on (the latest reading of the most
        severe target that has one), or None when no reading was used."""
        for tj in self.judgement.targets:
            if tj.status is self.judgement.status and tj.latest is not None:
                return tj.latest.origin
        return next((t.latest.origin for t in self.judgement.targets if t.latest), None)


def derived_of(c: Commitment, series: SeriesSource | None) -> tuple[Derived, ...]:
    """The derived readings of every binding of ``c`` (none without a series source)."""
    if series is None or not c.bindings:
        return ()
    return tuple(derive(binding_spec(b), c.announced_date, series) for b in c.bindings)


def evaluate(
    c: Commitment, as_of: dt.date, thresholds: Thresholds, series: SeriesSource | None = None
) -> Evaluated:
    derived = derived_of(c, series)
    specs = target_specs(c, derived)
    flagged = not_counted(c)
    note = not_counted_note(flagged, [t.unit for t in c.targets if t.unit])
    measurable = any(s.target is not None for s in specs)
    judgement = judge_commitment(
        specs, as_of, thresholds, deadline=c.deadline, not_counted=note if measurable else None
    )
    reported = money_reported(
        (
            (parsing.last_day(p.report_date, p.report_date_precision), p.value, p.unit)
            for p in live_progress(c)
        ),
        as_of,
        thresholds.money_units,
    )
    return Evaluated(c, judgement, reported, as_of, derived, tuple(flagged) if measurable else ())


def evaluate_all(
    session: Session,
    thresholds: Thresholds,
    as_of: dt.date,
    *,
    status: Status | None = None,
    pillar: str | None = None,
    actor_type: str | None = None,
    country: str | None = None,
    series: SeriesSource | None = None,
) -> list[Evaluated]:
    """Judge every live commitment matching the filters (status is computed, so it filters
    after judging)."""
    found = list_commitments(session, pillar=pillar, actor_type=actor_type, country=country)
    judged = [evaluate(c, as_of, thresholds, series) for c in found]
    return [e for e in judged if status is None or e.judgement.status is status]


def derived_public(d: Derived) -> DerivedPublic:
    p = d.provenance
    return DerivedPublic(
        target=d.binding.target,
        series=d.binding.series,
        rule=d.binding.rule,  # type: ignore[arg-type]
        label=d.label,
        unit=d.unit,
        readings=[DerivedPoint(**vars(r)) for r in d.readings],
        source_id=p.source_id if p else None,
        source_title=p.title if p else None,
        source_url=p.url if p else None,
        build_id=p.build_id if p else None,
        caveats=list(d.caveats),
        note=d.binding.note,
        problem=d.problem,
    )


def to_public(e: Evaluated) -> CommitmentPublic:
    c, j = e.commitment, e.judgement
    content = commitment_content(c)
    targets: list[TargetPublic] = []
    for t, tj in zip(content["targets"], j.targets, strict=True):
        targets.append(
            TargetPublic(
                position=len(targets) + 1,
                unit=t["unit"],
                value=t["value"],
                relative=t["relative"],
                baseline_value=t["baseline_value"],
                deadline=t["deadline"],
                milestones=t["milestones"],
                status=tj.status,
                reason=tj.reason,
                expected_fraction=tj.expected_fraction,
                actual_fraction=tj.actual_fraction,
                latest_value=tj.latest.value if tj.latest else None,
                latest_date=tj.latest.date if tj.latest else None,
                latest_origin=tj.latest.origin if tj.latest else None,  # type: ignore[arg-type]
                latest_source=tj.latest.source if tj.latest else None,
            )
        )
    return CommitmentPublic(
        **(
            content
            | {"targets": targets, "bindings": [BindingPublic(**b) for b in content["bindings"]]}
        ),
        version=c.version,
        created_at=c.created_at,
        updated_at=c.updated_at,
        status=j.status,
        status_reason=j.reason,
        has_metric=j.has_metric,
        has_deadline=j.has_deadline,
        reported_usd=e.reported_usd,
        as_of=e.as_of,
        derived=[derived_public(d) for d in e.derived],
        not_counted=[
            NotCounted(
                date=_partial(p.report_date, p.report_date_precision),
                value=p.value,  # type: ignore[arg-type]
                unit=p.unit,
                report_id=p.id,
            )
            for p in e.not_counted
        ],
    )


def rollup_items(evaluated: Iterable[Evaluated]) -> list[RollupItem]:
    return [
        RollupItem(
            id=e.commitment.id,
            actor=e.commitment.actor,
            actor_type=e.commitment.actor_type,
            country=e.commitment.country,
            pillars=tuple(e.commitment.pillar_ids),
            status=e.judgement.status,
            has_metric=e.judgement.has_metric,
            has_deadline=e.judgement.has_deadline,
            amount_usd=e.commitment.amount_usd,
            reported_usd=e.reported_usd,
            aggregate=e.commitment.aggregate,
            evidence=e.evidence,
            reason=e.judgement.reason,
        )
        for e in evaluated
    ]


def progress_public(p: ProgressReport) -> ProgressPublic:
    return ProgressPublic.model_validate(progress_content(p))


def history(session: Session, commitment_id: str) -> list[AuditPublic]:
    """The audit trail of a commitment and its progress reports, oldest first."""
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.commitment_id == commitment_id).order_by(AuditEntry.id)
    ).all()
    return [AuditPublic.model_validate(e, from_attributes=True) for e in entries]


def list_pillars(session: Session) -> list[PillarPublic]:
    pillars = session.scalars(
        select(Pillar).options(selectinload(Pillar.strategy)).order_by(Pillar.id)
    ).all()
    return [
        PillarPublic.model_validate(
            pillar_content(p) | {"strategy_id": p.strategy_id, "level": p.level}
        )
        for p in pillars
    ]


def matching_target(c: Commitment, unit: str | None) -> int | None:
    """The 1-based position of the target a report in ``unit`` counts toward, if any."""
    for position, t in enumerate(c.targets, start=1):
        if units.counts_toward(unit, t.unit):
            return position
    return None


# --------------------------------------------------------------------------- editing


def _unknown_pillars(
    session: Session, pillar_ids: Iterable[str], also: Iterable[str] = ()
) -> list[str]:
    wanted = set(pillar_ids) - set(also)
    if not wanted:
        return []
    known = set(session.scalars(select(Pillar.id).where(Pillar.id.in_(wanted))).all())
    return sorted(wanted - known)


def _check_pillars(session: Session, pillar_ids: Sequence[str]) -> None:
    unknown = set(_unknown_pillars(session, pillar_ids))
    problems = [
        ("body", f"pillar_ids.{i}", f"unknown pillar {p!r}")
        for i, p in enumerate(pillar_ids)
        if p in unknown
    ]
    if problems:
        raise _problems_error(problems)


def _new_commitment_id(session: Session) -> str:
    while True:
        candidate = "C" + secrets.token_hex(4).upper()
        if session.get(Commitment, candidate) is None:
            return candidate


def _insert_commitment(
    session: Session, commitment_id: str, content: dict[str, Any], actor: Actor
) -> Commitment:
    """Add a commitment with ``content`` and audit its creation (one rule for API and import)."""
    c = Commitment(id=commitment_id, created_at=utcnow(), updated_at=utcnow(), source_urls=[])
    session.add(c)
    _write_content(session, c, content)
    session.flush()
    _audit(
        session, actor, "create", "commitment", c.id, commitment_id=c.id, after=_audited(content, c)
    )
    return c


def _rewrite_commitment(
    session: Session, c: Commitment, before: dict[str, Any], after: dict[str, Any], actor: Actor
) -> None:
    """Replace a commitment's content and audit before/after. The flush raises StaleDataError
    when another transaction bumped the version meanwhile."""
    audited_before = _audited(before, c)
    _write_content(session, c, after)
    c.updated_at = utcnow()
    session.flush()
    _audit(
        session,
        actor,
        "update",
        "commitment",
        c.id,
        commitment_id=c.id,
        before=audited_before,
        after=_audited(after, c),
    )


def create_commitment(session: Session, data: CommitmentCreate, actor: Actor) -> Commitment:
    """A new commitment (version 1), audited. A taken id is bad input (the id field)."""
    require(actor, "editor", "creating a commitment")
    commitment_id = data.id or _new_commitment_id(session)
    if session.get(Commitment, commitment_id) is not None:
        raise TrackerInputError(
            f"commitment {commitment_id!r} already exists (ids are never reused, even after a "
            "delete)",
            [("body", "id", f"commitment {commitment_id!r} already exists")],
        )
    _check_pillars(session, data.pillar_ids)
    return _insert_commitment(
        session, commitment_id, content_from_input(data, commitment_id), actor
    )


def _stale(c: Commitment, version: int) -> TrackerConflictError:
    return TrackerConflictError(
        f"commitment {c.id!r} is at version {c.version} but the edit is based on version "
        f"{version}: someone changed it meanwhile; reload it and edit again (nothing was changed)"
    )


def update_commitment(
    session: Session, commitment_id: str, data: CommitmentUpdate, actor: Actor
) -> Commitment:
    """Apply the fields sent in ``data`` if ``data.version`` is still current (else 409)."""
    require(actor, "editor", "updating a commitment")
    c = get_commitment(session, commitment_id, for_update=True)
    if c.version != data.version:
        raise _stale(c, data.version)
    before = commitment_content(c)
    changes = data.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    merged = {k: v for k, v in before.items() if k != "id"} | changes
    if "deadline_text" in changes and "deadline" not in changes:
        merged["deadline"] = None  # read it again from the new text
    try:
        fields = CommitmentFields.model_validate(merged)
    except ValidationError as exc:
        raise input_error(exc, "body") from None
    after = content_from_input(fields, c.id)
    if after == before:
        return c
    _check_pillars(session, fields.pillar_ids)
    try:
        _rewrite_commitment(session, c, before, after, actor)
    except StaleDataError:
        raise _stale(c, data.version) from None
    return c


def delete_commitment(session: Session, commitment_id: str, version: int, actor: Actor) -> None:
    """Soft-delete (``deleted_at``): the row and its history stay; lists no longer show it."""
    require(actor, "admin", "deleting a commitment")
    c = get_commitment(session, commitment_id, for_update=True)
    if c.version != version:
        raise _stale(c, version)
    content = commitment_content(c)
    before = _audited(content, c)
    c.deleted_at = c.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError:
        raise _stale(c, version) from None
    _audit(
        session,
        actor,
        "delete",
        "commitment",
        c.id,
        commitment_id=c.id,
        before=before,
        after=_audited(content, c),
    )


def _new_report(
    commitment_id: str, data: ProgressCreate, actor: Actor, report_id: str
) -> ProgressReport:
    day, precision = _split_partial(data.date)
    return ProgressReport(
        id=report_id,
        commitment_id=commitment_id,
        report_date=day,
        report_date_precision=precision,
        value=data.value,
        unit=data.unit,
        reported=data.reported,
        evidence_url=data.evidence_url,
        note=data.note,
        recorded_by=actor.name,
        recorded_at=utcnow(),
    )


def add_progress(
    session: Session, commitment_id: str, data: ProgressCreate, actor: Actor
) -> ProgressReport:
    """Record a progress report (who recorded it is the actor), audited."""
    require(actor, "editor", "adding progress")
    c = get_commitment(session, commitment_id)
    report = _new_report(c.id, data, actor, uuid.uuid4().hex)
    c.progress.append(report)
    session.flush()
    _audit(
        session,
        actor,
        "create",
        "progress",
        report.id,
        commitment_id=c.id,
        after=progress_content(report),
    )
    return report


def delete_progress(session: Session, report_id: str, actor: Actor) -> None:
    require(actor, "admin", "deleting a progress report")
    report = session.get(ProgressReport, report_id, with_for_update=True)
    if report is None or report.deleted_at is not None:
        raise TrackerNotFoundError(f"no progress report {report_id!r}")
    before = progress_content(report)
    report.deleted_at = utcnow()
    session.flush()
    _audit(
        session,
        actor,
        "delete",
        "progress",
        report.id,
        commitment_id=report.commitment_id,
        before=before,
        after=progress_content(report),
    )


# --------------------------------------------------------------------------- users and tokens


def _user_public(user: User) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


def create_user(session: Session, data: UserCreate, actor: Actor) -> tuple[UserPublic, str]:
    """A new user with a first API token; the token is returned once and stored hashed."""
    require(actor, "admin", "managing users")
    if session.scalars(select(User).where(User.name == data.name)).first() is not None:
        raise TrackerConflictError(f"a user named {data.name!r} already exists")
    user = User(name=data.name, role=data.role, created_at=utcnow())
    session.add(user)
    session.flush()
    token = _issue(session, user)
    _audit(
        session, actor, "create", "user", str(user.id), after={"name": user.name, "role": user.role}
    )
    return _user_public(user), token


def _issue(session: Session, user: User) -> str:
    token = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), created_at=utcnow()))
    session.flush()
    return token


def issue_token(session: Session, name: str, actor: Actor) -> str:
    """Another token for an existing user (the old ones keep working)."""
    require(actor, "admin", "managing users")
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None or user.disabled_at is not None:
        raise TrackerNotFoundError(f"no user {name!r}")
    token = _issue(session, user)
    _audit(
        session, actor, "update", "user", str(user.id), after={"name": user.name, "new_token": True}
    )
    return token


def get_user(session: Session, user_id: int | None) -> UserPublic:
    user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise TrackerNotFoundError(f"no user with id {user_id}")
    return _user_public(user)


def list_users(session: Session, actor: Actor) -> list[UserPublic]:
    require(actor, "admin", "listing users")
    return [_user_public(u) for u in session.scalars(select(User).order_by(User.id)).all()]


def actor_for_token(session: Session, token: str) -> Actor | None:
    """The user a token belongs to, or None when it is unknown, revoked or disabled."""
    row = session.execute(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == hash_token(token),
            ApiToken.revoked_at.is_(None),
            User.disabled_at.is_(None),
        )
    ).scalar_one_or_none()
    return None if row is None else Actor(name=row.name, role=row.role, user_id=row.id)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- import / export


@dataclass(frozen=True)
class Located(Generic[T]):
    """A record and where it came from ("commitments.csv row 4"), for error messages."""

    where: str
    data: T


@dataclass
class Batch:
    """Records to import (or exported), validated by the input schemas."""

    pillars: list[Located[PillarCreate]] = field(default_factory=list)
    commitments: list[Located[CommitmentCreate]] = field(default_factory=list)
    progress: list[Located[ProgressImport]] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did, per table: inserted, updated, unchanged, skipped."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            t: {"inserted": 0, "updated": 0, "unchanged": 0, "skipped": 0}
            for t in ("pillars", "commitments", "progress")
        }
    )

    def add(self, table: str, outcome: str) -> None:
        self.counts[table][outcome] += 1


def progress_key_id(row: ProgressImport) -> str:
    """A stable id for a report that has none (the published files have none): from the
    commitment, date, unit and what was reported, so importing the same file twice is a no-op."""
    key = "|".join(
        [
            row.commitment_id,
            row.date or "",
            (row.unit or "").lower(),
            " ".join((row.reported or "").split()),
        ]
    )
    return "r" + hashlib.sha256(key.encode()).hexdigest()[:24]


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "strategy"


def _strategy(session: Session, name: str, cache: dict[str, Strategy]) -> Strategy:
    if name in cache:
        return cache[name]
    found = session.scalars(select(Strategy).where(Strategy.name == name)).first()
    if found is None:
        base, n = slug(name), 1
        candidate = base
        while session.get(Strategy, candidate) is not None:
            n += 1
            candidate = f"{base[:75]}-{n}"
        found = Strategy(id=candidate, name=name)
        session.add(found)
        session.flush()
    cache[name] = found
    return found


def _duplicates(
    rows: Sequence[Located[Any]], key: Any, column: Any, describe: Any
) -> list[tuple[str, str, str]]:
    """Rows whose ``key`` was seen before, as (where, ``column(data)``, ``describe(data)``)."""
    seen: dict[str, str] = {}
    problems = []
    for row in rows:
        value = key(row.data)
        if value in seen:
            message = f"{describe(row.data)} (first at {seen[value]})"
            problems.append((row.where, column(row.data), message))
        else:
            seen[value] = row.where
    return problems


def import_report_id(row: ProgressImport) -> str:
    """The id a progress row is stored under: its own, or one derived from its content."""
    return row.id or progress_key_id(row)


def validate_batch(session: Session, batch: Batch) -> None:
    """Every cross-row and cross-table check of an import, against the batch and the database;
    raises one :class:`TrackerInputError` listing the problems (row and field of each)."""
    problems = _duplicates(
        batch.pillars, lambda d: d.id, lambda d: "id", lambda d: f"duplicate pillar id {d.id!r}"
    )
    problems += _duplicates(
        batch.commitments,
        lambda d: d.id,
        lambda d: "id",
        lambda d: f"duplicate commitment id {d.id!r}",
    )
    problems += _duplicates(
        batch.progress,
        import_report_id,
        lambda d: "id" if d.id else "reported",
        lambda d: (
            f"duplicate progress report id {d.id!r}"
            if d.id
            else f"the same report of {d.commitment_id} ({d.date}, {d.unit}) appears twice"
        ),
    )
    batch_pillars = {r.data.id for r in batch.pillars}
    wanted = {p for r in batch.commitments for p in r.data.pillar_ids}
    wanted |= {r.data.parent_id for r in batch.pillars if r.data.parent_id}
    unknown = set(_unknown_pillars(session, wanted, batch_pillars))
    for pillar_row in batch.pillars:
        parent = pillar_row.data.parent_id
        if parent in unknown:
            problems.append((pillar_row.where, "parent_id", f"unknown pillar {parent!r}"))
    for commitment_row in batch.commitments:
        missing = [p for p in commitment_row.data.pillar_ids if p in unknown]
        if missing:
            problems.append((commitment_row.where, "pillar_id", f"unknown pillar(s) {missing}"))
    batch_commitments = {r.data.id for r in batch.commitments}
    wanted_commitments = {r.data.commitment_id for r in batch.progress} - batch_commitments
    live = (
        set(
            session.scalars(
                select(Commitment.id).where(
                    Commitment.id.in_(wanted_commitments), Commitment.deleted_at.is_(None)
                )
            ).all()
        )
        if wanted_commitments
        else set()
    )
    for progress_row in batch.progress:
        cid = progress_row.data.commitment_id
        if cid not in batch_commitments and cid not in live:
            problems.append((progress_row.where, "commitment_id", f"unknown commitment {cid!r}"))
    if problems:
        raise _problems_error(problems)


def import_batch(
    session: Session, batch: Batch, actor: Actor, *, on_existing: OnExisting = "update"
) -> ImportReport:
    """Insert new records and, by ``on_existing``, update (default), skip or refuse existing
    ones; every change audited. All or nothing: the caller's transaction rolls back on error."""
    require(actor, "editor", "importing")
    validate_batch(session, batch)
    report = ImportReport()
    existing_ids = _existing(session, batch)
    if on_existing == "error" and existing_ids:
        listed = ", ".join(sorted(existing_ids)[:10])
        raise TrackerConflictError(
            f"{len(existing_ids)} record(s) already exist ({listed}); import with "
            "--on-existing update or skip"
        )
    _import_pillars(session, batch, actor, report, on_existing)
    _import_commitments(session, batch, actor, report, on_existing)
    _import_progress(session, batch, actor, report, on_existing)
    session.flush()
    session.expire_all()  # reload relationships (progress lists) on next access
    return report


def _existing(session: Session, batch: Batch) -> set[str]:
    found: set[str] = set()
    for model, ids in (
        (Pillar, [r.data.id for r in batch.pillars]),
        (Commitment, [r.data.id for r in batch.commitments]),
        (ProgressReport, [import_report_id(r.data) for r in batch.progress]),
    ):
        if ids:
            found |= set(session.scalars(select(model.id).where(model.id.in_(ids))).all())
    return found


def _import_pillars(
    session: Session, batch: Batch, actor: Actor, report: ImportReport, on_existing: OnExisting
) -> None:
    strategies: dict[str, Strategy] = {}
    parents: list[tuple[Pillar, str | None]] = []
    for row in batch.pillars:
        data = row.data
        pillar = session.get(Pillar, data.id)
        content = data.model_dump()
        before: dict[str, Any] | None
        if pillar is not None:
            before = pillar_content(pillar)
            if on_existing == "skip" or before == content:
                report.add("pillars", "skipped" if on_existing == "skip" else "unchanged")
                continue
        strategy = _strategy(session, data.framework, strategies)
        is_new = pillar is None
        if pillar is None:
            pillar = Pillar(id=data.id)
            session.add(pillar)
            before = None
        pillar.strategy = strategy
        pillar.name = data.pillar
        pillar.line_of_effort = data.line_of_effort
        pillar.description = data.description
        pillar.source_url = data.source_url
        pillar.notes = data.notes
        parents.append((pillar, data.parent_id))
        session.flush()
        _audit(
            session,
            actor,
            "create" if is_new else "update",
            "pillar",
            pillar.id,
            before=before,
            after=content,
        )
        report.add("pillars", "inserted" if is_new else "updated")
    session.flush()
    for pillar, parent_id in parents:  # parents may come later in the file
        pillar.parent_id = parent_id
    session.flush()


def _import_commitments(
    session: Session, batch: Batch, actor: Actor, report: ImportReport, on_existing: OnExisting
) -> None:
    ids = [r.data.id for r in batch.commitments]
    existing = (
        {c.id: c for c in session.scalars(_commitment_query().where(Commitment.id.in_(ids))).all()}
        if ids
        else {}
    )
    for row in batch.commitments:
        assert row.data.id is not None
        content = content_from_input(row.data, row.data.id)
        c = existing.get(row.data.id)
        if c is None:
            _insert_commitment(session, row.data.id, content, actor)
            report.add("commitments", "inserted")
            continue
        before = commitment_content(c)
        if row.data.bindings is None:  # the import has no bindings: keep the ones stored
            content["bindings"] = before["bindings"]
        if on_existing == "skip" or c.deleted_at is not None:
            report.add("commitments", "skipped")
            continue
        if before == content:
            report.add("commitments", "unchanged")
            continue
        _rewrite_commitment(session, c, before, content, actor)
        report.add("commitments", "updated")


_PROGRESS_FIELDS = ("date", "value", "unit", "reported", "evidence_url", "note")


def _import_progress(
    session: Session, batch: Batch, actor: Actor, report: ImportReport, on_existing: OnExisting
) -> None:
    for row in batch.progress:
        data = row.data
        new_id = import_report_id(data)
        who = Actor(name=data.recorded_by or actor.name, role=actor.role, user_id=actor.user_id)
        existing = session.get(ProgressReport, new_id)
        if existing is None:
            new = _new_report(data.commitment_id, data, who, new_id)
            if data.recorded_at is not None:
                stamp = data.recorded_at
                new.recorded_at = stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
            session.add(new)
            session.flush()
            _audit(
                session,
                actor,
                "create",
                "progress",
                new.id,
                commitment_id=new.commitment_id,
                after=progress_content(new),
            )
            report.add("progress", "inserted")
            continue
        before = progress_content(existing)
        incoming = data.model_dump(include=set(_PROGRESS_FIELDS))
        if on_existing == "skip" or existing.deleted_at is not None:
            report.add("progress", "skipped")
            continue
        same = all(before[k] == incoming[k] for k in _PROGRESS_FIELDS)
        if same and existing.commitment_id == data.commitment_id:
            report.add("progress", "unchanged")
            continue
        existing.commitment_id = data.commitment_id
        existing.report_date, existing.report_date_precision = _split_partial(data.date)
        for name in ("value", "unit", "reported", "evidence_url", "note"):
            setattr(existing, name, getattr(data, name))
        session.flush()
        _audit(
            session,
            actor,
            "update",
            "progress",
            existing.id,
            commitment_id=existing.commitment_id,
            before=before,
            after=progress_content(existing),
        )
        report.add("progress", "updated")


def export_batch(session: Session) -> Batch:
    """Everything live in the tracker as import records (ids included), in a stable order."""
    batch = Batch()
    pillars = session.scalars(
        select(Pillar).options(selectinload(Pillar.strategy)).order_by(Pillar.id)
    ).all()
    for p in pillars:
        batch.pillars.append(
            Located(f"pillar {p.id}", PillarCreate.model_validate(pillar_content(p)))
        )
    for c in list_commitments(session):
        batch.commitments.append(
            Located(f"commitment {c.id}", CommitmentCreate.model_validate(commitment_content(c)))
        )
        for r in live_progress(c):
            content = progress_content(r)
            content.pop("deleted_at")
            batch.progress.append(
                Located(f"progress {r.id}", ProgressImport.model_validate(content))
            )
    return batch


# --------------------------------------------------------------------------- errors


def input_error(exc: ValidationError, where: str) -> TrackerInputError:
    """A pydantic error as a tracker input error naming each field."""
    problems = [
        (
            where,
            ".".join(str(p) for p in e["loc"]) or "(record)",
            e["msg"].removeprefix("Value error, "),
        )
        for e in exc.errors()
    ]
    return _problems_error(problems)
