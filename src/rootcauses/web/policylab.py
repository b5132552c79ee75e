"""Dashboard page of the policy lab: run a scenario and compare it with the baseline."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
