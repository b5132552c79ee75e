"""Assemble a brief's content from the store: read frames at the edge, then pure functions.

:func:`build_report` is the only function here that touches the store; every figure in the
:class:`Report` is computed by a small pure function over the frames it read, so the tests can
check each one against an independent SQL query.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import duckdb
import numpy as np
import pandas as pd

from rootcauses import i18n, periods
from rootcauses.analysis.scorecard import Scorecard, scorecard_from_store
from rootcauses.config import Settings
from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import PeriodError
from rootcauses.findings.compute import Finding, compute_findings
from rootcauses.i18n import N_, gettext, month
from rootcauses.report.errors import ReportError
from rootcauses.report.labels import count, label, places
from rootcauses.store import query
from rootcauses.store.results import read_results
from rootcauses.tracker import money

CHOICES = {"GTM": ("GTM",), "HND": ("HND",), "SLV": ("SLV",), "NT": NORTHERN_TRIANGLE}
# Driver series shown as small multiples: (indicator, label); absent ones are listed as absent.
DRIVER_INDICATORS: tuple[tuple[str, str], ...] = (
    ("homicide_rate", N_("Homicide rate")),
    ("gdp_pc_ppp_const", N_("GDP per capita, PPP")),
    ("remittances_pct_gdp", N_("Remittances, share of GDP (%)")),
    ("undernourishment_prevalence", N_("Undernourishment")),
    ("gdp_growth", N_("Real GDP growth")),
    ("wgi_rule_of_law", N_("Rule of law (WGI)")),
)
DRIVER_YEARS_BEFORE = 10  # small multiples start this many years before the period
POLICY_CATEGORIES = ("policy",)
LEADERBOARD_HORIZONS = (1, 3, 6, 12)
# How to produce each optional section when the store has none (shown instead of the section).
COMMANDS = {
    "driver_models": "rootcauses drivers fit",
    "forecast": "rootcauses forecast run --output forecast.csv",
    "leaderboard": "rootcauses forecast backtest",
    "commitments": "rootcauses tracker export --to-store",
    "scenarios": "rootcauses sim compare status_quo harris_strategy --output lab.json",
}
Progress = Callable[[str], None]


@dataclass(frozen=True)
class SourceLine:
    id: str
    title: str
    publisher: str
    url: str


@dataclass(frozen=True)
class Headline:
    """Encounters in the period, the previous period of equal length and the Southwest share."""

    encounters: int
    southwest_total: int
    share: float | None
    months: int
    months_with_data: int
    previous_start: dt.date
    previous_end: dt.date
    previous: int | None  # None when the basis does not cover the whole previous period
    change: float | None  # fraction, e.g. -0.25
    peak_month: dt.date | None
    peak_count: int | None


@dataclass(frozen=True)
class DriverPanel:
    indicator: str
    label: str
    unit: str
    values: pd.DataFrame  # year × country
    latest: dict[str, tuple[int, float]]  # country → (year, value), up to the period's end
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ForecastSection:
    run_id: str
    basis: str
    until: dt.date
    build_id: str
    chosen: dict[str, str]  # series → model the leaderboard chose
    fan: pd.DataFrame  # series, month, mean, lo80, hi80, lo95, hi95
    history: pd.DataFrame  # series, month, count (the 36 months before the forecast)
    leaderboard: pd.DataFrame  # one row per series: model, h=…, cov80, cov95 (may be empty)


@dataclass(frozen=True)
class CommitmentSection:
    total: dict[str, object]
    by_actor_type: pd.DataFrame
    snapshot_at: str
    statuses: tuple[str, ...]


@dataclass(frozen=True)
class MoneySection:
    """US aid by fiscal year and stage for the brief's countries (bilateral, current US$), the
    promise beside it for the region, and the regional headline figures kept apart."""

    table: pd.DataFrame  # fiscal year × stage (promised … disbursed), US$
    headlines: pd.DataFrame  # fiscal_year, stage, amount_usd, scope (regional, not comparable)
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ScenarioSection:
    run_id: str
    monthly: pd.DataFrame  # month, citizenship, metric, value, lo, hi, scenario, baseline
    totals: pd.DataFrame  # scenario, baseline, metric, citizenship, months, value


@dataclass
class Report:
    """Everything a brief shows; sections the store lacks are ``None`` with a command in
    ``missing``."""

    country: str
    codes: tuple[str, ...]
    start: dt.date
    end: dt.date
    basis: str
    build_id: str
    built_at: dt.datetime
    generated_at: dt.datetime
    headline: Headline
    monthly: pd.DataFrame  # month × citizenship counts over the previous and current periods
    events: pd.DataFrame  # number, date, end_date, country, event, source_url
    drivers: list[DriverPanel]
    absent_drivers: list[str]
    driver_models: pd.DataFrame | None
    forecast: ForecastSection | None
    commitments: CommitmentSection | None
    scenarios: ScenarioSection | None
    statements: list[str]
    sources: dict[str, SourceLine]
    missing: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)  # the dashboard's headline findings
    data_through: str | None = None  # YYYY-MM, last month of the encounter data
    whatif: dict[str, Any] | None = None  # the stored counterfactual histories (sim whatif)
    scorecard: dict[str, Any] | None = None  # the outcome scorecard's rows for these countries
    money: MoneySection | None = None  # money over time (rootcauses.tracker.money)

    @property
    def label(self) -> str:
        if self.country == "NT":
            return gettext("the Northern Triangle")
        return i18n.country(self.country)

    def source(self, source_id: str) -> SourceLine | None:
        return self.sources.get(source_id)


# --- inputs ------------------------------------------------------------------------------


def parse_country(value: str) -> str:
    code = value.strip().upper()
    code = "NT" if code == "XNT" else code
    if code not in CHOICES:
        raise ReportError(f"unknown country {value!r}; expected one of {', '.join(CHOICES)}")
    return code


def parse_month(value: str | dt.date, what: str) -> dt.date:
    """``YYYY-MM`` (or a date) → the first day of that month (:func:`.periods.parse_month`)."""
    try:
        return periods.parse_month(value, what)
    except PeriodError as exc:
        raise ReportError(str(exc)) from None


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> int:
    """Months from ``start`` to ``end`` inclusive."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    n = months_between(start, end)
    return add_months(start, -n), add_months(start, -1)


# --- pure assembly -----------------------------------------------------------------------


def headline_figures(own: pd.Series, total: pd.Series, start: dt.date, end: dt.date) -> Headline:
    """Figures from monthly counts (index: month) for the chosen citizenships and for all.

    ``total`` says which months the basis covers: the change against the previous period is
    only given when every month of both periods has data."""
    months = months_between(start, end)
    prev_start, prev_end = previous_period(start, end)

    def window(series: pd.Series, a: dt.date, b: dt.date) -> pd.Series:
        return series[(series.index >= a) & (series.index <= b)]

    now_own, now_total = window(own, start, end), window(total, start, end)
    prev_own, prev_total = window(own, prev_start, prev_end), window(total, prev_start, prev_end)
    encounters, sw_total = int(now_own.sum()), int(now_total.sum())
    with_data = int(now_total.index.nunique())
    complete = with_data == months and prev_total.index.nunique() == months
    previous = int(prev_own.sum()) if complete else None
    change = (encounters - previous) / previous if previous else None
    peak = now_own.idxmax() if not now_own.empty else None
    return Headline(
        encounters=encounters,
        southwest_total=sw_total,
        share=encounters / sw_total if sw_total else None,
        months=months,
        months_with_data=with_data,
        previous_start=prev_start,
        previous_end=prev_end,
        previous=previous,
        change=change,
        peak_month=peak,
        peak_count=int(now_own[peak]) if peak is not None else None,
    )


def events_in(frame: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Events that begin inside the window, numbered in date order for the chart markers."""
    if frame.empty:
        return frame.assign(number=pd.Series(dtype="int64"))
    dates = pd.to_datetime(frame["date"]).dt.date
    inside = frame[(dates >= start) & (dates <= add_months(end, 1) - dt.timedelta(days=1))]
    inside = inside.sort_values(["date", "country"]).reset_index(drop=True)
    return inside.assign(number=range(1, len(inside) + 1))


def driver_panel(
    long: pd.DataFrame, indicator: str, label: str, first_year: int, last_year: int
) -> DriverPanel:
    """Year × country values of one indicator and each country's latest value up to
    ``last_year`` (sub-annual values averaged by year)."""
    years = pd.to_datetime(long["period"]).dt.year
    frame = long.assign(year=years)
    table = frame.groupby(["year", "country"])["value"].mean().unstack("country").sort_index()
    shown = table[(table.index >= first_year) & (table.index <= last_year)]
    latest: dict[str, tuple[int, float]] = {}
    for country in table.columns:
        values = table.loc[table.index <= last_year, country].dropna()
        if not values.empty:
            latest[country] = (int(values.index[-1]), float(values.iloc[-1]))
    return DriverPanel(
        indicator=indicator,
        label=label,
        unit=str(long["unit"].iloc[0]) if not long.empty else "",
        values=shown,
        latest=latest,
        sources=tuple(sorted(long["source"].unique())),
    )


def leaderboard_rows(board: pd.DataFrame, chosen: dict[str, str]) -> pd.DataFrame:
    """Per series, the chosen model's MASE relative to the random walk at a few horizons and its
    mean interval coverage."""
    rows = []
    for series, model in chosen.items():
        part = board[(board["series"] == series) & (board["model"] == model)]
        if part.empty:
            continue
        row: dict[str, object] = {"series": series, "model": model}
        for h in LEADERBOARD_HORIZONS:
            at = part.loc[part["h"] == h, "relative_mase"]
            row[f"h={h}"] = float(at.iloc[0]) if not at.empty else math.nan
        row["cov80"] = float(part["cov80"].mean())
        row["cov95"] = float(part["cov95"].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def commitment_section(frame: pd.DataFrame, codes: Sequence[str]) -> CommitmentSection:
    """Roll-up of the tracker snapshot for commitments about these countries or the region."""
    from rootcauses.tracker.rollup import RollupItem, rollup, total
    from rootcauses.tracker.status import Status

    part = frame[frame["country"].isin([*codes, "XNT"])]

    def money(value) -> float | None:
        return None if value is None or pd.isna(value) else float(value)

    items = [
        RollupItem(
            id=str(r.id),
            actor=str(r.actor),
            actor_type=str(r.actor_type),
            country=str(r.country),
            pillars=tuple(p for p in str(r.pillar_ids or "").split(";") if p),
            status=Status(r.status),
            has_metric=bool(r.has_metric),
            has_deadline=bool(r.has_deadline),
            amount_usd=money(r.amount_usd),
            reported_usd=money(r.reported_usd),
            aggregate=bool(r.aggregate),
        )
        for r in part.itertuples(index=False)
    ]
    by_type = rollup(items, "actor_type")
    statuses = tuple(s.value for s in Status if by_type.get(s.value, pd.Series()).sum() > 0)
    snapshot = str(part["snapshot_at"].max())[:16] if not part.empty else ""
    return CommitmentSection(total(items), by_type, snapshot, statuses)


def scorecard_section(card: Scorecard, codes: Sequence[str]) -> dict[str, Any] | None:
    """The outcome scorecard's rows of ``codes`` (:mod:`rootcauses.analysis.scorecard`), the
    verdicts that left the band first among the notes."""
    rows = [r.public() for r in card.rows if r.country in codes]
    if not rows:
        return None
    flagged = [r for r in rows if r["verdict"] in ("better", "worse")]
    return {"rows": rows, "flagged": flagged, "method": card.method, "design": card.design}


def money_section(frame: pd.DataFrame, codes: Sequence[str]) -> MoneySection | None:
    """Fiscal year × stage for ``codes``: the bilateral rows summed over the countries, only in
    the years all of them report; for the whole region the promise (spread evenly) too."""
    bilateral = frame[(frame["scope"] == money.BILATERAL) & frame["country"].isin(codes)]
    if bilateral.empty:
        return None
    reported = bilateral.groupby(["fiscal_year", "stage"])["country"].nunique()
    sums = bilateral.groupby(["fiscal_year", "stage"])["amount_usd"].sum()[reported >= len(codes)]
    region = set(codes) == set(NORTHERN_TRIANGLE)
    promised = frame[frame["stage"] == "promised"]
    if region and not promised.empty:
        sums = pd.concat([sums, promised.groupby(["fiscal_year", "stage"])["amount_usd"].sum()])
    table = sums.unstack("stage")
    table = table.reindex(columns=[s for s in money.STAGES if s in table.columns]).sort_index()
    notes = [
        gettext(
            "Aid figures are ForeignAssistance.gov's per-country totals: bilateral aid only; "
            "regional programmes are not in them, and recent years are revised upward as "
            "reporting catches up."
        )
    ]
    if region and not promised.empty:
        notes += sorted({f"Promised: {note}." for note in promised["note"]})
    elif not promised.empty:
        notes.append(
            gettext("The promise covers the three countries together, so it is not shown here.")
        )
    headlines = frame[frame["source"] == money.HEADLINES_SOURCE]
    if region and not headlines.empty:
        notes.append(
            gettext(
                "The strategy's own budget figures for the region (including regional "
                "programmes), not comparable with the country totals: {figures}."
            ).format(
                figures="; ".join(
                    f"{gettext('FY')}{r.fiscal_year} {gettext(r.stage)} US${r.amount_usd:,.0f}"
                    for r in headlines.itertuples(index=False)
                )
            )
        )
    return MoneySection(table, headlines.reset_index(drop=True), tuple(notes))


def whatif_section(frame: pd.DataFrame, codes: Sequence[str]) -> dict[str, Any] | None:
    """The stored counterfactual histories (:func:`rootcauses.sim.whatif.group_rows`), keeping
    the brief's countries and, for more than one, the total over the three."""
    from rootcauses.sim.whatif import group_rows

    if frame.empty:
        return None
    keep = [*codes, "ALL"] if len(codes) > 1 else list(codes)
    return group_rows(frame[frame["country"].isin(keep)])


def scenario_section(frame: pd.DataFrame, codes: Sequence[str]) -> ScenarioSection | None:
    part = frame[frame["citizenship"].isin(codes)].copy()
    if part.empty:
        return None
    part["month"] = pd.to_datetime(part["month"]).dt.date
    keys = ["scenario", "baseline", "metric", "citizenship"]
    totals = (
        part.fillna({"baseline": ""})
        .groupby(keys, as_index=False)
        .agg(months=("month", "nunique"), value=("value", "sum"))
    )
    return ScenarioSection(str(part["run_id"].iloc[0]), part.sort_values("month"), totals)


# words computed below, marked for the catalogues
SIGNS = (N_("positive"), N_("negative"))
STRENGTHS = (N_("weak"), N_("moderate"), N_("strong"))
FISCAL_YEAR = N_("FY")  # "FY2024"; AF in Spanish (año fiscal)
MONEY_STAGES = (  # money.STAGES as the brief names them
    N_("promised"),
    N_("requested"),
    N_("appropriated"),
    N_("obligated"),
    N_("disbursed"),
)


def theory_summary(models: pd.DataFrame) -> pd.DataFrame:
    """One row per theory: fit, out-of-sample gain, rows, years and the drivers whose 95%
    interval excludes zero (with the sign of their coefficient)."""
    clear = (models["lo95"] > 0) | (models["hi95"] < 0)
    rows = []
    for theory, part in models.groupby("theory", sort=False):
        marked = part[clear.loc[part.index]]
        rows.append(
            {
                "theory": theory,
                "drivers": len(part),
                "within_r2": float(part["within_r2"].iloc[0]),
                "oos_gain": float(part["oos_gain"].iloc[0]),
                "rows": int(part["rows"].iloc[0]),
                "years": str(part["years"].iloc[0]),
                "clear": "; ".join(
                    f"{label('driver', d)} ({gettext(SIGNS[0] if c > 0 else SIGNS[1])})"
                    for d, c in zip(marked["driver"], marked["coef"], strict=True)
                ),
            }
        )
    return pd.DataFrame(rows)


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def _signed(value: float) -> str:
    """``+0.25`` / ``−0.63`` with a true minus sign."""
    return f"{value:+.2f}".replace("-", "−")


def _reading(r: float) -> str:
    """What a correlation coefficient says in words."""
    if abs(r) < 0.1:
        return gettext("here there is next to no straight-line relation")
    strength = gettext(STRENGTHS[0 if abs(r) < 0.3 else 1 if abs(r) < 0.6 else 2])
    if r < 0:
        text = gettext(
            "here the relation is {strength}: years with more homicides tended to have fewer "
            "encounters"
        )
    else:
        text = gettext(
            "here the relation is {strength}: years with more homicides tended to have more "
            "encounters"
        )
    return text.format(strength=strength)


def statements(
    *,
    place_label: str,
    period_end_year: int,
    basis_title: str,
    coverage: tuple[dt.date, dt.date] | None,
    headline: Headline,
    drivers: Sequence[DriverPanel],
    annual: pd.DataFrame,
    homicide: DriverPanel | None,
    driver_models: pd.DataFrame | None,
    forecast: ForecastSection | None,
    events: pd.DataFrame,
) -> list[str]:
    """The "what the data can and cannot say" sentences: each one states a computed figure
    (in the current language, :mod:`rootcauses.i18n`)."""
    out: list[str] = []
    if coverage:
        asked = count(headline.months, "month")
        held = (
            gettext("every one of the {months} asked for has data").format(months=asked)
            if headline.months_with_data == headline.months
            else gettext("{n} of the {months} asked for have data").format(
                n=headline.months_with_data, months=asked
            )
        )
        out.append(
            gettext("The encounter counts ({basis}) run from {first} to {last}; {held}.").format(
                basis=basis_title,
                first=month(coverage[0], long=True),
                last=month(coverage[1], long=True),
                held=held,
            )
        )
    if headline.previous is None:
        out.append(
            gettext(
                "The previous period ({first}–{last}) is not fully covered by this basis, so no "
                "change is given."
            ).format(first=month(headline.previous_start), last=month(headline.previous_end))
        )
    if drivers:
        years = {d.label: max(y for y, _ in d.latest.values()) for d in drivers if d.latest}
        if years:
            newest, oldest = max(years.values()), min(years, key=years.__getitem__)
            gap = period_end_year - newest
            if gap == 0:
                when = gettext("the year the period ends")
            elif gap > 0:
                when = gettext("{years} before the period ends").format(years=count(gap, "year"))
            else:
                when = gettext("{years} after the period ends").format(years=count(-gap, "year"))
            out.append(
                gettext(
                    "The newest driver value is from {newest}, {when}; the oldest series, "
                    "{oldest}, ends in {year}. Driver values describe the years before the "
                    "encounters they are set beside."
                ).format(
                    newest=newest,
                    when=when,
                    oldest=gettext(oldest).lower(),
                    year=years[oldest],
                )
            )
    if homicide is not None and not annual.empty:
        pairs = [
            (int(year), annual.at[year, c], homicide.values.at[year, c])
            for c in annual.columns
            if c in homicide.values.columns
            for year in annual.index
            if year in homicide.values.index
            and pd.notna(homicide.values.at[year, c])
            and pd.notna(annual.at[year, c])
        ]
        r = pearson([p[1] for p in pairs], [p[2] for p in pairs]) if pairs else None
        if r is not None:
            pair_years = [p[0] for p in pairs]
            countries = len({c for c in annual.columns if c in homicide.values.columns})
            span = f"{min(pair_years)}–{max(pair_years)}"
            over = (
                gettext("Over the {years} {span} with both figures").format(
                    years=count(len(pairs), "calendar year"), span=span
                )
                if countries == 1
                else gettext("Across {years} ({span}, {countries})").format(
                    years=count(len(pairs), "country-year"),
                    span=span,
                    countries=count(countries, "country", "countries"),
                )
            )
            out.append(
                gettext(
                    "{over}, annual encounters of citizens of {place} and the homicide rate have "
                    "a correlation of r = {r}. The correlation coefficient r runs from −1 (the two "
                    "always move in opposite directions) through 0 (no straight-line relation) to "
                    "+1 (they always move together); {reading}. That is an association across "
                    "years, not an effect: both series follow other things too, and {events} in "
                    "the store began within the period alone."
                ).format(
                    over=over,
                    place=place_label,
                    r=_signed(r),
                    reading=_reading(r),
                    events=count(len(events), "policy event"),
                )
            )
    if driver_models is not None and not driver_models.empty:
        clear = int(((driver_models["lo95"] > 0) | (driver_models["hi95"] < 0)).sum())
        best = driver_models.loc[driver_models["oos_gain"].idxmax()]
        out.append(
            gettext(
                "The driver models pool Guatemala, Honduras and El Salvador ({rows} "
                "country-months, {years}): {clear} of {total} coefficients have {level} intervals "
                "that exclude zero; the best out-of-sample gain is {gain} ({theory}): above 0, "
                "the theory's drivers predict the left-out years better than country and "
                "month-of-year effects alone. They are associations, not effects, and not "
                "country-specific."
            ).format(
                rows=int(best["rows"]),
                years=best["years"],
                clear=clear,
                total=len(driver_models),
                level="95%",
                gain=_signed(best["oos_gain"]),
                theory=label("theory", best["theory"]).lower(),
            )
        )
        if "verdict" in driver_models.columns:  # drivers fit against the trend baseline
            verdicts = driver_models.dropna(subset=["verdict"]).groupby("theory")["verdict"].first()
            beaten = [t for t, v in verdicts.items() if v == "beats the trend out of sample"]
            out.append(
                gettext(
                    "Against a linear trend, each year predicted from the years before it, "
                    "{n} of {total} theories do better out of sample ({theories})."
                ).format(
                    n=len(beaten),
                    total=len(verdicts),
                    theories=", ".join(label("theory", t).lower() for t in beaten),
                )
                if beaten
                else gettext(
                    "Against a linear trend, each year predicted from the years before it, none "
                    "of the {total} theories does better out of sample: none is reported as "
                    "explaining migration."
                ).format(total=len(verdicts))
            )
    if forecast is not None and not forecast.leaderboard.empty:
        cov = forecast.leaderboard["cov80"].mean()
        out.append(
            gettext(
                "In the rolling backtest the chosen models' {level} intervals held {share} of the "
                "outcomes (a well-calibrated interval holds about {level}); the forecast uses data "
                "to {until} and cannot foresee changes of policy."
            ).format(level="80%", share=f"{cov:.0%}", until=month(forecast.until, long=True))
        )
    return out


# --- reading (the edge) ------------------------------------------------------------------


def _sources(con: duckdb.DuckDBPyConnection) -> dict[str, SourceLine]:
    rows = con.execute("SELECT id, title, publisher, url FROM sources").fetchall()
    return {r[0]: SourceLine(r[0], r[1] or r[0], r[2] or "", r[3] or "") for r in rows}


def _series(frame: pd.DataFrame) -> pd.Series:
    if frame.empty:
        return pd.Series(dtype="int64")
    return frame.groupby("month")["count"].sum()


def _forecast(
    con: duckdb.DuckDBPyConnection, codes: Sequence[str], progress: Progress
) -> ForecastSection | None:
    frame = read_results(con, "forecasts")
    if frame.empty:
        return None
    best = frame[(frame["model"] == "best") & frame["series"].isin(codes)].copy()
    if best.empty:
        return None
    best["month"] = pd.to_datetime(best["month"]).dt.date
    chosen = best.groupby("series")["chosen"].first().to_dict()
    basis = cast(query.Basis, str(best["basis"].iloc[0]))  # encounters_monthly checks it
    until = pd.Timestamp(best["until"].iloc[0]).date()
    history = query.encounters_monthly(
        con, basis=basis, citizenship=list(codes), start=add_months(until, -35), end=until
    ).rename(columns={"citizenship": "series"})
    board = pd.DataFrame()
    backtests = read_results(con, "backtests")
    if not backtests.empty:
        progress("scoring the backtest")
        from rootcauses.analysis import forecast as fc

        board = leaderboard_rows(fc.leaderboard(backtests), chosen)
    fan = best[["series", "month", "mean", "lo80", "hi80", "lo95", "hi95"]].sort_values(
        ["series", "month"]
    )
    return ForecastSection(
        run_id=str(best["run_id"].iloc[0]),
        basis=basis,
        until=until,
        build_id=str(best["build_id"].iloc[0]),
        chosen=chosen,
        fan=fan.reset_index(drop=True),
        history=history,
        leaderboard=board,
    )


def build_report(
    settings: Settings,
    country: str,
    start: str | dt.date,
    end: str | dt.date,
    *,
    basis: query.Basis = "usbp",
    progress: Progress | None = None,
) -> Report:
    """Everything a brief on ``country`` (GTM, HND, SLV or NT) for ``start``..``end`` shows.

    ``basis`` picks the encounter series (``usbp``: Border Patrol, FY2000 on; ``cbp``: all CBP,
    FY2020 on); the previous period of equal length needs the basis to cover it."""
    say = progress or (lambda _message: None)
    code = parse_country(country)
    codes = CHOICES[code]
    first, last = parse_month(start, "start"), parse_month(end, "end")
    if first > last:
        raise ReportError(f"start {first:%Y-%m} is after end {last:%Y-%m}")
    if basis not in query.BASIS_SOURCE:
        raise ReportError(f"unknown basis {basis!r}; expected one of {sorted(query.BASIS_SOURCE)}")
    prev_start, _ = previous_period(first, last)

    with query.connect(settings) as con:
        say("reading encounters")
        build = con.execute("SELECT build_id, built_at FROM build_info").fetchone()
        assert build is not None, "a built store has its build_info row"
        build_id, built_at = build
        sources = _sources(con)
        own = query.encounters_monthly(
            con, basis=basis, citizenship=list(codes), start=prev_start, end=last
        )
        total = query.encounters_monthly(con, basis=basis, by=(), start=prev_start, end=last)
        span = con.execute(
            "SELECT min(month), max(month) FROM encounters WHERE source = ? "
            "AND frequency = 'monthly'",
            [query.BASIS_SOURCE[basis]],
        ).fetchone()
        assert span is not None  # an aggregate query always returns a row
        if own.empty:
            raise ReportError(
                f"no {basis} encounters for {code} between {first:%Y-%m} and {last:%Y-%m}; "
                f"the basis covers {span[0]:%Y-%m} to {span[1]:%Y-%m}"
                if span[0]
                else f"no {basis} encounters in the store"
            )
        events = query.events(con, categories=list(POLICY_CATEGORIES), countries=[*codes, "XNT"])
        annual = query.encounters_monthly(con, basis=basis, citizenship=list(codes))

        say("reading drivers")
        known = {r[0] for r in con.execute("SELECT DISTINCT indicator FROM indicators").fetchall()}
        panels, absent = [], []
        for name, label in DRIVER_INDICATORS:
            long = query.indicator(con, name, countries=list(codes)) if name in known else None
            if long is None or long.empty:
                absent.append(label)
                continue
            panels.append(
                driver_panel(long, name, label, first.year - DRIVER_YEARS_BEFORE, last.year)
            )

        say("reading model results")
        models = read_results(con, "driver_models")
        if "section" in models.columns:  # drivers fit also stores DiD, department, limit rows
            models = models[models["section"].fillna("theory").isin(["theory", "replication"])]
        forecast = _forecast(con, codes, say)
        snapshot = read_results(con, "tracker_commitments")
        commitments = None if snapshot.empty else commitment_section(snapshot, codes)
        say("reading money over time")
        promises = money.promises_from_snapshot(snapshot)
        money_part = money_section(money.read_money(con, promises, since=first.year - 5), codes)
        scenario_frame = read_results(con, "scenario_results")
        scenarios = None if scenario_frame.empty else scenario_section(scenario_frame, codes)
        whatif = whatif_section(read_results(con, "sim_whatif"), codes)
        say("computing the outcome scorecard")
        scorecard = scorecard_section(scorecard_from_store(con), codes)
        say("computing the headline findings")
        found = compute_findings(con)

    headline = headline_figures(_series(own), _series(total), first, last)
    monthly = own.pivot(index="month", columns="citizenship", values="count").reindex(
        columns=list(codes)
    )
    marked = events_in(events, prev_start, last)
    homicide = next((d for d in panels if d.indicator == "homicide_rate"), None)
    annual = annual.assign(year=pd.to_datetime(annual["month"]).dt.year)
    # a full year has all 12 months of every country asked for (month × citizenship rows)
    full_years = annual.groupby("year").size()
    by_year = (
        annual[annual["year"].isin(full_years[full_years == 12 * len(codes)].index)]
        .groupby(["year", "citizenship"])["count"]
        .sum()
        .unstack("citizenship")
    )
    missing = {}
    if models.empty:
        missing["driver_models"] = COMMANDS["driver_models"]
    if forecast is None:
        missing["forecast"] = COMMANDS["forecast"]
    elif forecast.leaderboard.empty:
        missing["leaderboard"] = COMMANDS["leaderboard"]
    if commitments is None:
        missing["commitments"] = COMMANDS["commitments"]
    if scenarios is None:
        missing["scenarios"] = COMMANDS["scenarios"]
    basis_source = sources.get(query.BASIS_SOURCE[basis])
    in_period = marked[pd.to_datetime(marked["date"]).dt.date >= first] if len(marked) else marked
    return Report(
        country=code,
        codes=codes,
        start=first,
        end=last,
        basis=basis,
        build_id=str(build_id),
        built_at=pd.Timestamp(built_at).to_pydatetime(),
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None),
        headline=headline,
        monthly=monthly,
        events=marked,
        drivers=panels,
        absent_drivers=absent,
        driver_models=None if models.empty else models,
        forecast=forecast,
        commitments=commitments,
        scenarios=scenarios,
        whatif=whatif,
        scorecard=scorecard,
        money=money_part,
        statements=statements(
            place_label=places(codes),
            period_end_year=last.year,
            basis_title=basis_source.title if basis_source else basis,
            coverage=(span[0], span[1]) if span[0] else None,
            headline=headline,
            drivers=panels,
            annual=by_year,
            homicide=homicide,
            driver_models=None if models.empty else models,
            forecast=forecast,
            events=in_period,
        ),
        sources=sources,
        missing=missing,
        findings=found.items,
        data_through=found.data_through,
    )
