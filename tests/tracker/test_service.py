"""Editing with accountability: roles, audited create/update/delete, optimistic locking (also
under real concurrency), soft deletes, progress reports, users and hashed API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

import pytest
from sqlalchemy import select, text

from rootcauses.errors import (
    TrackerAuthError,
    TrackerConflictError,
    TrackerInputError,
    TrackerNotFoundError,
    TrackerPermissionError,
)
from rootcauses.tracker import models, service
from rootcauses.tracker.auth import Actor
from rootcauses.tracker.db import Tracker
from rootcauses.tracker.schemas import (
    CommitmentCreate,
    CommitmentUpdate,
    ProgressCreate,
    UserCreate,
)
from rootcauses.tracker.status import Status

VIEWER, EDITOR, ADMIN = Actor("vic", "viewer"), Actor("eda", "editor"), Actor("ada", "admin")


def new_commitment(**changes) -> CommitmentCreate:
    fields = {
        "id": "C500",
        "actor": "Example Bank",
        "actor_type": "private",
        "country": "GT",
        "pillar_ids": ["P1"],
        "commitment": "Open 100,000 accounts by 2026",
        "metric": "accounts opened",
        "targets": [{"unit": "accounts", "value": 100_000}],
        "announced_date": "2024-01-01",
        "deadline_text": "2026",
        "source_urls": ["https://example.org/pledge"],
    }
    return CommitmentCreate.model_validate(fields | changes)


def update(version: int, **changes) -> CommitmentUpdate:
    return CommitmentUpdate.model_validate({"version": version} | changes)


def create(tracker: Tracker, data: CommitmentCreate | None = None) -> str:
    with tracker.session(write=True) as session:
        return service.create_commitment(session, data or new_commitment(), EDITOR).id


def commitment(tracker: Tracker, commitment_id: str = "C500") -> models.Commitment:
    with tracker.session() as session:
        return service.get_commitment(session, commitment_id, deleted=True)


def trail(tracker: Tracker, commitment_id: str = "C500") -> list:
    with tracker.session() as session:
        return service.history(session, commitment_id)


# --------------------------------------------------------------------------- create / update


def test_create_is_version_one_and_audited(seeded: Tracker) -> None:
    create(seeded)
    c = commitment(seeded)
    assert c.version == 1 and c.deadline == dt.date(2026, 12, 31)
    [entry] = trail(seeded)
    assert (entry.action, entry.entity, entry.actor) == ("create", "commitment", "eda")
    assert entry.before is None and entry.after["targets"][0]["value"] == 100_000
    assert entry.after["version"] == 1
    assert entry.at.tzinfo is not None


def test_update_changes_only_what_was_sent_and_is_audited(seeded: Tracker) -> None:
    create(seeded)
    with seeded.session(write=True) as session:
        changed = service.update_commitment(
            session,
            "C500",
            update(1, targets=[{"unit": "accounts", "value": 150_000}], deadline_text="2027-06"),
            EDITOR,
        )
        assert changed.version == 2
    c = commitment(seeded)
    assert c.targets[0].value == 150_000 and c.actor == "Example Bank"
    assert c.deadline == dt.date(2027, 6, 30)  # read again from the new text
    _create_entry, update_entry = trail(seeded)
    assert update_entry.action == "update"
    assert update_entry.before["targets"][0]["value"] == 100_000
    assert update_entry.after["targets"][0]["value"] == 150_000
    assert (update_entry.before["version"], update_entry.after["version"]) == (1, 2)


def test_an_update_that_changes_nothing_keeps_the_version(seeded: Tracker) -> None:
    create(seeded)
    with seeded.session(write=True) as session:
        service.update_commitment(session, "C500", update(1, actor="Example Bank"), EDITOR)
    assert commitment(seeded).version == 1 and len(trail(seeded)) == 1


def test_two_edits_based_on_the_same_version_one_wins(seeded: Tracker) -> None:
    create(seeded)
    with seeded.session(write=True) as session:
        service.update_commitment(session, "C500", update(1, amount_usd=5e6), EDITOR)
    with (
        pytest.raises(TrackerConflictError, match="version 2 but the edit is based on version 1"),
        seeded.session(write=True) as session,
    ):
        service.update_commitment(session, "C500", update(1, amount_usd=9e6), EDITOR)
    c = commitment(seeded)
    assert c.amount_usd == 5e6 and c.version == 2  # nothing overwritten
    assert [e.action for e in trail(seeded)] == ["create", "update"]


def test_two_threads_editing_at_once_one_gets_a_conflict(seeded: Tracker) -> None:
    """Real concurrency: two threads edit from the same version at the same moment."""
    create(seeded)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def edit(name: str, amount: float, version: int) -> None:
        barrier.wait()
        try:
            with seeded.session(write=True) as session:
                service.update_commitment(
                    session, "C500", update(version, amount_usd=amount), EDITOR
                )
            outcomes[name] = "ok"
        except TrackerConflictError:
            outcomes[name] = "conflict"

    for round_ in range(3):  # a few rounds, each from the commitment's current version
        version = commitment(seeded).version
        outcomes.clear()
        amounts = {"a": 1e6 * (10 * round_ + 1), "b": 1e6 * (10 * round_ + 2)}  # never equal
        threads = [
            threading.Thread(target=edit, args=(name, amount, version))
            for name, amount in amounts.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(outcomes.values()) == ["conflict", "ok"], outcomes
        winner = "a" if outcomes["a"] == "ok" else "b"
        c = commitment(seeded)
        assert c.version == version + 1
        assert c.amount_usd == amounts[winner]
    assert len([e for e in trail(seeded) if e.action == "update"]) == 3


def test_the_update_itself_is_conditional_on_the_version(seeded: Tracker, backend) -> None:
    """PostgreSQL: even when both transactions read version 1 before either writes, the second
    UPDATE matches no row (SQLAlchemy's version_id_col) and fails; nothing is overwritten.
    SQLite: a write transaction takes the write lock first, so the second one reads only after
    the first has committed, and sees the new version."""
    create(seeded)
    first = seeded._write()
    a = first.get(models.Commitment, "C500")
    if backend.name == "sqlite":
        seen: dict[str, int] = {}

        def second_writer() -> None:
            with seeded.session(write=True) as session:
                seen["version"] = session.get(models.Commitment, "C500").version

        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(0.5)
        assert seen == {}  # it has not read: it waits for the write lock the first one holds
        a.amount_usd, a.updated_at = 1.0, models.utcnow()
        first.commit()
        first.close()
        thread.join(10)
        assert seen == {"version": 2}
        return
    second = seeded._write()
    try:
        b = second.get(models.Commitment, "C500")
        assert a.version == b.version == 1
        a.amount_usd, a.updated_at = 1.0, models.utcnow()
        first.commit()
        b.amount_usd, b.updated_at = 2.0, models.utcnow()
        with pytest.raises(Exception, match="expected to update 1 row"):
            second.commit()
    finally:
        first.close()
        second.close()
    assert commitment(seeded).amount_usd == 1.0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"pillar_ids": ["P1", "P99"]}, "pillar_ids.1", "unknown pillar 'P99'"),
        ({"actor": None}, "", "actor: cannot be cleared"),
    ],
)
def test_bad_updates_name_the_field_and_change_nothing(
    seeded: Tracker, changes: dict, field: str, message: str
) -> None:
    create(seeded)
    with (
        pytest.raises((TrackerInputError, ValueError)) as caught,
        seeded.session(write=True) as session,
    ):
        service.update_commitment(session, "C500", update(1, **changes), EDITOR)
    assert message in str(caught.value)
    if isinstance(caught.value, TrackerInputError):
        assert caught.value.problems[0][1] == field
    assert commitment(seeded).version == 1


def test_a_taken_id_is_refused_even_after_a_delete(seeded: Tracker) -> None:
    with pytest.raises(TrackerInputError, match="'C001' already exists") as caught:
        create(seeded, new_commitment(id="C001"))
    assert caught.value.problems == [("body", "id", "commitment 'C001' already exists")]
    generated = create(seeded, new_commitment(id=None))
    assert generated.startswith("C") and len(generated) == 9


# --------------------------------------------------------------------------- delete


def test_delete_is_soft_admin_only_and_versioned(seeded: Tracker) -> None:
    create(seeded)
    with (
        pytest.raises(TrackerPermissionError, match="needs the admin role"),
        seeded.session(write=True) as session,
    ):
        service.delete_commitment(session, "C500", 1, EDITOR)
    with pytest.raises(TrackerConflictError), seeded.session(write=True) as session:
        service.delete_commitment(session, "C500", 7, ADMIN)
    with seeded.session(write=True) as session:
        service.delete_commitment(session, "C500", 1, ADMIN)
    with seeded.session() as session:
        with pytest.raises(TrackerNotFoundError):
            service.get_commitment(session, "C500")
        assert "C500" not in {c.id for c in service.list_commitments(session)}
    row = commitment(seeded)
    assert row.deleted_at is not None and row.version == 2
    assert [e.action for e in trail(seeded)] == ["create", "delete"]
    with pytest.raises(TrackerInputError, match="already exists"):
        create(seeded)
    with pytest.raises(TrackerNotFoundError), seeded.session(write=True) as session:
        service.add_progress(session, "C500", report(), EDITOR)


# --------------------------------------------------------------------------- progress


def report(**changes) -> ProgressCreate:
    fields = {
        "date": "2025-01-31",
        "value": 60_000,
        "unit": "accounts",
        "evidence_url": "https://example.org/q4",
        "note": "bank's annual report",
    }
    return ProgressCreate.model_validate(fields | changes)


def test_progress_is_recorded_with_who_and_moves_the_status(seeded: Tracker) -> None:
    create(seeded)
    with seeded.session(write=True) as session:
        added = service.add_progress(session, "C500", report(), EDITOR)
    with seeded.session() as session:
        c = service.get_commitment(session, "C500")
        judged = service.evaluate(c, dt.date(2025, 2, 1), seeded.thresholds).judgement
    # 60% of 100,000 on 2025-01-31, when the path from 2024-01-01 to 2026-12-31 asked 36%
    assert judged.status is Status.on_track
    assert added.recorded_by == "eda"
    entries = trail(seeded)
    assert (entries[-1].entity, entries[-1].action) == ("progress", "create")
    assert entries[-1].after["evidence_url"] == "https://example.org/q4"
    with seeded.session(write=True) as session:
        service.delete_progress(session, added.id, ADMIN)
    with seeded.session() as session:
        c = service.get_commitment(session, "C500")
        judged = service.evaluate(c, dt.date(2025, 2, 1), seeded.thresholds).judgement
        assert service.live_progress(c) == []
    assert judged.status is Status.no_recent_data
    with pytest.raises(TrackerNotFoundError), seeded.session(write=True) as session:
        service.delete_progress(session, added.id, ADMIN)


def test_progress_for_an_unknown_commitment(seeded: Tracker) -> None:
    with (
        pytest.raises(TrackerNotFoundError, match="no commitment 'C999'"),
        seeded.session(write=True) as session,
    ):
        service.add_progress(session, "C999", report(), EDITOR)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"evidence_url": "file:///etc/passwd"}, "expected an http(s) URL"),
        ({"date": "2025-02-30"}, "not a real date"),
        ({"date": None}, "valid string"),
    ],
)
def test_bad_progress_reports_are_refused(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        report(**changes)
    assert message in str(caught.value)


# --------------------------------------------------------------------------- roles, users, tokens


def test_roles(seeded: Tracker) -> None:
    with (
        pytest.raises(TrackerAuthError, match="needs an API token"),
        seeded.session(write=True) as session,
    ):
        service.create_commitment(session, new_commitment(), None)  # type: ignore[arg-type]
    with (
        pytest.raises(TrackerPermissionError, match="'vic' is a viewer"),
        seeded.session(write=True) as session,
    ):
        service.create_commitment(session, new_commitment(), VIEWER)
    with pytest.raises(TrackerPermissionError), seeded.session(write=True) as session:
        service.add_progress(session, "C001", report(), VIEWER)
    with pytest.raises(TrackerPermissionError), seeded.session(write=True) as session:
        service.create_user(session, UserCreate(name="x", role="viewer"), EDITOR)
    with seeded.session() as session:
        assert "C500" not in {c.id for c in service.list_commitments(session)}


def test_tokens_are_shown_once_and_stored_hashed(tracker: Tracker) -> None:
    with tracker.session(write=True) as session:
        user, token = service.create_user(session, UserCreate(name="eve", role="editor"), ADMIN)
    assert token.startswith("rct_") and len(token) > 40
    with tracker.session() as session:
        stored = session.scalars(select(models.ApiToken.token_hash)).one()
        assert stored == hashlib.sha256(token.encode()).hexdigest()
        assert service.actor_for_token(session, token) == Actor("eve", "editor", user.id)
        assert service.actor_for_token(session, token + "x") is None
    with tracker.engine.connect() as connection:  # the token itself is nowhere at rest
        for table in ("users", "api_tokens", "audit_log"):
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()
            assert token not in repr(rows)
    with tracker.session(write=True) as session:
        second = service.issue_token(session, "eve", ADMIN)
    with tracker.session() as session:
        assert service.actor_for_token(session, second).name == "eve"
        assert service.actor_for_token(session, token).name == "eve"
    with (
        pytest.raises(TrackerConflictError, match="already exists"),
        tracker.session(write=True) as session,
    ):
        service.create_user(session, UserCreate(name="eve", role="viewer"), ADMIN)
    with tracker.session(write=True) as session:
        session.execute(text("UPDATE api_tokens SET revoked_at = created_at"))
    with tracker.session() as session:
        assert service.actor_for_token(session, token) is None


def test_user_names_and_roles_are_checked() -> None:
    for bad in ({"name": "a b", "role": "viewer"}, {"name": "ann", "role": "owner"}):
        with pytest.raises(ValueError, match=None):
            UserCreate.model_validate(bad)
