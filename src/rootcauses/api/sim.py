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

from typing import Annotated, Any, Literal

import duckdb
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
from pydantic import BaseModel, Field

from rootcauses.api.deps import Store, app_state
from rootcauses.api.paging import (
    CSV_TOO,
    Page,
    PageParams,
    Paging,
    TablePage,
    frame_response,
    page_of,
    paging,
)
from rootcauses.errors import RootCausesError, TrackerAuthError, TrackerPermissionError
from rootcauses.jobs.sim import (
    Caller,
    Job,
    JobRegistry,
    QueueFull,
    RunCreate,
    SimWebSettings,
    Status,
    hash_owner,
    new_owner_token,
)
from rootcauses.sim.scenarios import (
    SCENARIO_NAMES,
    Scenario,
    apply_overrides,
    load_parameter_specs,
    load_scenario,
)
from rootcauses.tracker.auth import RANK, Actor

router = APIRouter(prefix="/sim", tags=["policy lab"])
OWNER_COOKIE = "rootcauses_sim_owner"
OWNER_HEADER = "X-Sim-Owner"
OWNER_PATTERN = r"^[A-Za-z0-9_-]{22,128}$"
RUN_ID = r"^[0-9a-f]{12}$"


# --------------------------------------------------------------------------- dependencies


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


# --------------------------------------------------------------------------- answers


class ScenarioPublic(BaseModel):
    name: str
    description: str
    overrides: dict[str, float] = Field(description="parameter -> value this scenario sets")


class ParameterPublic(BaseModel):
    """A parameter with its default, range, unit, source or assumption, and lever flag."""

    name: str
    value: float
    min: float
    max: float
    unit: str
    source: str | None
    assumption: bool
    lever: bool
    uncertainty_lo: float | None
    uncertainty_hi: float | None
    note: str


class RunProgress(BaseModel):
    done: int = Field(ge=0, description="ensemble steps done")
    total: int = Field(ge=0, description="ensemble steps in all (0 until the run has started)")


class RunSummary(BaseModel):
    """A web-started run without its result."""

    id: str
    status: Status
    progress: RunProgress
    request: RunCreate
    scenario: str
    baseline: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    cancel_requested: bool
    error: str | None = Field(description="a generic message with the error id when it failed")
    error_id: str | None
    stored_run_id: str | None = Field(description="its id in /api/sim/results once stored")


class RunPublic(RunSummary):
    """A web-started run with, once done, the comparison (monthly differences with bands)."""

    result: dict[str, Any] | None


class WebLimits(BaseModel):
    """The size limits of web-started runs."""

    max_households: int
    max_months: int
    max_members: int


# --------------------------------------------------------------------------- endpoints


@router.get("/scenarios", response_model=Page[ScenarioPublic])
def scenarios(page: Paging, response: Response) -> Page[ScenarioPublic]:
    """The packaged scenarios: name, description and the parameters each one overrides."""
    specs = load_parameter_specs()
    data = []
    for name in SCENARIO_NAMES:
        scenario = load_scenario(name, specs)
        data.append(
            ScenarioPublic(
                name=name, description=scenario.description, overrides=scenario.overrides
            )
        )
    return page_of(data, page, response)


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


@router.get("/parameters", response_model=Page[ParameterPublic], responses=CSV_TOO)
def parameters(
    page: Paging,
    lever: Annotated[bool | None, Query(description="only levers (true) or non-levers")] = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """The parameter set scenarios and overrides are checked against."""
    frame = pd.DataFrame(parameter_rows())
    if lever is not None:
        frame = frame[frame["lever"] == lever]
    return frame_response(frame, format, "sim_parameters", page)


@router.post("/runs", status_code=status.HTTP_202_ACCEPTED, response_model=RunSummary)
def start_run(
    body: RunCreate,
    registry: Registry,
    actor: Writer,
    owner: OwnerToken,
    request: Request,
    response: Response,
) -> dict[str, Any]:
    """Queue a comparison; poll ``GET /api/sim/runs/{id}`` for progress and the result.

    The answer carries the run's owner token (``X-Sim-Owner`` header and cookie; the one sent,
    if any). The result is stored only for a tracker editor's or admin's token."""
    scenario, baseline = check_run(body, registry.limits)
    if registry.needs_store and not registry.settings.store_path.exists():
        raise HTTPException(
            503, f"no store at {registry.settings.store_path}; run `rootcauses data build` first"
        )
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


@router.get("/runs", response_model=Page[RunSummary])
def list_runs(
    registry: Registry, actor: ReaderActor, owner: OwnerToken, page: Paging, response: Response
) -> Page[Any]:
    """Your runs on this server and the stored ones (every run for an admin's token), most
    recent first, without their results."""
    jobs = registry.list(_caller(owner, actor))
    return page_of([job.public(with_result=False) for job in jobs], page, response)


RunId = Annotated[str, Path(pattern=RUN_ID, description="a run id (12 hex digits)")]


def _job(registry: JobRegistry, run_id: str) -> Job:
    job = registry.get(run_id)
    if job is None:
        raise HTTPException(
            404, f"no simulation run {run_id!r} on this server (finished runs are in /results)"
        )
    return job


@router.get("/runs/{run_id}", response_model=RunPublic)
def get_run(run_id: RunId, registry: Registry) -> dict[str, Any]:
    """Status, progress (done/total ensemble steps) and, when done, the comparison."""
    return _job(registry, run_id).public()


@router.get("/runs/{run_id}/differences", response_model=TablePage, responses=CSV_TOO)
def run_differences(
    run_id: RunId, registry: Registry, page: Paging, format: Literal["json", "csv"] = "json"
) -> Response:
    """A finished run's monthly differences (scenario − baseline) with their 5-95% bands."""
    job = _job(registry, run_id)
    if job.result is None:
        raise HTTPException(409, f"simulation run {run_id} is {job.status}, not done")
    frame = pd.DataFrame(job.result["differences"]).assign(
        scenario=job.result["scenario"], baseline=job.result["baseline"]
    )
    return frame_response(frame, format, f"sim_{run_id}_differences", page)


@router.delete("/runs/{run_id}", status_code=status.HTTP_202_ACCEPTED, response_model=RunSummary)
def cancel_run(
    run_id: RunId, registry: Registry, actor: Writer, owner: OwnerToken
) -> dict[str, Any]:
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
    if job is None:  # forgotten since (finished runs expire)
        raise HTTPException(404, f"no simulation run {run_id!r} on this server")
    if job.status in ("done", "failed"):
        raise HTTPException(409, f"simulation run {run_id} has already finished ({job.status})")
    return job.public(with_result=False)


def _table_exists(store: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the results store has ``table`` (then a view of the store connection)."""
    from rootcauses.store.results import has_table

    return has_table(store, table)


StoredPaging = Annotated[PageParams, Depends(paging(50))]


@router.get("/results", response_model=TablePage, responses=CSV_TOO)
def stored_runs(
    store: Store,
    page: StoredPaging,
    scenario: Annotated[str | None, Query(max_length=100)] = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Stored simulation runs (``sim_runs``), newest first; ``count`` is the number of matches."""
    if not _table_exists(store, "sim_runs"):
        return frame_response(pd.DataFrame(), format, "sim_runs", page, total=0)
    where, params = ("WHERE scenario = ?", [scenario]) if scenario else ("", [])
    row = store.execute(f"SELECT count(*) FROM sim_runs {where}", params).fetchone()
    total = int(row[0]) if row else 0
    frame = store.execute(
        f"SELECT * FROM sim_runs {where} ORDER BY created_at DESC, run_id LIMIT ? OFFSET ?",
        [*params, page.limit, page.offset],
    ).df()
    return frame_response(frame, format, "sim_runs", page, total=total)


@router.get("/results/{run_id}", response_model=TablePage, responses=CSV_TOO)
def stored_result(
    run_id: Annotated[str, Path(pattern=RUN_ID, description="a stored run id")],
    store: Store,
    page: Paging,
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
    return frame_response(frame, format, f"sim_{run_id}", page)


def limits_public(limits: SimWebSettings) -> dict[str, int]:
    return {
        "max_households": limits.max_households,
        "max_months": limits.max_months,
        "max_members": limits.max_members,
    }


@router.get("/limits", response_model=WebLimits)
def limits(registry: Registry) -> dict[str, int]:
    """The size limits of web-started runs (larger runs: the CLI)."""
    return limits_public(registry.limits)


__all__ = [
    "OWNER_COOKIE",
    "OWNER_HEADER",
    "ParameterPublic",
    "RunPublic",
    "RunSummary",
    "ScenarioPublic",
    "WebLimits",
    "check_run",
    "limits_public",
    "parameter_rows",
    "router",
]
