"""Offline intake: an officer records a letter, visit, call, box, Damrongdhama or NACC/PACC
report; it is encrypted like an online one and the citizen gets a receipt shown once."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases, settings
from complaints.dates import today
from complaints.db import new_session
from complaints.models import AuditEvent, Case, CaseReference
from complaints.references import reference_digest
from tests.conftest import all_files_under, csrf_token_from

MARKER = "MARKER-จดหมาย-8d2c"
RECEIPT = re.compile(r'id="receipt">\s*([0-9 ]+?)\s*<')


def _intake(client: FlaskClient, **overrides: object) -> tuple[int, str]:
    token = csrf_token_from(client.get("/staff/intake").text)
    data: dict[str, object] = {
        "csrf_token": token,
        "channel": "letter",
        "received_on": (today() - timedelta(days=3)).isoformat(),
        "category": "procurement",
        "department": "engineering",
        "accused_name": "นายผู้ถูกร้อง",
        "description": MARKER,
        "disclosure": "anonymous",
    }
    data.update(overrides)
    response = client.post("/staff/intake", data=data, content_type="multipart/form-data")
    return response.status_code, response.text


def test_offline_report_is_encrypted_and_the_receipt_opens_it(app: Flask, lead_client: FlaskClient) -> None:
    letter = b"%PDF scanned letter " * 500
    status, page = _intake(
        lead_client,
        disclosure="confidential",
        reporter_name="นายผู้แจ้ง ทางจดหมาย",
        reporter_phone="0899999999",
        attachments=[(io.BytesIO(letter), "หนังสือร้องเรียน.pdf", "application/pdf")],
    )
    assert status == 200
    found = RECEIPT.search(page)
    assert found
    receipt = found.group(1).replace(" ", "")
    assert len(receipt) == 20
    with new_session(app) as db:
        case = db.scalars(select(Case)).one()
        assert (case.channel, case.category, case.department) == ("letter", "procurement", "engineering")
        assert case.submitted_on == today() - timedelta(days=3)
        assert case.acknowledged_on == today()
        assert case.disclosure == "confidential"
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "case_submitted")).one()
        assert (event.actor_kind, event.detail) == ("staff", "channel=letter")
    for path in all_files_under(Path(app.instance_path)):
        data = path.read_bytes()
        assert MARKER.encode() not in data
        assert b"scanned letter" not in data
        assert "ผู้แจ้ง ทางจดหมาย".encode() not in data
    with app.app_context(), new_session(app) as db:
        case, reporter_keys = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
        assert cases.read_report(case, reporter_keys.content).description == MARKER
        assert reporter_keys.identity is not None
        identity = cases.read_identity(case, reporter_keys.identity)
        assert identity is not None
        assert identity.name == "นายผู้แจ้ง ทางจดหมาย"
        (attachment,) = cases.attachments_of(db, case)
        assert (
            cases.read_attachment_meta(case, attachment, reporter_keys.content).filename == "หนังสือร้องเรียน.pdf"
        )
    # The receipt is not shown again anywhere.
    case_page = lead_client.get(f"/staff/cases/{case.number}").text
    assert MARKER in case_page
    assert found.group(1) not in case_page


def test_intake_validation_keeps_nothing(app: Flask, lead_client: FlaskClient) -> None:
    for overrides, message in [
        ({"description": ""}, "กรุณาเล่าว่าเกิดอะไรขึ้น"),  # the citizen form's own words, one rule
        ({"channel": "online"}, "กรุณาเลือกช่องทางที่ได้รับเรื่อง"),
        ({"channel": ""}, "กรุณาเลือกช่องทางที่ได้รับเรื่อง"),
        ({"category": ""}, "กรุณาเลือกประเภท"),
        ({"department": ""}, "กรุณาเลือกหน่วยงาน"),
        ({"received_on": "31/2/2569"}, "กรุณาระบุวันที่ (วัน เดือน ปี)"),
        ({"letter_number": "<script>"}, "เลขที่ใช้ได้เฉพาะตัวอักษรไทยหรืออังกฤษ"),
        ({"received_on": (today() + timedelta(days=1)).isoformat()}, "วันที่รับเรื่องต้องไม่เป็นวันในอนาคต"),
        ({"disclosure": "confidential"}, "กรุณาระบุชื่อ หมายเลขโทรศัพท์ หรืออีเมล"),
        ({"reporter_name": "ชื่อ"}, "กรุณาเลือกแบบปกปิดข้อมูล"),
    ]:
        status, page = _intake(lead_client, **overrides)
        assert status == 400, overrides
        assert message in page, overrides
    with new_session(app) as db:
        assert db.scalars(select(Case)).all() == []
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert not upload_dir.exists() or all_files_under(upload_dir) == []


def test_every_offline_channel_is_offered(lead_client: FlaskClient) -> None:
    page = lead_client.get("/staff/intake").text
    for value in ("letter", "walk_in", "phone", "complaint_box", "damrongdhama", "nacc", "pacc"):
        assert f'value="{value}"' in page
    assert 'value="online"' not in page


def test_a_resubmitted_intake_form_is_not_recorded_twice(app: Flask, lead_client: FlaskClient) -> None:
    form = lead_client.get("/staff/intake").text
    once = re.search(r'name="once" type="hidden" value="([^"]+)"', form)
    assert once
    data = {
        "csrf_token": csrf_token_from(form),
        "once": once.group(1),
        "channel": "walk_in",
        "received_on": today().isoformat(),
        "category": "budget",
        "department": "finance",
        "description": MARKER,
        "disclosure": "anonymous",
    }
    first = lead_client.post("/staff/intake", data=data)
    assert first.status_code == 200
    assert RECEIPT.search(first.text)
    again = lead_client.post("/staff/intake", data=data)  # the browser's "resend" after a refresh
    assert again.status_code == 302
    assert "บันทึกไว้แล้ว" in lead_client.get(again.headers["Location"]).text
    with new_session(app) as db:
        assert len(db.scalars(select(Case)).all()) == 1


def _selected(page: str, name: str) -> str:
    """The value of the option a select starts on (the first one when none is marked)."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, name
    marked = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select.group(1))
    if marked:
        return marked.group(1) or marked.group(2) or ""
    first = re.search(r'<option value="([^"]*)"', select.group(1))
    assert first, name
    return first.group(1)


def test_the_intake_form_chooses_nothing_for_the_officer(lead_client: FlaskClient) -> None:
    page = lead_client.get("/staff/intake").text
    for name in ("channel", "category", "department"):
        assert _selected(page, name) == "", name
        assert 'value="">เลือก…</option>' in page
    # The date of arrival is in the Buddhist era like every other date, with no C.E. picker.
    assert f'value="{today().day}/{today().month}/{today().year + 543}"' in page
    assert 'type="date"' not in page


def test_the_date_of_arrival_is_read_as_thai_people_write_it(app: Flask, lead_client: FlaskClient) -> None:
    arrived = today() - timedelta(days=10)
    typed = [
        f"{arrived.day}/{arrived.month}/{arrived.year + 543}",
        f"{arrived.day:02d}-{arrived.month:02d}-{arrived.year}",
        "".join(
            "๐๑๒๓๔๕๖๗๘๙"[int(ch)] if ch.isdigit() else ch
            for ch in f"{arrived.day}/{arrived.month}/{arrived.year + 543}"
        ),
    ]
    for text in typed:
        status, page = _intake(lead_client, received_on=text)
        assert status == 200, (text, page)
    with new_session(app) as db:
        assert [case.submitted_on for case in db.scalars(select(Case))] == [arrived] * len(typed)


def test_a_date_that_is_not_one_is_refused_and_everything_typed_stays(lead_client: FlaskClient) -> None:
    status, page = _intake(lead_client, received_on="31/2/2569", letter_number="นม 0023/2569")
    assert status == 400
    assert 'value="31/2/2569"' in page  # shown back as typed, to correct
    assert 'value="นม 0023/2569"' in page
    assert MARKER in page


def test_the_incoming_letter_number_is_sealed_and_finds_the_case(
    app: Flask, lead_client: FlaskClient
) -> None:
    status, _page = _intake(lead_client, letter_number="นม 0023/2569")
    assert status == 200
    with new_session(app) as db:
        case = db.scalars(select(Case)).one()
        assert b"0023" not in case.report_ciphertext
        references = db.scalars(select(CaseReference.digest).where(CaseReference.case_id == case.id)).all()
        assert references == [reference_digest("นม 0023/2569", settings.reference_key(app))]
        number = case.number
    case_page = lead_client.get(f"/staff/cases/{number}").text
    assert "เลขที่หนังสือรับ" in case_page
    assert "นม 0023/2569" in case_page
    # Found from the queue's search box however it is spaced, cased or written in digits.
    for typed in ("นม 0023/2569", "นม0023/2569", "นม ๐๐๒๓/๒๕๖๙"):
        found = lead_client.get("/staff/", query_string={"number": typed}).text
        assert f"/staff/cases/{number}" in found, typed
    assert f"/staff/cases/{number}" not in lead_client.get("/staff/?number=นม 0024/2569").text
