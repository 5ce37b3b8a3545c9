"""Whistleblower protection (DOMAIN B14): the custodian's check before a disciplinary
investigation, protection records, and a reporter's report of retaliation with its 15-day clock."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases
from complaints.dates import add_days, today
from complaints.db import new_session
from complaints.models import AuditEvent, Case, CaseClock, ProtectionCheck, ProtectionRecord
from tests.conftest import csrf_token_from, file_case, log_in_reporter

SUBJECT = "นายผู้ถูกสอบสวน ตำแหน่งนักวิชาการพัสดุ"
NACC_REFERENCE = "ปช 0099/2569"
NAME = "นางผู้แจ้ง ได้รับความคุ้มครอง"


def _post(client: FlaskClient, page: str, path: str, data: dict[str, str]) -> int:
    token = csrf_token_from(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data}).status_code


def _in_fact_finding(app: Flask, client: FlaskClient) -> str:
    case_id, _ = file_case(app, cases.ReportContent(description="เบิกเงินเท็จ"))
    with new_session(app) as db:
        number = db.get_one(Case, case_id).number
    page = f"/staff/cases/{number}"
    assert (
        _post(
            client,
            page,
            f"{page}/steps/start_fact_finding",
            {"start_fact_finding-event_on": today().isoformat()},
        )
        == 302
    )
    return number


def _open_investigation(client: FlaskClient, number: str) -> tuple[int, str]:
    page = f"/staff/cases/{number}"
    token = csrf_token_from(client.get(page).text)
    data = {
        "csrf_token": token,
        "start_disciplinary-event_on": today().isoformat(),
        "start_disciplinary-severity": "minor",
    }
    response = client.post(f"{page}/steps/start_disciplinary", data=data)
    return response.status_code, response.text


def _answer(custodian: FlaskClient, answer: str, reference: str = "") -> int:
    listing = custodian.get("/staff/protection").text
    check_id = re.findall(r'id="check-(\d+)"', listing)[-1]
    data = {"csrf_token": csrf_token_from(listing), "answer": answer, "reference": reference}
    return custodian.post(f"/staff/protection/checks/{check_id}", data=data).status_code


def test_a_disciplinary_investigation_waits_for_the_custodians_check(
    app: Flask, lead_client: FlaskClient
) -> None:
    number = _in_fact_finding(app, lead_client)
    page = f"/staff/cases/{number}"
    status, text = _open_investigation(lead_client, number)
    assert status == 400
    assert "กรุณาสอบถามผู้ดูแลข้อมูลตัวตนก่อน" in text
    assert _post(lead_client, page, f"{page}/protection-check", {"subject": SUBJECT}) == 302
    assert "รอคำตอบจากผู้ดูแลข้อมูลตัวตน" in lead_client.get(page).text
    assert _open_investigation(lead_client, number)[0] == 400  # still waiting
    with new_session(app) as db:
        check = db.scalars(select(ProtectionCheck)).one()
        assert SUBJECT.encode() not in check.subject_ciphertext  # sealed to the custodian key
        assert check.answer is None
    listing = lead_client.get("/staff/protection").text
    assert SUBJECT in listing  # the custodian reads the name to compare
    assert _answer(lead_client, "protected") == 400  # a yes needs the NACC reference
    assert _answer(lead_client, "protected", NACC_REFERENCE) == 302
    with new_session(app) as db:
        check = db.scalars(select(ProtectionCheck)).one()
        assert check.answer == "protected"
        assert NACC_REFERENCE.encode() not in (check.reference_ciphertext or b"")
    status, text = _open_investigation(lead_client, number)
    assert status == 400
    assert "ตั้งกรรมการสอบสวนทางวินัยไม่ได้" in text
    assert NACC_REFERENCE in lead_client.get(page).text  # the reference is shown with the block
    with new_session(app) as db:
        assert db.scalars(select(Case).where(Case.number == number)).one().status == "fact_finding"


def test_a_not_protected_answer_lets_the_investigation_open(app: Flask, lead_client: FlaskClient) -> None:
    number = _in_fact_finding(app, lead_client)
    page = f"/staff/cases/{number}"
    assert _post(lead_client, page, f"{page}/protection-check", {"subject": SUBJECT}) == 302
    assert _post(lead_client, page, f"{page}/protection-check", {"subject": SUBJECT}) == 400  # one at a time
    assert _answer(lead_client, "not_protected") == 302
    assert _open_investigation(lead_client, number)[0] == 302
    with new_session(app) as db:
        actions = [entry.action for entry in db.scalars(select(AuditEvent))]
    assert "protection_check_requested" in actions
    assert "protection_check_answered" in actions


def test_only_a_custodian_answers_or_records_protection(
    app: Flask, officer_client: FlaskClient, lead_client: FlaskClient
) -> None:
    number = _in_fact_finding(app, lead_client)
    page = f"/staff/cases/{number}"
    assert _post(officer_client, page, f"{page}/protection-check", {"subject": SUBJECT}) == 302
    assert officer_client.get("/staff/protection").status_code == 403
    assert officer_client.post("/staff/protection/checks/1", data={}).status_code in (400, 403)
    with new_session(app) as db:
        assert db.scalars(select(ProtectionCheck)).one().answer is None


def test_the_custodian_records_a_reporters_protection(app: Flask, lead_client: FlaskClient) -> None:
    case_id, _ = file_case(
        app, cases.ReportContent(description="ฮั้วประมูล"), cases.ReporterIdentity(name=NAME, phone="0810000000")
    )
    with new_session(app) as db:
        number = db.get_one(Case, case_id).number
    form = {"number": number, "reference": NACC_REFERENCE, "from_on": today().isoformat(), "until_on": ""}
    bad = dict(form, until_on=add_days(today(), -1).isoformat())
    assert _post(lead_client, "/staff/protection", "/staff/protection/records", bad) == 400
    assert (
        _post(lead_client, "/staff/protection", "/staff/protection/records", dict(form, number="2499-9999"))
        == 400
    )
    assert _post(lead_client, "/staff/protection", "/staff/protection/records", form) == 302
    with new_session(app) as db:
        assert db.get_one(Case, case_id).reporter_protected
        record = db.scalars(select(ProtectionRecord)).one()
        assert NACC_REFERENCE.encode() not in record.reference_ciphertext
    listing = lead_client.get("/staff/protection").text
    assert NAME in listing
    assert NACC_REFERENCE in listing
    with new_session(app) as db:
        viewed = db.scalars(select(AuditEvent).where(AuditEvent.action == "identity_viewed")).all()
        assert [entry.detail for entry in viewed] == ["via=protection"]


def test_a_reporters_report_of_retaliation_starts_an_urgent_15_day_clock(
    app: Flask, client: FlaskClient, lead_client: FlaskClient
) -> None:
    case_id, receipt = file_case(app, cases.ReportContent(description="ใช้รถหลวง"))
    with new_session(app) as db:
        number = db.get_one(Case, case_id).number
    assert log_in_reporter(client, receipt).status_code == 302
    token = csrf_token_from(client.get("/follow-up/case").text)
    assert client.post("/follow-up/retaliation", data={"csrf_token": token, "account": ""}).status_code == 422
    account = "ถูกย้ายไปประจำจุดห่างไกลหลังจากร้องเรียน"
    response = client.post("/follow-up/retaliation", data={"csrf_token": token, "account": account})
    assert response.status_code == 303
    page = client.get("/follow-up/case").text
    assert "ต้องขอให้ ป.ป.ช. คุ้มครองคุณภายใน 15 วัน" in page
    with new_session(app) as db:
        clock = db.scalars(select(CaseClock).where(CaseClock.clock == "retaliation_referral")).one()
        assert (clock.state, clock.due_on) == ("running", add_days(today(), 15))
    queue = lead_client.get("/staff/").text
    assert 'id="retaliation"' in queue
    assert number in queue[queue.index('id="retaliation"') :][:600]
    case_page = lead_client.get(f"/staff/cases/{number}").text
    assert account in case_page
    assert "ผู้แจ้งเบาะแสแจ้งว่าถูกกลั่นแกล้ง" in case_page
    step = f"/staff/cases/{number}/steps/refer_retaliation"
    data = {"refer_retaliation-event_on": today().isoformat(), "refer_retaliation-letter_number": "นต 5/2569"}
    assert _post(lead_client, f"/staff/cases/{number}", step, data) == 302
    with new_session(app) as db:
        assert (
            db.scalars(select(CaseClock).where(CaseClock.clock == "retaliation_referral")).one().state
            == "met"
        )
    assert 'id="retaliation"' not in lead_client.get("/staff/").text
    assert _post(lead_client, f"/staff/cases/{number}", step, data) == 400  # nothing left to refer


def test_a_penalty_after_an_nacc_finding_also_waits_for_the_check(
    app: Flask, lead_client: FlaskClient
) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description="ป.ป.ช. ชี้มูล"))
    with new_session(app) as db:
        number = db.get_one(Case, case_id).number
    page = f"/staff/cases/{number}"
    on = today().isoformat()
    finding = {"record_nacc_finding-event_on": on, "record_nacc_finding-finding_body": "nacc"}
    assert _post(lead_client, page, f"{page}/steps/record_nacc_finding", finding) == 302
    order = {
        "decide_penalty-event_on": on,
        "decide_penalty-severity_found": "serious",
        "decide_penalty-penalty": "dismissal",
        "decide_penalty-notified_on": on,
    }
    assert _post(lead_client, page, f"{page}/steps/decide_penalty", order) == 400
    assert _post(lead_client, page, f"{page}/protection-check", {"subject": SUBJECT}) == 302
    assert _answer(lead_client, "not_protected") == 302
    # A protection recorded after the answer makes it stale: ask again.
    other_id, _ = file_case(app, cases.ReportContent(description="อีกเรื่อง"))
    with new_session(app) as db:
        other = db.get_one(Case, other_id).number
    record = {"number": other, "reference": NACC_REFERENCE, "from_on": on, "until_on": ""}
    assert _post(lead_client, "/staff/protection", "/staff/protection/records", record) == 302
    assert _post(lead_client, page, f"{page}/steps/decide_penalty", order) == 400
    assert _post(lead_client, page, f"{page}/protection-check", {"subject": SUBJECT}) == 302
    assert _answer(lead_client, "not_protected") == 302
    assert _post(lead_client, page, f"{page}/steps/decide_penalty", order) == 302


def test_an_excluded_custodian_does_not_see_that_protected_reporter(
    app: Flask, lead_client: FlaskClient
) -> None:
    from complaints.models import CaseExclusion, StaffUser

    case_id, _ = file_case(app, cases.ReportContent(description="ฮั้ว"), cases.ReporterIdentity(name=NAME))
    with new_session(app) as db:
        number = db.get_one(Case, case_id).number
    form = {"number": number, "reference": NACC_REFERENCE, "from_on": today().isoformat(), "until_on": ""}
    assert _post(lead_client, "/staff/protection", "/staff/protection/records", form) == 302
    assert NAME in lead_client.get("/staff/protection").text
    with new_session(app) as db:
        lead_id = db.scalars(select(StaffUser.id).where(StaffUser.username == "lead")).one()
        db.add(CaseExclusion(case_id=case_id, user_id=lead_id, reason="conflict"))
        db.commit()
    assert NAME not in lead_client.get("/staff/protection").text
