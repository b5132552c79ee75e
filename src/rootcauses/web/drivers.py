"""The Drivers page: indicators by theme with plain names and descriptions, a chart (log and
relative scales), maps of countries and of departments with a timeline, a driver against
encounters, and the stored driver models in plain words with the "association, not cause"
caveat. The charts fetch their data from the API; the page's own lists come from the store."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from rootcauses.countries import COMPARATORS, NORTHERN_TRIANGLE
from rootcauses.errors import RootCausesError
from rootcauses.i18n import N_, country, gettext, number
from rootcauses.report.labels import POLICY_REGIMES, label
from rootcauses.sources.catalogue import OTHER, THEMES, describe
from rootcauses.store import departments, query
from rootcauses.store.results import read_results
from rootcauses.web.pages import _names, _render, unreadable

router = APIRouter(include_in_schema=False)
MAP_COUNTRIES = (*NORTHERN_TRIANGLE, *COMPARATORS)
DEFAULT_INDICATOR = "homicide_rate"
DEFAULT_DEPARTMENT_INDICATOR = "emigrants_per_1000_population"
CAVEAT = N_(
    "Association, not cause: these models show how encounters moved together with each "
    "driver in three countries over two decades, other drivers held fixed. They cannot "
    "separate a driver from everything else that changed at the same time, so no sentence "
    "here says that a driver causes migration."
)
# How often a series is measured (the store's words), as the picker describes it.
FREQUENCIES = {"annual": N_("annual"), "monthly": N_("monthly"), "quarterly": N_("quarterly")}
# The verdicts rootcauses.analysis.drivers.verdict writes, marked for the catalogue (a test
# checks that they are the ones it writes); one it does not list stays in English.
VERDICTS = (
    N_("does not beat the trend out of sample"),
    N_("beats the trend out of sample"),
    N_("better than the trend out of sample, but not significantly (p ≥ 0.05)"),
)
CLEAR_P = 0.05


@dataclass
class Choice:
    """One indicator in the picker."""

    code: str
    name: str
    unit: str
    description: str
    frequency: str
    first: str
    last: str
    sources: str


@dataclass
class Theme:
    name: str
    choices: list[Choice] = field(default_factory=list)


def indicator_themes(con: duckdb.DuckDBPyConnection) -> list[Theme]:
    """The Northern Triangle's indicators by theme, plain names, error series left out."""
    frame = con.execute(
        "SELECT i.indicator, min(i.unit) AS unit, "
        "string_agg(DISTINCT i.frequency, ', ' ORDER BY i.frequency) AS frequency, "
        "strftime(min(i.period), '%Y') AS first, strftime(max(i.period), '%Y') AS last, "
        "list(DISTINCT s.dataset ORDER BY s.dataset) AS datasets, "
        "string_agg(DISTINCT s.title, '; ' ORDER BY s.title) AS titles FROM indicators i "
        "JOIN sources s ON s.id = i.source WHERE i.country IN ('GTM', 'HND', 'SLV') "
        "GROUP BY i.indicator"
    ).df()
    themes = {name: Theme(name) for name in (*THEMES, OTHER)}
    for row in frame.itertuples():
        info = describe(str(row.indicator), list(row.datasets))
        if info.hidden:
            continue
        themes[info.theme].choices.append(
            Choice(
                str(row.indicator),
                info.name,
                str(row.unit),
                info.description,
                frequency_words(str(row.frequency)),
                str(row.first),
                str(row.last),
                str(row.titles),
            )
        )
    for theme in themes.values():
        theme.choices.sort(key=lambda c: c.name.lower())
        theme.name = gettext(theme.name)  # the theme in the page's language
    return [t for t in themes.values() if t.choices]


def frequency_words(frequencies: str) -> str:
    """``"annual, monthly"`` in the page's language."""
    return ", ".join(
        gettext(FREQUENCIES[f]) if f in FREQUENCIES else f for f in frequencies.split(", ")
    )


# --- driver models in plain words -----------------------------------------------------------


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _percent(coef: float, log_driver: bool) -> float:
    """The change in encounters per 100,000 (%) that goes with one more unit of the driver, or
    with a 10% higher driver when the model takes its logarithm (the outcome is logged)."""
    step = math.log(1.1) if log_driver else 1.0
    return (math.exp(coef * step) - 1) * 100


def _name_and_unit(code: str) -> tuple[str, str, bool]:
    """A driver's plain name, its unit and whether the model takes its logarithm, from the
    one place drivers are labelled (``"log GDP per capita, PPP …"`` → name, unit, True)."""
    text = label("driver", code)
    name, _, unit = text.partition(", ")
    logged = code.startswith("log_") or name.startswith("log ")
    return name.removeprefix("log ").strip(), unit.strip(), logged


def _signed(percent: float) -> str:
    whole = round(percent)
    return "0%" if whole == 0 else f"{number(whole, signed=True)}%"


def _size(percent: float) -> str:
    return f"{number(abs(percent), 1 if abs(percent) < 1 else 0)}%"


def driver_sentence(row: Mapping[str, Any]) -> str:
    """One driver's coefficient in words: direction, size and whether the interval excludes
    zero; never a cause."""
    code = str(row.get("driver", ""))
    name, unit, log_driver = _name_and_unit(code)
    coef, lo, hi = (_finite(row.get(k)) for k in ("coef", "lo95", "hi95"))
    if coef is None:
        return gettext("{name}: not estimated (too few rows with a value).").format(name=name)
    size = _percent(coef, log_driver)
    if code in POLICY_REGIMES:  # a regime in force (0 to 1: the share of the period)
        frame = (
            N_(
                "With {name}, encounters per 100,000 were about {size} more than without, "
                "other drivers held fixed"
            )
            if size >= 0
            else N_(
                "With {name}, encounters per 100,000 were about {size} fewer than without, "
                "other drivers held fixed"
            )
        )
        text = gettext(frame).format(name=name, size=_size(size))
    else:
        if log_driver:
            step = N_("was {share} higher") if not unit else N_("was {share} higher ({unit})")
        else:
            step = (
                N_("was higher by one unit") if not unit else N_("was higher by one unit ({unit})")
            )
        frame = (
            N_(
                "Where {name} {step}, encounters per 100,000 were about {size} more, "
                "other drivers held fixed"
            )
            if size >= 0
            else N_(
                "Where {name} {step}, encounters per 100,000 were about {size} fewer, "
                "other drivers held fixed"
            )
        )
        text = gettext(frame).format(
            name=name, step=gettext(step).format(share="10%", unit=unit), size=_size(size)
        )
    if lo is not None and hi is not None:
        low, high = _percent(lo, log_driver), _percent(hi, log_driver)
        text += gettext(" ({level} interval {low} to {high})").format(
            level="95%", low=_signed(low), high=_signed(high)
        )
        if lo <= 0 <= hi:
            text += gettext("; the interval includes zero, so the data cannot tell the direction")
    return text + "."


LEVELS = {"country-year": N_("country-years"), "monthly": N_("country-months")}


def theory_sentence(rows: pd.DataFrame) -> dict[str, Any]:
    """A theory's summary: name, what it was fitted on, and the out-of-sample verdict against
    the trend when the stored table has it (older results do not: said so, nothing invented)."""
    first = rows.iloc[0]
    theory = str(first.get("theory", ""))
    level = first.get("level")
    fit = ""
    if "rows" in rows:
        count = number(int(first["rows"]))
        if isinstance(level, str) and level:
            fit = gettext("{rows} rows, {years}, fitted on {level}").format(
                rows=count, years=first["years"], level=gettext(LEVELS.get(level, level))
            )
        else:
            fit = gettext("{rows} rows, {years}").format(rows=count, years=first["years"])
    verdict = first.get("verdict") if "verdict" in rows.columns else None
    skill = _finite(first.get("skill_vs_trend"))
    p_value = _finite(first.get("dm_p_value"))
    if isinstance(verdict, str) and verdict:
        detail = []
        if skill is not None:
            removes = (
                N_("removes {share} of the trend baseline's error")
                if skill > 0
                else N_("adds {share} of the trend baseline's error")
            )
            detail.append(gettext(removes).format(share=f"{number(abs(skill) * 100)}%"))
        if p_value is not None:
            detail.append(gettext("test of equal error p = {p}").format(p=number(p_value, 2)))
        record = gettext("It {verdict}").format(verdict=gettext(verdict))
        record += (f" ({'; '.join(detail)})" if detail else "") + "."
    else:
        record = gettext(
            "No comparison with a trend baseline is stored for these results; without it a good "
            "fit may only stand in for time."
        )
    return {
        "theory": theory,
        "name": label("theory", theory),
        "fit": fit,
        "record": record,
        "beats_trend": isinstance(verdict, str) and verdict.startswith("beats"),
        "drivers": [driver_sentence(r) for r in rows.to_dict(orient="records")],
    }


def models_in_words(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The stored driver-model table as one plain summary per theory (the table's order)."""
    if frame.empty or "theory" not in frame.columns:
        return []
    if "section" in frame.columns:  # other checks (a replication) have another outcome
        frame = frame[frame["section"] == "theory"]
    return [theory_sentence(rows) for _, rows in frame.groupby("theory", sort=False)]


VERDICT_COLUMNS = ("verdict", "skill_vs_trend", "dm_p_value")


@router.get("/drivers", response_class=HTMLResponse)
def drivers(request: Request) -> HTMLResponse:
    title = N_("Drivers of migration")
    try:
        with query.connect(request.app.state.settings) as con:
            themes = indicator_themes(con)
            models = read_results(con, "driver_models")
            try:
                department_indicators = departments.catalogue(con)
            except RootCausesError:  # a store built before the departments were added
                department_indicators = pd.DataFrame()
            attribution = departments.attribution(con)
            titles = dict(
                con.execute(
                    "SELECT id, title FROM sources WHERE table_name IN "
                    "('indicators', 'subnational_indicators', 'department_emigration')"
                ).fetchall()
            )
    except RootCausesError as exc:
        return _render(request, "drivers.html", title, error=unreadable(request, exc))
    codes = {c.code for t in themes for c in t.choices}
    first = next((c.code for t in themes for c in t.choices), "")
    department_choices = []
    if not department_indicators.empty:
        grouped = department_indicators.groupby("indicator", sort=False)
        for code, rows in grouped:
            countries = ", ".join(country(c) for c in rows["country"])
            department_choices.append(
                {
                    "code": code,
                    "name": f"{rows['name'].iloc[0]} ({countries})",
                    "countries": list(rows["country"]),
                }
            )
        department_choices.sort(key=lambda c: c["name"].lower())
    return _render(
        request,
        "drivers.html",
        title,
        themes=themes,
        default=DEFAULT_INDICATOR if DEFAULT_INDICATOR in codes else first,
        countries=[(c, country(c)) for c in MAP_COUNTRIES],
        default_countries=NORTHERN_TRIANGLE,
        names=_names(MAP_COUNTRIES),
        department_choices=department_choices,
        department_default=DEFAULT_DEPARTMENT_INDICATOR,
        attribution=attribution,
        source_titles=titles,
        models=models_in_words(models),
        has_verdicts=all(c in models.columns for c in VERDICT_COLUMNS),
        caveat=gettext(CAVEAT),
    )
