"""Dashboard pages for the commitment tracker: the status board with its filters and a timeline
of deadlines (``/commitments``), and one page per commitment (``/commitments/{id}``).

The pages judge every commitment with the tracker's own rules (:mod:`rootcauses.tracker.status`)
on the day asked (``as_of``, default today) and filter on the server, so the query string is the
permalink and a page works without JavaScript; the script only submits the form on change and
draws the charts. Filtering and the figures shown are pure functions below, tested on their own.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from rootcauses.api.errors import new_error_id
from rootcauses.api.paging import MAX_LIMIT
from rootcauses.api.tracker import (
    SEARCH_FIELDS,
    commitment_row,
    get_tracker,
    matches_text,
)
from rootcauses.errors import (
    CheckError,
    PeriodError,
    RootCausesError,
    TrackerInputError,
    TrackerNotFoundError,
)
from rootcauses.i18n import N_, country
from rootcauses.periods import parse_day
from rootcauses.tracker import service
from rootcauses.tracker.rollup import evidence, total
from rootcauses.tracker.schemas import ActorType, AuditPublic, PillarPublic, RollupRow
from rootcauses.tracker.status import Status
from rootcauses.web.pages import _render

log = logging.getLogger("rootcauses.web")

router = APIRouter(include_in_schema=False)

BOARD_TITLE = N_("Commitments of the root-causes strategy")
FILL_COMMAND = "rootcauses tracker import"
SOURCE_IDS = ("strategy_commitments", "strategy_progress")
# N_: in the catalogues; the templates translate them (| translate) where they show them
STATUS_LABELS: dict[Status, str] = {
    Status.achieved: N_("Achieved"),
    Status.on_track: N_("On track"),
    Status.at_risk: N_("At risk"),
    Status.off_track: N_("Off track"),
    Status.missed: N_("Missed"),
    Status.no_recent_data: N_("No recent data"),
    Status.no_metric: N_("No metric"),
    Status.no_deadline: N_("No deadline"),
}
# Okabe–Ito (colour-blind safe), as the other pages; each status also has its own marker shape.
STATUS_COLOURS: dict[Status, str] = {
    Status.achieved: "#009E73",
    Status.on_track: "#0072B2",
    Status.at_risk: "#E69F00",
    Status.off_track: "#D55E00",
    Status.missed: "#CC79A7",
    Status.no_recent_data: "#56B4E9",
    Status.no_metric: "#000000",
    Status.no_deadline: "#F0E442",
}
STATUS_SYMBOLS: dict[Status, str] = {
    Status.achieved: "star",
    Status.on_track: "circle",
    Status.at_risk: "triangle-up",
    Status.off_track: "triangle-down",
    Status.missed: "x",
    Status.no_recent_data: "square",
    Status.no_metric: "diamond",
    Status.no_deadline: "circle-open",
}
ACTOR_TYPE_LABELS: dict[str, str] = {
    "us_gov": N_("US government"),
    "partner_gov": N_("Partner government"),
    "private": N_("Private company"),
    "ngo": N_("NGO"),
    "multilateral": N_("Multilateral lender"),
}
assert set(ACTOR_TYPE_LABELS) == set(ActorType.__args__)  # type: ignore[attr-defined]
BOOKKEEPING = frozenset({"version", "updated_at", "created_at"})  # not shown as changes
FILTER_KEYS = ("status", "pillar", "actor_type", "country", "q", "as_of")
# The money chart reads this API answer (every row in one page) and draws it by country.
MONEY_SINCE = 2012
MONEY_API = f"/api/tracker/money?since={MONEY_SINCE}&limit={MAX_LIMIT}"
MONEY_COUNTRIES = {
    "NT": N_("Guatemala, Honduras and El Salvador"),  # translated where shown
    "GTM": "Guatemala",
    "HND": "Honduras",
    "SLV": "El Salvador",
}


# --------------------------------------------------------------------------- pure parts


@dataclass(frozen=True)
class Filters:
    """The board's filters as read from the query string (empty = no filter)."""

    status: Status | None = None
    pillar: str | None = None
    actor_type: str | None = None
    country: str | None = None
    q: str = ""
    as_of: dt.date | None = None

    def query(self, **changes: Any) -> str:
        """The query string of these filters with ``changes`` applied (a permalink)."""
        values = asdict(self) | changes
        pairs = [(k, str(values[k])) for k in FILTER_KEYS if values[k] not in (None, "")]
        return urlencode(pairs)

    def api_query(self) -> str:
        """The same selection as a query string of ``/api/tracker/commitments``."""
        query = self.query()  # the API takes the same parameter names
        return f"{query}&limit={MAX_LIMIT}" if query else f"limit={MAX_LIMIT}"


def _problem(field: str, message: str) -> TrackerInputError:
    return TrackerInputError(f"query parameter {field}: {message}", [("query", field, message)])


def parse_as_of(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return parse_day(text, "as_of")
    except PeriodError as exc:
        raise _problem("as_of", exc.detail) from None


def parse_filters(params: Mapping[str, str], pillar_ids: Iterable[str]) -> Filters:
    """Read and check the filters; an unknown value raises TrackerInputError naming it."""
    status_text = (params.get("status") or "").strip()
    try:
        status = Status(status_text) if status_text else None
    except ValueError:
        raise _problem(
            "status", f"is {status_text!r}; expected one of {', '.join(s.value for s in Status)}"
        ) from None
    pillar = (params.get("pillar") or "").strip() or None
    known = set(pillar_ids)
    if pillar is not None and pillar not in known:
        raise _problem("pillar", f"is {pillar!r}; expected one of {', '.join(sorted(known))}")
    actor_type = (params.get("actor_type") or "").strip() or None
    if actor_type is not None and actor_type not in ACTOR_TYPE_LABELS:
        raise _problem(
            "actor_type", f"is {actor_type!r}; expected one of {', '.join(ACTOR_TYPE_LABELS)}"
        )
    country_text = (params.get("country") or "").strip()
    try:
        country = service.normalise_country(country_text) if country_text else None
    except TrackerInputError as exc:
        raise _problem("country", str(exc)) from None
    q = " ".join((params.get("q") or "").split())
    if len(q) > 200:
        raise _problem("q", "is longer than 200 characters")
    return Filters(status, pillar, actor_type, country, q, parse_as_of(params.get("as_of")))


def pillar_scopes(pillars: Sequence[PillarPublic]) -> dict[str, set[str]]:
    """Each pillar with its lines of effort (one level down, as :func:`service.pillar_scope`)."""
    scopes: dict[str, set[str]] = {p.id: {p.id} for p in pillars}
    for p in pillars:
        if p.parent_id in scopes:
            scopes[p.parent_id].add(p.id)
    return scopes


def matches(row: Mapping[str, Any], filters: Filters, scope: set[str] | None) -> bool:
    """Whether a board row passes every filter but the status (the tiles count by status)."""
    if scope is not None and not scope & set(row["pillars"]):
        return False
    if filters.actor_type and row["actor_type"] != filters.actor_type:
        return False
    if filters.country and row["country"] != filters.country:
        return False
    return matches_text(filters.q, (row[k] for k in SEARCH_FIELDS))


def status_counts(rows: Iterable[Mapping[str, Any]]) -> dict[Status, int]:
    """How many rows have each status, every status present (zero included), in board order."""
    counts = Counter(row["status"] for row in rows)
    return {s: counts.get(s.value, 0) for s in STATUS_LABELS}


def unmeasurable(evaluated: Sequence[service.Evaluated]) -> dict[str, int]:
    """The criticism in figures, from the tracker's own roll-up (as ``rootcauses tracker
    status`` prints it): how many commitments lack a metric, a deadline, or either."""
    row = RollupRow.model_validate(total(service.rollup_items(evaluated)))
    return {
        "total": row.commitments,
        "either": row.commitments - row.with_metric_and_deadline,
        "no_metric": row.without_metric,
        "no_deadline": row.without_deadline,
    }


def timeline_points(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Commitments with a deadline, soonest first, as the timeline draws them."""
    dated = sorted((r for r in rows if r["deadline"]), key=lambda r: (r["deadline"], r["id"]))
    return [
        {
            "id": r["id"],
            "label": f"{r['id']} · {_clip(r['actor'], 32)}",
            "deadline": r["deadline"],
            "status": r["status"],
            "text": f"{r['id']} {r['actor']}: {_clip(r['commitment'], 90)}",
        }
        for r in dated
    ]


def _clip(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _short(value: Any) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return _clip(text, 160)


def history_rows(entries: Sequence[AuditPublic]) -> list[dict[str, Any]]:
    """Audit entries with what each changed, readable: fields before → after for an update."""
    rows = []
    for e in entries:
        before, after = e.before or {}, e.after or {}
        if e.action == "update":
            keys = [
                k
                for k in dict.fromkeys([*before, *after])
                if k not in BOOKKEEPING and before.get(k) != after.get(k)
            ]
            changes = [(k, _short(before.get(k)), _short(after.get(k))) for k in keys]
            summary = f"{len(changes)} field(s) changed"
        elif e.entity == "progress" and e.action == "create":
            value = "" if after.get("value") is None else f"{after['value']:,.10g} "
            changes = []
            summary = (
                f"report of {after.get('date') or 'undated'}: {value}{after.get('unit') or ''}"
            )
        else:
            changes = []
            summary = f"{e.entity} {e.action}d"
        rows.append(
            {
                "at": e.at.strftime("%Y-%m-%d %H:%M"),
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "summary": summary.strip(),
                "changes": changes,
            }
        )
    return rows


def progress_charts(specs: Sequence[Any], commitment_id: str) -> list[dict[str, Any]]:
    """One chart per target with a numeric value and numeric readings: the reported readings,
    the derived ones (from a bound store series, with what they were derived by), the target
    and the straight (or declared) path from baseline to target by the deadline."""
    charts = []
    for position, spec in enumerate(specs, start=1):
        if spec.target is None or not spec.readings:
            continue
        readings = sorted(spec.readings, key=lambda r: r.date)
        reported = [r for r in readings if r.origin != "derived"]
        derived = [r for r in readings if r.origin == "derived"]
        start = spec.start or readings[0].date
        path = []
        if spec.deadline is not None:
            points = [(start, spec.baseline or 0.0)]
            points += [(m.date, m.value) for m in spec.milestones]
            points.append((spec.deadline, spec.target))
            path = [{"date": d.isoformat(), "value": v} for d, v in sorted(points)]
        charts.append(
            {
                "id": f"progress-{position}",
                "title": f"Target {position}: {spec.target:,.10g} {spec.unit or ''}".strip(),
                "unit": spec.unit or "",
                "target": spec.target,
                "readings": [{"date": r.date.isoformat(), "value": r.value} for r in reported],
                "derived": [{"date": r.date.isoformat(), "value": r.value} for r in derived],
                "derived_label": derived[0].source if derived else None,
                "path": path,
                "commitment": commitment_id,
            }
        )
    return charts


def _country_label(code: str) -> str:
    """The country's name in the page's language."""
    try:
        return country(code)
    except CheckError:
        return code


def board_row(e: service.Evaluated) -> dict[str, Any]:
    row = commitment_row(e)
    return row | {
        "pillars": row["pillar_ids"].split(";") if row["pillar_ids"] else [],
        "country_name": _country_label(row["country"]),
        "actor_type_label": ACTOR_TYPE_LABELS.get(row["actor_type"], row["actor_type"]),
    }


# --------------------------------------------------------------------------- pages


def _context() -> dict[str, Any]:
    return {
        "labels": {s.value: label for s, label in STATUS_LABELS.items()},
        "colours": {s.value: c for s, c in STATUS_COLOURS.items()},
        "symbols": {s.value: m for s, m in STATUS_SYMBOLS.items()},
        "fill_command": FILL_COMMAND,
        "source_ids": SOURCE_IDS,
    }


def _unreadable(exc: RootCausesError, request: Request) -> str:
    """The page's message when the tracker cannot be read: an id to quote, never the cause
    (it may name the database host, user or paths), which goes to the server log."""
    error_id = new_error_id()
    log.error(
        "error %s: GET %s: the tracker could not be read", error_id, request.url.path, exc_info=exc
    )
    return f"The tracker could not be read (error id {error_id}); the server log has the details."


def _with_status(response: HTMLResponse, code: int) -> HTMLResponse:
    response.status_code = code
    return response


@router.get("/commitments", response_class=HTMLResponse)
def board(request: Request) -> HTMLResponse:
    """The status board: tiles per status, the filtered table and the timeline of deadlines."""
    page = "commitments.html"
    try:
        tracker = get_tracker(request)
        if tracker.read_requires_token:
            return _render(request, page, BOARD_TITLE, locked=True, **_context())
        with tracker.session() as session:
            pillars = service.list_pillars(session)
            filters = parse_filters(request.query_params, [p.id for p in pillars])
            as_of = filters.as_of or dt.date.today()
            evaluated = service.evaluate_all(
                session, tracker.thresholds, as_of, series=tracker.series
            )
            rows = [board_row(e) for e in evaluated]
            headline = unmeasurable(evaluated)
            grounds = evidence(service.rollup_items(evaluated))
    except TrackerInputError as exc:
        return _with_status(_render(request, page, BOARD_TITLE, error=str(exc)), 422)
    except RootCausesError as exc:
        return _render(request, page, BOARD_TITLE, error=_unreadable(exc, request))
    if not rows:
        return _render(request, page, BOARD_TITLE, empty=True, **_context())
    scope = pillar_scopes(pillars).get(filters.pillar) if filters.pillar else None
    faceted = [r for r in rows if matches(r, filters, scope)]
    shown = [r for r in faceted if filters.status is None or r["status"] == filters.status.value]
    return _render(
        request,
        page,
        BOARD_TITLE,
        empty=False,
        rows=shown,
        total=len(rows),
        counts=status_counts(faceted),
        headline=headline,
        grounds=grounds,
        filters=filters,
        as_of=as_of.isoformat(),
        pillars=pillars,
        actor_types=ACTOR_TYPE_LABELS,
        countries=sorted({(r["country"], r["country_name"]) for r in rows}, key=lambda c: c[1]),
        timeline=timeline_points(shown),
        undated=[r for r in shown if not r["deadline"]],
        csv_url=f"/api/tracker/commitments?{filters.api_query()}&format=csv",
        money_api=MONEY_API,
        money_countries=MONEY_COUNTRIES,
        **_context(),
    )


@router.get("/commitments/{commitment_id}", response_class=HTMLResponse)
def commitment_page(request: Request, commitment_id: str) -> HTMLResponse:
    """One commitment: targets, status and why, progress with evidence, and the audit history."""
    page = "commitment.html"
    title = f"Commitment {commitment_id}"
    try:
        as_of = parse_as_of(request.query_params.get("as_of")) or dt.date.today()
        tracker = get_tracker(request)
        if tracker.read_requires_token:
            return _render(request, page, title, locked=True, **_context())
        with tracker.session() as session:
            c = service.get_commitment(session, commitment_id)
            evaluated = service.evaluate(c, as_of, tracker.thresholds, tracker.series)
            public = service.to_public(evaluated)
            progress = [service.progress_public(p) for p in service.live_progress(c)]
            charts = progress_charts(service.target_specs(c, evaluated.derived), c.id)
            entries = history_rows(service.history(session, c.id))
            pillar_names = {
                p.id: p.line_of_effort or p.pillar
                for p in service.list_pillars(session)
                if p.id in public.pillar_ids
            }
    except TrackerNotFoundError:
        response = _render(request, page, "Commitment not found", missing=commitment_id)
        return _with_status(response, 404)
    except TrackerInputError as exc:
        return _with_status(_render(request, page, title, error=str(exc)), 422)
    except RootCausesError as exc:
        return _render(request, page, title, error=_unreadable(exc, request))
    return _render(
        request,
        page,
        f"{public.id}: {_clip(public.actor, 60)}",
        c=public,
        country_label=_country_label(public.country),
        actor_type_label=ACTOR_TYPE_LABELS.get(public.actor_type, public.actor_type),
        pillar_names=pillar_names,
        progress=progress,
        charts=charts,
        history=entries,
        as_of=as_of.isoformat(),
        **_context(),
    )
