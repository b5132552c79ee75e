"""Headline findings computed from the store: small pure functions over frames, one per finding,
and one function at the edge (:func:`read_inputs`) that reads those frames.

Every number in a statement is computed here from the store; nothing is typed in by hand except
the choice of what to compare (the latest complete fiscal year with the one before and with the
peak; 2015 as the base year of the driver series; the four years of the aid promise, from the
strategy's text). Each finding says what changed, where, since when, its value and unit, the
period, the countries, its source (from the store's provenance), a chart and a caveat.

The statements describe what the series did. None of them says why: where two series move
together (homicide and encounters, remittances and emigration), that is an association, and the
caveat says so.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import pandas as pd

from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.i18n import N_, country, gettext, month
from rootcauses.periods import fiscal_year
from rootcauses.store import query
from rootcauses.store.results import current_build

NT = NORTHERN_TRIANGLE
BASE_YEAR = 2015  # driver series are compared with this year (or the nearest earlier one)
BASE_YEAR_SLACK = 2  # … at most this many years earlier
# The strategy's aid promise: the commitment that holds it and the years it spans ("$4 billion
# over four years", commitment text in strategy_commitments).
AID_PROMISE_ID = "C001"
AID_PROMISE_YEARS = 4
ENCOUNTER_SOURCES = tuple(sorted(set(query.BASIS_SOURCE.values())))
FAMILY_UNIT, UNACCOMPANIED, SINGLE_ADULT = "FMUA", "UAC", "SINGLE_ADULT"


@dataclass(frozen=True)
class SourceRef:
    """Provenance of a finding's data, from the store's ``sources`` table."""

    id: str
    dataset: str
    title: str
    publisher: str
    url: str
    status: str


@dataclass(frozen=True)
class Series:
    name: str
    key: str  # a country code or group key the page colours by
    x: list[Any]
    y: list[float | None]


@dataclass(frozen=True)
class ChartSpec:
    """What to draw for a finding: the data it shows and where the full data lives."""

    type: str  # "bar" | "line"
    title: str
    x_title: str
    y_title: str
    series: list[Series]
    y_format: str = ","  # d3 format of the y axis: "," counts, ".0%" shares, ".1f" rates
    stacked: bool = False
    data_url: str = ""  # the API query that returns the chart's underlying data
    page: str = ""  # the dashboard page that explores it


@dataclass(frozen=True)
class Finding:
    id: str
    statement: str
    value: float
    unit: str
    period: str
    countries: list[str]
    source: SourceRef
    chart: ChartSpec
    caveat: str
    other_sources: list[SourceRef] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # the figures the statement quotes

    def public(self) -> dict[str, Any]:
        """The JSON form served by ``/api/findings``."""
        return asdict(self)


@dataclass(frozen=True)
class Findings:
    """The findings of one build and the month the data run through."""

    build_id: str
    data_through: str | None  # YYYY-MM
    items: list[Finding]


# --- small helpers --------------------------------------------------------------------------


def names_list(items: Sequence[str]) -> str:
    """``a, b and c`` (in the current language)."""
    items = list(items)
    if len(items) == 1:
        return items[0]
    return gettext("{first} and {last}").format(first=", ".join(items[:-1]), last=items[-1])


def names(codes: Sequence[str]) -> str:
    """``Guatemala, Honduras and El Salvador``."""
    return names_list([country(c) for c in codes])


WORDS = (
    N_("zero"),
    N_("one"),
    N_("two"),
    N_("three"),
    N_("four"),
    N_("five"),
    N_("six"),
    N_("seven"),
    N_("eight"),
    N_("nine"),
)


def _words(n: int) -> str:
    return gettext(WORDS[n]) if 0 <= n < len(WORDS) else str(n)


def pct_change(new: float, old: float) -> float | None:
    return None if not old else (new - old) / old


def signed_pct(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "—"
    text = f"{100 * value:+.{digits}f}%"
    return text.replace("-", "−")


def pct(value: float, digits: int = 1) -> str:
    return f"{100 * value:.{digits}f}%"


def format_value(value: float | None, y_format: str) -> str:
    """A chart value as its axis shows it (``y_format`` is the d3 format of the chart)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if y_format.endswith("%"):
        return f"{100 * value:.0f}%"
    if y_format in (",", ",.0f"):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def fy(year: int) -> str:
    """``FY2024`` (``AF2024`` in Spanish)."""
    return f"{gettext('FY')}{year}"


def fy_label(year: int) -> str:
    """``FY2024 (Oct 2023–Sep 2024)``."""
    return gettext("{year} ({first}–{last})").format(
        year=fy(year), first=month(dt.date(year - 1, 10, 1)), last=month(dt.date(year, 9, 1))
    )


def _nan_to_none(values) -> list[float | None]:
    return [None if v is None or pd.isna(v) else float(v) for v in values]


def complete_fiscal_years(monthly: pd.DataFrame) -> pd.DataFrame:
    """Monthly rows (``month``, …, ``count``) with a ``fiscal_year`` column, only of fiscal years
    whose 12 months are all in the series."""
    frame = monthly.assign(fiscal_year=[fiscal_year(m) for m in monthly["month"]])
    months = frame.groupby("fiscal_year")["month"].nunique()
    return frame[frame["fiscal_year"].isin(months[months == 12].index)]


# --- the findings (pure) --------------------------------------------------------------------


def encounters_latest_year(monthly: pd.DataFrame, source: SourceRef) -> Finding | None:
    """Encounters of NT citizens in the latest complete fiscal year vs the one before and vs
    the peak year. ``monthly``: month, citizenship, count (every citizenship of one basis)."""
    frame = complete_fiscal_years(monthly)
    frame = frame[frame["citizenship"].isin(NT)]
    if frame.empty:
        return None
    by_year = frame.groupby(["fiscal_year", "citizenship"])["count"].sum().unstack("citizenship")
    by_year = by_year.reindex(columns=list(NT)).fillna(0).astype("int64")
    total = by_year.sum(axis=1)
    latest = int(total.index.max())
    if latest - 1 not in total.index:
        return None
    previous, peak_year = latest - 1, int(total.idxmax())
    change = pct_change(total[latest], total[previous])
    from_peak = pct_change(total[latest], total[peak_year])
    if change is None or from_peak is None:  # a year without encounters: no change to state
        return None
    each = {c: pct_change(by_year.at[latest, c], by_year.at[previous, c]) for c in NT}
    if change < 0:
        lead = gettext(
            "Southwest-border encounters of citizens of {places} numbered {count} in {year}, "
            "{change} fewer than in {previous} ({previous_count})"
        )
    else:
        lead = gettext(
            "Southwest-border encounters of citizens of {places} numbered {count} in {year}, "
            "{change} more than in {previous} ({previous_count})"
        )
    text = lead.format(
        places=names(NT),
        count=f"{total[latest]:,}",
        year=fy_label(latest),
        change=pct(abs(change)),
        previous=fy(previous),
        previous_count=f"{total[previous]:,}",
    )
    if peak_year == latest:
        text += gettext("; {year} is the highest year since the series began in {first}.").format(
            year=fy(latest), first=fy(total.index.min())
        )
    else:
        peak = (
            gettext(" and {change} below the {year} peak ({count}).")
            if from_peak < 0
            else gettext(" and {change} above the {year} peak ({count}).")
        )
        text += peak.format(
            change=pct(abs(from_peak)), year=fy(peak_year), count=f"{total[peak_year]:,}"
        )
    if all(v is not None and v < 0 for v in each.values()):
        text += " " + gettext("Each of the three fell:") + " "
    else:
        text += " " + gettext("By country:") + " "
    text += ", ".join(f"{country(c)} {signed_pct(each[c])}" for c in NT) + "."
    years = [int(y) for y in by_year.index]
    return Finding(
        id="nt-encounters-latest-year",
        statement=text,
        value=float(total[latest]),
        unit="encounters",
        period=f"FY{latest}",
        countries=list(NT),
        source=source,
        chart=ChartSpec(
            type="bar",
            title=gettext("Southwest-border encounters by fiscal year, {first}–{last}").format(
                first=fy(years[0]), last=fy(years[-1])
            ),
            x_title=gettext("fiscal year"),
            y_title=gettext("encounters"),
            series=[
                Series(country(c), c, [fy(y) for y in years], _nan_to_none(by_year[c])) for c in NT
            ],
            stacked=True,
            data_url="/api/encounters?basis=cbp&citizenship=GTM&citizenship=HND&citizenship=SLV",
            page="/?basis=cbp",
        ),
        caveat=gettext(
            "Encounters are events, not people: a person stopped twice counts twice, and Title 42 "
            "expulsions (March 2020 – May 2023) made repeat crossings more common. The CBP series "
            "starts in {first}, so the peak is the highest year since then. The change "
            "describes what happened at the border, not why it happened."
        ).format(first=fy(years[0])),
        details={
            "latest_year": latest,
            "latest": int(total[latest]),
            "previous_year": previous,
            "previous": int(total[previous]),
            "change": change,
            "peak_year": peak_year,
            "peak": int(total[peak_year]),
            "change_from_peak": from_peak,
            "by_country": {c: int(by_year.at[latest, c]) for c in NT},
            "change_by_country": each,
        },
    )


def share_of_southwest(monthly: pd.DataFrame, source: SourceRef) -> Finding | None:
    """NT citizens' share of all Southwest-border encounters: latest complete fiscal year vs the
    year the share peaked. ``monthly``: month, citizenship, count (all citizenships)."""
    frame = complete_fiscal_years(monthly)
    if frame.empty:
        return None
    is_nt = frame["citizenship"].isin(NT)
    nt = frame[is_nt].groupby("fiscal_year")["count"].sum()
    total = frame.groupby("fiscal_year")["count"].sum()
    nt = nt.reindex(total.index, fill_value=0)
    share = nt / total
    latest, peak_year = int(share.index.max()), int(share.idxmax())
    others = total - nt
    text = gettext(
        "Citizens of {places} made up {share} of Border Patrol's Southwest-border encounters "
        "in {year}"
    ).format(places=names(NT), share=pct(share[latest]), year=fy_label(latest))
    if peak_year == latest:
        text += gettext(", the highest share since the series began.")
    else:
        text += gettext(
            ", down from {peak_share} in {peak_year}: their encounters went from {peak} to "
            "{latest} while those of every other citizenship went from {others_peak} to "
            "{others_latest}."
        ).format(
            peak_share=pct(share[peak_year]),
            peak_year=fy(peak_year),
            peak=f"{int(nt[peak_year]):,}",
            latest=f"{int(nt[latest]):,}",
            others_peak=f"{int(others[peak_year]):,}",
            others_latest=f"{int(others[latest]):,}",
        )
    years = [int(y) for y in share.index]
    return Finding(
        id="nt-share-of-southwest",
        statement=text,
        value=round(float(share[latest]), 4),
        unit="share of Southwest-border encounters",
        period=f"FY{latest}",
        countries=list(NT),
        source=source,
        chart=ChartSpec(
            type="line",
            title=gettext(
                "Share of {places} in Southwest-border encounters, {first}–{last}"
            ).format(places=names(NT), first=fy(years[0]), last=fy(years[-1])),
            x_title=gettext("fiscal year"),
            y_title=gettext("share of encounters"),
            series=[Series("Guatemala + Honduras + El Salvador", "XNT", years, list(share))],
            y_format=".0%",
            data_url="/api/encounters?basis=usbp",
            page="/?basis=usbp",
        ),
        caveat=gettext(
            "Border Patrol only: encounters at ports of entry are not in this series, and OHSS "
            "rounds each published cell to 10. A share falls when these countries' encounters "
            "fall or when other countries' rise; the statement gives both counts."
        ),
        details={
            "latest_year": latest,
            "share": float(share[latest]),
            "peak_year": peak_year,
            "peak_share": float(share[peak_year]),
            "nt": {int(y): int(v) for y, v in nt.items()},
            "total": {int(y): int(v) for y, v in total.items()},
        },
    )


def families_and_children(
    nt_monthly: pd.DataFrame, all_monthly: pd.DataFrame, source: SourceRef
) -> Finding | None:
    """Share of NT citizens' encounters that were not single adults (people in family units
    and children) in the latest complete fiscal year, beside the share for all citizenships.
    Frames: month, demographic, count."""
    nt, everyone = complete_fiscal_years(nt_monthly), complete_fiscal_years(all_monthly)
    if nt.empty or everyone.empty:
        return None
    table = nt.groupby(["fiscal_year", "demographic"])["count"].sum().unstack("demographic")
    table = table.fillna(0)
    shares = table.div(table.sum(axis=1), axis=0)
    latest = int(shares.index.max())
    if SINGLE_ADULT not in shares.columns:
        return None
    not_single = 1 - shares.at[latest, SINGLE_ADULT]
    family = float(shares[FAMILY_UNIT].get(latest, 0.0)) if FAMILY_UNIT in shares else 0.0
    alone = float(shares[UNACCOMPANIED].get(latest, 0.0)) if UNACCOMPANIED in shares else 0.0
    all_table = everyone[everyone["fiscal_year"] == latest].groupby("demographic")["count"].sum()
    all_not_single = 1 - all_table.get(SINGLE_ADULT, 0) / all_table.sum()
    years = [int(y) for y in shares.index]
    groups = [
        (FAMILY_UNIT, gettext("people in family units")),
        (UNACCOMPANIED, gettext("unaccompanied children")),
        (SINGLE_ADULT, gettext("single adults")),
    ]
    text = gettext(
        "In {year}, {share} of Southwest-border encounters of citizens of {places} were of "
        "people travelling as families ({family}) or of unaccompanied children ({alone}) rather "
        "than single adults; for all nationalities together the share was {all}."
    ).format(
        year=fy_label(latest),
        share=pct(not_single),
        places=names(NT),
        family=pct(family),
        alone=pct(alone),
        all=pct(all_not_single),
    )
    return Finding(
        id="nt-families-and-children",
        statement=text,
        value=round(float(not_single), 4),
        unit="share of encounters that were not single adults",
        period=f"FY{latest}",
        countries=list(NT),
        source=source,
        chart=ChartSpec(
            type="bar",
            title=gettext("Who was encountered: {places}, {first}–{last}").format(
                places=names(NT), first=fy(years[0]), last=fy(years[-1])
            ),
            x_title=gettext("fiscal year"),
            y_title=gettext("share of encounters"),
            series=[
                Series(label, key, [fy(y) for y in years], _nan_to_none(shares[key]))
                for key, label in groups
                if key in shares.columns
            ],
            y_format=".0%",
            stacked=True,
            data_url="/api/encounters?basis=cbp",
            page="/?basis=cbp",
        ),
        caveat=gettext(
            "“Family units” counts persons — the children and the adults with them — not "
            "families. The categories are recorded when people are stopped; they say who "
            "travelled, not why. A small number of children travelling with adults who are "
            "not their parents are counted in neither group."
        ),
        details={
            "latest_year": latest,
            "not_single_adults": float(not_single),
            "family_units": family,
            "unaccompanied_children": alone,
            "all_nationalities": float(all_not_single),
        },
    )


def _base_value(values: pd.Series, base_year: int) -> tuple[int, float] | None:
    """The value in ``base_year`` or the nearest earlier year with data (within the slack)."""
    earlier = values[(values.index <= base_year) & (values.index >= base_year - BASE_YEAR_SLACK)]
    earlier = earlier.dropna()
    if earlier.empty:
        return None
    return int(earlier.index[-1]), float(earlier.iloc[-1])


def _yearly(long: pd.DataFrame) -> pd.DataFrame:
    """Year × country table of an indicator in long form."""
    years = pd.to_datetime(long["period"]).dt.year
    return long.assign(year=years).pivot_table(
        index="year", columns="country", values="value", aggfunc="mean"
    )


def homicide_since_base(long: pd.DataFrame, source: SourceRef) -> Finding | None:
    """Change in the homicide rate of each NT country from the base year (2015, or the nearest
    earlier year with data) to its latest year. ``long``: country, period, value (one source)."""
    table = _yearly(long)
    rows = {}
    for c in NT:
        if c not in table.columns:
            continue
        values = table[c].dropna()
        base = _base_value(values, BASE_YEAR)
        if base is None or values.index.max() <= base[0]:
            continue
        latest = int(values.index.max())
        rows[c] = (base[0], base[1], latest, float(values[latest]))
    if len(rows) < 2:
        return None
    changes: dict[str, float] = {}
    for c, r in rows.items():
        change = pct_change(r[3], r[1])
        if change is None:  # a base rate of zero: no change to state
            return None
        changes[c] = change
    order = sorted(rows, key=lambda c: changes[c])
    parts = [
        gettext("{country} from {base} to {latest} per 100,000 ({change}, {first}–{last})").format(
            country=country(c),
            base=f"{rows[c][1]:.1f}",
            latest=f"{rows[c][3]:.1f}",
            change=signed_pct(changes[c]),
            first=rows[c][0],
            last=rows[c][2],
        )
        for c in order
    ]
    falls = [v for v in changes.values() if v < 0]
    if len(falls) == len(changes):
        smallest = max(changes.values())
        lead = gettext("Homicide rates fell by at least {change} in each of {places} since {year}:")
        lead = lead.format(change=pct(-smallest, 0), places=names(order), year=BASE_YEAR) + " "
        value, unit = smallest, "change in homicide rate (smallest fall of the countries)"
    else:
        lead = gettext("Homicide rates since {year}:").format(year=BASE_YEAR) + " "
        value = float(pd.Series(changes).median())
        unit = "change in homicide rate (median of the countries)"
    bases = {r[0] for r in rows.values()}
    latests = {r[2] for r in rows.values()}
    shown = table[(table.index >= min(bases) - 3)]
    return Finding(
        id="homicide-since-2015",
        statement=lead + "; ".join(parts) + ".",
        value=round(float(value), 4),
        unit=unit,
        period=f"{min(bases)}–{max(latests)}",
        countries=list(order),
        source=source,
        chart=ChartSpec(
            type="line",
            title=gettext("Homicide rate, {first}–{last}").format(
                first=int(shown.index.min()), last=int(shown.index.max())
            ),
            x_title=gettext("year"),
            y_title=gettext("per 100,000 people"),
            series=_yearly_series(shown),
            y_format=".0f",
            data_url="/api/indicators/homicide_rate?country=GTM&country=HND&country=SLV",
            page="/drivers?indicator=homicide_rate",
        ),
        caveat=gettext(
            "UNODC rates as published by Our World in Data; countries report with different "
            "delays, so the latest years differ, and a country without a value for "
            "{year} is compared from its nearest earlier year. Homicide rates and "
            "encounters have moved together in some years and apart in others: that is an "
            "association, not evidence that one causes the other."
        ).format(year=BASE_YEAR),
        details={
            c: {"base_year": r[0], "base": r[1], "latest_year": r[2], "latest": r[3]}
            for c, r in rows.items()
        },
    )


def remittances_share(long: pd.DataFrame, source: SourceRef) -> Finding | None:
    """Remittances received as % of GDP: the latest year all NT countries have, vs the base
    year. ``long``: country, period, value."""
    table = _yearly(long).reindex(columns=list(NT))
    complete = table.dropna()
    if complete.empty or BASE_YEAR not in complete.index:
        return None
    latest = int(complete.index.max())
    if latest <= BASE_YEAR:
        return None
    now, then = complete.loc[latest], complete.loc[BASE_YEAR]
    order = sorted(NT, key=lambda c: -now[c])
    if all(now > then):
        sentence = gettext(
            "In {year}, remittances received equalled at least {least} of GDP in each of "
            "{places} — {values} — up from {before} respectively in {base}."
        )
    else:
        sentence = gettext(
            "In {year}, remittances received equalled at least {least} of GDP in each of "
            "{places} — {values} — against {before} respectively in {base}."
        )
    text = sentence.format(
        year=latest,
        least=f"{now.min():.0f}%",
        places=names(order),
        values=", ".join(f"{country(c)} {now[c]:.1f}%" for c in order),
        before=names_list([f"{then[c]:.1f}%" for c in order]),
        base=BASE_YEAR,
    )
    shown = table[table.index >= BASE_YEAR - 5]
    return Finding(
        id="remittances-share-of-gdp",
        statement=text,
        value=round(float(now.min()), 2),
        unit="% of GDP (lowest of the countries)",
        period=f"{BASE_YEAR}–{latest}",
        countries=list(order),
        source=source,
        chart=ChartSpec(
            type="line",
            # {pct} rather than a literal % keeps the msgid free of a false %-placeholder
            title=gettext("Remittances received, {pct} of GDP, {first}–{last}").format(
                pct="%", first=int(shown.index.min()), last=latest
            ),
            x_title=gettext("year"),
            y_title=gettext("{pct} of GDP").format(pct="%"),
            series=_yearly_series(shown),
            y_format=".0f",
            data_url="/api/indicators/remittances_pct_gdp?country=GTM&country=HND&country=SLV",
            page="/drivers?indicator=remittances_pct_gdp",
        ),
        caveat=gettext(
            "World Bank estimates; the latest years are revised as balance-of-payments data "
            "arrive. A share of GDP rises when remittances grow or when GDP shrinks. Remittances "
            "are sent by people who have already left, so they follow past migration as much as "
            "they may encourage more; the numbers show an association, not a cause."
        ),
        details={
            c: {
                "base_year": BASE_YEAR,
                "base": float(then[c]),
                "latest_year": latest,
                "latest": float(now[c]),
            }
            for c in NT
        },
    )


def aid_against_promise(
    obligations: pd.DataFrame,
    promise: Mapping[str, Any] | None,
    source: SourceRef,
    promise_source: SourceRef | None,
) -> Finding | None:
    """US aid obligated to the NT countries in the first full fiscal year after the promise of
    $4 billion over four years, against the yearly pace the promise implies.

    ``obligations``: country, period (first day of the fiscal year), value (current USD);
    ``promise``: the commitment's ``amount_usd`` and ``announced_date``."""
    if promise is None or obligations.empty or not promise.get("amount_usd"):
        return None
    announced = pd.Timestamp(promise["announced_date"]).date()
    first_full = fiscal_year(announced) + 1
    frame = obligations.assign(
        fiscal_year=[fiscal_year(pd.Timestamp(p).date()) for p in obligations["period"]]
    )
    year = frame[frame["fiscal_year"] == first_full]
    if set(year["country"]) != set(NT):
        return None
    by_country = year.groupby("country")["value"].sum()
    total = float(by_country.sum())
    pace = float(promise["amount_usd"]) / AID_PROMISE_YEARS
    share = total / pace
    text = gettext(
        "In {year}, the first full fiscal year after the {announced} promise of {promised} over "
        "{years} years, the United States obligated {obligated} in aid to {places} — {share} of "
        "the {pace} a year that the promise implies if spread evenly."
    ).format(
        year=fy(first_full),
        announced=month(announced, long=True),
        promised=gettext("${amount} billion").format(amount=f"{promise['amount_usd'] / 1e9:,.0f}"),
        years=_words(AID_PROMISE_YEARS),
        obligated=gettext("${amount} million").format(amount=f"{total / 1e6:,.0f}"),
        places=names(NT),
        share=pct(share, 0),
        pace=gettext("${amount} million").format(amount=f"{pace / 1e6:,.0f}"),
    )
    shown = frame[frame["fiscal_year"] >= first_full - 6]
    table = shown.pivot_table(index="fiscal_year", columns="country", values="value", aggfunc="sum")
    years = [int(y) for y in table.index]
    return Finding(
        id="aid-obligated-vs-promised",
        statement=text,
        value=round(total / 1e6, 1),
        unit="million US$ obligated",
        period=f"FY{first_full}",
        countries=list(NT),
        source=source,
        chart=ChartSpec(
            type="bar",
            title=gettext("US aid obligations by fiscal year, {first}–{last}").format(
                first=fy(years[0]), last=fy(years[-1])
            ),
            x_title=gettext("fiscal year"),
            y_title=gettext("million US$ (current)"),
            series=[
                Series(
                    country(c),
                    c,
                    [fy(y) for y in years],
                    _nan_to_none(table[c] / 1e6) if c in table else [None] * len(years),
                )
                for c in NT
            ],
            y_format=",.0f",
            stacked=True,
            data_url="/api/indicators/us_aid_obligations_fy?country=GTM&country=HND&country=SLV",
            page="/commitments",
        ),
        caveat=gettext(
            "ForeignAssistance.gov country totals leave out regional programmes, which the "
            "promise also covers, so they understate what was spent on the strategy. Reporting "
            "lags: later years were still incomplete in the copy used. Money obligated is "
            "committed, not yet disbursed, and the sources do not say which fiscal years the "
            "four-year promise covers."
        ),
        other_sources=[promise_source] if promise_source else [],
        details={
            "fiscal_year": first_full,
            "obligated_usd": total,
            "by_country": {c: float(v) for c, v in by_country.items()},
            "promised_usd": float(promise["amount_usd"]),
            "yearly_pace_usd": pace,
            "share_of_pace": share,
        },
    )


# --- reading (the edge) ---------------------------------------------------------------------


def source_refs(con: duckdb.DuckDBPyConnection) -> dict[str, SourceRef]:
    rows = con.execute("SELECT id, dataset, title, publisher, url, status FROM sources").fetchall()
    return {
        r[0]: SourceRef(r[0], r[1] or "", r[2] or r[0], r[3] or "", r[4] or "", r[5] or "")
        for r in rows
    }


def data_through(con: duckdb.DuckDBPyConnection) -> str | None:
    """The last month (``YYYY-MM``) of the monthly encounter series the dashboard shows; None
    for a store without encounters (e.g. one built from a subset of the sources)."""
    if not _has_table(con, "encounters"):
        return None
    marks = ", ".join("?" for _ in ENCOUNTER_SOURCES)
    row = con.execute(
        f"SELECT max(month) FROM encounters WHERE frequency = 'monthly' AND source IN ({marks})",
        list(ENCOUNTER_SOURCES),
    ).fetchone()
    assert row is not None  # an aggregate query always returns a row
    last = row[0]
    return None if last is None else f"{pd.Timestamp(last):%Y-%m}"


def _yearly_series(shown: pd.DataFrame) -> list[Series]:
    """One chart series per Northern Triangle country of a year × country frame."""
    return [
        Series(
            country(c),
            c,
            [int(y) for y in shown[c].dropna().index],
            _nan_to_none(shown[c].dropna()),
        )
        for c in NT
        if c in shown.columns
    ]


def _has_indicator(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute("SELECT 1 FROM indicators WHERE indicator = ? LIMIT 1", [name]).fetchone()
    return found is not None


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return found is not None


def _promise(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    if not _has_table(con, "strategy_commitments"):
        return None
    row = con.execute(
        "SELECT amount_usd, announced_date, source FROM strategy_commitments WHERE id = ?",
        [AID_PROMISE_ID],
    ).fetchone()
    if row is None or row[0] is None or row[1] is None:
        return None
    return {"amount_usd": float(row[0]), "announced_date": row[1], "source": row[2]}


Step = Callable[[duckdb.DuckDBPyConnection, dict[str, SourceRef]], Finding | None]


def _indicator_source(long: pd.DataFrame, refs: dict[str, SourceRef]) -> SourceRef | None:
    ids = long["source"].unique() if not long.empty else []
    return refs.get(str(ids[0])) if len(ids) == 1 else None


def _encounters(con, refs) -> Finding | None:
    source = refs.get(query.BASIS_SOURCE["cbp"])
    if source is None:
        return None
    frame = query.encounters_monthly(con, basis="cbp", citizenship=list(NT))
    return encounters_latest_year(frame, source)


def _share(con, refs) -> Finding | None:
    source = refs.get(query.BASIS_SOURCE["usbp"])
    if source is None:
        return None
    return share_of_southwest(query.encounters_monthly(con, basis="usbp"), source)


def _families(con, refs) -> Finding | None:
    source = refs.get(query.BASIS_DEMOGRAPHIC_SOURCE["cbp"])
    if source is None:
        return None
    by = ("demographic",)
    nt = query.encounters_monthly(con, basis="cbp", by=by, citizenship=list(NT))
    everyone = query.encounters_monthly(con, basis="cbp", by=by)
    return families_and_children(nt, everyone, source)


def _homicide(con, refs) -> Finding | None:
    if "homicide" not in refs or not _has_indicator(con, "homicide_rate"):
        return None
    long = query.indicator(con, "homicide_rate", countries=list(NT), source="homicide")
    return homicide_since_base(long, refs["homicide"])


def _remittances(con, refs) -> Finding | None:
    if not _has_indicator(con, "remittances_pct_gdp"):
        return None
    long = query.indicator(con, "remittances_pct_gdp", countries=list(NT))
    source = _indicator_source(long, refs)
    return None if source is None else remittances_share(long, source)


def _aid(con, refs) -> Finding | None:
    if not _has_indicator(con, "us_aid_obligations_fy"):
        return None
    long = query.indicator(con, "us_aid_obligations_fy", countries=list(NT))
    source = _indicator_source(long, refs)
    promise = _promise(con)
    if source is None or promise is None:
        return None
    return aid_against_promise(long, promise, source, refs.get(str(promise["source"])))


STEPS: tuple[Step, ...] = (_encounters, _share, _families, _homicide, _remittances, _aid)


def compute_findings(con: duckdb.DuckDBPyConnection) -> Findings:
    """Every finding the store supports (a finding whose data are absent is left out)."""
    refs = source_refs(con)
    items = [f for f in (step(con, refs) for step in STEPS) if f is not None]
    return Findings(build_id=current_build(con), data_through=data_through(con), items=items)


__all__ = [
    "ChartSpec",
    "Finding",
    "Findings",
    "Series",
    "SourceRef",
    "aid_against_promise",
    "compute_findings",
    "data_through",
    "encounters_latest_year",
    "families_and_children",
    "format_value",
    "homicide_since_base",
    "remittances_share",
    "share_of_southwest",
]
