"""The analytics store: immutable DuckDB builds made from the sources, the results store written
beside them, and query helpers (see :mod:`rootcauses.store.layout` for what lives where)."""

from rootcauses.store.build import BuildReport, build_store, import_build
from rootcauses.store.query import connect

__all__ = ["BuildReport", "build_store", "connect", "import_build"]
