"""A real browser (Debian's chromium, JavaScript off) takes one case from received to a penalty,
an appeal and a criminal referral beside them, and the reporter looks at their page at each step.

Screenshots (in Thai) and the case record's PDF with its first page as PNG are written to
screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from complaints import cases, receipts
from tests.browser import SCREENSHOTS, launched_chromium, shot
from tests.conftest import LEAD_PASSWORD, file_case_with_files, totp_now

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}
DESCRIPTION = "ผู้อำนวยการกองคลังเบิกค่าวัสดุสำนักงานซ้ำสองครั้ง รวม 36,500 บาท"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


def _step(page: Any, action: str, **fields: str) -> None:
    """Open the step's <details>, fill its fields and record it (no JavaScript needed)."""
    page.locator(f"#step-{action} summary").click()
    for name, value in fields.items():
        target = page.locator(f"#{action}-{name}")
        if target.evaluate("element => element.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    page.locator(f"#step-{action} button[type=submit]").click()
    refused = page.locator(".notice-error, .error").all_inner_texts()
    assert not refused, (action, refused)
    assert "บันทึกขั้นตอนเรียบร้อยแล้ว" in page.locator(".notice-ok").inner_text(), action


def _reporter_sees(browser: Any, live_server: str, receipt: str, name: str) -> str:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="th-TH")
    page = context.new_page()
    page.goto(live_server + "/follow-up")
    page.fill("#receipt", receipts.format_receipt(receipt))
    page.click("button[type=submit]")
    text = page.locator("main").inner_text()
    shot(page, name)
    context.close()
    return text


def test_one_case_from_received_to_penalty_appeal_and_criminal_referral(
    browser: Any, app: Flask, live_server: str
) -> None:
    content = cases.ReportContent(description=DESCRIPTION, accused_name="นายสมมติ คลังดี")
    _, receipt = file_case_with_files(app, content, [])
    seen = _reporter_sees(browser, live_server, receipt, "procedure-01-reporter-received")
    assert "รับเรื่อง" in seen
    assert "กรุณากลับมาดูหน้านี้อีกครั้งภายในวันที่" in seen  # never notified: told when to look

    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP, locale="th-TH")
    page = context.new_page()
    page.goto(live_server + "/staff/login")
    page.fill("#username", "lead")
    page.fill("#password", LEAD_PASSWORD)
    page.fill("#totp", totp_now(app.config["TEST_LEAD_TOTP_SECRET"]))
    page.click("button[type=submit]")
    page.locator("table.queue a").first.click()
    case_url = page.url

    _step(page, "start_fact_finding")
    _step(
        page, "appoint_fact_finding_committee", committee="นายกรรมการ หนึ่ง ประธาน", order_number="คำสั่ง 21/2569"
    )
    assert "กำลังดำเนินการ" in _reporter_sees(
        browser, live_server, receipt, "procedure-02-reporter-in-progress"
    )

    # The custodian (the lead holds that role here) answers the protection check.
    page.fill("#subject", "นายสมมติ คลังดี ผู้อำนวยการกองคลัง")
    page.locator("#protection button[type=submit]").click()
    page.goto(live_server + "/staff/protection")
    shot(page, "procedure-03-custodian-protection-check")
    page.locator("section.card input[value=not_protected]").check()
    page.locator("section.card button[type=submit]").click()
    page.goto(case_url)

    _step(page, "start_disciplinary", severity="serious")
    _step(page, "refer_criminal", criminal_body="police", letter_number="นต 0033/2569")
    _step(page, "appoint_investigation_committee", committee="นายกรรมการ สอง ประธาน\nนางกรรมการ สาม")
    _step(page, "notify_charges")
    _step(page, "consider_penalty")
    _step(
        page,
        "decide_penalty",
        severity_found="minor",
        penalty="salary_deduction",
        order_number="คำสั่ง 45/2569",
    )
    assert "สั่งลงโทษแล้ว อยู่ในระยะเวลาอุทธรณ์" in page.locator("main").inner_text()
    shot(page, "procedure-04-penalty-ordered")
    seen = _reporter_sees(browser, live_server, receipt, "procedure-05-reporter-action-taken")
    assert "มีการดำเนินการตามเรื่องที่คุณแจ้งแล้ว" in seen
    assert "ตัดเงินเดือน" not in seen  # never penalty details
    assert "คำสั่ง 45/2569" not in seen

    _step(page, "file_appeal")
    _step(page, "decide_appeal", appeal_result="reduced", penalty="probation")
    _step(page, "record_criminal_outcome", criminal_outcome="prosecuted")
    facts = page.locator("dl.case-facts").inner_text()
    assert "ภาคทัณฑ์" in facts
    assert "ตัดเงินเดือน" in facts  # the penalty first ordered stays in the record
    assert "ฟ้องคดีแล้ว" in facts
    shot(page, "procedure-06-concluded")

    page.goto(case_url + "/record")
    shot(page, "procedure-07-case-record")
    pdf = context.request.get(case_url + "/record.pdf")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "procedure-08-case-record.pdf").write_bytes(pdf.body())
    context.close()
    if shutil.which("pdftoppm"):
        render = ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1"]
        subprocess.run(
            [
                *render,
                str(SCREENSHOTS / "procedure-08-case-record.pdf"),
                str(SCREENSHOTS / "procedure-08-pdf"),
            ],
            check=True,
        )

    seen = _reporter_sees(browser, live_server, receipt, "procedure-09-reporter-completed")
    assert "เสร็จสิ้น" in seen
    assert "ภาคทัณฑ์" not in seen
