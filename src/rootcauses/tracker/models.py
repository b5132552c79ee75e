"""The tracker's tables (SQLAlchemy 2 ORM). The schema itself is created only by the Alembic
migrations in ``rootcauses/tracker/migrations``; a test checks that both agree.

::

    strategies ─┬─< pillars (a pillar, or a line of effort: line_of_effort set; parent_id)
                │        ▲
    commitments ┴─< commitment_pillars          (a commitment may serve several pillars)
         │ version (optimistic lock), deleted_at (soft delete)
         ├─< targets ─< milestones              (value in a unit by a deadline; declared path)
         ├─< metric_bindings                    (a target or the metric read from a store series)
         └─< progress_reports                   (level on a date, evidence URL, who recorded it)
    users ─< api_tokens (sha256 of the token only)
    audit_log (append-only: who, when, action, before/after as JSON)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ACTOR_TYPES = ("us_gov", "private", "ngo", "partner_gov", "multilateral")
ROLES = ("viewer", "editor", "admin")
PRECISIONS = ("year", "month", "day")
BINDING_RULES = ("level", "cumulative", "change")
ACTIONS = ("create", "update", "delete")
ENTITIES = ("commitment", "progress", "pillar", "user")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps in UTC, timezone-aware on the way out on every backend (SQLite keeps none)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: tracker timestamps must carry a zone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _choice(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Strategy(Base):
    """A strategy or framework (the Root Causes Strategy, the CMMS, the Call to Action …)."""

    __tablename__ = "strategies"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)

    pillars: Mapped[list[Pillar]] = relationship(back_populates="strategy")


class Pillar(Base):
    """A pillar of a strategy, or a line of effort (``line_of_effort`` set, ``parent_id`` the
    pillar it serves when known). Commitments point at either."""

    __tablename__ = "pillars"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    strategy_id: Mapped[str] = mapped_column(ForeignKey("strategies.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    line_of_effort: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("pillars.id"))

    strategy: Mapped[Strategy] = relationship(back_populates="pillars")

    @property
    def level(self) -> str:
        return "line_of_effort" if self.line_of_effort else "pillar"


class Commitment(Base):
    """A public promise by an actor. ``version`` rises with every change (optimistic locking:
    an UPDATE names the version it read, so a concurrent edit makes it match no row)."""

    __tablename__ = "commitments"
    __table_args__ = (_choice("actor_type", ACTOR_TYPES, "actor_type"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    actor: Mapped[str] = mapped_column(String(300))
    actor_type: Mapped[str] = mapped_column(String(20), index=True)
    country: Mapped[str] = mapped_column(String(5), index=True)
    commitment: Mapped[str] = mapped_column(Text)
    metric: Mapped[str | None] = mapped_column(Text)
    baseline: Mapped[str | None] = mapped_column(Text)
    announced_date: Mapped[dt.date | None] = mapped_column(Date)
    announced_precision: Mapped[str | None] = mapped_column(String(5))
    deadline_text: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    amount_usd: Mapped[float | None] = mapped_column(Double)
    source_urls: Mapped[list[str]] = mapped_column(JSONType, default=list)
    source_date: Mapped[dt.date | None] = mapped_column(Date)
    source_date_precision: Mapped[str | None] = mapped_column(String(5))
    notes: Mapped[str | None] = mapped_column(Text)
    aggregate: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    pillar_links: Mapped[list[CommitmentPillar]] = relationship(
        order_by="CommitmentPillar.position", cascade="all, delete-orphan"
    )
    targets: Mapped[list[Target]] = relationship(
        order_by="Target.position", cascade="all, delete-orphan"
    )
    progress: Mapped[list[ProgressReport]] = relationship(
        back_populates="commitment_row", order_by="ProgressReport.report_date"
    )
    bindings: Mapped[list[MetricBinding]] = relationship(
        order_by="MetricBinding.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def pillar_ids(self) -> list[str]:
        return [link.pillar_id for link in self.pillar_links]


class CommitmentPillar(Base):
    __tablename__ = "commitment_pillars"

    commitment_id: Mapped[str] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True
    )
    pillar_id: Mapped[str] = mapped_column(ForeignKey("pillars.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


class Target(Base):
    """One measurable promise of a commitment: ``value`` in ``unit`` (``relative``: a percent
    change of ``baseline_value``); ``deadline`` overrides the commitment's."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("commitment_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    commitment_id: Mapped[str] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str | None] = mapped_column(String(300))
    value: Mapped[float | None] = mapped_column(Double)
    relative: Mapped[bool] = mapped_column(Boolean, default=False)
    baseline_value: Mapped[float | None] = mapped_column(Double)
    deadline: Mapped[dt.date | None] = mapped_column(Date)

    milestones: Mapped[list[Milestone]] = relationship(
        order_by="Milestone.date", cascade="all, delete-orphan"
    )


class Milestone(Base):
    """A declared point of a target's trajectory (otherwise a straight line)."""

    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("target_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Double)


class MetricBinding(Base):
    """A commitment's target (``target``, 1-based) or, with none, its metric, bound to a series
    of the store with an aggregation rule (see :mod:`rootcauses.tracker.bindings`)."""

    __tablename__ = "metric_bindings"
    __table_args__ = (
        UniqueConstraint("commitment_id", "position"),
        _choice("rule", BINDING_RULES, "rule"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    commitment_id: Mapped[str] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    target: Mapped[int | None] = mapped_column(Integer)
    series: Mapped[str] = mapped_column(String(80))
    countries: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(12))
    start: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class ProgressReport(Base):
    """A dated level of a commitment's metric, with its evidence and who recorded it."""

    __tablename__ = "progress_reports"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    commitment_id: Mapped[str] = mapped_column(ForeignKey("commitments.id"), index=True)
    report_date: Mapped[dt.date | None] = mapped_column(Date)
    report_date_precision: Mapped[str | None] = mapped_column(String(5))
    value: Mapped[float | None] = mapped_column(Double)
    unit: Mapped[str | None] = mapped_column(String(300))
    reported: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    commitment_row: Mapped[Commitment] = relationship(back_populates="progress")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (_choice("role", ROLES, "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")


class ApiToken(Base):
    """An API token, stored as the sha256 of the token (the token is shown once)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class AuditEntry(Base):
    """One create/update/delete: who, when, and the record before and after, as JSON.

    Append-only: the ORM refuses to change or delete a row, and so do database triggers."""

    __tablename__ = "audit_log"
    __table_args__ = (
        _choice("action", ACTIONS, "action"),
        _choice("entity", ENTITIES, "entity"),
        Index("ix_audit_log_entity", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(10))
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(64))
    commitment_id: Mapped[str | None] = mapped_column(String(32), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _audit_is_append_only(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise RuntimeError("audit_log is append-only")
