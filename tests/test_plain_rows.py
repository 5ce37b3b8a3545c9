"""The hot path's plain statements (complaints/plain_rows.py, the case number, the audit append)
write what the ORM would have, leave the session consistent with the database, and keep the case
numbers' format: run on SQLite and, in the PostgreSQL pass, on its one-statement forms."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from complaints import audit, cases, keys, plain_rows, settings
from complaints.dates import fiscal_year_of, today
from complaints.db import new_session
from complaints.models import AuditHead, Case, CaseCounter, ReporterAuditEvent
from tests.conftest import file_case


def _file(app: Flask) -> str:
    case_id, _receipt = file_case(app, cases.ReportContent(description="ตัวเลขของเรื่อง"))
    with app.app_context(), new_session(app) as db:
        return db.get_one(Case, case_id).number


def test_case_numbers_keep_four_digits_and_grow_past_them(app: Flask) -> None:
    year = fiscal_year_of(today())
    assert _file(app) == f"{year}-0001"  # the year's first case makes its counter
    with app.app_context(), new_session(app) as db:
        db.execute(update(CaseCounter).where(CaseCounter.fiscal_year == year).values(last_number=9998))
        db.commit()
    assert [_file(app), _file(app)] == [f"{year}-9999", f"{year}-10000"]
    with app.app_context(), new_session(app) as db:
        assert db.scalar(select(CaseCounter.last_number).where(CaseCounter.fiscal_year == year)) == 10000


def _prepared(app: Flask, db: Session, received_on: date) -> cases.PreparedCase:
    content = cases.ReportContent(description="รายงานทดสอบ")
    return cases.prepare_case(
        content, None, [], keys.recipient_keys(db), settings.lookup_secret(app), received_on
    )


def _file_received_on(app: Flask, received_on: date) -> str:
    with app.app_context(), new_session(app) as db:
        prepared = _prepared(app, db, received_on)
        case = cases.store_case(
            db, prepared, "budget", "finance", "paper", received_on, app.config["DEADLINE_DAYS"]
        )
        db.commit()
        return case.number


def test_a_year_without_a_counter_starts_at_one_and_then_counts_on(app: Flask) -> None:
    this_year = fiscal_year_of(today())
    assert _file(app) == f"{this_year}-0001"
    next_year_day = today() + timedelta(days=366)
    year = fiscal_year_of(next_year_day)
    assert year == this_year + 1
    assert [_file_received_on(app, next_year_day) for _ in range(2)] == [f"{year}-0001", f"{year}-0002"]
    assert _file(app) == f"{this_year}-0002"
    with app.app_context(), new_session(app) as db:  # each filing wrote its entry, numbered or not
        filed = db.scalars(
            select(ReporterAuditEvent.case_id).where(ReporterAuditEvent.action == "case_submitted")
        )
        assert sorted(filed) == sorted(db.scalars(select(Case.id)))
        assert audit.verify(db) == []


def test_an_audit_entry_and_its_head_are_in_the_session_as_in_the_database(app: Flask) -> None:
    with app.app_context(), new_session(app) as db:
        first = audit.record(db, "case_submitted", audit.REPORTER, None, 7, "channel=online")
        second = audit.record(db, "reporter_message", audit.REPORTER, None, 7, "")
        assert not db.new
        assert not db.dirty
        head = db.get_one(AuditHead, audit.REPORTER_CHAIN)
        stored = db.execute(
            select(
                AuditHead.__table__.c.last_hash, AuditHead.__table__.c.entries, AuditHead.__table__.c.mac
            ).where(AuditHead.__table__.c.id == audit.REPORTER_CHAIN)
        ).one()
        assert (head.last_hash, head.entries, head.mac) == tuple(stored)
        assert head.last_hash == second.entry_hash
        assert second.previous_hash == first.entry_hash
        rows = db.execute(
            select(ReporterAuditEvent.__table__.c.id, ReporterAuditEvent.__table__.c.entry_hash).order_by(
                ReporterAuditEvent.__table__.c.id
            )
        ).all()
        assert [(first.id, first.entry_hash), (second.id, second.entry_hash)] == [
            tuple(row) for row in rows[-2:]
        ]
        db.commit()
    with app.app_context(), new_session(app) as db:
        assert audit.verify(db) == []


def test_updated_rows_hold_the_new_values_with_nothing_left_to_flush(app: Flask) -> None:
    case_id, _receipt = file_case(app, cases.ReportContent(description="แก้แล้ว"))
    with app.app_context(), new_session(app) as db:
        case = db.get_one(Case, case_id)
        plain_rows.update_row(db, case, department="works", routed_outside=True)
        assert not db.dirty
        assert (case.department, case.routed_outside) == ("works", True)
        db.commit()
    with app.app_context(), new_session(app) as db:
        case = db.get_one(Case, case_id)
        assert (case.department, case.routed_outside) == ("works", True)


def test_a_rolled_back_entry_leaves_the_session_as_an_orm_insert_would(app: Flask) -> None:
    with app.app_context(), new_session(app) as db:
        undone = audit.record(db, "case_submitted", audit.REPORTER, None, 7, "")
        db.rollback()
        assert undone not in db
        kept = audit.record(db, "case_submitted", audit.REPORTER, None, 7, "")  # the same id again
        db.commit()
        assert kept in db
    with app.app_context(), new_session(app) as db:
        assert audit.verify(db) == []


def test_a_child_value_too_long_for_its_column_is_refused_not_cut(app: Flask) -> None:
    with app.app_context(), new_session(app) as db:
        prepared = _prepared(app, db, today())
        prepared.case_keys[0].recipient_key_id = "k" * 200
        if db.get_bind().dialect.name != "postgresql":
            pytest.skip("SQLite does not hold text to a column's length")
        with pytest.raises(DBAPIError):
            cases.store_case(
                db, prepared, "budget", "finance", "online", today(), app.config["DEADLINE_DAYS"]
            )
