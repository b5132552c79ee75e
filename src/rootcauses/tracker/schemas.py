"""Pydantic schemas: what may come in (``*Create``, ``*Update``) and what goes out (``*Public``).

The same input schemas validate API bodies, CLI options and every row of a file import, so a
rule (an actor is required, a target is a number ≥ 0, evidence is an http(s) URL …) is written
once. Dates that the sources give to the month or year stay partial (``"2021-05"``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rootcauses.countries import to_iso3
from rootcauses.errors import CheckError
from rootcauses.sources.strategy import ACTOR_TYPES
from rootcauses.tracker import parsing
from rootcauses.tracker.bindings import RULES, SERIES, Binding, check_binding, default_countries
from rootcauses.tracker.status import Status

ActorType = Literal["us_gov", "private", "ngo", "partner_gov", "multilateral"]
assert set(ActorType.__args__) == set(ACTOR_TYPES)  # type: ignore[attr-defined]
Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "editor", "admin")
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"


def _partial_date(text: str) -> str:
    parsing.parse_partial_date(text)  # raises ValueError with the reason
    return text.strip()


def _http_url(text: str) -> str:
    return parsing.check_http_url(text)


def _country(text: str) -> str:
    raw = text.strip()
    if raw.lower() == "regional":
        return "XNT"
    try:
        return to_iso3(raw)
    except CheckError:
        raise ValueError(
            f"is {text!r}; expected a country code or name (GT, GTM, Guatemala …) or 'regional'"
        ) from None


PartialDate = Annotated[str, AfterValidator(_partial_date)]
HttpUrlText = Annotated[str, Field(max_length=2000), AfterValidator(_http_url)]
Country = Annotated[str, AfterValidator(_country)]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object, info: ValidationInfo) -> object:
        """A blank optional field is no value; a blank required one stays blank (and fails)."""
        optional = info.field_name and not cls.model_fields[info.field_name].is_required()
        return None if optional and isinstance(value, str) and not value.strip() else value


# --------------------------------------------------------------------------- pillars


class PillarCreate(_In):
    """A pillar of a strategy, or one of its lines of effort (``line_of_effort`` set)."""

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    framework: ShortText = Field(description="the strategy it belongs to")
    pillar: ShortText = Field(description="the pillar's name")
    line_of_effort: ShortText | None = None
    description: Text | None = None
    source_url: HttpUrlText | None = None
    notes: Text | None = None
    parent_id: Annotated[str, Field(pattern=ID_PATTERN)] | None = Field(
        default=None, description="the pillar a line of effort belongs to"
    )


class PillarPublic(PillarCreate):
    model_config = ConfigDict(extra="ignore")
    strategy_id: str
    level: Literal["pillar", "line_of_effort"]


# --------------------------------------------------------------------------- commitments


class MilestoneIn(_In):
    """A declared point of a target's trajectory."""

    date: dt.date
    value: float


class TargetIn(_In):
    """One measurable promise: ``value`` in ``unit`` (or, when ``relative``, a percent change of
    ``baseline_value``), optionally with its own deadline and declared milestones."""

    unit: Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^;]*$")] | None = None
    relative: bool = Field(default=False, description="value is a percent change, e.g. +40")
    value: float | None = Field(default=None, description="the target; None: nothing to measure")
    baseline_value: float | None = None
    deadline: dt.date | None = Field(default=None, description="overrides the commitment's")
    milestones: list[MilestoneIn] = Field(default_factory=list)

    @field_validator("value")
    @classmethod
    def _check_value(cls, value: float | None, info: ValidationInfo) -> float | None:
        relative = info.data.get("relative", False)
        if value is not None and not relative and value < 0:
            raise ValueError("a target cannot be negative (use the baseline for falls)")
        if value is not None and relative and value <= -100:
            raise ValueError("a relative change must be above -100%")
        if value is not None and not math.isfinite(value):
            raise ValueError("expected a finite number")
        return value

    @model_validator(mode="after")
    def _check(self) -> TargetIn:
        if self.relative and self.value is None:
            raise ValueError("value: a relative target needs a value")
        if self.unit is None and self.value is None:
            raise ValueError("a target needs a value, a unit or both")
        dates = [m.date for m in self.milestones]
        if len(set(dates)) != len(dates):
            raise ValueError("milestones: two milestones on the same date")
        return self


def _iso3(text: str) -> str:
    try:
        return to_iso3(text.strip())
    except CheckError:
        raise ValueError(f"is {text!r}; expected an ISO3 country code such as GTM") from None


def _known_series(text: str) -> str:
    if text not in SERIES:
        raise ValueError(
            f"is {text!r}: not a series the tracker knows; expected one of {', '.join(SERIES)}"
        )
    return text


Rule = Literal["level", "cumulative", "change"]
assert set(Rule.__args__) == set(RULES)  # type: ignore[attr-defined]


class BindingIn(_In):
    """A target (``target``, 1-based) or, with none, the metric, bound to a store series with an
    aggregation rule (:mod:`rootcauses.tracker.bindings`)."""

    target: int | None = Field(
        default=None, ge=1, description="the target it measures; none: context for the metric"
    )
    series: Annotated[str, AfterValidator(_known_series)] = Field(
        description="a series of the store's indicators (see /api/tracker/series)"
    )
    countries: list[Annotated[str, AfterValidator(_iso3)]] = Field(
        default_factory=list,
        description="ISO3 codes, summed; default the commitment's (GTM, HND, SLV for regional)",
    )
    rule: Rule = Field(default="level", description="level | cumulative | change")
    start: dt.date | None = Field(default=None, description="default: the announcement date")
    note: Text | None = Field(default=None, description="why this series; its caveats")

    def spec(self, country: str | None = None) -> Binding:
        countries = tuple(self.countries) or (default_countries(country) if country else ())
        return Binding(self.series, countries, self.rule, self.target, self.start, self.note)


def binding_problems(
    bindings: list[BindingIn], country: str, targets: list[TargetIn]
) -> list[tuple[int, str, str]]:
    """(index, column, message) of every binding that does not fit the commitment's targets."""
    units = [t.unit for t in targets]
    return [
        (i, column, message)
        for i, b in enumerate(bindings)
        for column, message in check_binding(b.spec(country), units)
    ]


class CommitmentFields(_In):
    """Fields shared by create and update (update makes every one optional)."""

    actor: ShortText
    actor_type: ActorType
    country: Country = Field(description="ISO code or name; 'regional' = XNT (GT+HN+SV)")
    pillar_ids: Annotated[list[Annotated[str, Field(pattern=ID_PATTERN)]], Field(min_length=1)]
    commitment: Text = Field(description="the promise, in words")
    metric: Text | None = Field(default=None, description="what would be measured")
    targets: list[TargetIn] = Field(default_factory=list)
    baseline: Text | None = Field(default=None, description="the baseline as published")
    announced_date: PartialDate | None = None
    deadline_text: Text | None = Field(default=None, description="the deadline as published")
    deadline: dt.date | None = Field(
        default=None, description="read from deadline_text when not given"
    )
    amount_usd: float | None = Field(default=None, ge=0)
    source_urls: list[HttpUrlText] = Field(default_factory=list)
    source_date: PartialDate | None = None
    notes: Text | None = None
    aggregate: bool = Field(
        default=False, description="an aggregate of other commitments: not added into money totals"
    )
    bindings: list[BindingIn] | None = Field(
        default=None,
        description="targets or the metric read from store series; none given: kept as they are",
    )

    @field_validator("pillar_ids")
    @classmethod
    def _unique_pillars(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a pillar is listed twice")
        return value

    @model_validator(mode="after")
    def _check_bindings(self) -> CommitmentFields:
        problems = binding_problems(self.bindings or [], self.country, self.targets)
        if problems:
            raise ValueError(
                "; ".join(f"bindings.{i}.{column} {message}" for i, column, message in problems)
            )
        return self


class CommitmentCreate(CommitmentFields):
    id: Annotated[str, Field(pattern=ID_PATTERN)] | None = Field(
        default=None, description="e.g. C137; generated when not given"
    )


class CommitmentUpdate(_In):
    """A partial update: only the fields sent change. ``version`` is the version the edit is
    based on; if the commitment changed since, the update is refused (409)."""

    version: int = Field(ge=1)
    actor: ShortText | None = None
    actor_type: ActorType | None = None
    country: Country | None = None
    pillar_ids: (
        Annotated[list[Annotated[str, Field(pattern=ID_PATTERN)]], Field(min_length=1)] | None
    ) = None
    commitment: Text | None = None
    metric: Text | None = None
    targets: list[TargetIn] | None = None
    baseline: Text | None = None
    announced_date: PartialDate | None = None
    deadline_text: Text | None = None
    deadline: dt.date | None = None
    amount_usd: float | None = Field(default=None, ge=0)
    source_urls: list[HttpUrlText] | None = None
    source_date: PartialDate | None = None
    notes: Text | None = None
    aggregate: bool | None = None
    bindings: list[BindingIn] | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> CommitmentUpdate:
        for name in ("actor", "actor_type", "country", "pillar_ids", "commitment"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name}: cannot be cleared")
        return self


class TargetPublic(BaseModel):
    position: int
    unit: str | None
    value: float | None
    relative: bool
    baseline_value: float | None
    deadline: dt.date | None
    milestones: list[MilestoneIn]
    status: Status
    reason: str
    expected_fraction: float | None
    actual_fraction: float | None
    latest_value: float | None
    latest_date: dt.date | None
    latest_origin: Literal["reported", "derived"] | None = Field(
        default=None, description="whether the latest reading was reported or derived"
    )
    latest_source: str | None = Field(
        default=None, description="the evidence URL, or the series and rule it was derived by"
    )


class BindingPublic(BaseModel):
    target: int | None
    series: str
    countries: list[str]
    rule: Rule
    start: dt.date | None
    note: str | None


class DerivedPoint(BaseModel):
    date: dt.date
    value: float
    period: str
    periods: str


class DerivedPublic(BaseModel):
    """A binding's derived readings (``derived``: computed from the store, never reported)."""

    origin: Literal["derived"] = "derived"
    target: int | None
    series: str
    rule: Rule
    label: str
    unit: str
    readings: list[DerivedPoint]
    source_id: str | None
    source_title: str | None
    source_url: str | None
    build_id: str | None
    caveats: list[str]
    note: str | None
    problem: str | None


class NotCounted(BaseModel):
    """A numeric report whose unit matches none of the targets' units (flagged, not judged)."""

    date: str | None
    value: float
    unit: str | None
    report_id: str


class CommitmentPublic(BaseModel):
    id: str
    actor: str
    actor_type: ActorType
    country: str
    pillar_ids: list[str]
    commitment: str
    metric: str | None
    targets: list[TargetPublic]
    baseline: str | None
    announced_date: str | None
    deadline_text: str | None
    deadline: dt.date | None
    amount_usd: float | None
    source_urls: list[str]
    source_date: str | None
    notes: str | None
    aggregate: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    status: Status
    status_reason: str
    has_metric: bool
    has_deadline: bool
    reported_usd: float | None
    as_of: dt.date
    bindings: list[BindingPublic] = Field(default_factory=list)
    derived: list[DerivedPublic] = Field(default_factory=list)
    not_counted: list[NotCounted] = Field(
        default_factory=list, description="reports in a unit no target is in (see the units table)"
    )


# --------------------------------------------------------------------------- progress


class ProgressCreate(_In):
    """A progress report: the metric's level on a date, with the evidence."""

    date: PartialDate = Field(description="YYYY-MM-DD (or YYYY-MM / YYYY as published)")
    value: float | None = Field(default=None, description="None for a qualitative report")
    unit: ShortText | None = Field(
        default=None, description="counts toward the target in this unit"
    )
    reported: Text | None = Field(default=None, description="what the source says")
    evidence_url: HttpUrlText
    note: Text | None = None


class ProgressImport(ProgressCreate):
    """A progress row of a file: may be undated, may carry its id and who recorded it."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] | None = None
    commitment_id: Annotated[str, Field(pattern=ID_PATTERN)]
    date: PartialDate | None = None  # type: ignore[assignment]
    recorded_by: ShortText | None = None
    recorded_at: dt.datetime | None = None


class ProgressPublic(BaseModel):
    id: str
    commitment_id: str
    date: str | None
    value: float | None
    unit: str | None
    reported: str | None
    evidence_url: str
    note: str | None
    recorded_by: str
    recorded_at: dt.datetime


class MilestoneImport(_In):
    commitment_id: Annotated[str, Field(pattern=ID_PATTERN)]
    target: int = Field(ge=1, description="1-based position of the target")
    date: dt.date
    value: float


# --------------------------------------------------------------------------- audit, users


class AuditPublic(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: Literal["create", "update", "delete"]
    entity: Literal["commitment", "progress", "pillar", "user"]
    entity_id: str
    commitment_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class UserCreate(_In):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]
    role: Role


class UserPublic(BaseModel):
    id: int
    name: str
    role: Role
    created_at: dt.datetime
    disabled_at: dt.datetime | None = None


class UserCreated(UserPublic):
    token: str = Field(description="shown once; only its sha256 is stored")


# --------------------------------------------------------------------------- lists


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A list answer: ``data`` (this page) and ``count`` (all matches)."""

    data: list[T]
    count: int


class CommitmentDetail(CommitmentPublic):
    progress: list[ProgressPublic]
    history: list[AuditPublic]


class RollupRow(BaseModel):
    group: str
    commitments: int
    achieved: int
    on_track: int
    at_risk: int
    off_track: int
    missed: int
    no_recent_data: int
    no_metric: int
    no_deadline: int
    with_metric: int
    with_deadline: int
    with_metric_and_deadline: int
    share_with_metric_and_deadline: float
    without_metric: int
    without_deadline: int
    promised_usd: float
    reported_usd: float


class RollupPage(Page[RollupRow]):
    by: str
    as_of: dt.date
    total: RollupRow
