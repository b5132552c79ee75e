"""What a source module declares, and the records that flow from files to the store.

A source module (one per dataset folder) exposes ``SOURCE``, a :class:`SourceSpec`: metadata, the
files it reads with their official URLs, and two pure functions, ``read(files) -> list[Part]``
(parse the official format into canonical frames) and ``check(parts)`` (internal consistency).
Modules know nothing of the store; :mod:`rootcauses.store.build` puts parts into tables.

A driver source also declares when each of its series is published (``publication``: one
:class:`Publication` per part id, i.e. per ``indicators.source`` value), so the analysis panel
lets a value enter a model only from the month it was first public.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from rootcauses.errors import SourceError
from rootcauses.sources.catalogue import IndicatorInfo

Kind = Literal["outcome", "driver", "strategy", "journey"]
Status = Literal["official", "derived", "transcribed"]


@dataclass(frozen=True)
class FileSpec:
    """One published file (or family of releases of it).

    ``pattern`` is a glob matched inside the dataset folder (snapshot or cache). ``url`` is the
    official address: the file itself, or, when ``link`` is set, a landing page on which the file
    is the link whose address matches the regular expression ``link`` (CBP and OHSS rename their
    files with every monthly release). ``select`` says whether all matching files are read (a
    series split over overlapping releases) or only the newest by name. Links are followed only
    on the landing page's own host and the hosts named in ``link_hosts`` (a publisher that serves
    its files from another host of its own declares it here).
    """

    pattern: str
    url: str
    role: str = "data"
    link: str | None = None
    link_hosts: tuple[str, ...] = ()
    save_as: str | None = None
    select: Literal["all", "latest"] = "latest"
    required: bool = True
    status: Status = "official"
    fetchable: bool = True  # False when the official file is a PDF/web page we cannot parse


@dataclass(frozen=True)
class RawFile:
    """A file's bytes with its provenance. Parsers take these, never paths."""

    name: str
    data: bytes
    spec: FileSpec
    url: str
    sha256: str
    fetched_at: dt.datetime | None = None
    origin: Literal["snapshot", "cache"] = "snapshot"

    @property
    def role(self) -> str:
        return self.spec.role


@dataclass
class Part:
    """One published table of a dataset, as a canonical (or extra) table frame."""

    source_id: str
    table: str  # encounters | indicators | events | an extra table name
    frame: pd.DataFrame
    title: str
    files: tuple[RawFile, ...] = ()
    status: Status = "official"
    notes: str = ""


@dataclass(frozen=True)
class Publication:
    """When a period's value is first public: from the month ``months`` after the last month of
    the period (``after="period"``: a monthly release, e.g. US unemployment for September is out
    in early October, ``months=1``) or after December of the period's year (``after="year"``: a
    yearly release of the whole year, e.g. WGI for 2022 in late September 2023, usable from
    October, ``months=10``). ``basis`` says what the rule rests on (the publisher's calendar).
    The rule dates the first release; the store holds the latest revision of each value."""

    months: int
    after: Literal["period", "year"]
    basis: str

    def __post_init__(self) -> None:
        if self.months < 0:
            raise SourceError(f"publication lag {self.months} months: expected 0 or more")

    def available(self, period: pd.Series, frequency: pd.Series | str) -> pd.Series:
        """The first month (first day) in which each period's value could be used: ``months``
        after the period's last month (an annual value's last month is December)."""
        start = pd.to_datetime(pd.Series(period))
        if isinstance(frequency, str):
            freq = pd.Series(frequency, index=start.index)
        else:
            freq = pd.Series(frequency.to_numpy(), index=start.index)
        unknown = sorted(set(freq) - {"annual", "monthly"})
        if unknown:
            raise SourceError(f"publication rule: frequency {unknown[0]!r} is not annual/monthly")
        yearly = (freq == "annual") | (self.after == "year")
        december = pd.to_datetime(start.dt.year.astype(str) + "-12-01")
        last = start.dt.to_period("M").dt.to_timestamp().where(~yearly, december)
        return last + pd.DateOffset(months=self.months)

    def describe(self) -> str:
        where = "the period" if self.after == "period" else "the year"
        unit = "month" if self.months == 1 else "months"
        return f"{self.months} {unit} after {where}"


Reader = Callable[[Sequence[RawFile]], list[Part]]
Checker = Callable[[list[Part]], None]


def _no_check(parts: list[Part]) -> None:
    return None


@dataclass(frozen=True)
class SourceSpec:
    id: str
    title: str
    publisher: str
    folder: str
    homepage: str
    licence: str
    kind: Kind
    files: tuple[FileSpec, ...]
    read: Reader
    check: Checker = _no_check
    notes: str = ""
    extra_tables: tuple[str, ...] = field(default=())
    # part id (``indicators.source``) → when its values are published (drivers only)
    publication: Mapping[str, Publication] = field(default_factory=dict)
    # plain names, themes and descriptions of the indicators it writes (patterns, in order;
    # see rootcauses.sources.catalogue)
    indicators: tuple[tuple[str, IndicatorInfo], ...] = ()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


Origin = Literal["snapshot", "cache"]


def matching(fs: FileSpec, folder: Path) -> list[Path]:
    """Files of one FileSpec in ``folder`` (only the newest by name when ``select='latest'``)."""
    paths = sorted(
        p for p in folder.glob(fs.pattern) if not p.name.endswith((".meta.json", ".part"))
    )
    return paths[-1:] if fs.select == "latest" else paths


def locate(spec: SourceSpec, root: Path) -> dict[FileSpec, list[Path]]:
    """The files of ``spec`` under ``root/spec.folder``; raise if a required one is missing."""
    return locate_in(spec, [(root, "snapshot")])


def locate_in(spec: SourceSpec, roots: Sequence[tuple[Path, Origin]]) -> dict[FileSpec, list[Path]]:
    """Each FileSpec from the first root that has it (e.g. the pulled cache, then the snapshot),
    so a source whose official files were fetched still finds its transcribed ones."""
    found: dict[FileSpec, list[Path]] = {}
    for fs in spec.files:
        paths: list[Path] = []
        for root, _ in roots:
            paths = matching(fs, root / spec.folder)
            if paths:
                break
        if not paths and fs.required:
            where = " or ".join(str(root / spec.folder) for root, _ in roots)
            raise SourceError(
                f"{spec.id}: no file matching {fs.pattern!r} in {where} (official source: {fs.url})"
            )
        found[fs] = paths
    return found


def load(spec: SourceSpec, root: Path, origin: Origin) -> list[RawFile]:
    """Read the files of ``spec`` under ``root`` into memory with their hashes."""
    return load_from(spec, [(root, origin)])


def load_from(spec: SourceSpec, roots: Sequence[tuple[Path, Origin]]) -> list[RawFile]:
    """Read the files of ``spec`` (see :func:`locate_in`) into memory with their hashes."""
    cache_roots = [r for r, o in roots if o == "cache"]
    raws: list[RawFile] = []
    for fs, paths in locate_in(spec, roots).items():
        for path in paths:
            origin: Origin = (
                "cache" if any(path.is_relative_to(r) for r in cache_roots) else "snapshot"
            )
            data = path.read_bytes()
            url, fetched = fs.url, None
            meta = meta_path(path)
            if meta.exists():
                record = json.loads(meta.read_text())
                url = record.get("url", url)
                fetched = dt.datetime.fromisoformat(record["fetched_at"])
            raws.append(
                RawFile(
                    name=path.name,
                    data=data,
                    spec=fs,
                    url=url,
                    sha256=sha256_bytes(data),
                    fetched_at=fetched,
                    origin=origin,
                )
            )
    return raws


def by_role(files: Sequence[RawFile], role: str) -> list[RawFile]:
    return [f for f in files if f.role == role]


def one(files: Sequence[RawFile], role: str = "data") -> RawFile:
    matching = by_role(files, role)
    if len(matching) != 1:
        names = ", ".join(f.name for f in files) or "none"
        raise SourceError(f"expected one {role!r} file, got {len(matching)} (files: {names})")
    return matching[0]
