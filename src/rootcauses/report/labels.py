"""Plain names for every code a brief would otherwise print, in one place.

The store and the result tables key things by codes — ``XNT`` for the region as a whole,
``us_gov``, ``no_recent_data``, ``auto_ets``, ``harris_strategy``, ``log_gdp_pc`` … A brief is
read by people who never saw those codes, so everything it prints goes through :func:`label`
(or :func:`place` for countries). A code without a plain name is shown with its underscores
turned into spaces rather than as the code itself; a test checks the rendered brief against the
set of codes in the store.

The names are marked for the translation catalogues (``N_``) and translated when they are read,
in the language of the work in hand (:mod:`rootcauses.i18n`): the same call gives "at risk" in
an English brief and "en riesgo" in a Spanish one.
"""

from __future__ import annotations

from collections.abc import Iterable

from rootcauses.countries import country_name
from rootcauses.errors import CheckError
from rootcauses.i18n import N_, country, gettext

# Countries and groups: the region as a whole, the rest.
PLACES = {
    "XNT": N_("all three countries"),
    "OTHER": N_("other countries"),
    "NT": N_("Guatemala, Honduras and El Salvador"),
}
ACTOR_TYPES = {
    "us_gov": N_("US government"),
    "partner_gov": N_("Partner governments"),
    "private": N_("Private companies"),
    "ngo": N_("Non-profit organisations"),
    "multilateral": N_("Multilateral lenders"),
    "total": N_("All"),
}
STATUSES = {
    "achieved": N_("achieved"),
    "on_track": N_("on track"),
    "at_risk": N_("at risk"),
    "off_track": N_("off track"),
    "missed": N_("missed"),
    "no_recent_data": N_("no recent report"),
    "no_metric": N_("no measurable target"),
    "no_deadline": N_("no deadline"),
}
THEORIES = {
    "economic": N_("Economy"),
    "governance": N_("Governance"),
    "violence": N_("Violence"),
    "climate": N_("Climate"),
    "us_demand": N_("US labour demand"),
    "deterrence": N_("US border policy"),
    "all": N_("All theories together"),
}
POLICY_REGIMES = {
    "mpp": N_("Remain in Mexico (MPP) in force"),
    "mexico_enforcement": N_("Mexican enforcement after the 2019 agreement"),
    "title_42": N_("Title 42 expulsions in force"),
    "cbp_one": N_("CBP One appointments in use"),
    "securing_the_border": N_("2024 asylum restrictions in force"),
}
MODELS = {
    "best": N_("the model with the best backtest"),
    "random_walk": N_("random walk (last value carried forward)"),
    "seasonal_naive": N_("seasonal naive (same month last year)"),
    "seasonal_rw": N_("seasonal random walk"),
    "growth": N_("damped growth"),
    "auto_ets": N_("exponential smoothing (ETS)"),
    "auto_arima": N_("ARIMA"),
    "auto_theta": N_("theta method"),
    "sarimax_policy": N_("seasonal ARIMA with policy regimes"),
    "global_ridge": N_("pooled ridge regression"),
    "ensemble": N_("average of ETS, ARIMA, theta and seasonal ARIMA"),
    "combination": N_("average of random walk, seasonal random walk and theta"),
    "seasonal_ar": N_("seasonal autoregression of monthly changes"),
    "skill_combination": N_("random walk and seasonal autoregression weighted by past accuracy"),
    "global_lgbm": N_("gradient-boosted trees across series (LightGBM)"),
    "markov_ar": N_("two-regime Markov-switching autoregression"),
}
SCENARIOS = {
    "status_quo": N_("status quo"),
    "deterrence": N_("deterrence"),
    "harris_strategy": N_("the 2021 root-causes strategy"),
    "anti_corruption": N_("anti-corruption"),
    "progressive": N_("progressive"),
    "climate_shock": N_("climate shock"),
}
METRICS = {
    "encounters_difference": N_("encounters, difference from the baseline"),
    "encounters": N_("encounters"),
    "arrivals": N_("arrivals at the border"),
    "departures": N_("departures"),
}
BASES = {
    "usbp": N_("U.S. Border Patrol (OHSS)"),
    "cbp": N_("all CBP (Border Patrol and ports of entry)"),
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
    return gettext(table[text]) if text in table else plain(text)


def place(code: object) -> str:
    """A country or group code as its name: ``HND`` → Honduras, ``XNT`` → all three countries."""
    text = "" if code is None else str(code)
    if text in PLACES:
        return gettext(PLACES[text])
    try:
        country_name(text)  # a known code
    except CheckError:
        return plain(text)
    return country(text)


def places(codes: Iterable[object]) -> str:
    """``Guatemala, Honduras and El Salvador``."""
    named = [place(c) for c in codes]
    if not named:
        return ""
    if len(named) == 1:
        return named[0]
    return gettext("{first} and {last}").format(first=", ".join(named[:-1]), last=named[-1])


# The nouns that count() is given, singular: plural, both in the catalogues.
NOUNS = {
    N_("month"): N_("months"),
    N_("year"): N_("years"),
    N_("calendar year"): N_("calendar years"),
    N_("country-year"): N_("country-years"),
    N_("country"): N_("countries"),
    N_("policy event"): N_("policy events"),
    N_("commitment"): N_("commitments"),
}


def count(n: int, one: str, many: str | None = None) -> str:
    """``1 year``, ``2 years``, ``0 years`` — the right number for the noun, in the current
    language (the nouns of :data:`NOUNS` are in the catalogues)."""
    noun = one if n == 1 else (many or NOUNS.get(one) or one + "s")
    return f"{n:,} {gettext(noun)}"


__all__ = ["count", "label", "place", "places", "plain"]
