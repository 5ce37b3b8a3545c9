"""Retention: a destruction list of the cases past their period (not those on hold, not open ones),
approved by the committee, then purged — content, keys and files gone, metadata kept, so past
years' published figures do not change — every step audited, a dry run that changes nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from complaints import cases, retention, settings, stats, stats_tables
from complaints.dates import today
from complaints.db import new_session
from complaints.models import Attachment, AuditEvent, Case, CaseClock, CaseKey, DestructionList, Message
from tests.conftest import all_files_under, file_case_with_files, log_in_reporter, metadata_case

MARKER = "MARKER-ทำลาย-7c"
LONG_AGO = date(2014, 11, 20)  # fiscal year 2558, closed more than ten years ago


def _old_case(app: Flask) -> tuple[int, str]:
    case_id, receipt = file_case_with_files(
        app, cases.ReportContent(description=MARKER), [("a.pdf", b"%PDF-1.4 x")]
    )
    content_key = _content_key(app, case_id)
    with new_session(app) as db:
        db.execute(
            update(Case)
            .where(Case.id == case_id)
            .values(
                status="concluded",
                submitted_on=LONG_AGO,
                fiscal_year=2558,
                closed_on=LONG_AGO + timedelta(days=40),
            )
        )
        db.add(
            CaseClock(case_id=case_id, clock="acknowledge", started_on=LONG_AGO, due_on=LONG_AGO, state="met")
        )
        cases.add_message(db, db.get_one(Case, case_id), content_key, cases.REPORTER, MARKER, LONG_AGO)
        db.commit()
    return case_id, receipt


def _content_key(app: Flask, case_id: int) -> bytes:
    from complaints import keys
    from complaints.models import StaffUser
    from tests.conftest import LEAD_PASSWORD

    with app.app_context(), new_session(app) as db:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        personal = keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params(app))
        unit = keys.private_key_for(db, keys.UNIT, lead, personal)
        return cases.open_with_org_key(db, db.get_one(Case, case_id), cases.CONTENT, unit)


def _others(app: Flask) -> dict[str, int]:
    with new_session(app) as db:
        closed = LONG_AGO + timedelta(days=30)
        made = {
            "recent": metadata_case(db, date(2020, 1, 5), status="concluded", closed_on=date(2020, 3, 1)),
            "appeal": metadata_case(db, LONG_AGO, status="appeal", closed_on=closed),
            "criminal": metadata_case(
                db,
                LONG_AGO,
                status="concluded",
                closed_on=closed,
                criminal_referral=True,
                criminal_body="nacc",
            ),
            "open": metadata_case(db, LONG_AGO, status="fact_finding"),
            "rejected": metadata_case(db, LONG_AGO, status="not_accepted", closed_on=closed),
        }
        db.commit()
        return {name: row.id for name, row in made.items()}


def _figures_2558(app: Flask) -> object:
    with app.app_context(), new_session(app) as db:
        figures = stats.compute(
            db, 2558, today(), settings.counting_rule(app), settings.statistics_codes(app)
        )
        with app.test_request_context():
            return stats_tables.as_mapping(figures)


def test_the_list_names_only_cases_past_their_period_and_not_on_hold(app: Flask) -> None:
    old_id, _ = _old_case(app)
    others = _others(app)
    listed = app.test_cli_runner().invoke(args=["retention", "list"])
    assert listed.exit_code == 0, listed.output
    assert "2 cases" in listed.output
    with new_session(app) as db:
        drawn = db.scalars(select(DestructionList)).one()
        assert sorted(json.loads(drawn.case_ids_json)) == sorted([old_id, others["rejected"]])
        assert drawn.approved_at is None
        assert db.scalars(select(AuditEvent).where(AuditEvent.action == "destruction_list_drawn")).one()


def test_approved_lists_are_purged_and_past_figures_do_not_change(
    app: Flask, lead_client: FlaskClient, client: FlaskClient
) -> None:
    old_id, receipt = _old_case(app)
    _others(app)
    runner = app.test_cli_runner()
    before = _figures_2558(app)
    assert log_in_reporter(client, receipt).status_code == 302  # until the purge, the receipt works
    assert "no approved destruction list" in runner.invoke(args=["retention", "purge"]).output
    runner.invoke(args=["retention", "list"])
    with new_session(app) as db:
        list_id = db.scalars(select(DestructionList.id)).one()
    approved = runner.invoke(args=["retention", "approve", str(list_id), "--reference", "คำสั่งที่ 12/2569"])
    assert approved.exit_code == 0, approved.output
    assert runner.invoke(args=["retention", "approve", str(list_id), "--reference", "x"]).exit_code == 1
    assert runner.invoke(args=["retention", "approve", "999", "--reference", "x"]).exit_code == 1
    files_before = len(all_files_under(Path(app.config["UPLOAD_DIR"])))
    with new_session(app) as db:
        clocks = db.scalar(select(func.count()).select_from(CaseClock).where(CaseClock.case_id == old_id))
    dry = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert "would destroy 2 cases and 1 files" in dry.output
    with new_session(app) as db:
        assert db.get_one(Case, old_id).purged_on is None
        assert db.scalar(select(func.count()).select_from(CaseKey).where(CaseKey.case_id == old_id))
    purged = runner.invoke(args=["retention", "purge"])
    assert purged.exit_code == 0, purged.output
    assert "destroyed 2 cases and 1 files" in purged.output
    assert len(all_files_under(Path(app.config["UPLOAD_DIR"]))) == files_before - 1
    with new_session(app) as db:
        case = db.get_one(Case, old_id)
        assert case.purged_on == today()
        assert (case.report_ciphertext, case.identity_ciphertext) == (b"", None)
        for table in (CaseKey, Message, Attachment):
            assert db.scalar(select(func.count()).select_from(table).where(table.case_id == old_id)) == 0
        assert (
            db.scalar(select(func.count()).select_from(CaseClock).where(CaseClock.case_id == old_id))
            == clocks
        )
        assert db.scalars(select(DestructionList)).one().purged_at is not None
        purges = db.scalars(select(AuditEvent).where(AuditEvent.action == "case_purged")).all()
        assert len(purges) == 2
    assert _figures_2558(app) == before  # the published figures of that year are the same
    after = log_in_reporter(app.test_client(), receipt)
    assert after.status_code != 302  # the receipt finds nothing any more
    assert MARKER not in after.text
    page = lead_client.get(f"/staff/cases/{case.number}")
    assert page.status_code == 410
    assert 'id="case-destroyed"' in page.text
    assert MARKER not in page.text
    assert "no approved destruction list" in runner.invoke(args=["retention", "purge"]).output


def test_a_case_put_on_hold_after_the_list_was_drawn_is_kept(app: Flask) -> None:
    old_id, _ = _old_case(app)
    runner = app.test_cli_runner()
    runner.invoke(args=["retention", "list"])
    with new_session(app) as db:
        list_id = db.scalars(select(DestructionList.id)).one()
        db.execute(update(Case).where(Case.id == old_id).values(status="appeal"))
        db.commit()
    runner.invoke(args=["retention", "approve", str(list_id), "--reference", "คำสั่งที่ 13/2569"])
    result = runner.invoke(args=["retention", "purge"])
    assert "destroyed 0 cases" in result.output
    assert "kept (on hold or reopened since the list was drawn)" in result.output
    with new_session(app) as db:
        assert db.get_one(Case, old_id).purged_on is None
        assert db.scalar(select(func.count()).select_from(CaseKey).where(CaseKey.case_id == old_id))


def test_periods_count_whole_years_back() -> None:
    assert retention.years_before(date(2026, 12, 1), 10) == date(2016, 12, 1)
    assert retention.years_before(date(2028, 2, 29), 10) == date(2018, 2, 28)


def test_the_period_is_a_setting(app: Flask) -> None:
    with new_session(app) as db:
        metadata_case(db, date(2020, 1, 5), status="concluded", closed_on=date(2020, 3, 1))
        db.commit()
        assert retention.due_cases(db, today(), {"concluded": 10}) == []
        assert len(retention.due_cases(db, today(), {"concluded": 5})) == 1
        assert len(retention.due_cases(db, date(2025, 2, 28), {"concluded": 5})) == 0  # one day short
        assert len(retention.due_cases(db, date(2025, 3, 1), {"concluded": 5})) == 1
