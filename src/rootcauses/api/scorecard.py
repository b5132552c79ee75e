"""The outcome scorecard per pillar (:mod:`rootcauses.analysis.scorecard`).

``GET /api/scorecard`` → one page of rows ``{pillar, indicator, country, pre_period,
post_period, observed, counterfactual, lo90, hi90, verdict, …}`` with the paging fields and the
design, the method and the pillars the store cannot score; ``format=csv`` gives the interface's
columns. The scorecard is computed once per build (about a second) and served from memory until
another build becomes current, like the findings.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, Field

from rootcauses.analysis.scorecard import (
    INTERFACE_COLUMNS,
    OUTCOMES,
    Scorecard,
    scorecard_from_store,
    scorecard_rows,
)
from rootcauses.api.deps import get_settings
from rootcauses.api.paging import CSV_TOO, Page, Paging, frame_response, page_of
from rootcauses.config import Settings
from rootcauses.countries import NORTHERN_TRIANGLE
from rootcauses.errors import RootCausesError
from rootcauses.findings import cached_per_build

router = APIRouter(tags=["scorecard"])
VerdictName = Literal["better", "worse", "no_detectable_change", "insufficient_data"]
Country = Literal["GTM", "HND", "SLV"]
assert set(Country.__args__) == set(NORTHERN_TRIANGLE)  # type: ignore[attr-defined]


def scorecard_for(settings: Settings) -> Scorecard:
    """The scorecard of the current build of ``settings``' home (cached per build; raises
    :class:`~rootcauses.errors.BuildError` when there is no store)."""
    return cached_per_build("scorecard", settings, scorecard_from_store)


class WeightPublic(BaseModel):
    country: str
    name: str
    weight: float = Field(ge=0, le=1)


class SeriesPublic(BaseModel):
    """Observed and synthetic paths by year; the placebo band after 2020 (null before)."""

    year: list[int]
    observed: list[float | None]
    synthetic: list[float | None]
    lo: list[float | None]
    hi: list[float | None]


class ScorecardRowPublic(BaseModel):
    pillar: str = Field(description="strategy pillar id (P1 … P5)")
    indicator: str
    country: str = Field(description="ISO3")
    pre_period: str | None = Field(description="years the counterfactual is fitted on")
    post_period: str | None = Field(description="years scored, from 2021")
    observed: float | None = Field(description="mean over the post-period (geometric for logs)")
    counterfactual: float | None = Field(description="the synthetic control's mean")
    lo90: float | None = Field(description="5th percentile of the placebo band of the mean")
    hi90: float | None = Field(description="95th percentile of the placebo band of the mean")
    verdict: VerdictName
    pillar_name: str
    label: str
    country_name: str
    unit: str
    higher_is_better: bool
    transform: str = Field(description="level, log or growth: the scale the control is fit on")
    gap: float | None = Field(description="observed - counterfactual")
    p_value: float | None = Field(description="two-sided rank among the in-space placebos")
    donors: int
    weights: list[WeightPublic] = Field(description="the largest donor weights")
    pre_fit: str = Field(description="good, or poor when worse than 90% of the placebos' fits")
    volatile: bool
    regional_verdict: VerdictName | None = Field(
        description="the verdict with Latin American and Caribbean donors only (null: too few)"
    )
    regional_donors: int
    statement: str = Field(description="one sentence; an association, not a measured effect")
    reason: str = Field(description="why there is no verdict (insufficient_data)")
    caveats: list[str]
    source: dict[str, str]
    series: SeriesPublic | dict[str, Any]


class NotCoveredPublic(BaseModel):
    pillar: str
    pillar_name: str
    reason: str


class ScorecardPage(Page[ScorecardRowPublic]):
    """A page of scorecard rows with the design every verdict depends on."""

    build_id: str
    method: str
    design: dict[str, Any]
    not_covered: list[NotCoveredPublic]


def _current(settings: Settings) -> Scorecard:
    try:
        return scorecard_for(settings)
    except RootCausesError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc


@router.get("/scorecard", response_model=ScorecardPage, responses=CSV_TOO)
def scorecard(
    settings: Annotated[Settings, Depends(get_settings)],
    page: Paging,
    response: Response,
    country: Annotated[Country | None, Query(description="GTM, HND or SLV; default all")] = None,
    pillar: Annotated[
        str | None, Query(pattern=r"^P[1-9]$", description="pillar id, e.g. P4")
    ] = None,
    indicator: Annotated[
        str | None, Query(pattern=r"^[a-z0-9_]{1,60}$", description="e.g. homicide_rate")
    ] = None,
    verdict: VerdictName | None = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    """Outcome indicators per pillar since 2021 against a synthetic control fitted on earlier
    years, with placebo bands and a verdict per indicator and country (not a measured effect)."""
    known = {o.id for o in OUTCOMES}
    if indicator is not None and indicator not in known:
        raise HTTPException(
            status_code=422, detail=f"unknown indicator {indicator!r}; one of {sorted(known)}"
        )
    card = _current(settings).select(country)
    rows = [
        r
        for r in card.rows
        if (pillar is None or r.pillar == pillar)
        and (indicator is None or r.indicator == indicator)
        and (verdict is None or r.verdict == verdict)
    ]
    if format == "csv":
        chosen = Scorecard(card.build_id, card.design, rows, card.not_covered, card.method)
        return frame_response(scorecard_rows(chosen, INTERFACE_COLUMNS), "csv", "scorecard", page)
    public = [ScorecardRowPublic.model_validate(r.public()) for r in rows]
    cut = page_of(public, page, response)
    return ScorecardPage(
        data=cut.data,
        count=cut.count,
        offset=cut.offset,
        limit=cut.limit,
        next=cut.next,
        build_id=card.build_id,
        method=card.method,
        design=card.design,
        not_covered=[NotCoveredPublic.model_validate(n) for n in card.not_covered],
    )


__all__ = ["ScorecardPage", "router", "scorecard_for"]
