"""Tracker files: read CSV/JSON into validated record batches, write batches back.

The format is the strategy snapshot's (``$ROOTCAUSES_DATA/strategy``): ``pillars.csv``,
``commitments.csv`` and ``progress.csv`` with their published columns, parsed by
:mod:`rootcauses.sources.strategy` (so dates, actor types, countries and numbers are checked
exactly as the store build checks them). A few optional columns carry what the tracker adds,
so an export reads back without loss:

* ``pillars.csv``: ``parent_id`` (the pillar a line of effort serves);
* ``commitments.csv``: ``deadline_date`` (ISO; read from ``deadline`` when absent),
  ``target_deadline`` and ``baseline_value`` (``;``-lists paired with the targets; a baseline
  number is read from ``baseline`` when absent), ``aggregate`` (``true``/``false``; when absent,
  an actor marked "(aggregate)" is one);
* ``progress.csv``: ``id``, ``recorded_by``, ``recorded_at``;
* ``milestones.csv`` (optional file): ``commitment_id, target, date, value`` — a declared
  trajectory point of the commitment's target number ``target`` (1-based);
* ``bindings.csv`` (optional file): ``commitment_id, target, series, countries, rule, start,
  note`` — the commitment's target number ``target`` (blank: its metric, as context) read from
  a store series (:mod:`.bindings`): ``countries`` a ``;``-list of ISO3 codes (blank: the
  commitment's), ``rule`` level | cumulative | change, ``start`` an ISO date (blank: the
  announcement). A binding to an unknown series, or whose series' unit does not count toward
  its target's (:mod:`.units`), is refused with its file, row and column. An import with a
  bindings file replaces the bindings of the commitments it holds; one without keeps them.

Text cells of an exported CSV that start with ``= + - @`` (a formula to a spreadsheet) are
written with a leading quote, which reading removes (:mod:`.csvguard`), so an export imports back
unchanged.

JSON holds the same tables as lists of records: ``{"pillars": [...], "commitments": [...],
"progress": [...], "milestones": [...], "bindings": [...]}``. Row numbers in messages count the
header as row 1, as in a CSV (so the first JSON record is row 2).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from pydantic import BaseModel, ValidationError

from rootcauses.errors import SourceError, TrackerInputError
from rootcauses.sources import strategy
from rootcauses.sources.base import FileSpec, Part, RawFile, sha256_bytes
from rootcauses.sources.parsing import read_csv
from rootcauses.tracker import parsing
from rootcauses.tracker.bindings import check_binding
from rootcauses.tracker.csvguard import guard_row, unguard_csv
from rootcauses.tracker.schemas import (
    BindingIn,
    CommitmentCreate,
    MilestoneImport,
    PillarCreate,
    ProgressImport,
)
from rootcauses.tracker.service import MAX_LISTED_PROBLEMS, Batch, Located

PILLAR_EXTRA = ["parent_id"]
COMMITMENT_EXTRA = ["deadline_date", "target_deadline", "baseline_value", "aggregate"]
PROGRESS_EXTRA = ["id", "recorded_by", "recorded_at"]
MILESTONE_COLUMNS = ["commitment_id", "target", "date", "value"]
BINDING_COLUMNS = ["commitment_id", "target", "series", "countries", "rule", "start", "note"]
TABLES = ("pillars", "commitments", "progress", "milestones", "bindings")
COLUMNS = {
    "pillars": strategy.PILLAR_COLUMNS + PILLAR_EXTRA,
    "commitments": strategy.COMMITMENT_COLUMNS + COMMITMENT_EXTRA,
    "progress": strategy.PROGRESS_COLUMNS + PROGRESS_EXTRA,
    "milestones": MILESTONE_COLUMNS,
    "bindings": BINDING_COLUMNS,
}
PUBLISHED = {
    "pillars": strategy.PILLAR_COLUMNS,
    "commitments": strategy.COMMITMENT_COLUMNS,
    "progress": strategy.PROGRESS_COLUMNS,
    "milestones": MILESTONE_COLUMNS,
    "bindings": BINDING_COLUMNS,
}
# The project's bindings of the published commitments, imported with them by default.
PACKAGED_BINDINGS = Path(__file__).parent / "data" / "bindings.csv"
# Input-schema field → the file column it comes from (for error messages).
COMMITMENT_FIELD_COLUMNS = {
    "pillar_ids": "pillar_id",
    "deadline_text": "deadline",
    "deadline": "deadline_date",
    "source_urls": "source_url",
}
TARGET_FIELD_COLUMNS = {
    "value": "target_value",
    "relative": "target_value",
    "unit": "unit",
    "baseline_value": "baseline_value",
    "deadline": "target_deadline",
    "milestones": "milestones",
}
PROGRESS_FIELD_COLUMNS = {"date": "report_date", "evidence_url": "source_url", "note": "notes"}
TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no", "")


M = TypeVar("M", bound=BaseModel)


class _Problems:
    """Problems found while reading, as (where, column, message)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []

    def add(self, where: str, column: str, message: str) -> None:
        self.items.append((where, column, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = [f"{where}, column {column!r} {message}" for where, column, message in self.items]
        text = "; ".join(shown[:MAX_LISTED_PROBLEMS])
        if len(shown) > MAX_LISTED_PROBLEMS:
            text += f"; and {len(shown) - MAX_LISTED_PROBLEMS} more"
        raise TrackerInputError(text, self.items)


def _message(error: Any) -> str:
    kind, value = error["type"], error.get("input")
    if kind in ("missing", "string_type", "model_type") and value is None:
        return "is empty; a value is required"
    if kind == "too_short":
        return "is empty; at least one value is required"
    if kind == "literal_error":
        return f"is {value!r}; {error['msg'].lower()}"
    text = error["msg"].removeprefix("Value error, ")
    return text if text.startswith("is ") else f"is {value!r}: {text}"


def _validate(
    model: type[M],
    data: dict[str, Any],
    where: str,
    column_of: Callable[[tuple[int | str, ...]], str],
    problems: _Problems,
) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            problems.add(where, column_of(error["loc"]), _message(error))
        return None


# --------------------------------------------------------------------------- reading


def _raw(data: bytes, name: str) -> RawFile:
    spec = FileSpec(pattern=name, url="file://" + name, role="tracker", status="transcribed")
    return RawFile(name=name, data=data, spec=spec, url=spec.url, sha256=sha256_bytes(data))


def _frame_of(part_reader: Callable[[RawFile], Part], data: bytes, name: str) -> pd.DataFrame:
    try:
        return part_reader(_raw(data, name)).frame
    except SourceError as exc:
        raise TrackerInputError(str(exc), [(name, "", str(exc))]) from None


def _extras(data: bytes, name: str, columns: Sequence[str]) -> pd.DataFrame:
    """The optional tracker columns of a file ('' where a column is absent)."""
    try:
        frame = read_csv(data, name)
    except SourceError as exc:
        raise TrackerInputError(str(exc), [(name, "", str(exc))]) from None
    extras = pd.DataFrame(
        {c: frame[c] if c in frame.columns else "" for c in columns}, index=frame.index
    )
    return extras.assign(**{f"has_{c}": c in frame.columns for c in columns})


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _where(name: str, position: int, key: str | None = None) -> str:
    return f"{name} row {position + 2}" + (f" ({key})" if key else "")


def read_pillars(data: bytes, name: str, problems: _Problems) -> list[Located[PillarCreate]]:
    frame = _frame_of(strategy.pillars_part, data, name)
    extras = _extras(data, name, PILLAR_EXTRA)
    rows = []
    for i, record in enumerate(frame.to_dict(orient="records")):
        where = _where(name, i, _text(record["id"]))
        fields = {c: _text(record[c]) for c in strategy.PILLAR_COLUMNS}
        fields["parent_id"] = _text(extras["parent_id"].iloc[i])
        model = _validate(
            PillarCreate, fields, where, lambda loc: str(loc[0]) if loc else "", problems
        )
        if model is not None:
            rows.append(Located(where, model))
    return rows


def _bool(text: str | None, where: str, column: str, problems: _Problems) -> bool:
    value = (text or "").strip().lower()
    if value in TRUE:
        return True
    if value not in FALSE:
        problems.add(where, column, f"is {text!r}; expected true or false")
    return False


def _paired(
    text: str | None,
    count: int,
    convert: Callable[[str], Any],
    where: str,
    column: str,
    problems: _Problems,
) -> list[Any]:
    parts = parsing.split_list(text)
    if not parts:
        return [None] * count
    if len(parts) != count:
        problems.add(where, column, f"is {text!r}; expected {count} value(s), one per target")
        return [None] * count
    values = []
    for part in parts:
        try:
            values.append(convert(part) if part else None)
        except ValueError as exc:
            problems.add(where, column, str(exc))
            values.append(None)
    return values


def _commitment_column(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "(row)"
    head = str(loc[0])
    if head == "targets" and len(loc) >= 3:
        return TARGET_FIELD_COLUMNS.get(str(loc[2]), str(loc[2]))
    return COMMITMENT_FIELD_COLUMNS.get(head, head)


def _checked_bindings(
    found: list[Located[BindingIn]] | None,
    country: str | None,
    targets: list[tuple[float | None, bool, str | None]],
    problems: _Problems,
) -> list[dict[str, Any]] | None:
    """The bindings of one commitment that fit its targets; each misfit is a problem named by
    the bindings file's row and column."""
    if found is None:
        return None
    good = []
    units = [unit for _, _, unit in targets]
    for row in found:
        misfits = check_binding(row.data.spec(country or ""), units) if country else []
        for column, message in misfits:
            problems.add(row.where, column, message)
        if not misfits:
            good.append(row.data.model_dump())
    return good


def read_commitments(
    data: bytes,
    name: str,
    problems: _Problems,
    milestones: dict[tuple[str, int], list[dict[str, Any]]] | None = None,
    bindings: dict[str, list[Located[BindingIn]]] | None = None,
) -> list[Located[CommitmentCreate]]:
    frame = _frame_of(strategy.commitments_part, data, name)
    extras = _extras(data, name, COMMITMENT_EXTRA)
    milestones = milestones or {}
    rows = []
    for i, record in enumerate(frame.to_dict(orient="records")):
        extra = extras.iloc[i]
        cid = _text(record["id"])
        where = _where(name, i, cid)
        if cid is None:
            problems.add(where, "id", "is empty; every commitment needs an id")
        try:
            targets = parsing.parse_targets(_text(record["target_value"]), _text(record["unit"]))
        except ValueError as exc:
            problems.add(where, "target_value", str(exc))
            targets = []
        n = len(targets)
        if extra["has_baseline_value"]:
            baselines = _paired(
                _text(extra["baseline_value"]),
                n,
                parsing.parse_number,
                where,
                "baseline_value",
                problems,
            )
        else:
            number = parsing.baseline_number(_text(record["baseline"]))
            baselines = [number if n == 1 else None] * n
        target_deadlines = _paired(
            _text(extra["target_deadline"]),
            n,
            parsing.parse_day,
            where,
            "target_deadline",
            problems,
        )
        deadline_date = None
        if _text(extra["deadline_date"]):
            try:
                deadline_date = parsing.parse_day(extra["deadline_date"])
            except ValueError as exc:
                problems.add(where, "deadline_date", str(exc))
        if extra["has_aggregate"]:
            aggregate = _bool(_text(extra["aggregate"]), where, "aggregate", problems)
        else:
            aggregate = "(aggregate)" in (_text(record["actor"]) or "").lower()
        amount = record["amount_usd"]
        fields = {
            "id": cid,
            "actor": _text(record["actor"]),
            "actor_type": _text(record["actor_type"]),
            "country": _text(record["country_iso3"]),
            "pillar_ids": parsing.split_list(_text(record["pillar_id"])),
            "commitment": _text(record["commitment"]),
            "metric": _text(record["metric"]),
            "targets": [
                {
                    "unit": unit,
                    "relative": relative,
                    "value": value,
                    "baseline_value": baseline,
                    "deadline": deadline,
                    "milestones": milestones.get((cid or "", position), []),
                }
                for position, ((value, relative, unit), baseline, deadline) in enumerate(
                    zip(targets, baselines, target_deadlines, strict=True), start=1
                )
            ],
            "baseline": _text(record["baseline"]),
            "announced_date": _text(record["announced_date"]),
            "deadline_text": _text(record["deadline"]),
            "deadline": deadline_date,
            "amount_usd": None if pd.isna(amount) else float(amount),
            "source_urls": parsing.split_urls(_text(record["source_url"])),
            "source_date": _text(record["source_date"]),
            "notes": _text(record["notes"]),
            "aggregate": aggregate,
            "bindings": _checked_bindings(
                None if bindings is None else bindings.get(cid or "", []),
                _text(record["country_iso3"]),
                targets,
                problems,
            ),
        }
        if amount is not None and not pd.isna(amount) and amount < 0:
            problems.add(where, "amount_usd", f"is {amount!r}; expected an amount ≥ 0")
            continue
        model = _validate(CommitmentCreate, fields, where, _commitment_column, problems)
        if model is not None and cid is not None:
            rows.append(Located(where, model))
    return rows


def read_progress(data: bytes, name: str, problems: _Problems) -> list[Located[ProgressImport]]:
    frame = _frame_of(strategy.progress_part, data, name)
    extras = _extras(data, name, PROGRESS_EXTRA)
    rows = []
    for i, record in enumerate(frame.to_dict(orient="records")):
        extra = extras.iloc[i]
        where = _where(name, i, _text(record["commitment_id"]))
        value = record["value"]
        fields = {
            "id": _text(extra["id"]),
            "commitment_id": _text(record["commitment_id"]),
            "date": _text(record["report_date"]),
            "value": None if pd.isna(value) else float(value),
            "unit": _text(record["unit"]),
            "reported": _text(record["reported"]),
            "evidence_url": _text(record["source_url"]),
            "note": _text(record["notes"]),
            "recorded_by": _text(extra["recorded_by"]),
            "recorded_at": _text(extra["recorded_at"]),
        }
        model = _validate(
            ProgressImport,
            fields,
            where,
            lambda loc: PROGRESS_FIELD_COLUMNS.get(str(loc[0]), str(loc[0])) if loc else "(row)",
            problems,
        )
        if model is not None:
            rows.append(Located(where, model))
    return rows


def read_milestones(data: bytes, name: str, problems: _Problems) -> list[Located[MilestoneImport]]:
    try:
        frame = read_csv(data, name, expected=MILESTONE_COLUMNS)
    except SourceError as exc:
        raise TrackerInputError(str(exc), [(name, "", str(exc))]) from None
    rows = []
    for i, record in enumerate(frame.to_dict(orient="records")):
        where = _where(name, i, _text(record["commitment_id"]))
        fields = {c: _text(record[c]) for c in MILESTONE_COLUMNS}
        model = _validate(
            MilestoneImport, fields, where, lambda loc: str(loc[0]) if loc else "", problems
        )
        if model is not None:
            rows.append(Located(where, model))
    return rows


def read_bindings(
    data: bytes, name: str, problems: _Problems
) -> list[Located[tuple[str, BindingIn]]]:
    """Binding rows, checked on their own (series known, rule, countries, start); their fit
    to the commitment's targets is checked with the commitments (:func:`read_commitments`)."""
    try:
        frame = read_csv(data, name, expected=BINDING_COLUMNS)
    except SourceError as exc:
        raise TrackerInputError(str(exc), [(name, "", str(exc))]) from None
    rows: list[Located[tuple[str, BindingIn]]] = []
    for i, record in enumerate(frame.to_dict(orient="records")):
        cid = _text(record["commitment_id"])
        where = _where(name, i, cid)
        if cid is None:
            problems.add(where, "commitment_id", "is empty; a binding belongs to a commitment")
            continue
        fields: dict[str, Any] = {c: _text(record[c]) for c in BINDING_COLUMNS[1:]}
        fields["countries"] = parsing.split_list(fields["countries"])
        model = _validate(
            BindingIn, fields, where, lambda loc: str(loc[0]) if loc else "", problems
        )
        if model is not None:
            rows.append(Located(where, (cid, model)))
    return rows


def _table_of(header: Iterable[str]) -> str | None:
    columns = set(header)
    if {"series", "rule"} <= columns:
        return "bindings"
    if {"commitment_id", "report_date"} <= columns:
        return "progress"
    if {"actor", "pillar_id"} <= columns:
        return "commitments"
    if {"framework", "pillar"} <= columns:
        return "pillars"
    if set(MILESTONE_COLUMNS) <= columns:
        return "milestones"
    return None


def _header(data: bytes) -> list[str]:
    first = data.decode("utf-8-sig", "replace").splitlines()[:1]
    return next(csv.reader(first), []) if first else []


def _json_tables(data: bytes, name: str) -> dict[str, tuple[bytes, str]]:
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TrackerInputError(f"{name}: not valid JSON: {exc}", [(name, "", str(exc))]) from None
    if not isinstance(document, dict):
        raise TrackerInputError(
            f"{name}: expected an object with lists under {list(TABLES)}",
            [(name, "", "not an object")],
        )
    tables: dict[str, tuple[bytes, str]] = {}
    for table in TABLES:
        records = document.get(table)
        if records is None:
            continue
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise TrackerInputError(
                f"{name}: {table!r} must be a list of records",
                [(name, table, "not a list of records")],
            )
        # the published columns (required by the parsers) and the optional ones given
        columns = list(dict.fromkeys(PUBLISHED[table] + [k for r in records for k in r]))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow({k: _cell(v) for k, v in record.items()})
        tables[table] = (buffer.getvalue().encode(), f"{name} [{table}]")
    return tables


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        return parsing.format_number(float(value))
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    return str(value)


def _collect(paths: Sequence[Path]) -> dict[str, list[tuple[bytes, str]]]:
    """Table → [(bytes, display name)] from files and folders."""
    found: dict[str, list[tuple[bytes, str]]] = {t: [] for t in TABLES}
    for path in paths:
        if path.is_dir():
            members = [path / f"{t}.csv" for t in TABLES] + sorted(path.glob("*.json"))
            members = [m for m in members if m.is_file()]
            if not members:
                raise TrackerInputError(
                    f"{path}: no pillars.csv, commitments.csv, progress.csv, milestones.csv, "
                    "bindings.csv or JSON file in this folder",
                    [(str(path), "", "nothing to import")],
                )
        elif path.is_file():
            members = [path]
        else:
            raise TrackerInputError(f"{path}: no such file or folder", [(str(path), "", "missing")])
        for member in members:
            data = member.read_bytes()
            if member.suffix.lower() == ".json":
                for name, entry in _json_tables(data, member.name).items():
                    found[name].append(entry)
                continue
            data = unguard_csv(data)  # an export's formula guard (see write_csv)
            table = _table_of(_header(data))
            if table is None:
                raise TrackerInputError(
                    f"{member}: not a tracker file (its header {_header(data)} matches none of "
                    "pillars, commitments, progress, milestones or bindings)",
                    [(str(member), "", "unknown header")],
                )
            found[table].append((data, member.name))
    return found


def read_batch(paths: Sequence[Path]) -> Batch:
    """Read and validate files and folders into one batch; raise on the first file that cannot
    be parsed, or with every row-level problem found."""
    tables = _collect(paths)
    problems = _Problems()
    batch = Batch()
    milestones: dict[tuple[str, int], list[dict[str, Any]]] = {}
    milestone_rows: list[Located[MilestoneImport]] = []
    for data, name in tables["milestones"]:
        milestone_rows += read_milestones(data, name, problems)
    for row in milestone_rows:
        key = (row.data.commitment_id, row.data.target)
        milestones.setdefault(key, []).append({"date": row.data.date, "value": row.data.value})
    bindings: dict[str, list[Located[BindingIn]]] | None = None
    if tables["bindings"]:
        bindings = {}
        for data, name in tables["bindings"]:
            for found in read_bindings(data, name, problems):
                cid, model = found.data
                bindings.setdefault(cid, []).append(Located(found.where, model))
    for data, name in tables["pillars"]:
        batch.pillars += read_pillars(data, name, problems)
    for data, name in tables["commitments"]:
        batch.commitments += read_commitments(data, name, problems, milestones, bindings)
    imported = {r.data.id for r in batch.commitments}
    for cid, bound in (bindings or {}).items():
        if cid not in imported:
            for binding in bound:
                problems.add(
                    binding.where,
                    "commitment_id",
                    f"is {cid!r}; no such commitment in this import (bindings come with their "
                    "commitments)",
                )
    for data, name in tables["progress"]:
        batch.progress += read_progress(data, name, problems)
    targets = {(r.data.id, i) for r in batch.commitments for i in range(1, len(r.data.targets) + 1)}
    for row in milestone_rows:
        if (row.data.commitment_id, row.data.target) not in targets:
            problems.add(
                row.where,
                "target",
                f"is {row.data.target}; commitment {row.data.commitment_id!r} has no such target "
                "in this import",
            )
    problems.raise_if_any()
    return batch


# --------------------------------------------------------------------------- writing


def _join(values: Sequence[str]) -> str:
    return ";".join(values) if any(values) else ""


def table_rows(batch: Batch) -> dict[str, list[dict[str, str]]]:
    """The batch as text rows per file, in the published column order plus the extras."""
    pillars = [{c: _cell(getattr(r.data, c)) for c in COLUMNS["pillars"]} for r in batch.pillars]
    commitments, milestones, bindings = [], [], []
    for row in batch.commitments:
        c = row.data
        targets = c.targets
        commitments.append(
            {
                "id": c.id or "",
                "actor": c.actor,
                "actor_type": c.actor_type,
                "country": c.country,
                "pillar_id": ";".join(c.pillar_ids),
                "commitment": c.commitment,
                "metric": _cell(c.metric),
                "target_value": _join(
                    [parsing.format_target(t.value, t.relative) for t in targets]
                ),
                "unit": _join([t.unit or "" for t in targets]),
                "baseline": _cell(c.baseline),
                "announced_date": _cell(c.announced_date),
                "deadline": _cell(c.deadline_text),
                "amount_usd": parsing.format_number(c.amount_usd),
                "source_url": parsing.join_urls(c.source_urls),
                "source_date": _cell(c.source_date),
                "notes": _cell(c.notes),
                "deadline_date": _cell(c.deadline.isoformat() if c.deadline else None),
                "target_deadline": _join(
                    [t.deadline.isoformat() if t.deadline else "" for t in targets]
                ),
                "baseline_value": _join([parsing.format_number(t.baseline_value) for t in targets]),
                "aggregate": _cell(c.aggregate),
            }
        )
        for b in c.bindings or []:
            bindings.append(
                {
                    "commitment_id": c.id or "",
                    "target": _cell(b.target),
                    "series": b.series,
                    "countries": ";".join(b.countries),
                    "rule": b.rule,
                    "start": _cell(b.start.isoformat() if b.start else None),
                    "note": _cell(b.note),
                }
            )
        for position, t in enumerate(targets, start=1):
            for m in t.milestones:
                milestones.append(
                    {
                        "commitment_id": c.id or "",
                        "target": str(position),
                        "date": m.date.isoformat(),
                        "value": parsing.format_number(m.value),
                    }
                )
    progress = [
        {
            "commitment_id": p.commitment_id,
            "report_date": _cell(p.date),
            "value": parsing.format_number(p.value),
            "unit": _cell(p.unit),
            "reported": _cell(p.reported),
            "source_url": p.evidence_url,
            "notes": _cell(p.note),
            "id": _cell(p.id),
            "recorded_by": _cell(p.recorded_by),
            "recorded_at": _cell(p.recorded_at.isoformat() if p.recorded_at else None),
        }
        for p in (r.data for r in batch.progress)
    ]
    return {
        "pillars": pillars,
        "commitments": commitments,
        "progress": progress,
        "milestones": milestones,
        "bindings": bindings,
    }


# Columns whose cells are numbers (or ``;``-lists of them): never quoted by the CSV guard.
NUMBER_COLUMNS = frozenset({"amount_usd", "value", "target_value", "baseline_value", "target"})


def write_csv(batch: Batch, folder: Path) -> list[Path]:
    """Write ``pillars.csv``, ``commitments.csv``, ``progress.csv``, ``milestones.csv`` and
    ``bindings.csv``, with
    text cells guarded against formula injection (:mod:`.csvguard`; reading removes the guard)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, rows in table_rows(batch).items():
        path = folder / f"{table}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS[table], lineterminator="\n")
            writer.writeheader()
            writer.writerows(guard_row(row, NUMBER_COLUMNS) for row in rows)
        written.append(path)
    return written


NUMERIC = {"amount_usd", "value"}


def write_json(batch: Batch, path: Path) -> Path:
    """One JSON document with the five tables (numbers as numbers, blanks as null)."""

    def typed(column: str, text: str) -> Any:
        if text == "":
            return None
        if column in NUMERIC:
            return float(text)
        if column == "aggregate":
            return text == "true"
        return text

    document = {
        "format": "rootcauses-tracker/1",
        **{
            table: [{c: typed(c, v) for c, v in row.items()} for row in rows]
            for table, rows in table_rows(batch).items()
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
