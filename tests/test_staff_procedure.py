"""Measure-8 procedure steps from the case page: dated, with codes as metadata and their words
(order and letter numbers, committees, reasons) sealed under the case key, audited; status,
results and clocks follow the procedure table."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases, settings
from complaints.dates import add_days, add_working_days, today
from complaints.db import new_session
from complaints.models import AuditEvent, Case, CaseClock, CaseReference, ProcedureEvent
from tests.conftest import csrf_token_from, file_case, require_or_skip

MARKER = "MARKER-ขั้นตอน-3e7f"
ORDER = "นต 0001/2569"


def _case(app: Flask, case_id: int) -> Case:
    with new_session(app) as db:
        return db.get_one(Case, case_id)


def _clocks(app: Flask, case_id: int) -> dict[str, CaseClock]:
    """The latest clock of each kind."""
    with new_session(app) as db:
        rows = db.scalars(select(CaseClock).where(CaseClock.case_id == case_id).order_by(CaseClock.id))
        return {row.clock: row for row in rows}


def _step(
    client: FlaskClient, number: str, action: str, on: date | None = None, **fields: str
) -> tuple[int, str]:
    page = f"/staff/cases/{number}"
    token = csrf_token_from(client.get(page).text)
    data = {"csrf_token": token, f"{action}-event_on": (on or today()).isoformat()}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    response = client.post(f"{page}/steps/{action}", data=data)
    return response.status_code, response.text


def _new_case(app: Flask, submitted_days_ago: int = 0) -> tuple[int, str, str]:
    case_id, receipt = file_case(app, cases.ReportContent(description=MARKER))
    with new_session(app) as db:
        case = db.get_one(Case, case_id)
        if submitted_days_ago:
            earlier = today() - timedelta(days=submitted_days_ago)
            case.submitted_on = earlier
            for clock in db.scalars(select(CaseClock).where(CaseClock.case_id == case_id)):
                clock.due_on -= timedelta(days=submitted_days_ago)
                clock.started_on = earlier
            db.commit()
        return case_id, case.number, receipt


def _clear_protection(asker: FlaskClient, custodian: FlaskClient, number: str) -> None:
    """The handler asks the custodian, who answers "not a protected reporter"."""
    page = f"/staff/cases/{number}"
    token = csrf_token_from(asker.get(page).text)
    response = asker.post(f"{page}/protection-check", data={"csrf_token": token, "subject": "นายผู้ถูกสอบสวน"})
    assert response.status_code == 302, response.text
    listing = custodian.get("/staff/protection").text
    check_id = re.findall(r'id="check-(\d+)"', listing)[-1]
    answer = {"csrf_token": csrf_token_from(listing), "answer": "not_protected"}
    assert custodian.post(f"/staff/protection/checks/{check_id}", data=answer).status_code == 302


def _steps(
    client: FlaskClient,
    number: str,
    steps: list[tuple[str, dict[str, str]]],
    custodian: FlaskClient | None = None,
) -> None:
    """Record steps as an officer would; disciplinary steps are preceded by the custodian's check,
    and a penalty order gets the day the official was notified (today) unless given."""
    for action, fields in steps:
        if action in ("start_disciplinary", "decide_penalty") and not _cleared(client, number):
            _clear_protection(client, custodian or client, number)
        if action == "decide_penalty":
            fields = {"notified_on": today().isoformat(), **fields}
        status, page = _step(client, number, action, **fields)
        assert status == 302, (action, page[page.find("notice-error") : page.find("notice-error") + 300])


def _cleared(client: FlaskClient, number: str) -> bool:
    return "ไม่ใช่ผู้แจ้งเบาะแสที่อยู่ในความคุ้มครอง" in client.get(f"/staff/cases/{number}").text


def test_a_step_seals_its_order_number_and_note_and_finds_the_case_by_it(
    app: Flask, lead_client: FlaskClient
) -> None:
    case_id, number, _ = _new_case(app)
    page = lead_client.get(f"/staff/cases/{number}").text
    assert "เริ่มตรวจสอบเบื้องต้น" in page
    assert "บันทึกคำสั่งลงโทษ" not in page  # only the actions allowed from "received"
    assert _step(lead_client, number, "start_screening", order_number=ORDER, note="NOTE-ลับ-1")[0] == 302
    assert _case(app, case_id).status == "screening"
    with new_session(app) as db:
        event = db.scalars(select(ProcedureEvent)).one()
        assert (event.action, event.from_status, event.to_status) == (
            "start_screening",
            "received",
            "screening",
        )
        assert event.order_number is None  # never in plaintext
        assert event.details_ciphertext is not None
        assert ORDER.encode() not in event.details_ciphertext
        assert b"0001" not in event.details_ciphertext
        assert b"NOTE" not in (event.note_ciphertext or b"")
        assert len(db.scalars(select(CaseReference)).all()) == 1
        audit_row = db.scalars(select(AuditEvent).where(AuditEvent.action == "procedure_step")).one()
        assert audit_row.detail == "action=start_screening from=received to=screening"
    shown = lead_client.get(f"/staff/cases/{number}").text
    assert "NOTE-ลับ-1" in shown
    assert ORDER in shown
    for typed in (ORDER, "นต0001/2569", "นต ๐๐๐๑/๒๕๖๙"):
        found = lead_client.get("/staff/", query_string={"number": typed}).text
        assert f'href="/staff/cases/{number}"' in found, typed
    assert f'href="/staff/cases/{number}"' not in lead_client.get("/staff/?number=นต 9999/2569").text


def test_the_anonymous_letter_checklist_is_recorded_as_answers(app: Flask, lead_client: FlaskClient) -> None:
    case_id, number, _ = _new_case(app)
    assert _step(lead_client, number, "record_checklist", accused_identified="yes")[0] == 400
    answers = {"accused_identified": "yes", "evidence_clear": "no", "witnesses_named": "no"}
    assert _step(lead_client, number, "record_checklist", **answers)[0] == 302
    with new_session(app) as db:
        event = db.scalars(select(ProcedureEvent)).one()
        assert '"evidence_clear": "no"' in event.codes_json
    assert _case(app, case_id).status == "received"
    assert "มีการระบุพยานบุคคลหรือไม่: ไม่ใช่" in lead_client.get(f"/staff/cases/{number}").text


def test_the_reply_window_counts_working_days_and_a_reply_brings_the_case_back(
    app: Flask, lead_client: FlaskClient
) -> None:
    case_id, number, receipt = _new_case(app)
    assert _step(lead_client, number, "start_screening")[0] == 302
    assert _step(lead_client, number, "request_information")[0] == 400  # the question must be asked
    status, _ = _step(lead_client, number, "request_information", message="กรุณาส่งภาพถ่ายใบเสร็จ")
    assert status == 302
    case = _case(app, case_id)
    assert case.status == "awaiting_information"
    calendar = settings.calendar(app)
    due = add_working_days(today(), app.config["DEADLINE_DAYS"]["awaiting_information"], calendar.is_holiday)
    assert (case.next_deadline_kind, case.next_deadline_on) == ("awaiting_information", due)
    with app.app_context(), new_session(app) as db:
        found, reporter_keys = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
        texts = [cases.read_message(found, m, reporter_keys.content) for m in cases.thread(db, found)]
        assert texts == ["กรุณาส่งภาพถ่ายใบเสร็จ"]
    assert _step(lead_client, number, "information_received")[0] == 302
    assert _clocks(app, case_id)["awaiting_information"].state == "met"
    assert _step(lead_client, number, "start_fact_finding")[0] == 302
    assert _case(app, case_id).status == "fact_finding"


@pytest.mark.parametrize(
    ("action", "fields", "column", "value", "status"),
    [
        (
            "not_accept",
            {"reason": "anonymous_insufficient"},
            "not_accepted_reason",
            "anonymous_insufficient",
            "not_accepted",
        ),
        ("refer", {"referred_to": "nacc", "letter_number": "นต 55/2569"}, "referred_to", "nacc", "referred"),
        (
            "close",
            {"close_reason": "withdrawn", "reason_text": "ผู้ร้องขอถอน"},
            "close_reason",
            "withdrawn",
            "concluded",
        ),
    ],
)
def test_closing_steps_record_their_reason_and_close_the_case(
    app: Flask,
    lead_client: FlaskClient,
    action: str,
    fields: dict[str, str],
    column: str,
    value: str,
    status: str,
) -> None:
    case_id, number, _ = _new_case(app)
    assert _step(lead_client, number, "start_screening")[0] == 302
    missing, page = _step(lead_client, number, action)
    assert missing == 400
    assert "กรุณาเลือกจากรายการที่กำหนด" in page
    field = next(iter(fields))
    assert _step(lead_client, number, action, **{**fields, field: "made-up"})[0] == 400
    assert _case(app, case_id).status == "screening"
    assert _step(lead_client, number, action, **fields)[0] == 302
    case = _case(app, case_id)
    assert (case.status, getattr(case, column), case.closed_on) == (status, value, today())
    assert case.next_deadline_on is None  # completed here: no more deadlines
    assert all(clock.state != "running" for clock in _clocks(app, case_id).values())
    assert _step(lead_client, number, "start_fact_finding")[0] == 400


def test_a_referral_after_fact_finding_and_the_other_agencys_result(
    app: Flask, lead_client: FlaskClient
) -> None:
    case_id, number, _ = _new_case(app)
    _steps(lead_client, number, [("start_fact_finding", {}), ("refer", {"referred_to": "pacc"})])
    assert _clocks(app, case_id)["fact_finding"].state == "met"
    result = {"referral_result": "wrongdoing_found", "outcome_text": "ป.ป.ท. ชี้มูลแล้ว"}
    assert _step(lead_client, number, "record_referral_result", **result)[0] == 302
    assert _step(lead_client, number, "record_referral_result", **result)[0] == 400  # once
    case = _case(app, case_id)
    assert (case.status, case.referral_result) == ("referred", "wrongdoing_found")
    assert "ป.ป.ท. ชี้มูลแล้ว" in lead_client.get(f"/staff/cases/{number}").text


def test_the_full_disciplinary_track_with_an_appeal_and_a_criminal_referral_beside_it(
    app: Flask, lead_client: FlaskClient
) -> None:
    case_id, number, _ = _new_case(app)
    committee = "นายกรรมการ หนึ่ง ประธาน\nนางกรรมการ สอง กรรมการ"
    _steps(
        lead_client,
        number,
        [
            ("start_fact_finding", {}),
            ("appoint_fact_finding_committee", {"committee": committee, "order_number": "คำสั่ง 12/2569"}),
            ("start_disciplinary", {"severity": "serious"}),
            ("refer_criminal", {"criminal_body": "police", "letter_number": "ตร 7/2569"}),
            ("appoint_investigation_committee", {"committee": committee}),
            ("notify_charges", {}),
        ],
    )
    assert _case(app, case_id).status == "disciplinary_investigation"  # the criminal referral blocks nothing
    investigation = _clocks(app, case_id)["disciplinary_investigation"]
    assert investigation.due_on == add_days(today(), 180)
    later = add_days(investigation.due_on, 60).isoformat()
    assert (
        _step(lead_client, number, "extend_investigation", new_due_on=later)[0] == 400
    )  # a reason is needed
    extension = {"new_due_on": later, "reason_text": "พยานอยู่ต่างประเทศ"}
    assert _step(lead_client, number, "extend_investigation", **extension)[0] == 302
    assert _clocks(app, case_id)["disciplinary_investigation"].due_on.isoformat() == later
    _steps(lead_client, number, [("consider_penalty", {})])
    # A serious investigation can end in a minor finding, but a minor one never brings dismissal.
    status, page = _step(lead_client, number, "decide_penalty", severity_found="minor", penalty="dismissal")
    assert status == 400
    assert 'id="step-decide_penalty" open' in page  # the error is shown at the step, its form open
    order = {"severity_found": "minor", "penalty": "salary_deduction", "order_number": "คำสั่ง 45/2569"}
    _steps(lead_client, number, [("decide_penalty", order)])
    case = _case(app, case_id)
    assert (case.status, case.penalty, case.outcome) == (
        "penalty_ordered",
        "salary_deduction",
        "founded_penalised",
    )
    assert _clocks(app, case_id)["appeal_window"].due_on == add_days(today(), 30)
    assert _step(lead_client, number, "conclude")[0] == 400  # not while the appeal window is open
    _steps(
        lead_client,
        number,
        [
            ("file_appeal", {}),
            ("decide_appeal", {"appeal_result": "reduced", "penalty": "probation"}),
            ("record_criminal_outcome", {"criminal_outcome": "prosecuted"}),
        ],
    )
    case = _case(app, case_id)
    assert (case.status, case.appeal_result) == ("concluded", "reduced")
    assert (case.penalty, case.original_penalty) == ("probation", "salary_deduction")  # the final one counts
    assert (case.criminal_referral, case.criminal_body, case.criminal_outcome) == (
        True,
        "police",
        "prosecuted",
    )
    page = lead_client.get(f"/staff/cases/{number}").text
    for shown in ("ภาคทัณฑ์", "ตัดเงินเดือน", "คำสั่ง 45/2569", "นายกรรมการ หนึ่ง", "ตร 7/2569", "พยานอยู่ต่างประเทศ"):
        assert shown in page, shown


def test_an_appeal_can_only_reduce_a_penalty(app: Flask, lead_client: FlaskClient) -> None:
    case_id, number, _ = _new_case(app)
    order = {"severity_found": "minor", "penalty": "probation"}
    _steps(
        lead_client,
        number,
        [("start_fact_finding", {}), ("start_disciplinary", {"severity": "minor"}), ("consider_penalty", {})],
    )
    _steps(lead_client, number, [("decide_penalty", order), ("file_appeal", {})])
    assert (
        _step(lead_client, number, "decide_appeal", appeal_result="reduced", penalty="salary_deduction")[0]
        == 400
    )
    assert _step(lead_client, number, "decide_appeal", appeal_result="upheld", penalty="probation")[0] == 400
    assert _step(lead_client, number, "decide_appeal", appeal_result="overturned")[0] == 302
    case = _case(app, case_id)
    assert (case.penalty, case.original_penalty, case.outcome) == (None, "probation", "overturned_on_appeal")


def test_an_officer_records_steps_but_not_the_penalty_order(
    app: Flask, officer_client: FlaskClient, lead_client: FlaskClient
) -> None:
    case_id, number, _ = _new_case(app)
    _steps(
        officer_client,
        number,
        [("start_fact_finding", {}), ("start_disciplinary", {"severity": "minor"}), ("consider_penalty", {})],
        custodian=lead_client,
    )
    assert "บันทึกคำสั่งลงโทษ" not in officer_client.get(f"/staff/cases/{number}").text
    assert (
        _step(officer_client, number, "decide_penalty", severity_found="minor", penalty="probation")[0] == 400
    )
    assert _case(app, case_id).status == "penalty_consideration"


def test_an_nacc_finding_starts_the_penalty_and_copy_timers(app: Flask, lead_client: FlaskClient) -> None:
    case_id, number, _ = _new_case(app)
    _steps(lead_client, number, [("refer", {"referred_to": "nacc"})])
    _steps(
        lead_client, number, [("record_nacc_finding", {"finding_body": "nacc", "letter_number": "ปช 9/2569"})]
    )
    case = _case(app, case_id)
    assert (case.status, case.nacc_finding, case.finding) == ("penalty_consideration", "nacc", "founded")
    assert _clocks(app, case_id)["penalty_after_finding"].due_on == add_days(today(), 30)
    _steps(lead_client, number, [("decide_penalty", {"severity_found": "serious", "penalty": "dismissal"})])
    timers = _clocks(app, case_id)
    assert timers["penalty_after_finding"].state == "met"
    assert timers["copy_to_nacc"].due_on == add_days(today(), 15)
    _steps(lead_client, number, [("send_copy_to_nacc", {"letter_number": "นต 99/2569"})])
    assert _clocks(app, case_id)["copy_to_nacc"].state == "met"
    assert _step(lead_client, number, "send_copy_to_nacc")[0] == 400  # sent once


def test_a_missed_final_answer_needs_a_reason_and_then_stops_counting(
    app: Flask, lead_client: FlaskClient
) -> None:
    case_id, number, _ = _new_case(app, submitted_days_ago=100)
    assert _step(lead_client, number, "start_fact_finding", on=today())[0] == 302
    final = _clocks(app, case_id)["final_feedback"]
    assert final.state == "running"
    assert final.due_on < today()
    assert _case(app, case_id).next_deadline_kind in ("final_feedback", "first_feedback", "acknowledge")
    page = lead_client.get(f"/staff/cases/{number}").text
    assert "บันทึกเหตุผลที่แจ้งผลการดำเนินการล่าช้า" in page
    assert _step(lead_client, number, "record_delay_reason")[0] == 400
    assert _step(lead_client, number, "record_delay_reason", reason_text="รอผลตรวจจาก สตง.")[0] == 302
    assert _clocks(app, case_id)["final_feedback"].state == "excused"
    assert _case(app, case_id).next_deadline_kind != "final_feedback"
    _fresh_id, fresh, _ = _new_case(app)
    assert (
        _step(lead_client, fresh, "record_delay_reason", reason_text="ยังไม่ถึงเวลา")[0] == 400
    )  # not late yet


def test_the_case_page_lists_every_clock_with_its_state(app: Flask, lead_client: FlaskClient) -> None:
    _case_id, number, _ = _new_case(app)
    page = lead_client.get(f"/staff/cases/{number}").text
    for label in ("แจ้งตอบรับเรื่อง", "แจ้งผลเบื้องต้นแก่ผู้ร้องเรียน", "แจ้งผลการดำเนินการแก่ผู้ร้องเรียน"):
        assert label in page, label
    assert "ทันกำหนด" in page  # an online report is acknowledged at once


def test_step_dates_must_lie_between_receipt_and_today(app: Flask, lead_client: FlaskClient) -> None:
    case_id, number, _ = _new_case(app)
    page = f"/staff/cases/{number}"
    token = csrf_token_from(lead_client.get(page).text)
    for bad in (add_days(today(), 1).isoformat(), (today() - timedelta(days=400)).isoformat(), "31/02/2569"):
        response = lead_client.post(
            f"{page}/steps/start_screening", data={"csrf_token": token, "start_screening-event_on": bad}
        )
        assert response.status_code == 400, bad
    assert _case(app, case_id).status == "received"


def test_a_step_not_allowed_from_the_status_is_refused(app: Flask, lead_client: FlaskClient) -> None:
    case_id, number, _ = _new_case(app)
    page = f"/staff/cases/{number}"
    token = csrf_token_from(lead_client.get(page).text)
    fields = {"csrf_token": token, "decide_penalty-event_on": today().isoformat()}
    fields |= {"decide_penalty-severity_found": "serious", "decide_penalty-penalty": "dismissal"}
    response = lead_client.post(f"{page}/steps/decide_penalty", data=fields)
    assert response.status_code == 400
    assert "ไม่สามารถดำเนินขั้นตอนนี้ได้จากสถานะปัจจุบัน" in response.text
    assert lead_client.post(f"{page}/steps/no_such_action").status_code in (400, 404)
    assert _case(app, case_id).status == "received"


def test_the_case_record_prints_and_downloads_as_a_thai_pdf(
    app: Flask, lead_client: FlaskClient, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    case_id, number, _ = _new_case(app)
    _steps(
        lead_client,
        number,
        [
            ("start_fact_finding", {"order_number": "คำสั่ง 12/2569"}),
            ("start_disciplinary", {"severity": "minor"}),
            ("consider_penalty", {}),
            ("decide_penalty", {"severity_found": "minor", "penalty": "salary_reduction"}),
        ],
    )
    printable = lead_client.get(f"/staff/cases/{number}/record")
    assert printable.status_code == 200
    assert "ลดขั้นเงินเดือน" in printable.text
    assert MARKER in printable.text
    response = lead_client.get(f"/staff/cases/{number}/record.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    flat = "".join(text.split()).replace("\u200b", "")
    for expected in (number, "ลดขั้นเงินเดือน", "คำสั่ง12/2569", "สอบสวนทางวินัย"):
        assert "".join(expected.split()) in flat, expected
    with new_session(app) as db:
        printed = db.scalars(select(AuditEvent).where(AuditEvent.action == "case_record_printed")).all()
        assert [entry.detail for entry in printed] == ["as=page", "as=pdf"]
    require_or_skip(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(response.data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    assert list(tmp_path.glob("page*.png"))


def test_a_report_about_an_executive_is_flagged_and_routed_outside(
    app: Flask, client: FlaskClient, lead_client: FlaskClient
) -> None:
    from tests.conftest import submit_report

    assert submit_report(client, executive_subject="deputy_mayor").status_code == 200
    assert submit_report(client, executive_subject="no").status_code == 200
    with new_session(app) as db:
        flagged, plain = db.scalars(select(Case).order_by(Case.id)).all()
        assert (flagged.routed_outside, plain.routed_outside) == (True, False)
        assert b"deputy_mayor" not in flagged.report_ciphertext  # which office: under the case key
    queue = lead_client.get("/staff/").text
    panel = queue[queue.index('id="route-outside"') :]
    assert flagged.number in panel[: panel.index("</div>")]
    assert plain.number not in panel[: panel.index("</div>")]
    assert "รองนายกเทศมนตรี" in lead_client.get(f"/staff/cases/{flagged.number}").text
    inside = {"executive_office": "deputy_mayor", "referred_to": "damrongdhama"}
    assert _step(lead_client, flagged.number, "route_outside", **inside)[0] == 400  # not an outside authority
    outside = {"executive_office": "deputy_mayor", "referred_to": "governor", "letter_number": "มท 1/2569"}
    assert _step(lead_client, flagged.number, "route_outside", **outside)[0] == 302
    with new_session(app) as db:
        routed = db.get_one(Case, flagged.id)
        assert (routed.status, routed.referred_to, routed.routed_outside) == ("referred", "governor", True)
        event = db.scalars(select(ProcedureEvent).where(ProcedureEvent.case_id == flagged.id)).one()
        assert "deputy_mayor" not in event.codes_json
        assert b"deputy" not in (event.details_ciphertext or b"")
    assert 'id="route-outside"' not in lead_client.get("/staff/").text


def test_order_numbers_stored_before_sealing_are_moved_under_the_case_key(
    app: Flask, lead_client: FlaskClient
) -> None:
    from tests.conftest import LEAD_PASSWORD

    case_id, number, _ = _new_case(app)
    assert _step(lead_client, number, "start_screening")[0] == 302
    with new_session(app) as db:  # as a step recorded by an older version kept it
        event = db.scalars(select(ProcedureEvent)).one()
        event.order_number = "นต 0042/2568"
        db.commit()
    assert "นต 0042/2568" in lead_client.get(f"/staff/cases/{number}").text
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["procedure", "seal-references", "lead"], input="wrong password\n")
    assert refused.exit_code != 0
    result = runner.invoke(args=["procedure", "seal-references", "lead"], input=LEAD_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "1 order numbers and 0 reveal references sealed" in result.output
    with new_session(app) as db:
        event = db.scalars(select(ProcedureEvent)).one()
        assert event.order_number is None
        assert b"0042" not in (event.details_ciphertext or b"")
    assert "นต 0042/2568" in lead_client.get(f"/staff/cases/{number}").text
    assert f'href="/staff/cases/{number}"' in lead_client.get("/staff/?number=นต 0042/2568").text
    again = runner.invoke(args=["procedure", "seal-references", "lead"], input=LEAD_PASSWORD + "\n")
    assert "0 order numbers and 0 reveal references sealed" in again.output
    assert _case(app, case_id).status == "screening"


def _to_penalty_ordered(app: Flask, client: FlaskClient, notified_days_ago: int) -> tuple[int, str]:
    """A case whose penalty was ordered and notified ``notified_days_ago`` days ago."""
    case_id, number, _ = _new_case(app, submitted_days_ago=notified_days_ago + 5)
    back = today() - timedelta(days=notified_days_ago)
    _steps(
        client,
        number,
        [("start_fact_finding", {}), ("start_disciplinary", {"severity": "minor"}), ("consider_penalty", {})],
    )
    order = {"severity_found": "minor", "penalty": "probation", "notified_on": back.isoformat()}
    with new_session(app) as db:  # the earlier steps happened earlier too
        for event in db.scalars(select(ProcedureEvent).where(ProcedureEvent.case_id == case_id)):
            event.event_on = back
        db.commit()
    assert _step(client, number, "decide_penalty", on=back, **order)[0] == 302
    return case_id, number


def test_an_appeal_on_the_last_day_of_the_window_counts(app: Flask, lead_client: FlaskClient) -> None:
    _case_id, on_time = _to_penalty_ordered(app, lead_client, notified_days_ago=30)  # due today
    assert _step(lead_client, on_time, "conclude")[0] == 400  # the window is still open today
    assert _step(lead_client, on_time, "file_appeal")[0] == 302
    _case_id, late = _to_penalty_ordered(app, lead_client, notified_days_ago=31)  # ended yesterday
    assert _step(lead_client, late, "file_appeal")[0] == 400
    assert _step(lead_client, late, "conclude")[0] == 302


def test_the_notification_date_is_required_and_bounded(app: Flask, lead_client: FlaskClient) -> None:
    _case_id, number, _ = _new_case(app)
    _steps(
        lead_client,
        number,
        [("start_fact_finding", {}), ("start_disciplinary", {"severity": "minor"}), ("consider_penalty", {})],
    )
    order = {"severity_found": "minor", "penalty": "probation"}
    assert _step(lead_client, number, "decide_penalty", **order)[0] == 400  # when was it notified?
    tomorrow = add_days(today(), 1).isoformat()
    assert _step(lead_client, number, "decide_penalty", notified_on=tomorrow, **order)[0] == 400


def test_an_extension_must_move_the_end_date_later(app: Flask, lead_client: FlaskClient) -> None:
    case_id, number, _ = _new_case(app)
    _steps(lead_client, number, [("start_fact_finding", {}), ("start_disciplinary", {"severity": "minor"})])
    due = _clocks(app, case_id)["disciplinary_investigation"].due_on
    same = {"new_due_on": due.isoformat(), "reason_text": "เหตุผล"}
    assert _step(lead_client, number, "extend_investigation", **same)[0] == 400
    later = {"new_due_on": add_days(due, 1).isoformat(), "reason_text": "เหตุผล"}
    assert _step(lead_client, number, "extend_investigation", **later)[0] == 302


def test_a_delay_reason_is_refused_on_the_due_day_itself(app: Flask, lead_client: FlaskClient) -> None:
    final_days = app.config["DEADLINE_DAYS"]["final_feedback"]
    _case_id, number, _ = _new_case(app, submitted_days_ago=final_days)  # final answer due today
    assert _step(lead_client, number, "record_delay_reason", reason_text="ยังทันวันนี้")[0] == 400


def test_the_copy_to_the_nacc_can_still_be_sent_after_the_case_closed(
    app: Flask, lead_client: FlaskClient
) -> None:
    case_id, number, _ = _new_case(app, submitted_days_ago=45)
    back = today() - timedelta(days=35)
    _steps(
        lead_client,
        number,
        [("refer", {"referred_to": "nacc"}), ("record_nacc_finding", {"finding_body": "nacc"})],
    )
    with new_session(app) as db:
        for event in db.scalars(select(ProcedureEvent).where(ProcedureEvent.case_id == case_id)):
            event.event_on = back
        db.commit()
    _clear_protection(lead_client, lead_client, number)
    order = {"severity_found": "serious", "penalty": "dismissal", "notified_on": back.isoformat()}
    assert _step(lead_client, number, "decide_penalty", on=back, **order)[0] == 302
    assert _step(lead_client, number, "conclude")[0] == 302
    assert _clocks(app, case_id)["copy_to_nacc"].state == "running"  # owed after completion too
    assert _step(lead_client, number, "send_copy_to_nacc")[0] == 302
    assert _clocks(app, case_id)["copy_to_nacc"].state == "missed"  # 15 days after the order: late


def test_the_reporters_answer_brings_the_case_back_to_screening(
    app: Flask, client: FlaskClient, lead_client: FlaskClient
) -> None:
    from tests.conftest import log_in_reporter

    case_id, number, receipt = _new_case(app)
    _steps(lead_client, number, [("start_screening", {}), ("request_information", {"message": "ขอภาพ"})])
    assert log_in_reporter(client, receipt).status_code == 302
    page = client.get("/follow-up/case").text
    assert "เจ้าหน้าที่รอคำตอบจากคุณ" in page
    token = csrf_token_from(page)
    assert client.post("/follow-up/reply", data={"csrf_token": token, "body": "ส่งภาพแล้ว"}).status_code == 303
    case = _case(app, case_id)
    assert case.status == "screening"
    assert _clocks(app, case_id)["awaiting_information"].state == "met"
    assert "เจ้าหน้าที่รอคำตอบจากคุณ" not in client.get("/follow-up/case").text


def test_the_investigation_counts_from_the_committees_first_meeting(
    app: Flask, lead_client: FlaskClient
) -> None:
    case_id, number, _ = _new_case(app, submitted_days_ago=3)
    _steps(lead_client, number, [("start_fact_finding", {}), ("start_disciplinary", {"severity": "serious"})])
    committee = {"committee": "นายประธาน กรรมการ"}
    early = {**committee, "first_meeting_on": add_days(today(), -1).isoformat()}
    assert _step(lead_client, number, "appoint_investigation_committee", **early)[0] == 400
    meeting = add_days(today(), 10)
    on_time = {**committee, "first_meeting_on": meeting.isoformat()}
    assert _step(lead_client, number, "appoint_investigation_committee", **on_time)[0] == 302
    assert _clocks(app, case_id)["disciplinary_investigation"].due_on == add_days(meeting, 180)
