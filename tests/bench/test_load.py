"""bench/load.py's one-client figures: a chart URL's first request to a fresh server is computed
(a cache miss) and its second comes from the cache, and a server whose cache already holds the
URLs is refused rather than reported as computing them."""

from __future__ import annotations

import pytest

from rootcauses.config import Settings
from rootcauses.web.serving import serve_in_thread
from tests.bench import load_bench_module


def test_computed_then_cached_and_a_warm_cache_is_refused(built_store: Settings) -> None:
    load = load_bench_module("load")
    with serve_in_thread(built_store) as base:
        computed, cached = load.computed_and_cached_ms(base)
        assert computed > 0 and cached > 0
        with pytest.raises(SystemExit, match="expected a cache miss then a hit"):
            load.computed_and_cached_ms(base)  # every URL is in the cache now
