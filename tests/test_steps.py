"""Procedure steps through the step service itself (no HTTP): the edges of the rules that a form
test would need many pages to reach — same-day dates, extensions that stand, steps taken twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import clocks, crypto, settings
from complaints.dates import today
from complaints.db import new_session
from complaints.models import Case, StaffSession, StaffUser
from complaints.procedure import Action
from complaints.staff.refusals import CaseActionRefused
from complaints.staff.steps import Rules, StepInput, record_step
from complaints.workspace.sessions import StaffContext
from tests.test_fuzz_procedure import _new_case

A = Action
BACK = 120  # the report arrived this many days ago


class Recorder:
    """Records steps on one case as the lead, committing each accepted one."""

    def __init__(self, app: Flask, db: Session, case: Case) -> None:
        self.app, self.db, self.case = app, db, case
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        self.context = StaffContext(user=lead, row=StaffSession(), session_key=b"", personal_key=b"")
        self.key = crypto.new_data_key()

    def __call__(self, action: Action, on: date, **fields: Any) -> None:
        step = StepInput(
            action=action,
            event_on=on,
            codes={
                name: value for name, value in fields.items() if isinstance(value, str) and name != "text"
            },
            texts={name: "ข้อความ" for name in ("committee", "reason_text", "outcome_text")},
            dates={name: value for name, value in fields.items() if isinstance(value, date)},
        )
        rules = Rules(today=today(), penalties_by_severity=settings.penalties_by_severity(self.app))
        try:
            record_step(
                self.db,
                self.case,
                self.key,
                self.context,
                step,
                rules,
                settings.calendar(self.app),
                settings.reference_key(self.app),
            )
        except CaseActionRefused:
            self.db.rollback()
            raise
        self.db.commit()

    def due(self, clock: str) -> date:
        row = clocks.running(self.db, self.case, clock)
        assert row is not None, clock
        return row.due_on


@pytest.fixture
def record(app: Flask) -> Iterator[Recorder]:
    """A case received BACK days ago, cleared by the custodian for disciplinary steps."""
    with app.app_context(), new_session(app) as db:
        case = _new_case(app, db, today() - timedelta(days=BACK), cleared=True)
        yield Recorder(app, db, case)


def _investigating(record: Recorder, on: date) -> None:
    record(A.START_FACT_FINDING, on)
    record(A.START_DISCIPLINARY, on, severity="serious")


def test_a_committee_may_first_meet_the_day_it_is_appointed(record: Recorder) -> None:
    day = today() - timedelta(days=100)
    _investigating(record, day)
    meeting = day + timedelta(days=5)
    record(A.APPOINT_INVESTIGATION_COMMITTEE, meeting, first_meeting_on=meeting)
    assert record.due("disciplinary_investigation") == meeting + timedelta(days=180)  # B8


def test_an_extension_granted_before_the_committee_met_stands(record: Recorder) -> None:
    day = today() - timedelta(days=100)
    _investigating(record, day)
    extended = day + timedelta(days=400)
    record(A.EXTEND_INVESTIGATION, day, new_due_on=extended)
    record(A.APPOINT_INVESTIGATION_COMMITTEE, day, first_meeting_on=day + timedelta(days=10))
    assert record.due("disciplinary_investigation") == extended


def test_a_criminal_referral_and_its_outcome_are_recorded_once(record: Recorder) -> None:
    day = today() - timedelta(days=100)
    record(A.START_SCREENING, day)
    record(A.REFER_CRIMINAL, day, criminal_body="police")
    with pytest.raises(CaseActionRefused, match="criminal_already"):
        record(A.REFER_CRIMINAL, day, criminal_body="nacc")
    record(A.RECORD_CRIMINAL_OUTCOME, day, criminal_outcome="prosecuted")
    with pytest.raises(CaseActionRefused, match="criminal_not_open"):
        record(A.RECORD_CRIMINAL_OUTCOME, day, criminal_outcome="acquitted")
    assert (record.case.criminal_body, record.case.criminal_outcome) == ("police", "prosecuted")


def test_the_other_agencys_result_is_recorded_once(record: Recorder) -> None:
    day = today() - timedelta(days=100)
    record(A.REFER, day, referred_to="district")
    record(A.RECORD_REFERRAL_RESULT, day, referral_result="no_wrongdoing")
    with pytest.raises(CaseActionRefused, match="referral_result_recorded"):
        record(A.RECORD_REFERRAL_RESULT, day, referral_result="wrongdoing_found")
    assert record.case.referral_result == "no_wrongdoing"


def test_the_appeal_window_counts_from_the_notification_not_the_order(record: Recorder) -> None:
    ordered = today() - timedelta(days=50)
    notified = ordered + timedelta(days=12)
    _investigating(record, ordered)
    record(A.CONSIDER_PENALTY, ordered)
    record(A.DECIDE_PENALTY, ordered, severity_found="serious", penalty="dismissal", notified_on=notified)
    assert record.due("appeal_window") == notified + timedelta(days=30)  # B10
    assert clocks.running(record.db, record.case, "copy_to_nacc") is None  # no NACC finding: none owed
    record(A.FILE_APPEAL, notified + timedelta(days=30))  # the last day still counts


def test_a_record_on_a_completed_case_keeps_the_day_it_was_completed(record: Recorder) -> None:
    closed = today() - timedelta(days=100)
    record(A.REFER, closed, referred_to="nacc")
    record(A.REFER_CRIMINAL, closed + timedelta(days=20), criminal_body="nacc")
    record(A.RECORD_REFERRAL_RESULT, closed + timedelta(days=30), referral_result="returned")
    assert record.case.closed_on == closed


def test_the_official_cannot_be_notified_before_the_order(record: Recorder) -> None:
    ordered = today() - timedelta(days=20)
    _investigating(record, ordered)
    record(A.CONSIDER_PENALTY, ordered)
    order = {"severity_found": "minor", "penalty": "probation"}
    with pytest.raises(CaseActionRefused, match="notified_on"):
        record(A.DECIDE_PENALTY, ordered, notified_on=ordered - timedelta(days=1), **order)
    record(A.DECIDE_PENALTY, ordered, notified_on=ordered, **order)  # the same day is fine


def test_an_unfounded_finding_stops_the_fact_finding_clock(record: Recorder) -> None:
    found = today() - timedelta(days=50)  # 10 days after the 60-day target
    record(A.START_FACT_FINDING, today() - timedelta(days=BACK))
    record(A.FIND_UNFOUNDED, found)
    assert clocks.running(record.db, record.case, "fact_finding") is None
    (row,) = [row for row in clocks.clocks_of(record.db, record.case) if row.clock == "fact_finding"]
    assert (row.ended_on, row.state) == (found, "missed")
