"""Roll-ups of judged commitments by pillar, actor, actor type or country. Pure.

Per group: how many commitments, how many in each status, how many have a metric (a numeric
target), a deadline, and both (with that share), how many lack a metric or a deadline (flags, so
a commitment lacking both counts in both), money promised (``amount_usd``) and money reported as
delivered (the latest report in a money unit, see :func:`.status.money_reported`).

A commitment serving several pillars counts under each of them, so pillar rows can add up to
more than the total; the total row counts every commitment once. Aggregate commitments (e.g. the
Call to Action's running total) count in the status columns but never in the money columns,
which would otherwise count the same dollars twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from rootcauses.tracker.status import Status

By = Literal["pillar", "actor", "actor_type", "country"]
GROUPINGS: tuple[By, ...] = ("pillar", "actor", "actor_type", "country")
TOTAL = "total"
COLUMNS = [
    "group",
    "commitments",
    *(s.value for s in Status),
    "with_metric",
    "with_deadline",
    "with_metric_and_deadline",
    "share_with_metric_and_deadline",
    "without_metric",
    "without_deadline",
    "promised_usd",
    "reported_usd",
]


@dataclass(frozen=True)
class RollupItem:
    """One commitment as the roll-ups see it."""

    id: str
    actor: str
    actor_type: str
    country: str
    pillars: tuple[str, ...]
    status: Status
    has_metric: bool
    has_deadline: bool
    amount_usd: float | None = None
    reported_usd: float | None = None
    aggregate: bool = False
    evidence: str | None = None  # "reported" | "derived": what the status rests on
    reason: str = ""


def _keys(item: RollupItem, by: By) -> Sequence[str]:
    if by == "pillar":
        return item.pillars or ("(none)",)
    return (getattr(item, by),)


def _row(group: str, items: list[RollupItem]) -> dict[str, object]:
    n = len(items)
    both = sum(i.has_metric and i.has_deadline for i in items)
    counted = [i for i in items if not i.aggregate]
    row: dict[str, object] = {"group": group, "commitments": n}
    row.update({s.value: sum(i.status is s for i in items) for s in Status})
    row.update(
        {
            "with_metric": sum(i.has_metric for i in items),
            "with_deadline": sum(i.has_deadline for i in items),
            "with_metric_and_deadline": both,
            "share_with_metric_and_deadline": round(both / n, 4) if n else 0.0,
            "without_metric": sum(not i.has_metric for i in items),
            "without_deadline": sum(not i.has_deadline for i in items),
            "promised_usd": float(sum(i.amount_usd or 0.0 for i in counted)),
            "reported_usd": float(sum(i.reported_usd or 0.0 for i in counted)),
        }
    )
    return row


def rollup(items: Iterable[RollupItem], by: By) -> pd.DataFrame:
    """One row per group (sorted), in :data:`COLUMNS` order."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {list(GROUPINGS)}")
    groups: dict[str, list[RollupItem]] = {}
    for item in items:
        for key in _keys(item, by):
            groups.setdefault(key, []).append(item)
    rows = [_row(key, groups[key]) for key in sorted(groups)]
    return pd.DataFrame(rows, columns=COLUMNS)


def total(items: Iterable[RollupItem]) -> dict[str, object]:
    """The all-commitments row (each counted once)."""
    return _row(TOTAL, list(items))


@dataclass(frozen=True)
class Evidence:
    """How many commitments with a numeric target have a status other than ``no_recent_data``,
    how many of those rest on a reading (reported or derived), and the rest with their reason."""

    measurable: int
    judged: int
    on_reported: int
    on_derived: int
    without_reading: int
    no_recent_data: tuple[tuple[str, str], ...]  # (id, reason)

    @property
    def share_judged(self) -> float:
        return self.judged / self.measurable if self.measurable else 0.0


def evidence(items: Iterable[RollupItem]) -> Evidence:
    """The evidence behind the statuses of the commitments that have a numeric target."""
    measurable = [i for i in items if i.has_metric]
    judged = [i for i in measurable if i.status is not Status.no_recent_data]
    return Evidence(
        measurable=len(measurable),
        judged=len(judged),
        on_reported=sum(i.evidence == "reported" for i in judged),
        on_derived=sum(i.evidence == "derived" for i in judged),
        without_reading=sum(i.evidence is None for i in judged),
        no_recent_data=tuple(
            (i.id, i.reason) for i in measurable if i.status is Status.no_recent_data
        ),
    )
