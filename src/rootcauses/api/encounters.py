"""Encounter series."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from rootcauses.api.deps import Store
from rootcauses.api.paging import CSV_TOO, Paging, TablePage, frame_response
from rootcauses.countries import _codes
from rootcauses.store import query

router = APIRouter(prefix="/encounters", tags=["encounters"])

MONTH = r"^\d{4}-\d{2}(-\d{2})?$"


@router.get("", response_model=TablePage, responses=CSV_TOO)
def encounters(
    store: Store,
    page: Paging,
    citizenship: Annotated[
        list[str] | None,
        Query(description="ISO3 code(s), or OTHER; default: GTM, HND, SLV, MEX, OTHER"),
    ] = None,
    basis: Annotated[
        Literal["cbp", "usbp"],
        Query(description="cbp: all CBP encounters (FY2020+); usbp: Border Patrol only (FY2000+)"),
    ] = "cbp",
    start: Annotated[str | None, Query(pattern=MONTH, description="first month, YYYY-MM")] = None,
    end: Annotated[str | None, Query(pattern=MONTH, description="last month, YYYY-MM")] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response:
    """Monthly Southwest-border encounters by citizenship."""
    codes = [c.upper() for c in citizenship] if citizenship else None
    unknown = [c for c in codes or [] if c not in _codes()]
    if unknown:
        raise HTTPException(
            status_code=422,
            detail=f"unknown citizenship {unknown}; use ISO3 codes such as GTM, or OTHER",
        )
    try:
        frame = query.encounters_monthly(
            store,
            basis=basis,
            citizenship=codes,
            headline=codes is None or "OTHER" in codes,
            start=start,
            end=end,
        )
    except query.QueryError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return frame_response(frame, format, "encounters", page)
