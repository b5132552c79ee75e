"""Dashboard pages for the commitment tracker (status board, deadlines, one page per commitment)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
