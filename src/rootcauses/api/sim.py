"""Policy-lab API: scenarios, parameters, runs with progress and cancellation, stored results.

A run is a comparison (:func:`rootcauses.sim.runs.compare_scenarios`) of a scenario, optionally
with parameter overrides, against a baseline, with 5-95% bands over an ensemble. ``POST
/sim/runs`` answers 202 with a run id at once; the run executes in a small in-process
:class:`JobRegistry` (one daemon worker thread, a bounded queue → 429 when full) and is polled
with ``GET /sim/runs/{id}``; ``DELETE`` cancels it at the next progress step (an ensemble member,
or a month when the engine reports months). A finished run is stored in ``sim_runs`` /
``scenario_results`` when a store exists, as the CLI does.

Limits (``ROOTCAUSES_SIM_WEB_MAX_HOUSEHOLDS``, ``…_MAX_MONTHS``, ``…_MAX_MEMBERS``,
``…_MAX_QUEUED``) keep a web request from occupying the machine; a request over a limit gets 422
naming it.

Tokens follow the tracker's rules: reading is open; starting or cancelling a run is open for
local use unless ``ROOTCAUSES_SIM_WEB_REQUIRE_TOKEN`` or ``ROOTCAUSES_TRACKER_READ_REQUIRES_TOKEN``
is set, in which case it needs an editor's token (``Authorization: Bearer …``). A token that is
sent is always checked (401 when unknown or revoked).

Owners: every run has one. Starting a run answers with an owner token (a random secret, in the
``X-Sim-Owner`` header and an HttpOnly, same-site cookie, so the dashboard needs nothing more);
sending it back (cookie or header) makes later runs yours too. Only the owner, the tracker user
who started it, or a tracker admin may cancel a run; ``GET /sim/runs`` lists your own runs and
those that were stored. A run by anonymous users is kept in memory only (the last
``…_KEEP_FINISHED``, for ``…_KEEP_MINUTES`` after it ends); a run started with a tracker token of
an editor or admin is also stored, as the CLI does, under that accountable user. A failed run shows
a generic message and an ``error_id``; the cause is in the server log under that id.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import hmac
import json
import logging
import queue
import secrets
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import (
    APIRouter,
    Cookie,
    Depends,
    Header,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    status,
)
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt
from pydantic_settings import BaseSettings, SettingsConfigDict

from rootcauses.api.deps import Store, app_state, frame_response
from rootcauses.api.errors import new_error_id
from rootcauses.config import Settings
from rootcauses.errors import RootCausesError, TrackerAuthError, TrackerPermissionError
from rootcauses.sim import engine, runs
from rootcauses.sim.ensemble import EnsembleCancelled
from rootcauses.sim.scenarios import (
    SCENARIO_NAMES,
    Scenario,
    apply_overrides,
    load_parameter_specs,
    load_scenario,
)
from rootcauses.tracker.auth import RANK, Actor

log = logging.getLogger(__name__)
router = APIRouter(prefix="/sim", tags=["policy lab"])
MAX_PAGE = 500
Status = Literal["queued", "running", "done", "failed", "cancelled"]
ScenarioName = Literal[SCENARIO_NAMES]  # type: ignore[valid-type]
InputsLoader = Callable[[Settings, dt.date, int], engine.SimInputs]
OWNER_COOKIE = "rootcauses_sim_owner"
OWNER_HEADER = "X-Sim-Owner"
OWNER_PATTERN = r"^[A-Za-z0-9_-]{22,128}$"


class SimWebSettings(BaseSettings):
    """Limits and access rules of web-started runs (environment ``ROOTCAUSES_SIM_WEB_*``)."""

    model_config = SettingsConfigDict(env_prefix="ROOTCAUSES_SIM_WEB_", extra="ignore")

    max_households: int = Field(default=200_000, ge=1)
    max_months: int = Field(default=120, ge=1)
    max_members: int = Field(default=20, ge=2)
    max_queued: int = Field(default=4, ge=1, description="queued + running runs before 429")
    keep_finished: int = Field(default=50, ge=1, description="finished runs kept for polling")
    keep_minutes: float = Field(default=60, gt=0, description="how long a finished run is kept")
    require_token: bool = False


class Cancelled(Exception):
    """Raised from a run's progress callback when its cancel event is set."""


class QueueFull(Exception):
    pass


# --------------------------------------------------------------------------- schemas


class RunCreate(BaseModel):
    """A comparison to run: ``scenario`` (with ``overrides`` on top) minus ``baseline``."""

    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioName
    baseline: ScenarioName = "status_quo"
    overrides: dict[str, StrictFloat | StrictInt] = Field(
        default_factory=dict, description="parameter -> value, within the parameter's range"
    )
    households: int = Field(
        default=20_000,
        ge=1,
        description="sampled households, allocated across countries and weighted to real ones",
    )
    months: int = Field(default=24, ge=1)
    members: int = Field(default=4, ge=2, description="ensemble members (seeds × draws)")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    start: str = Field(default="2019-01", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass
class Job:
    """One web-started run; mutated only by the registry's worker (and ``cancel``)."""

    id: str
    body: RunCreate
    scenario: Scenario
    baseline: Scenario
    created_at: str
    status: Status = "queued"
    done: int = 0
    total: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    result: dict[str, Any] | None = None
    stored_run_id: str | None = None
    error_id: str | None = None
    owner: str | None = None  # sha256 of the owner token; never shown
    started_by: str | None = None  # the tracker user whose token started it
    store: bool = False  # store the result when done (runs of accountable users only)
    ended: float | None = None  # time.monotonic() when it finished (for expiry)
    cancel_event: threading.Event = field(default_factory=threading.Event)

    def public(self, *, with_result: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "progress": {"done": self.done, "total": self.total},
            "request": self.body.model_dump(),
            "scenario": self.scenario.name,
            "baseline": self.baseline.name,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "cancel_requested": self.cancel_event.is_set(),
            "error": self.error,
            "error_id": self.error_id,
            "stored_run_id": self.stored_run_id,
        }
        if with_result:
            out["result"] = self.result
        return out


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def new_owner_token() -> str:
    return secrets.token_urlsafe(24)


def hash_owner(token: str) -> str:
    """What a job keeps of its owner token: a leaked job list does not leak usable tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who asks about runs: the hash of the owner token sent (if any) and the tracker user whose
    token was sent (if any)."""

    owner: str | None = None
    actor: Actor | None = None

    @property
    def is_admin(self) -> bool:
        return self.actor is not None and self.actor.role == "admin"

    def owns(self, job: Job) -> bool:
        """Whether ``job`` was started with this caller's owner token or tracker user."""
        if self.actor is not None and job.started_by == self.actor.name:
            return True
        return (
            self.owner is not None
            and job.owner is not None
            and hmac.compare_digest(self.owner, job.owner)
        )

    def sees(self, job: Job) -> bool:
        """Listed for this caller: their own runs, stored ones, and every run for an admin."""
        return self.is_admin or job.stored_run_id is not None or self.owns(job)


def cancel_hook(job: Job) -> runs.Progress:
    """The progress callback of a run: records progress, raises :class:`Cancelled` on cancel
    (the ensemble also checks ``job.cancel_event`` itself between members)."""

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        if job.cancel_event.is_set():
            raise Cancelled(job.id)

    return progress


class JobRegistry:
    """Runs queued comparisons one at a time on a daemon thread; keeps recent jobs for polling.

    ``inputs_loader`` reads the simulation inputs (default: from the store); the last inputs
    loaded are kept per (start, months, store build), since reading them costs seconds.
    """

    def __init__(
        self,
        settings: Settings,
        limits: SimWebSettings | None = None,
        inputs_loader: InputsLoader | None = None,
        *,
        store_results: bool = True,
    ) -> None:
        self.settings = settings
        self.limits = limits or SimWebSettings()
        self._load = inputs_loader or runs.store_inputs
        self.needs_store = inputs_loader is None
        self._store_results = store_results
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._inputs: dict[tuple[Any, ...], engine.SimInputs] = {}
        self._worker = threading.Thread(target=self._loop, name="sim-web-runs", daemon=True)
        self._worker.start()
        _OPEN_REGISTRIES.add(self)

    # ---------------------------------------------------------------- API side

    def submit(
        self,
        body: RunCreate,
        scenario: Scenario,
        baseline: Scenario,
        *,
        owner: str | None = None,
        started_by: str | None = None,
        store: bool = False,
    ) -> Job:
        """Queue a run owned by ``owner`` (an owner token's hash); ``store`` asks for its result
        to be stored when done (if this registry stores results at all)."""
        job = Job(
            uuid.uuid4().hex[:12],
            body,
            scenario,
            baseline,
            _now(),
            owner=owner,
            started_by=started_by,
            store=store and self._store_results,
        )
        with self._lock:
            self._forget_old()
            pending = sum(j.status in ("queued", "running") for j in self._jobs.values())
            if pending >= self.limits.max_queued:
                raise QueueFull(
                    f"{pending} simulation runs are queued or running (limit "
                    f"{self.limits.max_queued}); retry when one has finished"
                )
            self._jobs[job.id] = job
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            self._forget_old()
            return self._jobs.get(job_id)

    def list(self, caller: Caller | None = None) -> list[Job]:
        """Jobs kept (most recent first); those ``caller`` may see when one is given."""
        with self._lock:
            self._forget_old()
            # newest first: the dict keeps submission order (created_at has whole seconds)
            return [j for j in reversed(self._jobs.values()) if caller is None or caller.sees(j)]

    def cancel(self, job_id: str) -> Job | None:
        """Ask a job to stop; a queued one is cancelled at once, a running one at its next step."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status in ("done", "failed", "cancelled"):
                return job
            job.cancel_event.set()
            if job.status == "queued":
                job.status, job.finished_at, job.ended = "cancelled", _now(), time.monotonic()
            return job

    def close(self, timeout: float = 30) -> None:
        """Cancel every job and stop the worker (tests, and at interpreter exit)."""
        for job in self.list():
            self.cancel(job.id)
        self._queue.put(None)
        self._worker.join(timeout=timeout)
        _OPEN_REGISTRIES.discard(self)

    def _forget_old(self) -> None:
        """Drop finished jobs past ``keep_minutes`` and all but the newest ``keep_finished``, so
        what anonymous users leave in memory stays bounded (call with the lock held)."""
        cutoff = time.monotonic() - 60 * self.limits.keep_minutes
        finished = [j for j in self._jobs.values() if j.status in ("done", "failed", "cancelled")]
        surplus = max(0, len(finished) - self.limits.keep_finished)
        for i, job in enumerate(finished):
            if i < surplus or (job.ended is not None and job.ended < cutoff):
                del self._jobs[job.id]

    # ---------------------------------------------------------------- worker side

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            self._execute(job)

    def _build_id(self) -> str | None:
        """The store's build (results written by runs change the file, not the inputs)."""
        if not self.settings.store_path.exists():
            return None
        from rootcauses.store.query import connect
        from rootcauses.store.results import current_build

        con = connect(self.settings)
        try:
            return current_build(con)
        finally:
            con.close()

    def _inputs_for(self, start: dt.date, months: int) -> engine.SimInputs:
        key = (start, months, self._build_id())
        if key not in self._inputs:
            self._inputs.clear()  # one cached entry: inputs can be large
            self._inputs[key] = self._load(self.settings, start, months)
        return self._inputs[key]

    def _execute(self, job: Job) -> None:
        with self._lock:
            if job.status != "queued":  # cancelled while queued
                return
            job.status, job.started_at = "running", _now()
        body = job.body
        progress = cancel_hook(job)
        try:
            start = dt.date.fromisoformat(f"{body.start}-01")
            request = runs.RunRequest(body.households, body.months, body.seed, 1, start)
            inputs = self._inputs_for(start, body.months)
            progress(0, 2 * body.members)
            payload = runs.compare_scenarios(
                job.baseline,
                job.scenario,
                inputs,
                request,
                body.members,
                progress,
                backend="serial",  # one member at a time in this thread; no Ray in the server
                cancel=job.cancel_event,
            )
            payload = {
                **payload,
                "overrides": job.scenario.overrides,
                "parameters": job.scenario.values,
            }
            if job.store:
                job.stored_run_id = runs.store_run(
                    self.settings, payload, runs.compare_rows(payload)
                )
            job.result = payload
            outcome: Status = "done"
        except (Cancelled, EnsembleCancelled):
            outcome = "cancelled"
        except Exception as exc:  # a bug must not kill the worker: report it on the job
            # the cause (paths, database names, exception text) only in the log, under an id
            job.error_id = new_error_id()
            log.error(
                "simulation run %s failed (error id %s)",
                job.id,
                job.error_id,
                exc_info=exc,
            )
            job.error = (
                f"the simulation run failed (error id {job.error_id}); the server log has the "
                "details"
            )
            outcome = "failed"
        with self._lock:
            job.status, job.finished_at, job.ended = outcome, _now(), time.monotonic()


# --------------------------------------------------------------------------- dependencies

_OPEN_REGISTRIES: weakref.WeakSet[JobRegistry] = weakref.WeakSet()


@atexit.register
def _close_registries() -> None:
    """Let a running job stop at its next step before the interpreter exits: a daemon thread
    killed inside the engine's or DuckDB's native code can abort the process."""
    for registry in list(_OPEN_REGISTRIES):
        registry.close(timeout=10)


def get_registry(request: Request) -> JobRegistry:
    """The app's job registry, made on first use (tests may put their own on ``app.state``)."""
    return app_state(request, "sim_jobs", lambda: JobRegistry(request.app.state.settings))


Registry = Annotated[JobRegistry, Depends(get_registry)]


def _bearer(request: Request) -> HTTPAuthorizationCredentials | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return HTTPAuthorizationCredentials(scheme="Bearer", credentials=token.strip())


def _token_required(request: Request, registry: JobRegistry) -> bool:
    from rootcauses.tracker.config import TrackerSettings

    if registry.limits.require_token:
        return True
    tracker = getattr(request.app.state, "tracker", None)
    if tracker is not None:
        return bool(tracker.read_requires_token)
    return TrackerSettings(home=request.app.state.settings.home).read_requires_token


def _actor(request: Request, required: bool) -> Actor | None:
    """The tracker user of the request's token (checked: 401 when unknown or revoked); with
    ``required``, an editor's token is needed; ``None`` when no token is sent (and none needed)."""
    from rootcauses.api.tracker import current_actor, get_tracker
    from rootcauses.tracker.auth import require

    credentials = _bearer(request)
    if credentials is None and not required:
        return None
    try:
        actor = current_actor(get_tracker(request), credentials)
        if required:
            require(actor, "editor", "running or cancelling a simulation")
    except TrackerAuthError as exc:
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
    except TrackerPermissionError as exc:
        raise HTTPException(403, str(exc)) from exc
    except RootCausesError as exc:
        raise HTTPException(503, f"cannot check the API token: {exc}") from exc
    return actor


def run_writer(request: Request, registry: Registry) -> Actor | None:
    """Who starts or cancels a run: an editor's token when the settings ask for one (see the
    module docstring), else whoever's token is sent; ``None`` for local use without a token."""
    return _actor(request, _token_required(request, registry))


def run_reader(request: Request) -> Actor | None:
    """The tracker user of a token sent with a read (an admin sees every run); none is needed."""
    return _actor(request, False)


def owner_token(
    x_sim_owner: Annotated[
        str | None,
        Header(
            pattern=OWNER_PATTERN,
            description="the owner token a run was started with (browsers send the cookie)",
        ),
    ] = None,
    owner_cookie: Annotated[
        str | None, Cookie(alias=OWNER_COOKIE, pattern=OWNER_PATTERN, include_in_schema=False)
    ] = None,
) -> str | None:
    """The owner token the caller sent, from the header or else the cookie."""
    return x_sim_owner or owner_cookie


Writer = Annotated[Actor | None, Depends(run_writer)]
ReaderActor = Annotated[Actor | None, Depends(run_reader)]
OwnerToken = Annotated[str | None, Depends(owner_token)]


def _caller(owner: str | None, actor: Actor | None) -> Caller:
    return Caller(hash_owner(owner) if owner else None, actor)


def _hand_over(request: Request, response: Response, token: str) -> None:
    """Give the caller the owner token: a header for API clients, a cookie for browsers (HttpOnly
    so page scripts cannot read it, SameSite=Strict so other sites cannot use it)."""
    response.headers[OWNER_HEADER] = token
    response.set_cookie(
        OWNER_COOKIE,
        token,
        max_age=30 * 24 * 3600,
        path="/api/sim",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


# --------------------------------------------------------------------------- validation


def _problem(field_name: str, message: str) -> dict[str, Any]:
    return {"loc": ("body", field_name), "msg": message, "type": "value_error"}


def check_run(body: RunCreate, limits: SimWebSettings) -> tuple[Scenario, Scenario]:
    """The scenario (with the request's overrides) and the baseline, or a 422 listing every
    limit exceeded and every bad override (its name and allowed range)."""
    problems = [
        _problem(
            name,
            f"{name} {value:,} is over the web limit of {limit:,}; use the CLI "
            "(`rootcauses sim compare`) for larger runs",
        )
        for name, value, limit in (
            ("households", body.households, limits.max_households),
            ("months", body.months, limits.max_months),
            ("members", body.members, limits.max_members),
        )
        if value > limit
    ]
    specs = load_parameter_specs()
    for key, value in body.overrides.items():
        try:
            apply_overrides(specs, {key: value}, "overrides")
        except RootCausesError as exc:
            problems.append({**_problem("overrides", str(exc)), "loc": ("body", "overrides", key)})
    if problems:
        raise RequestValidationError(problems)
    base = load_scenario(body.scenario, specs)
    merged = {**base.overrides, **body.overrides}
    values = apply_overrides(specs, merged, "overrides")
    name = f"{base.name} (custom)" if body.overrides else base.name
    scenario = Scenario(name, base.description, base.path, merged, values)
    return scenario, load_scenario(body.baseline, specs)


# --------------------------------------------------------------------------- endpoints


@router.get("/scenarios")
def scenarios() -> dict[str, Any]:
    """The packaged scenarios: name, description and the parameters each one overrides."""
    specs = load_parameter_specs()
    data = []
    for name in SCENARIO_NAMES:
        scenario = load_scenario(name, specs)
        data.append(
            {"name": name, "description": scenario.description, "overrides": scenario.overrides}
        )
    return {"data": data, "count": len(data)}


def parameter_rows() -> list[dict[str, Any]]:
    """Every parameter with its default, range, unit, source or assumption, and lever flag."""
    return [
        {
            "name": name,
            "value": spec.value,
            "min": spec.range[0],
            "max": spec.range[1],
            "unit": spec.unit,
            "source": spec.source,
            "assumption": spec.assumption,
            "lever": spec.lever,
            "uncertainty_lo": spec.uncertainty[0] if spec.uncertainty else None,
            "uncertainty_hi": spec.uncertainty[1] if spec.uncertainty else None,
            "note": " ".join(spec.note.split()),
        }
        for name, spec in load_parameter_specs().items()
    ]


@router.get("/parameters")
def parameters(
    lever: Annotated[bool | None, Query(description="only levers (true) or non-levers")] = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """The parameter set scenarios and overrides are checked against."""
    frame = pd.DataFrame(parameter_rows())
    if lever is not None:
        frame = frame[frame["lever"] == lever]
    return frame_response(frame, format, "sim_parameters")


@router.post("/runs", status_code=status.HTTP_202_ACCEPTED)
def start_run(
    body: RunCreate,
    registry: Registry,
    actor: Writer,
    owner: OwnerToken,
    request: Request,
    response: Response,
) -> dict:
    """Queue a comparison; poll ``GET /api/sim/runs/{id}`` for progress and the result.

    The answer carries the run's owner token (``X-Sim-Owner`` header and cookie; the one sent,
    if any). The result is stored only for a tracker editor's or admin's token."""
    scenario, baseline = check_run(body, registry.limits)
    store = registry.settings.store_path
    if registry.needs_store and not store.exists():
        raise HTTPException(503, f"no store at {store}; run `rootcauses data build` first")
    token = owner or new_owner_token()
    accountable = actor is not None and RANK[actor.role] >= RANK["editor"]
    try:
        job = registry.submit(
            body,
            scenario,
            baseline,
            owner=hash_owner(token),
            started_by=actor.name if actor else None,
            store=accountable,
        )
    except QueueFull as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": "10"}) from exc
    response.headers["Location"] = f"/api/sim/runs/{job.id}"
    _hand_over(request, response, token)
    return job.public(with_result=False)


@router.get("/runs")
def list_runs(registry: Registry, actor: ReaderActor, owner: OwnerToken) -> dict[str, Any]:
    """Your runs on this server and the stored ones (every run for an admin's token), most
    recent first, without their results."""
    data = [job.public(with_result=False) for job in registry.list(_caller(owner, actor))]
    return {"data": data, "count": len(data)}


def _job(registry: JobRegistry, run_id: str) -> Job:
    job = registry.get(run_id)
    if job is None:
        raise HTTPException(
            404, f"no simulation run {run_id!r} on this server (finished runs are in /results)"
        )
    return job


@router.get("/runs/{run_id}")
def get_run(run_id: str, registry: Registry) -> dict[str, Any]:
    """Status, progress (done/total ensemble steps) and, when done, the comparison."""
    return _job(registry, run_id).public()


@router.get("/runs/{run_id}/differences")
def run_differences(
    run_id: str, registry: Registry, format: Literal["json", "csv"] = "json"
) -> Response:
    """A finished run's monthly differences (scenario − baseline) with their 5-95% bands."""
    job = _job(registry, run_id)
    if job.result is None:
        raise HTTPException(409, f"simulation run {run_id} is {job.status}, not done")
    frame = pd.DataFrame(job.result["differences"]).assign(
        scenario=job.result["scenario"], baseline=job.result["baseline"]
    )
    return frame_response(frame, format, f"sim_{run_id}_differences")


@router.delete("/runs/{run_id}", status_code=status.HTTP_202_ACCEPTED)
def cancel_run(run_id: str, registry: Registry, actor: Writer, owner: OwnerToken) -> dict[str, Any]:
    """Cancel a queued or running run (it stops at its next step); only its owner or an admin
    may (403 otherwise); 409 when it has finished."""
    caller = _caller(owner, actor)
    if not (caller.is_admin or caller.owns(_job(registry, run_id))):
        raise HTTPException(
            403,
            f"simulation run {run_id} can be cancelled only by its owner (the client that "
            "started it, with its owner token) or a tracker admin",
        )
    job = registry.cancel(run_id)
    assert job is not None
    if job.status in ("done", "failed"):
        raise HTTPException(409, f"simulation run {run_id} has already finished ({job.status})")
    return job.public(with_result=False)


def _table_exists(store, table: str) -> bool:
    """Whether the results store has ``table`` (then a view of the store connection)."""
    from rootcauses.store.results import has_table

    return has_table(store, table)


def _page(frame: pd.DataFrame, total: int, limit: int, offset: int) -> Response:
    body = json.loads(frame.to_json(orient="records", date_format="iso", date_unit="s"))
    payload = {"data": body, "count": total, "limit": limit, "offset": offset}
    return Response(json.dumps(payload), media_type="application/json")


@router.get("/results")
def stored_runs(
    store: Store,
    scenario: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Stored simulation runs (``sim_runs``), newest first; ``count`` is the number of matches."""
    if not _table_exists(store, "sim_runs"):
        empty = pd.DataFrame()
        return (
            frame_response(empty, "csv", "sim_runs")
            if format == "csv"
            else _page(empty, 0, limit, offset)
        )
    where, params = ("WHERE scenario = ?", [scenario]) if scenario else ("", [])
    total = store.execute(f"SELECT count(*) FROM sim_runs {where}", params).fetchone()[0]
    frame = store.execute(
        f"SELECT * FROM sim_runs {where} ORDER BY created_at DESC, run_id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).df()
    if format == "csv":
        return frame_response(frame, "csv", "sim_runs")
    return _page(frame, total, limit, offset)


@router.get("/results/{run_id}")
def stored_result(
    run_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="a stored run id")],
    store: Store,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """The ``scenario_results`` rows of one stored run (monthly values or differences)."""
    if not _table_exists(store, "scenario_results"):
        raise HTTPException(404, "no simulation results in the store yet")
    frame = store.execute(
        "SELECT * FROM scenario_results WHERE run_id = ? ORDER BY metric, month, citizenship",
        [run_id],
    ).df()
    if frame.empty:
        raise HTTPException(404, f"no stored simulation run {run_id!r}")
    return frame_response(frame, format, f"sim_{run_id}")


def limits_public(limits: SimWebSettings) -> Mapping[str, int]:
    return {
        "max_households": limits.max_households,
        "max_months": limits.max_months,
        "max_members": limits.max_members,
    }


@router.get("/limits")
def limits(registry: Registry) -> Mapping[str, int]:
    """The size limits of web-started runs (larger runs: the CLI)."""
    return limits_public(registry.limits)


__all__ = [
    "Caller",
    "Cancelled",
    "Job",
    "JobRegistry",
    "RunCreate",
    "SimWebSettings",
    "cancel_hook",
    "check_run",
    "router",
]
