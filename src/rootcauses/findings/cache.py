"""Findings cached per build: computed on the first request after a build becomes current, then
served from memory until the build pointer names another build.

A build is never written after it is published, so what is computed from a build id never
changes; finding the current build id reads the pointer file only (no DuckDB connection on a
hit). The "data through" month is cached on its own, as it is one cheap query that every page
and API answer shows, while the findings take a few queries more. :func:`cached_per_build` is
that memory for anything else computed from a build alone (the API's scorecard uses it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar, cast

import duckdb

from rootcauses import i18n
from rootcauses.config import Settings
from rootcauses.errors import RootCausesError
from rootcauses.findings.compute import Findings, compute_findings, data_through
from rootcauses.store import layout, query
from rootcauses.store.results import current_build

KEEP = 8  # entries remembered (current and previous build of a few homes)
T = TypeVar("T")
Key = tuple[str, str, str]  # (kind, home, build id)
_CACHE: OrderedDict[Key, object] = OrderedDict()
_LOCK = threading.Lock()


def _get(key: Key) -> object | None:
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
        return hit


def _put(key: Key, value: object) -> None:
    with _LOCK:
        _CACHE[key] = value
        _CACHE.move_to_end(key)
        while len(_CACHE) > KEEP:
            _CACHE.popitem(last=False)


def cached_per_build(
    kind: str, settings: Settings, compute: Callable[[duckdb.DuckDBPyConnection], T]
) -> T:
    """``compute(con)`` on the current build of ``settings``' home, computed once per build and
    ``kind`` (a name that keeps apart what is computed from the same build; e.g. ``"scorecard"``)
    and then answered from memory while that build stays current. ``compute`` must depend on
    the build alone. Raises :class:`~rootcauses.errors.BuildError` when there is no store."""
    current = layout.read_current(settings)
    if current is not None:
        hit = _get((kind, str(settings.home), current.build_id))
        if hit is not None:
            return cast(T, hit)
    with query.connect(settings) as con:
        build_id = current_build(con)
        value = compute(con)
    _put((kind, str(settings.home), build_id), value)
    return value


def findings_for(settings: Settings) -> Findings:
    """The findings of the current build of ``settings``' home, in the current language (the
    API's are English; a Spanish page gets its own, cached apart); raises
    :class:`~rootcauses.errors.BuildError` when there is no store."""
    return cached_per_build(f"findings:{i18n.current()}", settings, compute_findings)


def data_through_for(settings: Settings) -> str | None:
    """``YYYY-MM`` of the current build's last encounter month, or None when there is no store
    (a page without a store still renders)."""
    try:
        return cached_per_build("through", settings, data_through)
    except RootCausesError:
        return None


def clear() -> None:
    with _LOCK:
        _CACHE.clear()
