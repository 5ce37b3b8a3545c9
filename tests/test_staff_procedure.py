"""Measure-8 procedure steps from the case page: dated, with an order number and an encrypted
note, written to procedure_events and the audit log; status, outcome and deadline follow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases, settings
from complaints.dates import add_days, today
from complaints.db import new_session
from complaints.models import AuditEvent, Case, ProcedureEvent
from tests.conftest import csrf_token_from, file_case

MARKER = "MARKER-ขั้นตอน-3e7f"


def _case(app: Flask, case_id: int) -> Case:
    with new_session(app) as db:
        return db.get_one(Case, case_id)


def _step(client: FlaskClient, number: str, action: str, **fields: str) -> tuple[int, str]:
    page = f"/staff/cases/{number}"
    token = csrf_token_from(client.get(page).text)
    data = {"csrf_token": token, f"{action}-event_on": today().isoformat()}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    response = client.post(f"{page}/steps/{action}", data=data)
    return response.status_code, response.text


@pytest.fixture
def case_number(app: Flask) -> tuple[int, str]:
    case_id, receipt = file_case(app, cases.ReportContent(description=MARKER))
    return case_id, receipt


def test_start_screening_is_recorded_with_order_number_and_encrypted_note(
    app: Flask, lead_client: FlaskClient, case_number: tuple[int, str]
) -> None:
    case_id, _ = case_number
    number = _case(app, case_id).number
    page = lead_client.get(f"/staff/cases/{number}").text
    assert "เริ่มตรวจสอบเบื้องต้น" in page
    assert "บันทึกคำสั่งลงโทษ" not in page  # only the actions allowed from "received"
    for label in ("บัตรสนเท่ห์ไม่ครบเกณฑ์", "ข้อมูลไม่เพียงพอ", "สำนักงาน ป.ป.ช.", "ศูนย์ดำรงธรรม"):
        assert label in page  # the choices are translated when rendered, not when defined
    assert "Insufficient information" not in page
    status, _ = _step(lead_client, number, "start_screening", order_number="นต 0001/2569", note="NOTE-ลับ-1")
    assert status == 302
    case = _case(app, case_id)
    assert case.status == "screening"
    with new_session(app) as db:
        event = db.scalars(select(ProcedureEvent)).one()
        assert (event.action, event.from_status, event.to_status) == (
            "start_screening",
            "received",
            "screening",
        )
        assert event.order_number == "นต 0001/2569"
        assert event.event_on == today()
        assert event.note_ciphertext is not None
        assert b"NOTE" not in event.note_ciphertext
        audit_row = db.scalars(select(AuditEvent).where(AuditEvent.action == "procedure_step")).one()
        assert audit_row.detail == "action=start_screening from=received to=screening"
    shown = lead_client.get(f"/staff/cases/{number}").text
    assert "NOTE-ลับ-1" in shown
    assert "นต 0001/2569" in shown


def test_the_triage_track(app: Flask, lead_client: FlaskClient) -> None:
    """Screening, a request for information (sent to the reporter), back, then fact-finding."""
    case_id, receipt = file_case(app, cases.ReportContent(description=MARKER))
    number = _case(app, case_id).number
    assert _step(lead_client, number, "start_screening")[0] == 302
    status, _ = _step(lead_client, number, "request_information", message="กรุณาส่งภาพถ่ายใบเสร็จ")
    assert status == 302
    case = _case(app, case_id)
    assert case.status == "awaiting_information"
    assert case.next_deadline_kind == "awaiting_information"
    assert case.next_deadline_on == add_days(today(), app.config["DEADLINE_DAYS"]["awaiting_information"])
    with app.app_context(), new_session(app) as db:
        found, reporter_keys = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
        texts = [cases.read_message(found, m, reporter_keys.content) for m in cases.thread(db, found)]
        assert texts == ["กรุณาส่งภาพถ่ายใบเสร็จ"]
    assert _step(lead_client, number, "information_received")[0] == 302
    assert _step(lead_client, number, "start_fact_finding")[0] == 302
    case = _case(app, case_id)
    assert case.status == "fact_finding"
    assert case.closed_on is None


@pytest.mark.parametrize(
    ("action", "field", "value", "column", "status"),
    [
        ("not_accept", "reason", "anonymous_insufficient", "not_accepted_reason", "not_accepted"),
        ("refer", "referred_to", "nacc", "referred_to", "referred"),
    ],
)
def test_closing_steps_record_their_reason_and_close_the_case(
    app: Flask, lead_client: FlaskClient, action: str, field: str, value: str, column: str, status: str
) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    number = _case(app, case_id).number
    assert _step(lead_client, number, "start_screening")[0] == 302
    missing, page = _step(lead_client, number, action)
    assert missing == 400
    assert "กรุณาเลือกจากรายการที่กำหนด" in page
    assert _step(lead_client, number, action, **{field: "made-up"})[0] == 400
    assert _case(app, case_id).status == "screening"
    assert _step(lead_client, number, action, **{field: value})[0] == 302
    case = _case(app, case_id)
    assert case.status == status
    assert getattr(case, column) == value
    assert case.closed_on == today()
    assert case.next_deadline_on is None  # completed here: no more deadlines
    assert _step(lead_client, number, "start_fact_finding")[0] == 400


def test_the_full_disciplinary_track(app: Flask, lead_client: FlaskClient) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    number = _case(app, case_id).number
    for action, fields in [
        ("start_fact_finding", {}),
        ("start_disciplinary", {"severity": "serious"}),
        ("consider_penalty", {}),
        ("decide_penalty", {"penalty": "salary_deduction", "order_number": "คำสั่ง 45/2569"}),
    ]:
        assert _step(lead_client, number, action, **fields)[0] == 302, action
    case = _case(app, case_id)
    assert case.status == "concluded"
    assert case.disciplinary_severity == "serious"
    assert case.penalty == "salary_deduction"
    assert case.outcome == "founded_penalised"
    with new_session(app) as db:
        assert len(db.scalars(select(ProcedureEvent)).all()) == 4
    page = lead_client.get(f"/staff/cases/{number}").text
    assert "ตัดเงินเดือน" in page
    assert "คำสั่ง 45/2569" in page


def test_unfounded_track(app: Flask, lead_client: FlaskClient) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    number = _case(app, case_id).number
    for action in ("start_fact_finding", "find_unfounded", "conclude"):
        assert _step(lead_client, number, action)[0] == 302, action
    case = _case(app, case_id)
    assert (case.status, case.outcome) == ("concluded", "unfounded")


def test_step_dates_must_lie_between_receipt_and_today(app: Flask, lead_client: FlaskClient) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    number = _case(app, case_id).number
    page = f"/staff/cases/{number}"
    token = csrf_token_from(lead_client.get(page).text)
    for bad in (add_days(today(), 1).isoformat(), (today() - timedelta(days=400)).isoformat(), "31/02/2569"):
        response = lead_client.post(
            f"{page}/steps/start_screening", data={"csrf_token": token, "start_screening-event_on": bad}
        )
        assert response.status_code == 400, bad
    assert _case(app, case_id).status == "received"


def test_a_step_not_allowed_from_the_status_is_refused(app: Flask, lead_client: FlaskClient) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    number = _case(app, case_id).number
    status, page = _step(lead_client, number, "decide_penalty", penalty="dismissal")
    assert status == 400
    assert "ไม่สามารถดำเนินขั้นตอนนี้ได้จากสถานะปัจจุบัน" in page
    assert lead_client.post(f"/staff/cases/{number}/steps/no_such_action").status_code in (400, 404)
    assert _case(app, case_id).status == "received"
