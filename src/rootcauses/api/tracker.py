"""The commitment tracker: commitments with their computed status, history, progress, roll-ups,
and authenticated edits.

Reading is open (unless ``ROOTCAUSES_TRACKER_READ_REQUIRES_TOKEN`` is set); writing needs a
Bearer token: an editor creates, updates and adds progress, an admin also deletes and manages
users. The role is checked before the write transaction opens. Updates and deletes name the
``version`` they are based on; a stale one gets 409 and nothing changes, as does a create that
loses a race for its id. Errors follow the API's model (:mod:`rootcauses.api.errors`): 401 (no or
bad token), 403 (role too low), 404, 409, 422 (field messages, ``[{"loc", "msg", "type"}]``),
503 (database unavailable; the cause only in the server log), each with an ``error_id``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine, Iterable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from rootcauses.api.deps import app_state
from rootcauses.api.errors import error_response
from rootcauses.api.paging import (
    CSV_TOO,
    MAX_LIMIT,  # noqa: F401 - re-exported: the dashboard links the whole CSV with it
    Page,
    PageParams,
    Paging,
    frame_response,
    page_answer,
    page_of,
    paging,
)
from rootcauses.errors import (
    RootCausesError,
    TrackerAuthError,
    TrackerConflictError,
    TrackerInputError,
    TrackerNotFoundError,
    TrackerPermissionError,
)
from rootcauses.store import query
from rootcauses.tracker import money, service, units
from rootcauses.tracker.auth import Actor, require
from rootcauses.tracker.bindings import SERIES
from rootcauses.tracker.csvguard import guard_frame
from rootcauses.tracker.db import Tracker, open_tracker
from rootcauses.tracker.rollup import rollup, total
from rootcauses.tracker.schemas import (
    ActorType,
    AuditPublic,
    CommitmentCreate,
    CommitmentDetail,
    CommitmentPublic,
    CommitmentUpdate,
    PillarPublic,
    ProgressCreate,
    ProgressPublic,
    Role,
    RollupPage,
    RollupRow,
    UserCreate,
    UserCreated,
    UserPublic,
)
from rootcauses.tracker.status import Status

# the commitments list sends 50 a page unless asked for more (MAX_LIMIT at most)
CommitmentPaging = Annotated[PageParams, Depends(paging(50))]


def _loc(where: str, field: str) -> list[str | int]:
    head = "body" if where in ("body", "") else where
    parts: list[str | int] = [head]
    for piece in field.split("."):
        if piece:
            parts.append(int(piece) if piece.isdigit() else piece)
    return parts


def tracker_error_response(exc: RootCausesError, request: Request | None = None) -> JSONResponse:
    """A tracker error as its HTTP answer in the API's error model; a database failure is a 503
    whose cause (database host, user, paths) goes only to the server log."""
    if isinstance(exc, TrackerInputError):
        detail = [
            {"loc": _loc(where, field), "msg": message, "type": "value_error"}
            for where, field, message in exc.problems
        ] or [{"loc": ["body"], "msg": str(exc), "type": "value_error"}]
        return error_response(422, detail, request=request)
    if isinstance(exc, TrackerAuthError):
        return error_response(
            401, str(exc), headers={"WWW-Authenticate": "Bearer"}, request=request
        )
    codes: dict[type[RootCausesError], int] = {
        TrackerPermissionError: 403,
        TrackerNotFoundError: 404,
        TrackerConflictError: 409,
    }
    code = codes.get(type(exc), 503)
    return error_response(code, str(exc), request=request, cause=exc)


class TrackerRoute(APIRoute):
    """Turns the tracker's errors (raised in endpoints or dependencies) into HTTP answers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def translate(request: Request) -> Response:
            try:
                return await handler(request)
            except RootCausesError as exc:
                return tracker_error_response(exc, request)

        return translate


router = APIRouter(prefix="/tracker", tags=["tracker"], route_class=TrackerRoute)


# --------------------------------------------------------------------------- dependencies


def get_tracker(request: Request) -> Tracker:
    """The app's tracker database, opened (and migrated) on first use."""
    return app_state(request, "tracker", lambda: open_tracker(request.app.state.settings))


TrackerDep = Annotated[Tracker, Depends(get_tracker)]
bearer = HTTPBearer(auto_error=False, description="an API token from `rootcauses tracker user add`")


def current_actor(
    tracker: TrackerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor | None:
    """The token's user; None without a token; 401 for a token that is unknown or revoked."""
    if credentials is None:
        return None
    with tracker.session() as session:
        actor = service.actor_for_token(session, credentials.credentials)
    if actor is None:
        raise TrackerAuthError("the API token is not valid (unknown, revoked or disabled user)")
    return actor


ActorDep = Annotated[Actor | None, Depends(current_actor)]


def reader(tracker: TrackerDep, actor: ActorDep) -> Actor | None:
    if tracker.read_requires_token:
        require(actor, "viewer", "reading the tracker")
    return actor


Reader = Annotated[Actor | None, Depends(reader)]
AsOf = Annotated[dt.date | None, Query(description="judge status on this date (default today)")]


def _today(as_of: dt.date | None) -> dt.date:
    return as_of or dt.date.today()


# --------------------------------------------------------------------------- flat rows

CSV_COLUMNS = (
    "id",
    "actor",
    "actor_type",
    "country",
    "pillar_ids",
    "commitment",
    "metric",
    "status",
    "status_reason",
    "has_metric",
    "has_deadline",
    "announced_date",
    "deadline_text",
    "deadline",
    "amount_usd",
    "reported_usd",
    "progress_reports",
    "last_progress_date",
    "last_progress_value",
    "last_progress_unit",
    "source_urls",
    "as_of",
)


SEARCH_FIELDS = ("id", "actor", "commitment", "metric")


def matches_text(q: str, fields: Iterable[str | None]) -> bool:
    """Every word of ``q`` appears (in any case) in one of ``fields``: the text search of the
    API and of the dashboard, over a commitment's :data:`SEARCH_FIELDS`."""
    haystack = " ".join(f for f in fields if f).casefold()
    return all(word in haystack for word in q.casefold().split())


def commitment_row(e: service.Evaluated) -> dict[str, Any]:
    """A judged commitment as one flat row: the CSV download and the dashboard's table."""
    c, j = e.commitment, e.judgement
    content = service.commitment_content(c)
    reports = service.live_progress(c)
    dated = [p for p in reports if p.report_date is not None]
    last = service.progress_public(dated[-1]) if dated else None
    return {
        "id": c.id,
        "actor": c.actor,
        "actor_type": c.actor_type,
        "country": c.country,
        "pillar_ids": ";".join(content["pillar_ids"]),
        "commitment": c.commitment,
        "metric": c.metric,
        "status": j.status.value,
        "status_reason": j.reason,
        "has_metric": j.has_metric,
        "has_deadline": j.has_deadline,
        "announced_date": content["announced_date"],
        "deadline_text": c.deadline_text,
        "deadline": content["deadline"],
        "amount_usd": c.amount_usd,
        "reported_usd": e.reported_usd,
        "progress_reports": len(reports),
        "last_progress_date": last.date if last else None,
        "last_progress_value": last.value if last else None,
        "last_progress_unit": last.unit if last else None,
        "source_urls": " ".join(content["source_urls"]),
        "as_of": e.as_of.isoformat(),
    }


# --------------------------------------------------------------------------- reading


@router.get("/commitments", response_model=Page[CommitmentPublic], responses=CSV_TOO)
def list_commitments(
    tracker: TrackerDep,
    _: Reader,
    page: CommitmentPaging,
    response: Response,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    pillar: Annotated[
        str | None, Query(description="pillar id (includes its lines of effort)")
    ] = None,
    actor_type: ActorType | None = None,
    country: Annotated[str | None, Query(description="ISO code or 'regional'")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200, description="words that must all appear in id, actor, promise or metric"
        ),
    ] = None,
    as_of: AsOf = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    """Commitments with their computed status; ``count`` is the number of matches.

    ``format=csv`` gives the same page as flat rows (:data:`CSV_COLUMNS`) with a header row
    (the number of matches in the ``X-Total-Count`` header, as for JSON); text that a
    spreadsheet would run as a formula is quoted (:mod:`rootcauses.tracker.csvguard`)."""
    with tracker.session() as session:
        evaluated = service.evaluate_all(
            session,
            tracker.thresholds,
            _today(as_of),
            status=status_,
            pillar=pillar,
            actor_type=actor_type,
            country=country,
            series=tracker.series,
        )
        if q:
            evaluated = [
                e
                for e in evaluated
                if matches_text(q, (getattr(e.commitment, f) for f in SEARCH_FIELDS))
            ]
        chosen = list(page.window(evaluated))
        if format == "csv":
            frame = pd.DataFrame([commitment_row(e) for e in chosen], columns=list(CSV_COLUMNS))
            return frame_response(
                guard_frame(frame), "csv", "commitments", page, total=len(evaluated)
            )
        public = [service.to_public(e) for e in chosen]
    return page_answer(public, len(evaluated), page, response)


@router.get("/commitments/{commitment_id}", response_model=CommitmentDetail)
def get_commitment(
    commitment_id: str, tracker: TrackerDep, _: Reader, as_of: AsOf = None
) -> CommitmentDetail:
    """A commitment with its status (and the reason), progress reports and audit history."""
    with tracker.session() as session:
        c = service.get_commitment(session, commitment_id)
        public = service.to_public(
            service.evaluate(c, _today(as_of), tracker.thresholds, tracker.series)
        )
        return CommitmentDetail(
            **public.model_dump(),
            progress=[service.progress_public(p) for p in service.live_progress(c)],
            history=service.history(session, c.id),
        )


@router.get("/commitments/{commitment_id}/history", response_model=Page[AuditPublic])
def get_history(
    commitment_id: str, tracker: TrackerDep, _: Reader, page: Paging, response: Response
) -> Page[AuditPublic]:
    """The audit log of a commitment and its progress reports, oldest first."""
    with tracker.session() as session:
        service.get_commitment(session, commitment_id, deleted=True)
        entries = service.history(session, commitment_id)
    return page_of(entries, page, response)


@router.get("/commitments/{commitment_id}/progress", response_model=Page[ProgressPublic])
def get_progress(
    commitment_id: str, tracker: TrackerDep, _: Reader, page: Paging, response: Response
) -> Page[ProgressPublic]:
    """A commitment's progress reports, oldest first."""
    with tracker.session() as session:
        c = service.get_commitment(session, commitment_id)
        reports = [service.progress_public(p) for p in service.live_progress(c)]
    return page_of(reports, page, response)


@router.get("/rollups", response_model=RollupPage)
def get_rollups(
    tracker: TrackerDep,
    _: Reader,
    by: Literal["pillar", "actor", "actor_type", "country"] = "actor_type",
    as_of: AsOf = None,
) -> RollupPage:
    """Counts per status, share with a metric and a deadline, money promised vs reported."""
    day = _today(as_of)
    with tracker.session() as session:
        items = service.rollup_items(
            service.evaluate_all(session, tracker.thresholds, day, series=tracker.series)
        )
    rows = [RollupRow.model_validate(r) for r in rollup(items, by).to_dict(orient="records")]
    return RollupPage(
        data=rows, count=len(rows), by=by, as_of=day, total=RollupRow.model_validate(total(items))
    )


@router.get("/pillars", response_model=Page[PillarPublic])
def get_pillars(
    tracker: TrackerDep, _: Reader, page: Paging, response: Response
) -> Page[PillarPublic]:
    """The strategy's pillars and lines of effort."""
    with tracker.session() as session:
        pillars = service.list_pillars(session)
    return page_of(pillars, page, response)


class StatusRules(BaseModel):
    """The thresholds the statuses are computed with."""

    on_track_tolerance: float
    at_risk_tolerance: float
    stale_after_days: int
    unreported_after_deadline: str
    money_units: list[str]
    statuses: list[str]


@router.get("/status-rules", response_model=StatusRules)
def get_status_rules(tracker: TrackerDep, _: Reader) -> StatusRules:
    """The thresholds the statuses are computed with (see the README's tracker section)."""
    t = tracker.thresholds
    return StatusRules(
        on_track_tolerance=t.on_track_tolerance,
        at_risk_tolerance=t.at_risk_tolerance,
        stale_after_days=t.stale_after_days,
        unreported_after_deadline=t.unreported_after_deadline.value,
        money_units=list(t.money_units),
        statuses=[s.value for s in Status],
    )


class UnitRow(BaseModel):
    """A unit of the units table and the target units a reading in it counts toward."""

    unit: str
    dimension: str
    meaning: str
    aliases: list[str]
    counts_toward: list[str]


@router.get("/units", response_model=Page[UnitRow])
def get_units(_: Reader, page: Paging, response: Response) -> Page[UnitRow]:
    """The units table: what counts as the same unit when a reading is judged against a target
    (a report in a unit no target is in is listed as not counted)."""
    return page_of([UnitRow.model_validate(r) for r in units.table()], page, response)


class SeriesRow(BaseModel):
    """A store series a target or metric can be bound to."""

    id: str
    label: str
    unit: str
    summable: bool = Field(description="may be summed across countries")
    flow: bool = Field(description="may be summed over time (the cumulative rule)")
    fiscal: bool = Field(description="periods are US fiscal years")


@router.get("/series", response_model=Page[SeriesRow])
def get_series(_: Reader, page: Paging, response: Response) -> Page[SeriesRow]:
    """The series bindings can name (the store's indicators whose unit the tracker knows)."""
    rows = [SeriesRow.model_validate(vars(s)) for s in SERIES.values()]
    return page_of(rows, page, response)


class MoneyRow(BaseModel):
    """Money of one stage, fiscal year and country (or XNT: the three, regional)."""

    fiscal_year: int
    country: str
    stage: Literal["promised", "requested", "appropriated", "obligated", "disbursed"]
    amount_usd: float
    scope: str = Field(description="bilateral country totals, a regional headline, or the promise")
    source: str = Field(description="the store source id, or the commitment that promised it")
    note: str


@router.get("/money", response_model=Page[MoneyRow], responses=CSV_TOO)
def get_money(
    request: Request,
    tracker: TrackerDep,
    _: Reader,
    page: Paging,
    response: Response,
    country: Annotated[
        Literal["GTM", "HND", "SLV", "XNT"] | None,
        Query(description="one country, or XNT for the regional rows; default all"),
    ] = None,
    since: Annotated[int, Query(ge=1990, le=2100, description="first fiscal year")] = 2012,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    """Money over time: promised (the tracker's commitments bound to US aid, spread evenly over
    their years), requested, appropriated, obligated and disbursed (ForeignAssistance.gov by
    country; the strategy's regional headline figures), by fiscal year (see
    :mod:`rootcauses.tracker.money`). Rows of different ``scope`` measure different things and
    are never added together."""
    with tracker.session() as session:
        promises = money.tracker_promises(session)
    con = query.connect(request.app.state.settings)
    try:
        frame = money.read_money(con, promises, since=since)
    finally:
        con.close()
    if country:
        frame = frame[frame["country"] == country].reset_index(drop=True)
    if format == "csv":
        return frame_response(frame, "csv", "money", page)
    rows = [MoneyRow.model_validate(r) for r in frame.to_dict(orient="records")]
    return page_of(rows, page, response)


# --------------------------------------------------------------------------- writing


@contextmanager
def writing(
    tracker: Tracker, actor: Actor | None, role: Role, doing: str
) -> Iterator[tuple[Session, Actor]]:
    """A write transaction and the checked actor, opened only once their role allows ``doing``:
    a caller without the role gets 401/403 without ever taking (or queueing for) the write lock,
    which SQLite's ``BEGIN IMMEDIATE`` takes for the whole database."""
    allowed = require(actor, role, doing)
    with tracker.session(write=True) as session:
        yield session, allowed


@router.post("/commitments", status_code=status.HTTP_201_CREATED, response_model=CommitmentPublic)
def create_commitment(
    body: CommitmentCreate, tracker: TrackerDep, actor: ActorDep
) -> CommitmentPublic:
    """Create a commitment (editor). Its id is generated when not given."""
    with writing(tracker, actor, "editor", "creating a commitment") as (session, who):
        c = service.create_commitment(session, body, who)
        return service.to_public(
            service.evaluate(c, dt.date.today(), tracker.thresholds, tracker.series)
        )


@router.patch("/commitments/{commitment_id}", response_model=CommitmentPublic)
def update_commitment(
    commitment_id: str, body: CommitmentUpdate, tracker: TrackerDep, actor: ActorDep
) -> CommitmentPublic:
    """Change the fields sent (editor); ``version`` must be the current one, else 409."""
    with writing(tracker, actor, "editor", "updating a commitment") as (session, who):
        c = service.update_commitment(session, commitment_id, body, who)
        return service.to_public(
            service.evaluate(c, dt.date.today(), tracker.thresholds, tracker.series)
        )


@router.delete("/commitments/{commitment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_commitment(
    commitment_id: str,
    version: Annotated[int, Query(ge=1, description="the version the delete is based on")],
    tracker: TrackerDep,
    actor: ActorDep,
) -> Response:
    """Soft-delete a commitment (admin); its history stays readable."""
    with writing(tracker, actor, "admin", "deleting a commitment") as (session, who):
        service.delete_commitment(session, commitment_id, version, who)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/commitments/{commitment_id}/progress",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgressPublic,
)
def add_progress(
    commitment_id: str, body: ProgressCreate, tracker: TrackerDep, actor: ActorDep
) -> ProgressPublic:
    """Record a progress report (editor); the recorder is the token's user."""
    with writing(tracker, actor, "editor", "adding progress") as (session, who):
        report = service.add_progress(session, commitment_id, body, who)
        return service.progress_public(report)


@router.delete("/progress/{report_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_progress(report_id: str, tracker: TrackerDep, actor: ActorDep) -> Response:
    """Soft-delete a progress report (admin)."""
    with writing(tracker, actor, "admin", "deleting progress") as (session, who):
        service.delete_progress(session, report_id, who)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------- users


@router.get("/me", response_model=UserPublic)
def me(actor: ActorDep, tracker: TrackerDep) -> UserPublic:
    """The token's user."""
    actor = require(actor, "viewer", "asking who you are")
    with tracker.session() as session:
        return service.get_user(session, actor.user_id)


@router.get("/users", response_model=Page[UserPublic])
def get_users(
    tracker: TrackerDep, actor: ActorDep, page: Paging, response: Response
) -> Page[UserPublic]:
    """All users (admin)."""
    with tracker.session() as session:
        users = service.list_users(session, require(actor, "admin", "listing users"))
    return page_of(users, page, response)


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserCreated)
def create_user(body: UserCreate, tracker: TrackerDep, actor: ActorDep) -> UserCreated:
    """Create a user (admin); the answer carries their API token, shown this once."""
    with writing(tracker, actor, "admin", "managing users") as (session, who):
        user, token = service.create_user(session, body, who)
    return UserCreated(**user.model_dump(), token=token)
