"""Dashboard page of the policy lab: run a scenario and compare it with the baseline.

The page is rendered with everything the form needs (scenarios, their lever values, ranges and
the web limits) so it works before any run; runs go through ``/api/sim/runs`` from
``static/policylab.js``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from rootcauses.api.sim import limits_public, parameter_rows
from rootcauses.countries import country_name
from rootcauses.errors import RootCausesError
from rootcauses.i18n import N_
from rootcauses.jobs.sim import SimWebSettings
from rootcauses.sim.scenarios import SCENARIO_NAMES, load_parameter_specs, load_scenario
from rootcauses.web.pages import _render, unreadable
from rootcauses.web.whatif import validation_context, whatif_context

router = APIRouter(include_in_schema=False)
TITLE = N_("Policy lab")
DEFAULTS = {"households": 20_000, "months": 24, "members": 4, "seed": 0, "start": "2019-01"}


def page_context(limits: dict[str, int]) -> dict[str, Any]:
    """Scenarios with the value of every lever under each, the lever specs and the limits."""
    specs = load_parameter_specs()
    levers = [row for row in parameter_rows() if row["lever"]]
    scenarios = []
    for name in SCENARIO_NAMES:
        scenario = load_scenario(name, specs)
        scenarios.append(
            {
                "name": name,
                "description": scenario.description,
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
