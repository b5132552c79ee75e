"""The commitment tracker: every promise of the 2021 U.S. root-causes strategy with a metric, a
target, a deadline, progress and a computed status.

Layers, pure at the core and I/O at the edges::

    status.py   the status rules and thresholds (pure)     rollup.py  roll-ups (pure)
    parsing.py  text ⇄ values (dates, deadlines, targets)   schemas.py Create/Update/Public
    models.py   SQLAlchemy tables   migrations/  Alembic    db.py      engines, sessions
    service.py  operations on a session (audited edits, import/export of batches)
    files.py    CSV/JSON ⇄ batches  snapshot.py  the table in the analytics store
    ../cli/tracker.py  `rootcauses tracker …`   ../api/tracker.py  the REST router
"""

from rootcauses.tracker.db import Tracker, open_tracker
from rootcauses.tracker.status import (
    Judgement,
    Milestone,
    Reading,
    Status,
    Target,
    TargetJudgement,
    Thresholds,
    judge_commitment,
    judge_target,
)

__all__ = [
    "Judgement",
    "Milestone",
    "Reading",
    "Status",
    "Target",
    "TargetJudgement",
    "Thresholds",
    "Tracker",
    "judge_commitment",
    "judge_target",
    "open_tracker",
]
