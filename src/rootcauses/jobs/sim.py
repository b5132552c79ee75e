"""The policy lab's job queue: web-started simulation runs executed in the background.

An edge around the domain package :mod:`rootcauses.sim` (as the CLI and the API are): the API
(:mod:`rootcauses.api.sim`) validates a request and routes it here; a :class:`JobRegistry` runs
queued comparisons (:func:`rootcauses.sim.runs.compare_scenarios`) one at a time on a daemon
worker thread, with a bounded queue (:class:`QueueFull`, answered 429), progress, cancellation at
the next progress step (:class:`Cancelled`) and recent jobs kept in memory for polling. A run
started by an accountable user (a tracker editor or admin) is stored in the results store as the
CLI does; anonymous runs are only kept in memory, the last ``keep_finished`` for
``keep_minutes``. Every job has an owner (the sha256 of an owner token); :class:`Caller` decides
who sees and who may cancel it. A failed run keeps a generic message and an ``error_id``; the
cause goes only to the server log under that id.

Limits come from :class:`SimWebSettings` (environment ``ROOTCAUSES_SIM_WEB_*``).
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import hmac
import logging
import queue
import secrets
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt
from pydantic_settings import BaseSettings, SettingsConfigDict

from rootcauses.api.errors import new_error_id
from rootcauses.config import Settings
from rootcauses.periods import parse_month
from rootcauses.sim import engine, runs
from rootcauses.sim.ensemble import EnsembleCancelled
from rootcauses.sim.scenarios import SCENARIO_NAMES, Scenario
from rootcauses.tracker.auth import Actor

log = logging.getLogger(__name__)
Status = Literal["queued", "running", "done", "failed", "cancelled"]
ScenarioName = Literal[SCENARIO_NAMES]  # type: ignore[valid-type]
InputsLoader = Callable[[Settings, dt.date, int], engine.SimInputs]


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
    start: str = Field(
        default="2019-01",
        pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$",
        description="first simulated month, YYYY-MM (1900-01 to 2099-12)",
    )


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
            start = parse_month(body.start, "start")  # checked by RunCreate's pattern
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


_OPEN_REGISTRIES: weakref.WeakSet[JobRegistry] = weakref.WeakSet()


@atexit.register
def _close_registries() -> None:
    """Let a running job stop at its next step before the interpreter exits: a daemon thread
    killed inside the engine's or DuckDB's native code can abort the process."""
    for registry in list(_OPEN_REGISTRIES):
        registry.close(timeout=10)


__all__ = [
    "Caller",
    "Cancelled",
    "InputsLoader",
    "Job",
    "JobRegistry",
    "QueueFull",
    "RunCreate",
    "SimWebSettings",
    "Status",
    "cancel_hook",
    "hash_owner",
    "new_owner_token",
]
