"""Headline findings computed from the store, and the "data through" stamp on API answers.

``GET /api/findings`` → ``{"data": [finding, …], "data_through": "YYYY-MM"}``: each finding with
its statement, value and unit, period, countries, source (from the store's provenance), a chart
spec and a caveat (:mod:`rootcauses.findings`). Findings are computed once per build and served
from memory until another build becomes current.

:class:`DataThroughMiddleware` adds ``X-Data-Through: YYYY-MM`` to every ``/api/`` answer made
from the store, and names the month in CSV downloads' file names (``encounters.csv`` →
``encounters-data-through-2024-09.csv``) so a saved file keeps its date; the CSV body is
unchanged (same columns, no comment lines), so it stays machine-readable.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rootcauses.api.deps import get_settings
from rootcauses.config import Settings
from rootcauses.errors import RootCausesError
from rootcauses.findings import data_through_for, findings_for

router = APIRouter(tags=["findings"])
HEADER = "X-Data-Through"
MONTH = r"^\d{4}-\d{2}$"


class SourcePublic(BaseModel):
    """Where a finding's data come from: a published table in the store's ``sources``."""

    id: str = Field(description="source id in the store (see /api/sources)")
    dataset: str
    title: str
    publisher: str
    url: str = Field(description="the publisher's URL")
    status: str = Field(description="official, derived or transcribed")


class SeriesPublic(BaseModel):
    name: str
    key: str = Field(description="country code or group the series is coloured by")
    x: list[Any]
    y: list[float | None]


class ChartPublic(BaseModel):
    """What the landing page draws for a finding, and where the full data are."""

    type: str = Field(description="bar or line")
    title: str
    x_title: str
    y_title: str
    series: list[SeriesPublic]
    y_format: str = Field(description="d3 number format of the y axis")
    stacked: bool
    data_url: str = Field(description="API query returning the underlying data")
    page: str = Field(description="dashboard page that explores the data")


class FindingPublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    statement: str = Field(description="what changed, where and since when")
    value: float
    unit: str
    period: str
    countries: list[str] = Field(description="ISO3 codes")
    source: SourcePublic
    chart: ChartPublic
    caveat: str = Field(description="what the figure does not show; association is not cause")
    other_sources: list[SourcePublic] = []
    details: dict[str, Any] = Field(default={}, description="the figures the statement quotes")


class FindingsPublic(BaseModel):
    data: list[FindingPublic]
    data_through: str | None = Field(
        pattern=MONTH, description="last month of the encounter data (YYYY-MM)"
    )


@router.get("/findings", response_model=FindingsPublic)
def findings(settings: Annotated[Settings, Depends(get_settings)]) -> FindingsPublic:
    """Dated headline findings computed from the current build (not paged: a handful)."""
    try:
        found = findings_for(settings)
    except RootCausesError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc
    return FindingsPublic(
        data=[FindingPublic.model_validate(f.public()) for f in found.items],
        data_through=found.data_through,
    )


_FILENAME = re.compile(rb'filename="([^"/\\]+)\.csv"')


def stamp_headers(headers: list[tuple[bytes, bytes]], through: str) -> list[tuple[bytes, bytes]]:
    """``headers`` with ``X-Data-Through`` and the month in a CSV attachment's file name."""
    out = []
    for key, value in headers:
        if key.lower() == b"content-disposition" and b"-data-through-" not in value:
            value = _FILENAME.sub(
                lambda m: b'filename="' + m[1] + b"-data-through-" + through.encode() + b'.csv"',
                value,
            )
        out.append((key, value))
    return [*out, (HEADER.lower().encode(), through.encode())]


class DataThroughMiddleware:
    """Stamps ``/api/`` answers with the month the current build's data run through."""

    def __init__(self, app: ASGIApp, prefix: str = "/api/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
        through = data_through_for(settings) if settings is not None else None
        if through is None:
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                message["headers"] = stamp_headers(list(message.get("headers", [])), through)
            await send(message)

        await self.app(scope, receive, stamped)


__all__ = ["HEADER", "DataThroughMiddleware", "FindingsPublic", "router", "stamp_headers"]
