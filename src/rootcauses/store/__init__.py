"""The analytics store: one DuckDB file built atomically from the sources, plus query helpers."""

from rootcauses.store.build import BuildReport, build_store
from rootcauses.store.query import connect

__all__ = ["BuildReport", "build_store", "connect"]
