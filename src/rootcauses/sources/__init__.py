"""One module per public dataset. Each exposes ``SOURCE`` (a :class:`SourceSpec`).

Modules are discovered, not listed, so adding a dataset is adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from rootcauses.errors import SourceError
from rootcauses.sources.base import FileSpec, Part, Publication, RawFile, SourceSpec

_INFRASTRUCTURE = {"base", "checks", "fetch", "parsing", "frames", "cbp", "fred", "owid"}

__all__ = [
    "FileSpec",
    "Part",
    "Publication",
    "RawFile",
    "SourceSpec",
    "all_sources",
    "get_source",
    "publications",
]


@cache
def all_sources() -> dict[str, SourceSpec]:
    found: dict[str, SourceSpec] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in _INFRASTRUCTURE or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        spec = getattr(module, "SOURCE", None)
        if isinstance(spec, SourceSpec):
            if spec.id in found:
                raise SourceError(f"two modules declare source id {spec.id!r}")
            found[spec.id] = spec
    return found


def get_source(source_id: str) -> SourceSpec:
    sources = all_sources()
    if source_id not in sources:
        raise SourceError(f"unknown source {source_id!r}; known: {', '.join(sorted(sources))}")
    return sources[source_id]


@cache
def publications() -> dict[str, Publication]:
    """Part id (``indicators.source``) → its publication rule, from every source's metadata."""
    found: dict[str, Publication] = {}
    for spec in all_sources().values():
        for part_id, rule in spec.publication.items():
            if part_id in found:
                raise SourceError(f"two sources declare when {part_id!r} is published")
            found[part_id] = rule
    return found
