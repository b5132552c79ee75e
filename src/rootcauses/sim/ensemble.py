"""Ensembles on Ray or serially: independent members (a seed and a full parameter set each), one
task per member, results gathered in member order.

Why the order matters: a Ray ensemble must equal the serial one exactly, so every member's seed
and parameter values are fixed on the driver before anything runs, a worker only calls
:func:`rootcauses.sim.engine.run` with them (it reads no files, so the driver's settings and a
test's monkeypatches hold), and results are put back by member index whatever order they finish.

Backends:

* ``serial`` — members one after the other in this process (each run may still use ``workers``
  processes for its household shards, as a single run does);
* ``ray`` — members as Ray tasks: a local Ray with ``num_cpus=workers`` (no dashboard, quiet
  logs), or an existing cluster at ``address`` (``host:port``, ``ray://host:port`` or ``auto``).
  Ray is shut down afterwards only when this module started it;
* ``auto`` — Ray when an address is given or ``workers > 1``, else serial (starting Ray for one
  worker costs seconds and buys nothing).

:func:`run_members` runs an ensemble (one task per member); :func:`run_sharded` runs one large
run with its household shards as tasks, through :func:`rootcauses.sim.engine.run` itself (the
one shard runner: :func:`shard_map` only says where the shards run), so every option of a run
reaches the shards on Ray too. Both equal their serial counterparts exactly. A process that calls
them often (a server) should ``ray.init`` once: a running Ray is reused, never shut down here.
Cluster nodes need ``rootcauses`` installed; ``ray://`` addresses need ``ray[client]``.

Token authentication (Ray ≥ 2.59): ``ray start --head`` turns it on whenever a token exists, but
``ray.init(address=…)`` sends the token only with ``RAY_AUTH_MODE=token``; :func:`ray_session`
turns token mode on for an explicit address when Ray finds a token (``RAY_AUTH_TOKEN``,
``RAY_AUTH_TOKEN_PATH`` or ``~/.ray/auth_token``), as Ray does itself for ``address="auto"``.

Errors: an unreachable address, or a Ray that refuses to start, is a :class:`SimError` naming the
address; a set ``cancel`` event stops between members with :class:`EnsembleCancelled`.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

from rootcauses.sim.errors import SimError

if TYPE_CHECKING:  # the engine (numba) loads only when a member runs: the CLI imports this
    from rootcauses.sim import engine

BACKENDS = ("auto", "ray", "serial")
CONNECT_TIMEOUT_SECONDS = 3.0
POLL_SECONDS = 0.5  # how often a Ray ensemble looks at the cancel event
LOCAL_OBJECT_STORE_BYTES = 128 * 2**20  # members exchange small arrays; keep RAM for the sims
Progress = Callable[[int, int], None]
Item = TypeVar("Item")
Result = TypeVar("Result")


class CancelEvent(Protocol):
    """What ``cancel`` must offer (a ``threading.Event`` does)."""

    def is_set(self) -> bool: ...


class EnsembleCancelled(SimError):
    """The caller's cancel event was set; no result was produced."""


@dataclass(frozen=True)
class Executor:
    """Where ensemble members run: backend, cluster address and worker count."""

    backend: str = "auto"
    address: str | None = None
    workers: int = 1

    def check(self) -> None:
        if self.backend not in BACKENDS:
            raise SimError(f"--backend {self.backend!r}: expected one of {', '.join(BACKENDS)}")
        if self.workers < 1:
            raise SimError(f"--workers must be at least 1, got {self.workers}")
        if self.backend == "serial" and self.address:
            raise SimError(f"--address {self.address!r} needs --backend ray (or auto), not serial")

    def uses_ray(self) -> bool:
        self.check()
        if self.backend == "auto":
            return bool(self.address) or self.workers > 1
        return self.backend == "ray"


@dataclass(frozen=True)
class Member:
    """One ensemble member: the seed and the full parameter values, fixed on the driver."""

    seed: int
    values: Mapping[str, float]
    anchor: Mapping[str, float]  # values with the levers neutral: anchors the intercepts


@dataclass(frozen=True)
class MemberJob:
    """What a member task needs besides its :class:`Member` (shared by all members)."""

    inputs: engine.SimInputs
    households: int
    workers: int = 1  # processes for the member's household shards
    options: Mapping[str, Any] = field(default_factory=dict)  # keywords of engine.simulate


def simulate_member(job: MemberJob, member: Member) -> engine.RunCounts:
    """Weighted counts of one member (module level, so Ray pickles it by reference)."""
    from rootcauses.sim import engine

    return engine.run(
        job.inputs,
        dict(member.values),
        dict(member.anchor),
        households=job.households,
        seed=member.seed,
        workers=job.workers,
        **job.options,
    )


def _host_port(address: str) -> tuple[str, int] | None:
    """(host, port) of ``host:port`` / ``ray://host:port``; None for ``auto``."""
    if address == "auto":
        return None
    bare = address.removeprefix("ray://")
    host, sep, port = bare.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise SimError(f"--address {address!r}: expected host:port, ray://host:port or auto")
    return host, int(port)


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_SECONDS) -> None:
    """Fail fast with the address named: Ray itself waits a minute or more, then exits."""
    target = _host_port(address)
    if target is None:
        return
    try:
        with socket.create_connection(target, timeout=timeout):
            pass
    except OSError as exc:
        raise SimError(f"cannot reach the Ray cluster at {address!r}: {exc}") from exc


def use_cluster_token() -> bool:
    """Send the cluster's token if Ray finds one; True when token mode is on.

    Why: Ray ≥ 2.59 ``ray start --head`` turns token authentication on whenever a token exists
    (``RAY_AUTH_TOKEN``, ``RAY_AUTH_TOKEN_PATH`` or ``~/.ray/auth_token``), but
    ``ray.init(address=…)`` attaches it only with ``RAY_AUTH_MODE=token``, so connecting to such
    a head fails ("Failed to connect to Ray cluster"). This is what Ray does itself for
    ``address="auto"``: with ``RAY_AUTH_MODE`` unset and a token found, token mode for this
    process (and its children). A ``RAY_AUTH_MODE`` that is set is left as it is."""
    try:
        from ray._private.authentication.authentication_token_setup import (
            maybe_enable_token_auth_if_token_available,
        )
    except ImportError:  # a Ray without token authentication (before 2.52)
        return False
    return bool(maybe_enable_token_auth_if_token_available(warn_if_disabled=False))


AUTH_HINT = (
    "a cluster with token authentication needs its token here: RAY_AUTH_TOKEN, "
    "RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token (the head's token: `ray get-auth-token` on the head)"
)


@contextlib.contextmanager
def ray_session(executor: Executor) -> Iterator[Any]:
    """The ``ray`` module, initialised: reuse a running Ray, connect to ``executor.address`` or
    start a local one; shut down on exit only what was started here."""
    import ray

    if ray.is_initialized():
        yield ray
        return
    auth_error = getattr(ray.exceptions, "AuthenticationError", RuntimeError)
    try:
        if executor.address:
            check_reachable(executor.address)
            use_cluster_token()
            ray.init(address=executor.address, logging_level=logging.ERROR, log_to_driver=False)
        else:
            ray.init(
                address="local",
                num_cpus=executor.workers,
                include_dashboard=False,
                object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                logging_level=logging.ERROR,
                log_to_driver=False,
            )
    except (ConnectionError, RuntimeError, ValueError, TimeoutError, auth_error) as exc:
        if executor.address:
            message = f"cannot connect to the Ray cluster at {executor.address!r}: {exc}"
            raise SimError(f"{message.rstrip('.')}; {AUTH_HINT}") from exc
        raise SimError(
            f"cannot start Ray locally: {exc}; --backend serial runs without it"
        ) from exc
    except Exception as exc:  # Ray raises a bare Exception when its node times out starting
        where = f"the Ray cluster at {executor.address!r}" if executor.address else "Ray locally"
        raise SimError(f"cannot start {where}: {exc}; --backend serial runs without it") from exc
    try:
        yield ray
    finally:
        ray.shutdown()


def _cancelled(cancel: CancelEvent | None) -> bool:
    return cancel is not None and cancel.is_set()


def _serial(
    fn: Callable[[Any, Item], Result],
    shared: Any,
    items: Sequence[Item],
    progress: Progress | None,
    cancel: CancelEvent | None,
) -> list[Result]:
    out = []
    for i, item in enumerate(items):
        if _cancelled(cancel):
            raise EnsembleCancelled(f"cancelled after {i} of {len(items)} members")
        out.append(fn(shared, item))
        if progress is not None:
            progress(i + 1, len(items))
    return out


def _on_ray(
    ray: Any,
    fn: Callable[[Any, Item], Result],
    shared: Any,
    items: Sequence[Item],
    progress: Progress | None,
    cancel: CancelEvent | None,
) -> list[Result]:
    task = ray.remote(num_cpus=1, max_retries=1)(fn)
    shared_ref = ray.put(shared)  # once in the object store, not once per member
    refs = [task.remote(shared_ref, item) for item in items]
    position = {ref: i for i, ref in enumerate(refs)}
    results: list[Any] = [None] * len(items)
    pending = list(refs)
    try:
        while pending:
            if _cancelled(cancel):
                raise EnsembleCancelled(
                    f"cancelled after {len(items) - len(pending)} of {len(items)} members"
                )
            ready, pending = ray.wait(pending, num_returns=1, timeout=POLL_SECONDS)
            for ref in ready:
                results[position[ref]] = ray.get(ref)
            if ready and progress is not None:
                progress(len(items) - len(pending), len(items))
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    return results


def map_members(
    fn: Callable[[Any, Item], Result],
    shared: Any,
    items: Sequence[Item],
    executor: Executor | None = None,
    progress: Progress | None = None,
    cancel: CancelEvent | None = None,
) -> list[Result]:
    """``[fn(shared, item) for item in items]``, on Ray or serially, in item order.

    ``fn`` must be importable (module level) for Ray; ``shared`` goes to the object store once.
    """
    executor = executor or Executor()
    if not items:
        return []
    if not executor.uses_ray():
        return _serial(fn, shared, items, progress, cancel)
    with ray_session(executor) as ray:
        return _on_ray(ray, fn, shared, items, progress, cancel)


def shard_map(
    executor: Executor,
    progress: Progress | None = None,
    cancel: CancelEvent | None = None,
) -> engine.MapShards:
    """``map_shards`` for :func:`rootcauses.sim.engine.run`: the shards as members of
    :func:`map_members` (Ray tasks, or serially), ``progress`` counting shards. Inside a
    :func:`ray_session` (e.g. around a calibration's many runs) Ray starts once."""
    return partial(map_members, executor=executor, progress=progress, cancel=cancel)


def run_sharded(
    inputs: engine.SimInputs,
    member: Member,
    households: int,
    executor: Executor,
    progress: Progress | None = None,
    cancel: CancelEvent | None = None,
    shard_size: int | None = None,
    **options: Any,
) -> engine.RunCounts:
    """One run with its household shards as tasks (on Ray: spread over a cluster's CPUs).

    It is :func:`rootcauses.sim.engine.run` with the shards mapped by :func:`shard_map`: the same
    shards, seeds, options (``exact=True`` …) and weighting, so the counts, sector counts
    included, equal a serial run's (tested)."""
    from rootcauses.sim import engine

    return engine.run(
        inputs,
        dict(member.values),
        dict(member.anchor),
        households=households,
        seed=member.seed,
        shard_size=shard_size or engine.SHARD_SIZE,
        map_shards=shard_map(executor, progress, cancel),
        **options,
    )


def run_members(
    inputs: engine.SimInputs,
    members: Sequence[Member],
    households: int,
    executor: Executor | None = None,
    progress: Progress | None = None,
    cancel: CancelEvent | None = None,
    **options: Any,
) -> np.ndarray:
    """[member, month, country, metric] weighted counts of an ensemble, in member order.

    On Ray each member is one single-process task; serially each member's shards use
    ``executor.workers`` processes, as a single run does. ``options`` (keywords of
    :func:`rootcauses.sim.engine.simulate`, ``exact=True`` …) reach every member's run."""
    executor = executor or Executor()
    shard_workers = 1 if executor.uses_ray() else executor.workers
    job = MemberJob(inputs, households, shard_workers, dict(options))
    runs = map_members(simulate_member, job, members, executor, progress, cancel)
    return np.stack([counts.values for counts in runs])
