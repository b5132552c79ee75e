"""Dashboard page of the policy lab: run a scenario and compare it with the baseline.

The page is rendered with everything the form needs (scenarios, their lever values, ranges and
the web limits) so it works before any run; runs go through ``/api/sim/runs`` from
``static/policylab.js``.

The words the page takes from the simulation's specs (each lever's name, unit and note, each
scenario's name and description; ``sim/parameters.yaml`` and ``sim/scenarios/*.yaml``) are shown
in the page's language: :func:`spec_words` lists them as the page shows them, and babel.cfg's
``policylab`` method (:func:`extract_words`) puts them in the catalogue, so a lever or scenario
without Spanish fails the catalogue test. The API (``/api/sim/…``) keeps them in English.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from rootcauses.api.sim import limits_public, parameter_rows
from rootcauses.countries import country_name
from rootcauses.errors import RootCausesError
from rootcauses.i18n import N_, catalogue_key, translate
from rootcauses.jobs.sim import SimWebSettings
from rootcauses.sim.scenarios import SCENARIO_NAMES, load_parameter_specs, load_scenario
from rootcauses.web.pages import _render, unreadable
from rootcauses.web.whatif import validation_context, whatif_context

router = APIRouter(include_in_schema=False)
TITLE = N_("Policy lab")
DEFAULTS = {"households": 20_000, "months": 24, "members": 4, "seed": 0, "start": "2019-01"}


def plain(name: str) -> str:
    """A lever's or scenario's name as the page writes it (``harris_strategy`` → ``harris
    strategy``)."""
    return name.replace("_", " ")


def one_line(text: str) -> str:
    """A spec's text as one line (YAML's folded notes keep no line breaks on the page)."""
    return " ".join(text.split())


def spec_words() -> Iterator[str]:
    """The English the page shows from the specs, as it shows it: each lever's name, unit and
    note, then each scenario's name and description."""
    specs = load_parameter_specs(calibrated=False)  # names and notes do not depend on one
    for name, spec in specs.items():
        if spec.lever:
            yield from (plain(name), spec.unit, one_line(spec.note))
    for name in SCENARIO_NAMES:
        yield from (plain(name), one_line(load_scenario(name, specs).description))


def extract_words(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[Any, ...]]:
    """Babel extractor for this module (babel.cfg's ``policylab`` method): its own marked
    strings, then :func:`spec_words` (a literal % written %%, :func:`catalogue_key`)."""
    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)
    for text in dict.fromkeys(spec_words()):
        if text.strip():
            yield 0, None, catalogue_key(text), []


def page_context(limits: dict[str, int]) -> dict[str, Any]:
    """Scenarios with the value of every lever under each, the lever specs and the limits; the
    levers' and scenarios' words in the current language (``label``, ``unit``, ``note``,
    ``description``)."""
    specs = load_parameter_specs()
    levers = [
        row
        | {
            "label": translate(plain(row["name"])),
            "unit": translate(row["unit"]),
            "note": translate(one_line(row["note"])),
        }
        for row in parameter_rows()
        if row["lever"]
    ]
    scenarios = []
    for name in SCENARIO_NAMES:
        scenario = load_scenario(name, specs)
        scenarios.append(
            {
                "name": name,
                "label": translate(plain(name)),
                "description": translate(one_line(scenario.description)),
                "overrides": scenario.overrides,
                "levers": {row["name"]: scenario.values[row["name"]] for row in levers},
            }
        )
    return {
        "scenarios": scenarios,
        "levers": levers,
        "limits": limits,
        "defaults": DEFAULTS,
        "names": {c: country_name(c) for c in ("GTM", "HND", "SLV")},
    }


@router.get("/policy-lab", response_class=HTMLResponse)
def policy_lab(request: Request) -> HTMLResponse:
    try:
        registry = getattr(request.app.state, "sim_jobs", None)
        limits = registry.limits if registry is not None else SimWebSettings()
        context = page_context(dict(limits_public(limits)))
    except RootCausesError as exc:
        error = unreadable(request, exc, "the policy lab", hint=None)
        return _render(request, "policylab.html", TITLE, error=error)
    if not request.app.state.settings.store_path.exists():
        context["store_missing"] = True
    else:
        try:
            context["whatif"] = whatif_context(request.app.state.settings)
        except RootCausesError as exc:
            context["whatif_error"] = unreadable(request, exc, "the what-if results", hint=None)
        try:
            context["validation"] = validation_context(request.app.state.settings)
        except RootCausesError as exc:
            context["validation_error"] = unreadable(request, exc, "the validation", hint=None)
    return _render(request, "policylab.html", TITLE, **context)
