"""The queue's counts per status come from rows that database triggers keep (migration 0016).

They must equal a count of the cases after anything that adds, removes or moves a case: the app's
own writes, a raw SQL statement at a database prompt, a change to the same status, a delete, a
backup restored (which leaves the kept rows out and lets the triggers rebuild them)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import Connection, func, select, text

from complaints import cases
from complaints.db import engine_of, new_session
from complaints.models import Case, CaseExclusion, CaseStatusCount, StaffUser
from tests.conftest import LEAD_PASSWORD, file_case, metadata_case, staff_login

COUNT_LINK = re.compile(r'status=([a-z_]+)[^>]*>[^<]*<span class="count">(\d+)</span>')


def kept_counts(connection: Connection) -> dict[str, int]:
    """The kept rows, without the statuses no case holds."""
    rows = connection.execute(select(CaseStatusCount.status, CaseStatusCount.cases)).all()
    return {status: int(count) for status, count in rows if count}


def counted(connection: Connection) -> dict[str, int]:
    """What a count of the cases says."""
    rows = connection.execute(select(Case.status, func.count()).group_by(Case.status)).all()
    return {status: int(count) for status, count in rows}


def test_every_status_has_a_kept_row_from_the_start(app: Flask) -> None:
    with engine_of(app).connect() as connection:
        statuses = set(connection.execute(select(CaseStatusCount.status)).scalars())
    assert {"received", "screening", "fact_finding", "concluded", "appeal"} <= statuses
    assert len(statuses) == 12


def test_the_kept_counts_follow_every_insert_change_and_delete_whoever_writes_them(app: Flask) -> None:
    file_case(app, cases.ReportContent(description="ยื่นผ่านแบบฟอร์ม"))
    with app.app_context(), new_session(app) as db:
        for status in ("received", "screening", "screening", "concluded"):
            metadata_case(db, date(2026, 11, 2), status=status)
        db.commit()
    engine = engine_of(app)
    with engine.connect() as connection:
        assert kept_counts(connection) == {"received": 2, "screening": 2, "concluded": 1}
    # A person at a database prompt, not the app: the triggers still follow (on PostgreSQL when
    # each transaction commits, so each statement is one here).
    for statement in (
        "UPDATE cases SET status = 'fact_finding' WHERE status = 'screening'",
        "UPDATE cases SET status = status",  # to the same status: no change
        "UPDATE cases SET category = 'other' WHERE status = 'received'",
        "DELETE FROM cases WHERE status = 'concluded'",
    ):
        with engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert kept_counts(connection) == counted(connection) == {"received": 2, "fact_finding": 2}
    with engine.begin() as connection:
        connection.execute(text("UPDATE cases SET status = 'a_status_added_later'"))
    with engine.connect() as connection:
        assert kept_counts(connection) == counted(connection) == {"a_status_added_later": 4}


def test_a_rolled_back_change_leaves_the_counts_as_they_were(app: Flask) -> None:
    file_case(app, cases.ReportContent(description="ถอยกลับ"))
    engine = engine_of(app)
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("UPDATE cases SET status = 'screening'"))
        assert counted(connection) == {"screening": 1}
        transaction.rollback()
        assert kept_counts(connection) == counted(connection) == {"received": 1}


def test_on_postgresql_a_new_case_holds_no_count_row_until_its_commit(app: Flask) -> None:
    """Migration 0018: the counts follow at commit, so a submission that has inserted its case
    does not make every other one wait for the "received" row until it ends."""
    engine = engine_of(app)
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one write lock per transaction: nothing to defer")
    file_case(app, cases.ReportContent(description="ก่อนหน้า"))
    with app.app_context(), new_session(app) as filing:
        metadata_case(filing, date(2026, 11, 2), status="received")
        filing.flush()  # the insert is made; its transaction is still open
        with engine.connect() as other:
            with other.begin():
                other.execute(text("SET LOCAL lock_timeout = '500ms'"))
                other.execute(text("UPDATE case_status_counts SET cases = cases WHERE status = 'received'"))
            assert kept_counts(other) == {"received": 1}
        filing.commit()
    with engine.connect() as connection:
        assert kept_counts(connection) == counted(connection) == {"received": 2}


def _shown_counts(html: str) -> dict[str, int]:
    """Each status link's count on the queue page, by the status in its URL."""
    return {status: int(count) for status, count in COUNT_LINK.findall(html)}


def test_the_queue_shows_the_kept_counts_less_the_cases_the_person_is_excluded_from(app: Flask) -> None:
    first, _ = file_case(app, cases.ReportContent(description="หนึ่ง"))
    second, _ = file_case(app, cases.ReportContent(description="สอง"))
    file_case(app, cases.ReportContent(description="สาม"))
    with app.app_context(), new_session(app) as db:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        db.add(CaseExclusion(case_id=second, user_id=lead.id, reason="subject"))
        db.commit()
    with engine_of(app).begin() as connection:
        connection.execute(text("UPDATE cases SET status = 'screening' WHERE id = :id"), {"id": first})
    client = app.test_client()
    assert staff_login(client, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"]).status_code == 302
    shown = _shown_counts(client.get("/staff/?status=all").text)
    assert shown["received"] == 1  # three filed, one moved on, one hidden from this person
    assert shown["screening"] == 1
    assert shown["all"] == shown["open"] == 2
    # The page reads the kept rows: a count written there by hand is what it shows.
    with engine_of(app).begin() as connection:
        connection.execute(text("UPDATE case_status_counts SET cases = 41 WHERE status = 'screening'"))
    assert _shown_counts(client.get("/staff/?status=all").text)["screening"] == 41
