"""Plain names for every code a brief would otherwise print, in one place.

The store and the result tables key things by codes — ``XNT`` for the region as a whole,
``us_gov``, ``no_recent_data``, ``auto_ets``, ``harris_strategy``, ``log_gdp_pc`` … A brief is
read by people who never saw those codes, so everything it prints goes through :func:`label`
(or :func:`place` for countries). A code without a plain name is shown with its underscores
turned into spaces rather than as the code itself; a test checks the rendered brief against the
set of codes in the store.
"""

from __future__ import annotations

from collections.abc import Iterable

from rootcauses.countries import country_name
from rootcauses.errors import CheckError

# Countries and groups: the region as a whole, the rest.
PLACES = {
    "XNT": "all three countries",
    "OTHER": "other countries",
    "NT": "Guatemala, Honduras and El Salvador",
}
ACTOR_TYPES = {
    "us_gov": "US government",
    "partner_gov": "Partner governments",
    "private": "Private companies",
    "ngo": "Non-profit organisations",
    "multilateral": "Multilateral lenders",
    "total": "All",
}
STATUSES = {
    "achieved": "achieved",
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    "missed": "missed",
    "no_recent_data": "no recent report",
    "no_metric": "no measurable target",
    "no_deadline": "no deadline",
}
THEORIES = {
    "economic": "Economy",
    "governance": "Governance",
    "violence": "Violence",
    "climate": "Climate",
    "us_demand": "US labour demand",
    "deterrence": "US border policy",
    "all": "All theories together",
}
POLICY_REGIMES = {
    "mpp": "Remain in Mexico (MPP) in force",
    "mexico_enforcement": "Mexican enforcement after the 2019 agreement",
    "title_42": "Title 42 expulsions in force",
    "cbp_one": "CBP One appointments in use",
    "securing_the_border": "2024 asylum restrictions in force",
}
MODELS = {
    "best": "the model with the best backtest",
    "random_walk": "random walk (last value carried forward)",
    "seasonal_naive": "seasonal naive (same month last year)",
    "seasonal_rw": "seasonal random walk",
    "growth": "damped growth",
    "auto_ets": "exponential smoothing (ETS)",
    "auto_arima": "ARIMA",
    "auto_theta": "theta method",
    "sarimax_policy": "seasonal ARIMA with policy regimes",
    "global_ridge": "pooled ridge regression",
    "ensemble": "average of ETS, ARIMA, theta and seasonal ARIMA",
    "combination": "average of random walk, seasonal random walk and theta",
}
SCENARIOS = {
    "status_quo": "status quo",
    "deterrence": "deterrence",
    "harris_strategy": "the 2021 root-causes strategy",
    "anti_corruption": "anti-corruption",
    "progressive": "progressive",
    "climate_shock": "climate shock",
}
METRICS = {
    "encounters_difference": "encounters, difference from the baseline",
    "encounters": "encounters",
    "arrivals": "arrivals at the border",
    "departures": "departures",
}
BASES = {
    "usbp": "U.S. Border Patrol (OHSS)",
    "cbp": "all CBP (Border Patrol and ports of entry)",
}
KINDS = {
    "actor_type": ACTOR_TYPES,
    "status": STATUSES,
    "theory": THEORIES,
    "model": MODELS,
    "scenario": SCENARIOS,
    "metric": METRICS,
    "basis": BASES,
}


def _drivers() -> dict[str, str]:
    from rootcauses.panel import DRIVERS

    names = {d.column: d.description for d in DRIVERS if d.description}
    return {**names, **POLICY_REGIMES}


def plain(code: str) -> str:
    """A code with no plain name: its words, never the code (``foo_bar`` → ``foo bar``)."""
    return str(code).replace("_", " ").strip()


def label(kind: str, code: object) -> str:
    """The plain name of ``code`` of one kind (actor_type, status, theory, driver, indicator,
    model, scenario, metric, basis)."""
    text = "" if code is None else str(code)
    if kind == "indicator":  # store indicators: named by the source that writes them
        from rootcauses.sources.catalogue import describe

        return describe(text).name
    table = _drivers() if kind == "driver" else KINDS.get(kind)
    if table is None:
        raise KeyError(f"no labels for {kind!r}; known: driver, indicator, {', '.join(KINDS)}")
    return table.get(text, plain(text))


def place(code: object) -> str:
    """A country or group code as its name: ``HND`` → Honduras, ``XNT`` → all three countries."""
    text = "" if code is None else str(code)
    if text in PLACES:
        return PLACES[text]
    try:
        return country_name(text)
    except CheckError:
        return plain(text)


def places(codes: Iterable[object]) -> str:
    """``Guatemala, Honduras and El Salvador``."""
    named = [place(c) for c in codes]
    if not named:
        return ""
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"


def count(n: int, one: str, many: str | None = None) -> str:
    """``1 year``, ``2 years``, ``0 years`` — the right number for the noun."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


__all__ = ["count", "label", "place", "places", "plain"]
