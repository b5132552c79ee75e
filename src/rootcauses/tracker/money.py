"""Money over time: what was promised, requested, appropriated, obligated and disbursed, by US
fiscal year and country. Pure functions over frames read at the edge (:func:`read_money`).

* **promised**: a commitment whose target is bound cumulatively to a US aid series
  (:mod:`.bindings`), e.g. C001's $4 billion over four years, spread evenly over the fiscal
  years from its binding's start to its deadline (the promise gives no yearly split: the even
  spread is an assumption, and each row says so). Regional (``XNT``).
* **requested, appropriated, obligated, disbursed**: ForeignAssistance.gov's country summary in
  the store (``us_aid_<stage>_fy``, current USD), per country: bilateral aid only.
* **requested, appropriated** (regional): the strategy's headline budget figures
  (``strategy_aid_headlines``) for a single fiscal year, with their own scope (they include
  regional programmes, so they are not the sum of the country rows).

Rows: :data:`COLUMNS`; ``scope`` says which of the two measures a row belongs to, so a chart or
a table never adds a regional headline to the country rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.periods import fiscal_year

STAGES = ("promised", "requested", "appropriated", "obligated", "disbursed")
AID_SERIES = {
    "requested": "us_aid_presidents_budget_request_fy",
    "appropriated": "us_aid_appropriated_and_planned_fy",
    "obligated": "us_aid_obligations_fy",
    "disbursed": "us_aid_disbursements_fy",
}
PROMISE_SERIES = frozenset({AID_SERIES["obligated"], AID_SERIES["disbursed"]})
AID_SOURCE = "us_aid_country_summary"
HEADLINES_SOURCE = "strategy_aid_headlines"
REGIONAL = "XNT"
BILATERAL = "bilateral (ForeignAssistance.gov country summary)"
COLUMNS = ["fiscal_year", "country", "stage", "amount_usd", "scope", "source", "note"]
_SINGLE_FY = re.compile(r"^FY(\d{4})$")


@dataclass(frozen=True)
class Promise:
    """Money promised over fiscal years ``first_fy``–``last_fy`` (inclusive)."""

    commitment_id: str
    amount_usd: float
    first_fy: int
    last_fy: int
    country: str


def promise_of(
    commitment_id: str,
    country: str,
    amount: float | None,
    start: dt.date | None,
    deadline: dt.date | None,
) -> Promise | None:
    """The promise of a commitment whose target (``amount``) is bound cumulatively from
    ``start``; None without an amount, a start or a deadline, or with a deadline before it."""
    if amount is None or start is None or deadline is None:
        return None
    first, last = fiscal_year(start), fiscal_year(deadline)
    if last < first:
        return None
    return Promise(commitment_id, float(amount), first, last, country)


def promise_rows(promises: Iterable[Promise]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for p in promises:
        years = p.last_fy - p.first_fy + 1
        for year in range(p.first_fy, p.last_fy + 1):
            rows.append(
                {
                    "fiscal_year": year,
                    "country": p.country,
                    "stage": "promised",
                    "amount_usd": p.amount_usd / years,
                    "scope": f"the promise ({p.commitment_id})",
                    "source": p.commitment_id,
                    "note": (
                        f"${p.amount_usd:,.0f} over FY{p.first_fy}–FY{p.last_fy}, spread evenly "
                        "(the promise gives no yearly split)"
                    ),
                }
            )
    return rows


def aid_rows(indicators: pd.DataFrame) -> list[dict[str, object]]:
    """Rows of the country summary: ``indicators`` has indicator, country, period, value."""
    stage_of = {series: stage for stage, series in AID_SERIES.items()}
    rows: list[dict[str, object]] = []
    for r in indicators.itertuples(index=False):
        stage = stage_of.get(str(r.indicator))
        if stage is None or pd.isna(r.value):
            continue
        period = pd.Timestamp(r.period).date()
        rows.append(
            {
                "fiscal_year": fiscal_year(period),
                "country": r.country,
                "stage": stage,
                "amount_usd": float(r.value),
                "scope": BILATERAL,
                "source": AID_SOURCE,
                "note": "",
            }
        )
    return rows


def headline_rows(headlines: pd.DataFrame) -> list[dict[str, object]]:
    """Single-fiscal-year requests and appropriations of the strategy's headline figures."""
    rows: list[dict[str, object]] = []
    for r in headlines.itertuples(index=False):
        match = _SINGLE_FY.match(str(r.fiscal_year_label or "").strip())
        measure = str(r.measure or "").lower()
        stage = (
            "requested"
            if "request" in measure
            else "appropriated"
            if measure.startswith("appropriated")
            else None
        )
        if match is None or stage is None or pd.isna(r.amount_usd):
            continue
        rows.append(
            {
                "fiscal_year": int(match.group(1)),
                "country": REGIONAL,
                "stage": stage,
                "amount_usd": float(r.amount_usd),
                "scope": f"headline: {r.scope}",
                "source": HEADLINES_SOURCE,
                "note": str(r.source_url or ""),
            }
        )
    return rows


def money_frame(
    indicators: pd.DataFrame,
    headlines: pd.DataFrame | None,
    promises: Sequence[Promise],
    *,
    since: int | None = None,
) -> pd.DataFrame:
    """All rows (:data:`COLUMNS`), from fiscal year ``since`` on, sorted by year, stage and
    country."""
    rows = promise_rows(promises) + aid_rows(indicators)
    if headlines is not None:
        rows += headline_rows(headlines)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if since is not None:
        frame = frame[frame["fiscal_year"] >= since]
    order = {s: i for i, s in enumerate(STAGES)}
    return (
        frame.assign(_stage=frame["stage"].map(order))
        .sort_values(["fiscal_year", "_stage", "country"], kind="stable")
        .drop(columns="_stage")
        .reset_index(drop=True)
    )


def totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Fiscal year × stage for the three countries together: the bilateral rows summed where
    all three report, with the promise beside them (the regional headlines are left out: they
    measure something else)."""
    bilateral = frame[frame["scope"] == BILATERAL]
    counted = bilateral.groupby(["fiscal_year", "stage"])["country"].nunique()
    summed = bilateral.groupby(["fiscal_year", "stage"])["amount_usd"].sum()
    complete = summed[counted >= len(NORTHERN_TRIANGLE)]
    promised = frame[frame["stage"] == "promised"].groupby(["fiscal_year", "stage"])["amount_usd"]
    both = pd.concat([complete, promised.sum()])
    table = both.unstack("stage")
    return table.reindex(columns=[s for s in STAGES if s in table.columns])


def read_money(
    con: object, promises: Sequence[Promise], *, since: int | None = None
) -> pd.DataFrame:
    """The money frame from a store connection (the indicators and the headline table)."""
    import duckdb

    assert isinstance(con, duckdb.DuckDBPyConnection)
    series = list(AID_SERIES.values())
    marks = ", ".join("?" for _ in series)
    indicators = con.execute(
        f"SELECT indicator, country, period, value FROM indicators WHERE indicator IN ({marks}) "
        "ORDER BY period, country",
        series,
    ).df()
    tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    headlines = (
        con.execute(f"SELECT * FROM {HEADLINES_SOURCE}").df()
        if HEADLINES_SOURCE in tables
        else None
    )
    return money_frame(indicators, headlines, promises, since=since)


def aid_promise(c: object) -> Promise | None:
    """The aid promise of a tracker commitment: its first target bound cumulatively to US aid
    obligations or disbursements (:data:`PROMISE_SERIES`), from the binding's start (or the
    announcement) to the target's deadline (or the commitment's)."""
    from rootcauses.tracker.models import Commitment
    from rootcauses.tracker.status import resolve_target

    assert isinstance(c, Commitment)
    for b in c.bindings:
        if b.target is None or b.rule != "cumulative" or b.series not in PROMISE_SERIES:
            continue
        if not 1 <= b.target <= len(c.targets):
            continue
        t = c.targets[b.target - 1]
        goal = resolve_target(t.value, t.relative, t.baseline_value)
        return promise_of(
            c.id, c.country, goal, b.start or c.announced_date, t.deadline or c.deadline
        )
    return None


def tracker_promises(session: object) -> list[Promise]:
    """The aid promises of the live commitments in a tracker session."""
    from sqlalchemy.orm import Session

    from rootcauses.tracker.service import list_commitments

    assert isinstance(session, Session)
    return [p for c in list_commitments(session) if (p := aid_promise(c)) is not None]


def promises_from_snapshot(frame: pd.DataFrame) -> list[Promise]:
    """The promises the tracker snapshot (``tracker_commitments``) records."""
    needed = {"aid_promise_usd", "aid_promise_first_fy", "aid_promise_last_fy"}
    if not needed <= set(frame.columns):
        return []
    rows = frame.dropna(subset=sorted(needed))
    return [
        Promise(
            str(r.id),
            float(r.aid_promise_usd),
            int(r.aid_promise_first_fy),
            int(r.aid_promise_last_fy),
            str(r.country),
        )
        for r in rows.itertuples(index=False)
    ]
