"""The audit log and the settings page say what their codes mean, in Thai and English, and keep
the raw code beside the words for the security reviewer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import audit, cases, labels
from complaints.admin.audit_details import describe
from complaints.admin.setting_words import rate_limit_text
from complaints.audit_keys import KEY_ROTATED
from complaints.db import new_session
from complaints.models import AuditEvent, Case
from tests.conftest import csrf_token_from, file_case

PACKAGE = Path(__file__).resolve().parent.parent / "complaints"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _recorded_actions() -> set[str]:
    """Every action the code writes to the audit log (``audit.record(db, "action", ...)``)."""
    # Recorded through a constant or a formatted name, which the scan below cannot read.
    actions = {
        audit.HEAD_MISSING,
        audit.RESTORED,
        KEY_ROTATED,
        "identity_reveal_approved",
        "identity_reveal_declined",
    }
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                actions.add(node.args[1].value)
    return actions


def test_every_action_the_log_records_has_a_name() -> None:
    actions = _recorded_actions()
    assert {"reporter_evidence_added", "procedure_step", "case_submitted"} <= actions  # the scan works
    assert sorted(actions - set(labels.AUDIT_ACTION_LABELS)) == []


def _record_a_step(app: Flask, lead_client: FlaskClient) -> str:
    case_id, _receipt = file_case(app, cases.ReportContent(description="เบิกค่าวัสดุซ้ำ"))
    with app.app_context(), new_session(app) as db:
        number = db.get_one(Case, case_id).number
        audit.record(db, "reporter_evidence_added", audit.REPORTER, None, case_id, "files=2")
        db.commit()
        submitted_on = db.get_one(Case, case_id).submitted_on.isoformat()
    page = lead_client.get(f"/staff/cases/{number}").text
    response = lead_client.post(
        f"/staff/cases/{number}/steps/start_screening",
        data={"csrf_token": csrf_token_from(page), "start_screening-event_on": submitted_on},
    )
    assert response.status_code == 302
    return number


def test_the_audit_log_names_actions_and_details_and_keeps_the_codes(
    app: Flask, lead_client: FlaskClient, admin_client: FlaskClient
) -> None:
    _record_a_step(app, lead_client)
    page = _text(admin_client.get("/admin/audit").text)
    # The step: its name, where it went from and to, in words; below them what the log holds.
    assert (
        "บันทึกขั้นตอนการดำเนินการ ขั้นตอน: เริ่มตรวจสอบเบื้องต้น จาก: รับเรื่องแล้ว (รอคัดกรอง) "
        "ถึง: ตรวจสอบเบื้องต้น / คัดกรอง procedure_step action=start_screening from=received to=screening"
    ) in page
    # An account named by id in a detail is shown by its username, roles by their names.
    assert "บัญชี: admin1 บทบาท: ผู้ดูแลระบบ user_created user=2 roles=admin" in page
    # The reporter's chain: a code that had no name before.
    assert "ผู้ร้องเรียนส่งหลักฐานเพิ่มเติม จำนวนไฟล์: 2 reporter_evidence_added files=2" in page
    assert "ช่องทางที่ได้รับ: แบบฟอร์มออนไลน์ case_submitted channel=online" in page
    admin_client.set_cookie("lang", "en")
    english = _text(admin_client.get("/admin/audit").text)
    assert "Step: Start screening From: Received, not yet screened To: Screening procedure_step" in english
    assert "Reporter added evidence Files: 2 reporter_evidence_added files=2" in english


def test_a_detail_word_without_a_name_is_shown_as_recorded(app: Flask) -> None:
    with app.test_request_context():
        parts = describe("procedure_step", "action=invented_step colour=blue list_purge", {})
    assert [(part.name, part.value) for part in parts] == [
        ("ขั้นตอน", "invented_step"),
        ("colour", "blue"),
        ("ทำลายตามบัญชีขอทำลาย", ""),
    ]


def test_verification_problems_are_in_words(app: Flask, admin_client: FlaskClient) -> None:
    with new_session(app) as db:
        first = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
        assert first is not None
        first.detail = "rewritten"
        db.commit()
    page = admin_client.get("/admin/audit").text
    result = _text(admin_client.post("/admin/audit/verify", data={"csrf_token": csrf_token_from(page)}).text)
    assert f"เจ้าหน้าที่และระบบ รายการที่ {first.id}: รายการนี้ถูกแก้ไขหลังจากบันทึกแล้ว" in result
    assert f"staff #{first.id}: entry was altered" in result


def test_settings_say_rate_limits_in_words(app: Flask, admin_client: FlaskClient) -> None:
    app.config["RATELIMIT_STAFF_LOGIN"] = "10 per 15 minutes"
    page = _text(admin_client.get("/admin/settings").text)
    assert "10 ครั้งใน 15 นาที 10 per 15 minutes" in page
    assert "เขตเวลา Asia/Bangkok" in page
    assert "Argon2id ใช้หน่วยความจำ" in page
    admin_client.set_cookie("lang", "en")
    english = _text(admin_client.get("/admin/settings").text)
    assert "10 attempts in 15 minutes 10 per 15 minutes" in english


def test_rate_limits_in_the_forms_flask_limiter_reads(app: Flask) -> None:
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert rate_limit_text("5/minute") == "5 attempts a minute"
        assert rate_limit_text("30 per hour") == "30 attempts an hour"
        assert (
            rate_limit_text("100 per hour; 1000 per 2 days")
            == "100 attempts an hour and 1000 attempts in 2 days"
        )
        assert rate_limit_text("whenever you like") == "whenever you like"  # unreadable: as written
        assert rate_limit_text("") == ""
