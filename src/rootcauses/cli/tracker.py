"""``rootcauses tracker …``: the commitment tracker at the command line (thin: the work is in
:mod:`rootcauses.tracker.service`). Registered on the root app (:mod:`rootcauses.cli`)
as the ``tracker`` group.

The CLI opens the database directly, so it acts with the admin role; ``--by NAME`` sets the
name the audit log records (default ``cli:<login>``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from pydantic import ValidationError
from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from rootcauses.cli.scorecard import scorecard as scorecard_command
from rootcauses.cli.support import (
    FormatOption,
    OutputFormat,
    console,
    err,
    handle_errors,
)
from rootcauses.cli.support import print_frame as _print_frame
from rootcauses.config import get_settings
from rootcauses.errors import PeriodError, TrackerInputError
from rootcauses.periods import parse_day
from rootcauses.tracker import files, money, service
from rootcauses.tracker import units as unit_table
from rootcauses.tracker.auth import local_actor
from rootcauses.tracker.csvguard import guard_frame
from rootcauses.tracker.db import Tracker, head_revision, open_tracker
from rootcauses.tracker.parsing import format_target
from rootcauses.tracker.rollup import GROUPINGS, evidence, rollup, total
from rootcauses.tracker.schemas import CommitmentDetail, ProgressCreate, UserCreate
from rootcauses.tracker.snapshot import TABLE, snapshot_frame, write_store_snapshot
from rootcauses.tracker.status import Status

app = typer.Typer(
    help="The commitment tracker: promises of the 2021 root-causes strategy, their targets, "
    "deadlines, progress and status.",
    no_args_is_help=True,
)
user_app = typer.Typer(help="Tracker users and their API tokens.", no_args_is_help=True)
app.add_typer(user_app, name="user")


def print_frame(frame: pd.DataFrame, fmt: OutputFormat, title: str | None = None) -> None:
    """Print rows as the shared CLI formats do; CSV cells of editors' text are guarded against
    formula injection (:mod:`.csvguard`), since such output is often saved and opened."""
    _print_frame(guard_frame(frame) if fmt is OutputFormat.csv else frame, fmt, title=title)


STATUS_STYLE = {
    Status.achieved: "bold green",
    Status.on_track: "green",
    Status.at_risk: "yellow",
    Status.off_track: "red",
    Status.missed: "bold red",
    Status.no_recent_data: "magenta",
    Status.no_metric: "dim",
    Status.no_deadline: "dim",
}


HEADERS = {
    Status.achieved: "achieved",
    Status.on_track: "on\ntrack",
    Status.at_risk: "at\nrisk",
    Status.off_track: "off\ntrack",
    Status.missed: "missed",
    Status.no_recent_data: "no recent\ndata",
    Status.no_metric: "no\nmetric",
    Status.no_deadline: "no\ndeadline",
}


class ExchangeFormat(StrEnum):
    csv = "csv"
    json = "json"


class ShowFormat(StrEnum):
    table = "table"
    json = "json"


class Grouping(StrEnum):
    pillar = "pillar"
    actor = "actor"
    actor_type = "actor_type"
    country = "country"


class OnExisting(StrEnum):
    update = "update"
    skip = "skip"
    error = "error"


AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Judge status on this date (YYYY-MM-DD; default: today)."),
]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Name recorded in the audit log (default cli:<login>).")
]


def _as_of(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return parse_day(text, "--as-of")
    except PeriodError as exc:
        raise TrackerInputError(str(exc), [("--as-of", "as_of", text)]) from None


def _open() -> Tracker:
    return open_tracker(get_settings())


def _money(value: float | None) -> str:
    if not value:
        return "–"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"${value / size:,.1f}{suffix}"
    return f"${value:,.0f}"


def _header_width(header: str) -> int:
    return max(len(line) for line in header.splitlines())


def _styled(status: Status | str) -> str:
    status = Status(status)
    return f"[{STATUS_STYLE[status]}]{status.value}[/]"


# --------------------------------------------------------------------------- migrate


@app.command("migrate")
@handle_errors
def migrate(
    revision: Annotated[str, typer.Option(help="Schema revision to reach.")] = "head",
) -> None:
    """Create or upgrade the tracker database schema (Alembic migrations)."""
    tracker = open_tracker(get_settings(), migrate=False)
    try:
        before, after = tracker.migrate(revision)
    finally:
        tracker.dispose()
    if before == after:
        console.print(
            f"{tracker.display_url}: schema already at revision {after} (newest {head_revision()})"
        )
    else:
        console.print(f"{tracker.display_url}: schema {before or 'empty'} → {after}")


# --------------------------------------------------------------------------- import / export


@app.command("import")
@handle_errors
def import_(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="CSV/JSON files or folders (default: the snapshot's strategy folder and the "
            "project's bindings of its commitments to store series).",
            show_default=False,
        ),
    ] = None,
    on_existing: Annotated[
        OnExisting,
        typer.Option(help="What to do with records already in the tracker: update, skip, error."),
    ] = OnExisting.update,
    by: ByOption = None,
) -> None:
    """Import pillars, commitments, progress (milestones, bindings) in one transaction."""
    sources = paths or [get_settings().data / "strategy", files.PACKAGED_BINDINGS]
    batch = files.read_batch(sources)
    tracker = _open()
    try:
        with tracker.session(write=True) as session:
            report = service.import_batch(
                session, batch, local_actor(by), on_existing=on_existing.value
            )
    finally:
        tracker.dispose()
    table = Table(title=f"imported into {tracker.display_url}", header_style="bold")
    for column in ("table", "inserted", "updated", "unchanged", "skipped"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, counts in report.counts.items():
        table.add_row(
            name, *(str(counts[k]) for k in ("inserted", "updated", "unchanged", "skipped"))
        )
    console.print(table)


@app.command("export")
@handle_errors
def export(
    fmt: Annotated[
        ExchangeFormat, typer.Option("--format", "-f", help="csv (a folder of files) or json.")
    ] = ExchangeFormat.csv,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Folder (csv) or file (json); default under $ROOTCAUSES_HOME."
        ),
    ] = None,
    to_store: Annotated[
        bool,
        typer.Option(
            "--to-store",
            help=f"Instead, write `{TABLE}` (commitments with their status) into the DuckDB store.",
        ),
    ] = False,
    as_of: AsOfOption = None,
) -> None:
    """Export the whole tracker to CSV/JSON (re-importable without loss), or to the store."""
    settings = get_settings()
    tracker = _open()
    try:
        with tracker.session() as session:
            if to_store:
                evaluated = service.evaluate_all(
                    session, tracker.thresholds, _as_of(as_of), series=tracker.series
                )
                frame = snapshot_frame(evaluated, tracker.display_url)
            else:
                batch = service.export_batch(session)
    finally:
        tracker.dispose()
    if to_store:
        path = write_store_snapshot(settings, frame)
        console.print(f"wrote {len(frame)} commitments to {TABLE} in {path}")
        return
    if fmt is ExchangeFormat.csv:
        folder = output or settings.home / "exports" / "tracker"
        written = files.write_csv(batch, folder)
        console.print(f"wrote {', '.join(str(p) for p in written)}")
    else:
        path = files.write_json(batch, output or settings.home / "exports" / "tracker.json")
        console.print(f"wrote {path}")


# --------------------------------------------------------------------------- reading


def _rollup_frame(
    by: Grouping, as_of: dt.date
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, str], list[Any]]:
    """The roll-up, its total row, for pillars their names, and the items rolled up."""
    tracker = _open()
    try:
        with tracker.session() as session:
            items = service.rollup_items(
                service.evaluate_all(session, tracker.thresholds, as_of, series=tracker.series)
            )
            names = {p.id: p.line_of_effort or p.pillar for p in service.list_pillars(session)}
    finally:
        tracker.dispose()
    return rollup(items, by.value), total(items), names, items


@app.command("status")
@handle_errors
def status(
    by: Annotated[
        Grouping, typer.Option("--by", help=f"Group by {', '.join(GROUPINGS)}.")
    ] = Grouping.actor_type,
    as_of: AsOfOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Roll-up: commitments per status, how many lack a metric or a deadline, money promised
    and reported, by pillar, actor, actor type or country."""
    day = _as_of(as_of)
    frame, all_row, names, items = _rollup_frame(by, day)
    if fmt is not OutputFormat.table:
        print_frame(pd.concat([frame, pd.DataFrame([all_row])], ignore_index=True), fmt)
        return
    table = Table(
        title=f"Commitment tracker by {by.value}, as of {day}",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    labels = {
        g: f"{g} {names[g]}" if by is Grouping.pillar and g in names else str(g)
        for g in frame["group"]
    }
    widest = max((len(label) for label in labels.values()), default=5)
    table.add_column(
        by.value.replace("_", " "),
        overflow="ellipsis",
        no_wrap=True,
        min_width=min(widest, 34),
        max_width=34,
    )
    counts = [
        ("n", 3),
        *((f"[{STATUS_STYLE[s]}]{HEADERS[s]}[/]", _header_width(HEADERS[s])) for s in Status),
        ("metric &\ndeadline", 9),
        ("promised", 8),
        ("reported", 8),
    ]
    for header, width in counts:
        table.add_column(header, justify="right", no_wrap=True, min_width=width)

    def cells(row: dict[str, Any]) -> list[str]:
        share = f"{row['with_metric_and_deadline']} ({row['share_with_metric_and_deadline']:.0%})"
        return [
            labels.get(row["group"], str(row["group"])),
            str(row["commitments"]),
            *(str(row[s.value] or "·") for s in Status),
            share,
            _money(row["promised_usd"]),
            _money(row["reported_usd"]),
        ]

    for row in frame.to_dict(orient="records"):
        table.add_row(*cells(row))
    table.add_section()
    table.add_row(*cells(all_row), style="bold")
    # Never squeeze the counts into ellipses: a narrow terminal wraps long lines instead.
    needed = Console(width=1000).measure(table).maximum
    Console(width=max(console.width, needed)).print(table)
    n = all_row["commitments"]
    console.print(
        f"{n} commitments: [bold]{all_row['without_metric']}[/] have no metric (numeric target), "
        f"[bold]{all_row['without_deadline']}[/] have no deadline; "
        f"{all_row['with_metric_and_deadline']} ({all_row['share_with_metric_and_deadline']:.0%}) "
        "have both. Money: promised "
        f"{_money(all_row['promised_usd'])}, reported delivered {_money(all_row['reported_usd'])} "
        "(aggregates excluded)."
    )
    if by is Grouping.pillar:
        console.print("[dim]A commitment serving several pillars counts under each of them.[/]")
    _print_evidence(items)


def _print_evidence(items: list[Any]) -> None:
    """What the statuses of commitments with a numeric target rest on, and why the others have
    no recent data."""
    found = evidence(items)
    if not found.measurable:
        return
    console.print(
        f"Evidence: of {found.measurable} commitments with a numeric target, "
        f"[bold]{found.judged} ({found.share_judged:.0%})[/] have a status other than no recent "
        f"data: {found.on_reported} on a reported reading, {found.on_derived} on one derived "
        f"from a store series, {found.without_reading} on no reading (no deadline to judge "
        f"against). {len(found.no_recent_data)} have no recent data, because:"
    )
    for commitment_id, reason in found.no_recent_data:
        console.print(f"  [magenta]{commitment_id}[/] {reason}", highlight=False)


@app.command("list")
@handle_errors
def list_(
    status_filter: Annotated[
        Status | None, typer.Option("--status", help="Only commitments with this status.")
    ] = None,
    pillar: Annotated[
        str | None, typer.Option(help="Only this pillar (and its lines of effort).")
    ] = None,
    actor_type: Annotated[str | None, typer.Option(help="Only this actor type.")] = None,
    country: Annotated[
        str | None, typer.Option(help="Only this country (GT, GTM, regional …).")
    ] = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Commitments with their computed status, one line each."""
    day = _as_of(as_of)
    tracker = _open()
    try:
        with tracker.session() as session:
            evaluated = service.evaluate_all(
                session,
                tracker.thresholds,
                day,
                status=status_filter,
                pillar=pillar,
                actor_type=actor_type,
                country=country,
                series=tracker.series,
            )
            rows = [
                {
                    "id": e.commitment.id,
                    "actor": e.commitment.actor,
                    "actor_type": e.commitment.actor_type,
                    "country": e.commitment.country,
                    "pillars": ";".join(e.commitment.pillar_ids),
                    "deadline": e.commitment.deadline,
                    "status": e.judgement.status.value,
                    "reason": e.judgement.reason,
                }
                for e in evaluated
            ]
    finally:
        tracker.dispose()
    frame = pd.DataFrame(
        rows,
        columns=["id", "actor", "actor_type", "country", "pillars", "deadline", "status", "reason"],
    )
    print_frame(frame, fmt, title=f"commitments as of {day} ({len(frame)})")


def _changed(entry: Any) -> str:
    before, after = entry.before or {}, entry.after or {}
    if entry.action == "create":
        return "created"
    keys = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    keys = [k for k in keys if k not in ("version", "recorded_at")]
    return ", ".join(keys) or "-"


@app.command("show")
@handle_errors
def show(
    commitment_id: Annotated[str, typer.Argument(help="Commitment id, e.g. C001.")],
    as_of: AsOfOption = None,
    fmt: Annotated[
        ShowFormat, typer.Option("--format", "-f", help="table (rich) or json.")
    ] = ShowFormat.table,
) -> None:
    """One commitment: its targets and status with the reason, progress and audit trail."""
    day = _as_of(as_of)
    tracker = _open()
    try:
        with tracker.session() as session:
            c = service.get_commitment(session, commitment_id)
            detail = CommitmentDetail(
                **service.to_public(
                    service.evaluate(c, day, tracker.thresholds, tracker.series)
                ).model_dump(),
                progress=[service.progress_public(p) for p in service.live_progress(c)],
                history=service.history(session, c.id),
            )
    finally:
        tracker.dispose()
    if fmt is ShowFormat.json:
        console.print_json(detail.model_dump_json())
        return
    console.print(_facts_panel(detail))
    if detail.targets:
        console.print(_targets_table(detail))
    if detail.derived:
        console.print(_derived_table(detail))
    console.print(_progress_table(detail))
    console.print(_audit_table(detail))


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def _facts_panel(detail: CommitmentDetail) -> Panel:
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    for label, value in (
        ("actor", f"{detail.actor} ({detail.actor_type}, {detail.country})"),
        ("pillars", ", ".join(detail.pillar_ids)),
        ("metric", detail.metric or "–"),
        ("baseline", detail.baseline or "–"),
        ("announced", detail.announced_date or "–"),
        ("deadline", f"{detail.deadline or '–'}  ({detail.deadline_text or 'none given'})"),
        ("amount", _money(detail.amount_usd)),
        ("reported", _money(detail.reported_usd)),
        ("sources", "\n".join(detail.source_urls) or "–"),
        ("notes", detail.notes or "–"),
        ("version", str(detail.version)),
        ("status", f"{_styled(detail.status)} as of {detail.as_of}: {detail.status_reason}"),
    ):
        facts.add_row(label, value)
    return Panel(facts, title=f"[bold]{detail.id}[/] {detail.commitment}", expand=False)


def _targets_table(detail: CommitmentDetail) -> Table:
    table = Table(title="targets", header_style="bold")
    for column in ("#", "target", "baseline", "deadline", "latest", "status", "reason"):
        table.add_column(column, overflow="fold")
    for t in detail.targets:
        goal = format_target(t.value, True) if t.relative else _number(t.value)
        latest = (
            "–"
            if t.latest_value is None
            else f"{_number(t.latest_value)} ({t.latest_date}, {t.latest_origin})"
        )
        table.add_row(
            str(t.position),
            f"{goal} {t.unit or ''}",
            _number(t.baseline_value),
            str(t.deadline or detail.deadline or "–"),
            latest,
            _styled(t.status),
            t.reason,
        )
    return table


def _derived_table(detail: CommitmentDetail) -> Table:
    """Each binding's derived readings: what it measures, by which rule, from which source."""
    table = Table(title="derived from store series (never reported)", header_style="bold")
    for column in ("measures", "series and rule", "readings", "source"):
        table.add_column(column, overflow="fold")
    for d in detail.derived:
        readings = "\n".join(f"{r.periods}: {_number(r.value)} {d.unit}" for r in d.readings)
        source = f"{d.source_title} ({d.source_id}, build {d.build_id})" if d.source_id else "–"
        table.add_row(
            f"target {d.target}" if d.target else "context",
            d.label,
            readings or f"none: {d.problem}",
            "\n".join([source, *d.caveats]),
        )
    return table


def _progress_table(detail: CommitmentDetail) -> Table:
    table = Table(title=f"progress ({len(detail.progress)})", header_style="bold")
    for column in ("date", "value", "unit", "reported", "evidence", "recorded by"):
        table.add_column(column, overflow="fold")
    for p in detail.progress:
        table.add_row(
            p.date or "undated",
            _number(p.value),
            p.unit or "",
            p.reported or "",
            p.evidence_url,
            p.recorded_by,
        )
    return table


def _audit_table(detail: CommitmentDetail) -> Table:
    table = Table(title=f"audit trail ({len(detail.history)})", header_style="bold")
    for column in ("when (UTC)", "who", "action", "what", "changed"):
        table.add_column(column, overflow="fold")
    for entry in detail.history:
        table.add_row(
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor,
            entry.action,
            f"{entry.entity} {entry.entity_id}",
            _changed(entry),
        )
    return table


@app.command("units")
@handle_errors
def units(fmt: FormatOption = OutputFormat.table) -> None:
    """The units table: each unit, what it means and the target units it counts toward."""
    rows = [
        {
            "unit": r["unit"],
            "dimension": r["dimension"],
            "meaning": r["meaning"],
            "aliases": ";".join(r["aliases"]),  # type: ignore[arg-type]
            "counts_toward": ";".join(r["counts_toward"]),  # type: ignore[arg-type]
        }
        for r in unit_table.table()
    ]
    print_frame(pd.DataFrame(rows), fmt, title="units: a reading counts toward targets in these")


class MoneyCountry(StrEnum):
    GTM = "GTM"
    HND = "HND"
    SLV = "SLV"
    XNT = "XNT"


@app.command("money")
@handle_errors
def money_over_time(
    country: Annotated[
        MoneyCountry | None,
        typer.Option(help="One country, or XNT for the regional rows (default: all)."),
    ] = None,
    since: Annotated[int, typer.Option(help="First US fiscal year.")] = 2012,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Money over time: promised, requested, appropriated, obligated and disbursed by fiscal
    year and country (the rows of GET /api/tracker/money)."""
    from rootcauses.store import query

    settings = get_settings()
    tracker = _open()
    try:
        with tracker.session() as session:
            promises = [p for c in service.list_commitments(session) if (p := money.aid_promise(c))]
    finally:
        tracker.dispose()
    with query.connect(settings) as con:
        frame = money.read_money(con, promises, since=since)
    if country is not None:
        frame = frame[frame["country"] == country.value].reset_index(drop=True)
    print_frame(frame, fmt, title=f"money over time, FY{since} on")


# --------------------------------------------------------------------------- editing


@app.command("add-progress")
@handle_errors
def add_progress(
    commitment_id: Annotated[str, typer.Argument(help="Commitment id, e.g. C001.")],
    date: Annotated[str, typer.Option(help="Date of the report: YYYY-MM-DD (or YYYY-MM, YYYY).")],
    evidence_url: Annotated[str, typer.Option(help="http(s) URL of the evidence.")],
    value: Annotated[float | None, typer.Option(help="The metric's level on that date.")] = None,
    unit: Annotated[
        str | None,
        typer.Option(help="Unit of the value (default: the unit of the commitment's only target)."),
    ] = None,
    reported: Annotated[str | None, typer.Option(help="What the source says, briefly.")] = None,
    note: Annotated[str | None, typer.Option(help="A note (caveats, second mention …).")] = None,
    by: ByOption = None,
) -> None:
    """Record a progress report for a commitment (audited)."""
    tracker = _open()
    try:
        with tracker.session(write=True) as session:
            c = service.get_commitment(session, commitment_id)
            units = [t.unit for t in c.targets if t.unit]
            if unit is None and len(units) == 1:
                unit = units[0]
            try:
                data = ProgressCreate(
                    date=date,
                    value=value,
                    unit=unit,
                    reported=reported,
                    evidence_url=evidence_url,
                    note=note,
                )
            except ValidationError as exc:
                raise _option_error(exc) from None
            report = service.add_progress(session, c.id, data, local_actor(by))
            target = service.matching_target(c, report.unit)
            judged = service.evaluate(
                service.get_commitment(session, c.id),
                dt.date.today(),
                tracker.thresholds,
                tracker.series,
            )
    finally:
        tracker.dispose()
    console.print(f"recorded progress {report.id} for {commitment_id}")
    if target is None and report.value is not None:
        err.print(
            f"[yellow]note:[/] unit {report.unit!r} is not the unit of any target of "
            f"{commitment_id} ({', '.join(units) or 'none'}); the report is kept as context but "
            "does not move the status"
        )
    console.print(f"status now: {_styled(judged.judgement.status)}: {judged.judgement.reason}")


def _option_error(exc: ValidationError) -> TrackerInputError:
    problems = [
        (
            "options",
            "--" + str(e["loc"][0]).replace("_", "-") if e["loc"] else "",
            e["msg"].removeprefix("Value error, "),
        )
        for e in exc.errors()
    ]
    text = "; ".join(f"{option} {message}" for _, option, message in problems)
    return TrackerInputError(text, problems)


@user_app.command("add")
@handle_errors
def user_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    role: Annotated[str, typer.Option(help="viewer, editor or admin.")],
    by: ByOption = None,
) -> None:
    """Create a user and print their API token (shown once; only its hash is stored)."""
    try:
        data = UserCreate.model_validate({"name": name, "role": role})
    except ValidationError as exc:
        raise TrackerInputError(
            "; ".join(f"{'/'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from None
    tracker = _open()
    try:
        with tracker.session(write=True) as session:
            user, token = service.create_user(session, data, local_actor(by))
    finally:
        tracker.dispose()
    console.print(f"created {user.role} {user.name!r}. API token (shown once, keep it safe):")
    console.print(token, highlight=False, soft_wrap=True)


@user_app.command("token")
@handle_errors
def user_token(
    name: Annotated[str, typer.Argument(help="An existing user.")],
    by: ByOption = None,
) -> None:
    """Issue another API token for a user (printed once)."""
    tracker = _open()
    try:
        with tracker.session(write=True) as session:
            token = service.issue_token(session, name, local_actor(by))
    finally:
        tracker.dispose()
    console.print(f"new API token for {name!r} (shown once):")
    console.print(token, highlight=False, soft_wrap=True)


@user_app.command("list")
@handle_errors
def user_list(fmt: FormatOption = OutputFormat.table) -> None:
    """Tracker users and their roles (never their tokens)."""
    tracker = _open()
    try:
        with tracker.session() as session:
            users = service.list_users(session, local_actor())
    finally:
        tracker.dispose()
    frame = pd.DataFrame(
        [u.model_dump() for u in users], columns=["id", "name", "role", "created_at", "disabled_at"]
    )
    print_frame(frame, fmt, title="tracker users")


# the issue's interface: `rootcauses tracker scorecard` is the outcome scorecard (also at the top
# level as `rootcauses scorecard`; one implementation in rootcauses.cli.scorecard)
app.command("scorecard")(scorecard_command)

__all__ = ["app"]
