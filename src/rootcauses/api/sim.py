"""Policy-lab API: scenarios, runs with progress and cancellation, results."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/sim", tags=["policy lab"])
