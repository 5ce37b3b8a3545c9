"""The audit log is a keyed hash chain: any edit, deletion or re-forging is detected."""

from __future__ import annotations

import hashlib
from datetime import timedelta

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


def test_truncating_the_log_and_rewriting_its_head_is_detected(app: Flask) -> None:
    """Issue 9, finding 2: cut the last entries, then make the head row agree with what is left."""
    _append(app, 5)
    with new_session(app) as db:
        kept = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()[:-2]
        db.execute(delete(AuditEvent).where(AuditEvent.id > kept[-1].id))
        db.execute(
            update(AuditHead)
            .where(AuditHead.id == audit.STAFF_CHAIN)
            .values(last_hash=kept[-1].entry_hash, entries=len(kept))
        )
        db.commit()
    problems = _verify(app)
    assert [problem.reason for problem in problems] == ["the log's head was rewritten"]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "first bad entry" in result.output


def test_deleting_the_whole_log_is_detected_on_both_chains(app: Flask) -> None:
    _append(app, 3)
    with new_session(app) as db:
        db.execute(delete(AuditEvent))
        db.execute(delete(ReporterAuditEvent))
        db.execute(delete(AuditHead))
        db.commit()
    assert sorted(problem.chain for problem in _verify(app)) == ["reporter", "staff"]
    _append(app, 1)  # the app keeps recording, and the restart itself is an entry that says so
    with new_session(app) as db:
        first = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
        assert first is not None
        assert first.action == audit.HEAD_MISSING
    assert any("restarts here" in problem.reason for problem in _verify(app))


def test_a_history_reforged_with_the_server_key_no_longer_matches_its_witness(app: Flask) -> None:
    """Someone holding the config can recompute every MAC; what a lead wrote down still differs."""
    _append(app, 3)
    with app.app_context(), new_session(app) as db:
        witnessed = audit.witness(db).line()
        assert audit.check_witness(db, witnessed)
    _append(app, 2)
    with app.app_context(), new_session(app) as db:
        assert audit.check_witness(db, witnessed)  # later entries do not change an earlier witness
        events = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        previous = audit.GENESIS
        for event in events:  # rewrite one early entry and re-forge the chain with the real key
            if event.case_id == 1:
                event.detail = "history rewritten"
            event.previous_hash = previous
            event.entry_hash = audit._staff_hash(previous, event)
            previous = event.entry_hash
        head = db.get_one(AuditHead, audit.STAFF_CHAIN)
        head.last_hash = previous
        head.mac = audit.head_mac(head.id, head.entries, head.last_hash)
        db.commit()
        assert audit.verify(db) == []  # the forgery is perfect ...
        assert not audit.check_witness(db, witnessed)  # ... except against the witness
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--witness", witnessed])
    assert result.exit_code == 1
    assert "does not match what was witnessed" in result.output
    printed = app.test_cli_runner().invoke(args=["audit", "witness"])
    assert "fingerprint=" in printed.output


def test_a_lead_sees_the_fingerprint_at_log_in_beside_the_last_one(app: Flask) -> None:
    from tests.conftest import LEAD_PASSWORD, forget_used_totp, staff_login

    client = app.test_client()
    assert staff_login(client, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"]).status_code == 302
    first = client.get("/staff/").text
    assert "ลายนิ้วมือของบันทึกการใช้งานขณะนี้" in first
    assert "เมื่อเข้าสู่ระบบครั้งก่อน: —" in first
    forget_used_totp(app, "lead")
    again = app.test_client()
    assert (
        staff_login(again, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"], 1).status_code == 302
    )
    page = again.get("/staff/").text
    assert "เมื่อเข้าสู่ระบบครั้งก่อน: staff=" in page


def test_a_restore_from_backup_says_so_in_the_chain_instead_of_looking_like_truncation(
    app: Flask,
) -> None:
    _append(app, 3)
    with app.app_context(), new_session(app) as db:
        before_backup = f"{today().isoformat()} {audit.witness(db).line()}"
        backup_head = db.get_one(AuditHead, audit.STAFF_CHAIN)
        backed_up = (backup_head.entries, backup_head.last_hash, backup_head.mac)
        last_backed_up_id = db.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc())).first()
    _append(app, 4)  # work done after the backup was made ...
    with app.app_context(), new_session(app) as db:
        after_backup = f"{today().isoformat()} {audit.witness(db).line()}"  # ... and written down
        # The disk dies; the operator restores last night's backup of the database.
        db.execute(delete(AuditEvent).where(AuditEvent.id > last_backed_up_id))
        head = db.get_one(AuditHead, audit.STAFF_CHAIN)
        head.entries, head.last_hash, head.mac = backed_up
        db.commit()
        assert audit.verify(db) == []  # a restored log is whole in itself
        assert audit.restore_explaining(db, after_backup) is None  # not yet marked
    runner = app.test_cli_runner()
    unmarked = runner.invoke(args=["audit", "verify", "--witness", after_backup])
    assert unmarked.exit_code == 1
    assert "explained by" not in unmarked.output
    marked = runner.invoke(args=["audit", "restored"])
    assert marked.exit_code == 0, marked.output
    kept = backed_up[0]
    assert f"staff={kept} " in marked.output
    result = runner.invoke(args=["audit", "verify", "--witness", after_backup, "--witness", before_backup])
    assert result.exit_code == 1  # a marker explains, never excuses: anyone with the CLI can write one
    assert f"does not match what was witnessed: {after_backup}" in result.output
    assert "restored from a backup on" in result.output
    assert before_backup not in result.output  # history from before the backup still matches
    with app.app_context(), new_session(app) as db:
        assert audit.verify(db) == []
        (marker,) = db.scalars(select(AuditEvent).where(AuditEvent.action == audit.RESTORED)).all()
        assert marker.detail == f"staff={kept} reporters=0"
        # A witness that saw fewer entries than the restore kept is not explained by it: those
        # entries were in the backup, so a mismatch there is a rewrite.
        _, counts = before_backup.split(" ", 1)
        forged = f"{today().isoformat()} {counts.replace(f'staff={kept}', f'staff={kept - 1}')}"
        assert audit.restore_explaining(db, forged) is None
        # Nor is a witness dated after the marker.
        later = f"{(today() + timedelta(days=1)).isoformat()} {after_backup.split(' ', 1)[1]}"
        assert audit.restore_explaining(db, later) is None
        assert audit.restore_explaining(db, after_backup) == marker
        assert audit.restore_explaining(db, before_backup) == marker  # saw exactly what was kept


def test_a_head_held_across_a_commit_is_read_again_before_the_next_entry(app: Flask) -> None:
    """Sessions keep their objects' values across commits: appending later must not chain over
    the entries another writer made in between."""
    with app.app_context(), new_session(app) as first:
        audit.record(first, "case_viewed", audit.SYSTEM, None, None, "first")
        held = first.get(AuditHead, audit.STAFF_CHAIN)  # a reference keeps it in the session
        assert held is not None
        first.commit()
        with new_session(app) as other:
            audit.record(other, "case_viewed", audit.SYSTEM, None, None, "other")
            other.commit()
        audit.record(first, "case_viewed", audit.SYSTEM, None, None, "first again")
        first.commit()
        assert held.entries == len(first.scalars(select(AuditEvent.id)).all())
    with app.app_context(), new_session(app) as db:
        assert audit.verify(db) == []
