"""The case page: decrypted report, evidence downloads, the thread with the reporter, internal
notes, assignment, exclusions and the reporter's identity — every decryption audited."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases, settings
from complaints.db import new_session
from complaints.models import AuditEvent, Case, CaseExclusion, InternalNote, Message, StaffUser
from tests.conftest import (
    OFFICER_PASSWORD,
    approve_pending_reveals,
    create_staff,
    csrf_token_from,
    custodian_client,
    file_case,
    file_case_with_files,
    grant_unit_key,
    log_in_reporter,
    staff_login,
)

MARKER = "MARKER-รายงาน-51ab"
THAI_FILE = "ใบเสร็จ ปลอม 2568.pdf"


def _number(app: Flask, case_id: int) -> str:
    with new_session(app) as db:
        return db.get_one(Case, case_id).number


def _audit(app: Flask, action: str) -> list[AuditEvent]:
    with new_session(app) as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _user_id(app: Flask, username: str) -> int:
    with new_session(app) as db:
        return db.scalars(select(StaffUser.id).where(StaffUser.username == username)).one()


def _post(client: FlaskClient, page: str, action: str, data: dict[str, str]) -> tuple[int, str]:
    token = csrf_token_from(client.get(page).text)
    response = client.post(action, data={"csrf_token": token, **data})
    return response.status_code, response.headers.get("Location", "")


def test_case_page_shows_the_decrypted_report_and_audits_the_view(
    app: Flask, lead_client: FlaskClient
) -> None:
    content = cases.ReportContent(
        description=MARKER, accused_name="นายสมมติ", location="ตลาดสด", amount="5,000"
    )
    case_id, _ = file_case(app, content)
    page = lead_client.get(f"/staff/cases/{_number(app, case_id)}")
    assert page.status_code == 200
    for text in (MARKER, "นายสมมติ", "ตลาดสด", "5,000"):
        assert text in page.text
    views = _audit(app, "case_viewed")
    assert [(event.case_id, event.actor_kind) for event in views] == [(case_id, "staff")]
    assert MARKER not in views[0].detail


def test_unknown_case_is_a_404(lead_client: FlaskClient) -> None:
    assert lead_client.get("/staff/cases/2569-9999").status_code == 404


def test_evidence_downloads_as_an_attachment_stream_with_a_thai_name(
    app: Flask, lead_client: FlaskClient
) -> None:
    data = b"%PDF-1.4 " + bytes(range(256)) * 1000
    case_id, _ = file_case_with_files(app, cases.ReportContent(description=MARKER), [(THAI_FILE, data)])
    number = _number(app, case_id)
    page = lead_client.get(f"/staff/cases/{number}")
    assert THAI_FILE in page.text
    with new_session(app) as db:
        uid = cases.attachments_of(db, db.get_one(Case, case_id))[0].uid
    response = lead_client.get(f"/staff/cases/{number}/files/{uid}")
    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Type"] == "application/octet-stream"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(THAI_FILE, safe='')}" in disposition
    assert 'filename="2568.pdf"' in disposition  # an ASCII fallback for old clients
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert [event.detail for event in _audit(app, "attachment_downloaded")] == [f"file={uid}"]
    assert lead_client.get(f"/staff/cases/{number}/files/not-a-file").status_code == 404


def test_a_tampered_evidence_file_is_refused_cleanly(app: Flask, lead_client: FlaskClient) -> None:
    from pathlib import Path

    case_id, _ = file_case_with_files(app, cases.ReportContent(description=MARKER), [("a.pdf", b"x" * 5000)])
    with new_session(app) as db:
        attachment = cases.attachments_of(db, db.get_one(Case, case_id))[0]
    stored = Path(app.config["UPLOAD_DIR"]) / attachment.stored_name
    damaged = bytearray(stored.read_bytes())
    damaged[40] ^= 0xFF
    stored.write_bytes(bytes(damaged))
    response = lead_client.get(f"/staff/cases/{_number(app, case_id)}/files/{attachment.uid}")
    assert response.status_code == 500
    assert "ไม่สามารถเปิดไฟล์ได้" in response.text
    assert _audit(app, "attachment_downloaded") == []


def test_reply_reaches_the_reporter_and_counts_as_feedback(app: Flask, lead_client: FlaskClient) -> None:
    case_id, receipt = file_case(app, cases.ReportContent(description=MARKER))
    number = _number(app, case_id)
    page = f"/staff/cases/{number}"
    status, location = _post(lead_client, page, f"{page}/reply", {"body": "ขอเอกสารเพิ่มเติม"})
    assert status == 302
    assert location.endswith("#thread")
    assert "ขอเอกสารเพิ่มเติม" in lead_client.get(page).text
    with app.app_context(), new_session(app) as db:
        case, reporter_keys = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
        thread = cases.thread(db, case)
        assert [(m.author, cases.read_message(case, m, reporter_keys.content)) for m in thread] == [
            ("staff", "ขอเอกสารเพิ่มเติม")
        ]
        assert case.last_feedback_on is not None
        assert case.next_deadline_kind == "progress_feedback"
    assert len(_audit(app, "message_sent")) == 1


def test_empty_reply_is_refused_with_a_message(app: Flask, lead_client: FlaskClient) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    page = f"/staff/cases/{_number(app, case_id)}"
    token = csrf_token_from(lead_client.get(page).text)
    response = lead_client.post(f"{page}/reply", data={"csrf_token": token, "body": ""})
    assert response.status_code == 400
    assert "กรุณากรอกข้อมูลช่องนี้" in response.text
    with new_session(app) as db:
        assert db.scalars(select(Message)).all() == []


def test_reporter_messages_are_marked_read_when_opened(app: Flask, lead_client: FlaskClient) -> None:
    case_id, receipt = file_case(app, cases.ReportContent(description=MARKER))
    with app.app_context(), new_session(app) as db:
        case, reporter_keys = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
        cases.add_message(
            db, case, reporter_keys.content, cases.REPORTER, "ข้อมูลเพิ่มเติมจากผู้แจ้ง", case.submitted_on
        )
        db.commit()
    queue = lead_client.get("/staff/")
    assert "ข้อความใหม่ 1 ข้อความ" in queue.text
    assert "ข้อมูลเพิ่มเติมจากผู้แจ้ง" in lead_client.get(f"/staff/cases/{_number(app, case_id)}").text
    assert "ข้อความใหม่" not in lead_client.get("/staff/").text


def test_internal_notes_are_encrypted_and_never_in_the_reporter_thread(
    app: Flask, lead_client: FlaskClient
) -> None:
    case_id, receipt = file_case(app, cases.ReportContent(description=MARKER))
    page = f"/staff/cases/{_number(app, case_id)}"
    status, _ = _post(lead_client, page, f"{page}/notes", {"body": "NOTE-ภายใน-77"})
    assert status == 302
    assert "NOTE-ภายใน-77" in lead_client.get(page).text
    with app.app_context(), new_session(app) as db:
        note = db.scalars(select(InternalNote)).one()
        assert b"NOTE" not in note.body_ciphertext
        case, reporter_keys = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
        assert cases.thread(db, case) == []
        # The note is bound to its case and id: it does not open as a message or another note.
        content_key = reporter_keys.content
        assert cases.read_internal_note(case, note, content_key) == "NOTE-ภายใน-77"


def test_excluded_officer_cannot_open_the_case_by_guessing_its_url(
    app: Flask, lead_client: FlaskClient, officer_client: FlaskClient
) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    other_id, _ = file_case(app, cases.ReportContent(description="another case"))
    number = _number(app, case_id)
    assert officer_client.get(f"/staff/cases/{number}").status_code == 200
    page = f"/staff/cases/{number}"
    status, _ = _post(lead_client, page, f"{page}/exclude", {"user": str(_user_id(app, "officer1"))})
    assert status == 302
    assert officer_client.get(page).status_code == 404
    queue = officer_client.get("/staff/?status=all")
    assert number not in queue.text
    assert _number(app, other_id) in queue.text
    assert "1 เรื่อง" in queue.text  # the counts leave it out too
    token = csrf_token_from(officer_client.get("/staff/").text)
    for action, data in [
        ("reply", {"body": "x"}),
        ("notes", {"body": "x"}),
        ("steps/start_screening", {"start_screening-event_on": "2026-01-01"}),
        ("conflict", {"confirm": "y"}),
    ]:
        response = officer_client.post(f"{page}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 404, action
    assert MARKER not in officer_client.get("/staff/?status=all").text
    with new_session(app) as db:
        exclusion = db.get_one(CaseExclusion, (case_id, _user_id(app, "officer1")))
        assert exclusion.reason == "subject"
    assert _audit(app, "staff_excluded")[0].detail.endswith("reason=subject")


def test_declaring_a_conflict_hides_the_case_and_unassigns(app: Flask, officer_client: FlaskClient) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    number = _number(app, case_id)
    page = f"/staff/cases/{number}"
    officer_id = _user_id(app, "officer1")
    assert _post(officer_client, page, f"{page}/assign", {"assignee": str(officer_id)})[0] == 302
    token = csrf_token_from(officer_client.get(page).text)
    unconfirmed = officer_client.post(f"{page}/conflict", data={"csrf_token": token})
    assert unconfirmed.status_code == 400
    response = officer_client.post(f"{page}/conflict", data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 302
    assert officer_client.get(page).status_code == 404
    with new_session(app) as db:
        assert db.get_one(Case, case_id).assigned_to_id is None
        assert db.get_one(CaseExclusion, (case_id, officer_id)).reason == "conflict"


def test_assignment_rules(app: Flask, lead_client: FlaskClient, officer_client: FlaskClient) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    page = f"/staff/cases/{_number(app, case_id)}"
    lead_id, officer_id = _user_id(app, "lead"), _user_id(app, "officer1")
    # An officer may take a case, but not give it to someone else.
    assert _post(officer_client, page, f"{page}/assign", {"assignee": str(lead_id)})[0] == 400
    assert _post(officer_client, page, f"{page}/assign", {"assignee": str(officer_id)})[0] == 302
    # A lead may give it to anyone eligible, or to nobody.
    assert _post(lead_client, page, f"{page}/assign", {"assignee": str(lead_id)})[0] == 302
    with new_session(app) as db:
        assert db.get_one(Case, case_id).assigned_to_id == lead_id
    assert _post(lead_client, page, f"{page}/assign", {"assignee": "0"})[0] == 302
    with new_session(app) as db:
        assert db.get_one(Case, case_id).assigned_to_id is None
    assert [event.detail for event in _audit(app, "case_assigned")] == [
        f"to={officer_id}",
        f"to={lead_id}",
        "to=-",
    ]


def test_confidential_identity_is_hidden_from_handlers_until_a_custodian_approves(
    app: Flask, lead_client: FlaskClient, officer_client: FlaskClient
) -> None:
    """The whole flow is in test_staff_reveal.py; here: what the case page shows to whom."""
    identity = cases.ReporterIdentity(name="นางสาวผู้แจ้ง ลับมาก", phone="0812345678")
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER), identity=identity)
    page = f"/staff/cases/{_number(app, case_id)}"
    officer_view = officer_client.get(page).text
    assert MARKER in officer_view
    assert "นางสาวผู้แจ้ง" not in officer_view
    assert "ขอดูข้อมูลตัวตน" not in officer_view  # no request form for someone not handling the case
    token = csrf_token_from(officer_view)
    refused = officer_client.post(f"{page}/reveal", data={"csrf_token": token, "reason": "court_order"})
    assert refused.status_code == 400
    assert "เฉพาะเจ้าหน้าที่ผู้รับผิดชอบเรื่องนี้หรือหัวหน้างานนิติการเท่านั้นที่ขอข้อมูลตัวตนได้" in refused.text
    lead_view = lead_client.get(page).text
    assert "ขอดูข้อมูลตัวตน" in lead_view
    token = csrf_token_from(lead_view)
    asked = lead_client.post(
        f"{page}/reveal", data={"csrf_token": token, "reason": "court_order", "reference": "คำสั่งศาล 12/2569"}
    )
    assert asked.status_code == 302
    assert "นางสาวผู้แจ้ง" not in lead_client.get(page).text  # nothing before the custodian decides
    assert approve_pending_reveals(app, custodian_client(app)) == 1
    shown = lead_client.get(page).text
    assert "นางสาวผู้แจ้ง ลับมาก" in shown
    assert "0812345678" in shown
    assert "คำสั่งศาล 12/2569" in shown  # the request and its order number, listed for the handlers
    assert "นางสาวผู้แจ้ง" not in officer_client.get(page).text
    (event,) = _audit(app, "identity_reveal_requested")
    assert event.case_id == case_id
    assert event.detail == "reason=court_order"  # the reason code only: no free text in the audit log


def test_identity_shared_by_the_reporter_is_shown_to_the_assignee_only(
    app: Flask, lead_client: FlaskClient, officer_client: FlaskClient
) -> None:
    identity = cases.ReporterIdentity(name="ผู้แจ้งยินยอม", email="reporter@example.org")
    case_id, receipt = file_case(app, cases.ReportContent(description=MARKER), identity=identity)
    page = f"/staff/cases/{_number(app, case_id)}"
    _assign(lead_client, page, _user_id(app, "officer1"))
    reporter = app.test_client()
    log_in_reporter(reporter, receipt)
    token = csrf_token_from(reporter.get("/follow-up/case").text)
    assert (
        reporter.post("/follow-up/share-identity", data={"csrf_token": token, "confirm": "y"}).status_code
        == 303
    )
    assert "ผู้แจ้งยินยอม" in officer_client.get(page).text
    assert [entry.detail for entry in _audit(app, "identity_viewed")] == ["via=consent"]
    assert "ผู้แจ้งยินยอม" not in lead_client.get(page).text  # a lead who is not the handler
    # Reassigned: the consent was to "the officer handling my report", and is not carried.
    _assign(lead_client, page, _user_id(app, "lead"))
    assert "ผู้แจ้งยินยอม" not in officer_client.get(page).text
    assert "ผู้แจ้งยินยอม" not in lead_client.get(page).text
    listing = lead_client.get("/staff/reveals").text  # the lead is also a custodian here
    assert _number(app, case_id) in listing
    seal = f"/staff/reveals/consents/{case_id}"
    assert lead_client.post(seal, data={"csrf_token": csrf_token_from(listing)}).status_code == 302
    assert "ผู้แจ้งยินยอม" in lead_client.get(page).text
    assert _number(app, case_id) not in lead_client.get("/staff/reveals").text


def _assign(client: FlaskClient, page: str, user_id: int) -> None:
    token = csrf_token_from(client.get(page).text)
    response = client.post(f"{page}/assign", data={"csrf_token": token, "assignee": str(user_id)})
    assert response.status_code == 302, response.text[:500]


def test_an_officer_takes_only_a_case_nobody_handles(
    app: Flask, lead_client: FlaskClient, officer_client: FlaskClient
) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    page = f"/staff/cases/{_number(app, case_id)}"
    _assign(lead_client, page, _user_id(app, "lead"))
    token = csrf_token_from(officer_client.get(page).text)
    officer_id = _user_id(app, "officer1")
    taken = officer_client.post(f"{page}/assign", data={"csrf_token": token, "assignee": str(officer_id)})
    assert taken.status_code == 400
    assert "มีเพียงหัวหน้างานนิติการที่มอบหมายใหม่ได้" in taken.text
    lead_id = _user_id(app, "lead")
    with new_session(app) as db:
        assert db.get_one(Case, case_id).assigned_to_id == lead_id


def test_custodian_only_account_cannot_act_on_cases(app: Flask, client: FlaskClient) -> None:
    secret = create_staff(app, "keeper", "custodian")
    assert staff_login(client, "keeper", OFFICER_PASSWORD, secret).status_code == 302
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    page = f"/staff/cases/{_number(app, case_id)}"
    view = client.get(page)
    assert view.status_code == 403  # no unit key: no case page at all
    assert MARKER not in view.text
    assert f"เรื่องเลขที่ {_number(app, case_id)}" not in view.text
    assert "เฉพาะนิติกรและหัวหน้างานนิติการเท่านั้นที่ถือกุญแจนี้ได้" in view.text
    token = csrf_token_from(view.text)
    assert client.post(f"{page}/reply", data={"csrf_token": token, "body": "x"}).status_code == 403
    assert client.get("/staff/intake").status_code == 403


def test_officer_without_the_unit_key_sees_no_case(app: Flask, client: FlaskClient) -> None:
    secret = create_staff(app, "fresh", "officer")
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER), department="engineering")
    assert staff_login(client, "fresh", OFFICER_PASSWORD, secret).status_code == 302
    page = f"/staff/cases/{_number(app, case_id)}"
    view = client.get(page)
    assert view.status_code == 403
    assert "คุณยังไม่มีกุญแจงานนิติการ" in view.text
    assert "ขอให้หัวหน้างานนิติการมอบกุญแจ" in view.text
    for hidden in (MARKER, f"เรื่องเลขที่ {_number(app, case_id)}", "กองช่าง"):  # content, title, department
        assert hidden not in view.text
    assert _audit(app, "case_viewed") == []
    grant_unit_key(app, "fresh")
    assert MARKER in client.get(page).text  # no new log-in needed
