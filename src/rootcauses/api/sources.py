"""Sources and provenance."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from rootcauses.api.deps import Store
from rootcauses.api.paging import CSV_TOO, Paging, TablePage, frame_response

router = APIRouter(prefix="/sources", tags=["sources"])


@router.get("", response_model=TablePage, responses=CSV_TOO)
def sources(store: Store, page: Paging, format: Literal["json", "csv"] = "json") -> Response:
    """Every published table in the store with its provenance (URL, file, sha256, period)."""
    frame = store.execute("SELECT * FROM sources ORDER BY dataset, id").df()
    return frame_response(frame, format, "sources", page)
