"""The audit log is a keyed hash chain: any edit, deletion or re-forging is detected."""

from __future__ import annotations

import hashlib

from flask import Flask
from sqlalchemy import delete, select, update

from complaints import audit
from complaints.dates import today
from complaints.db import new_session
from complaints.models import AuditEvent, AuditHead, ReporterAuditEvent


def _append(app: Flask, count: int) -> None:
    with app.app_context(), new_session(app) as db:
        for number in range(count):
            audit.record(db, "case_viewed", audit.STAFF, actor_id=1, case_id=number, detail="test")
        db.commit()


def _verify(app: Flask) -> list[audit.AuditProblem]:
    with app.app_context(), new_session(app) as db:
        return audit.verify(db)


def test_intact_chain_verifies(app: Flask) -> None:
    _append(app, 5)
    assert _verify(app) == []
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "intact" in result.output


def test_edited_entry_is_detected_by_the_cli(app: Flask) -> None:
    _append(app, 5)
    with new_session(app) as db:
        db.execute(update(AuditEvent).where(AuditEvent.case_id == 2).values(detail="rewritten"))
        db.commit()
    assert _verify(app)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code != 0


def test_deleted_entries_are_detected(app: Flask) -> None:
    _append(app, 5)
    with new_session(app) as db:
        last = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None
        db.execute(delete(AuditEvent).where(AuditEvent.id == last.id))
        db.commit()
    assert any("removed" in problem.reason for problem in _verify(app))
    with new_session(app) as db:
        middle = db.scalars(select(AuditEvent).where(AuditEvent.case_id == 2)).one()
        db.execute(delete(AuditEvent).where(AuditEvent.id == middle.id))
        db.commit()
    assert any("previous hash" in problem.reason for problem in _verify(app))


def test_reforged_chain_without_the_server_key_is_detected(app: Flask) -> None:
    """Someone with only database access recomputes every hash with plain SHA-256."""
    _append(app, 3)
    with new_session(app) as db:
        previous = audit.GENESIS
        for event in db.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            event.detail = "forged"
            event.previous_hash = previous
            event.entry_hash = hashlib.sha256(f"{previous}|{event.id}|forged".encode()).hexdigest()
            previous = event.entry_hash
        db.execute(update(AuditHead).values(last_hash=previous))
        db.commit()
    assert _verify(app)


def test_reporter_events_have_a_chain_of_their_own_dated_to_the_day(app: Flask) -> None:
    """In one sequence with staff entries stamped to the second, a reporter's entry would be dated
    to the minute by its neighbours; in a chain of its own it has only a day."""
    _append(app, 1)
    with app.app_context(), new_session(app) as db:
        event = audit.record(db, "reporter_message", audit.REPORTER, case_id=1)
        db.commit()
        assert isinstance(event, ReporterAuditEvent)
        assert event.occurred_on == today()
        staff_actions = list(db.scalars(select(AuditEvent.action)))
    _append(app, 1)
    assert "reporter_message" not in staff_actions
    assert _verify(app) == []
    with new_session(app) as db:
        db.execute(update(ReporterAuditEvent).values(case_id=99))
        db.commit()
    assert [problem.chain for problem in _verify(app)] == ["reporter"]
