"""A real browser (Debian's chromium, JavaScript off) through the legal officer's day: log in with
TOTP, open the queue, read a case, reply — and the reporter sees the reply on /follow-up.

Screenshots (in Thai) are written to screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from complaints import cases, receipts
from tests.browser import launched_chromium, shot
from tests.conftest import OFFICER_PASSWORD, file_case_with_files, totp_now

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
DESCRIPTION = "เจ้าหน้าที่กองช่างเบิกค่าซ่อมถนนหมู่ 3 จำนวน 48,000 บาท แต่ไม่ได้ซ่อมจริง"
REPLY = "งานนิติการได้รับเรื่องแล้ว ขอภาพถ่ายถนนก่อนและหลังวันที่เบิกจ่ายเพิ่มเติมครับ"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


def test_officer_reads_a_case_and_replies_and_the_reporter_sees_it(
    browser: Any, app: Flask, officer: str, live_server: str
) -> None:
    content = cases.ReportContent(
        description=DESCRIPTION,
        accused_name="นายสมมติ ตัวอย่าง",
        accused_position="นายช่างโยธา",
        incident_date="มีนาคม 2568",
        location="ถนนสายหมู่ 3",
        amount="48,000 บาท",
    )
    _, receipt = file_case_with_files(app, content, [("ภาพถ่ายถนน.jpg", b"\xff\xd8\xff photo")])

    officer_context = browser.new_context(java_script_enabled=False, viewport=DESKTOP, locale="th-TH")
    page = officer_context.new_page()
    page.goto(live_server + "/staff/login")
    shot(page, "staff-01-login")
    page.fill("#username", "officer1")
    page.fill("#password", OFFICER_PASSWORD)
    page.fill("#totp", totp_now(officer))
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/staff/")
    assert page.locator("h1").inner_text() == "รายการเรื่องร้องเรียน"
    assert page.locator("table.queue tbody tr").count() == 1
    shot(page, "staff-02-queue")

    page.locator("table.queue a").first.click()
    assert DESCRIPTION in page.locator("dl.report").inner_text()
    assert "ภาพถ่ายถนน.jpg" in page.content()
    shot(page, "staff-03-case")

    page.fill("#reply-body", REPLY)
    page.click("#thread button[type=submit]")
    assert "ส่งข้อความแล้ว" in page.locator(".notice-ok").inner_text()
    assert REPLY in page.locator("#thread ol.thread").inner_text()
    shot(page, "staff-04-replied")
    officer_context.close()

    reporter_context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 780})
    reporter = reporter_context.new_page()
    reporter.goto(live_server + "/follow-up")
    reporter.fill("#receipt", receipts.format_receipt(receipt))
    reporter.click("button[type=submit]")
    assert REPLY in reporter.content()
    shot(reporter, "staff-05-reporter-sees-reply")
    reporter_context.close()


def test_lead_and_admin_pages_render_in_thai(browser: Any, app: Flask, live_server: str) -> None:
    """The lead's procedure, intake and key pages and the admin's pages, for a person to look at."""
    from tests.conftest import LEAD_PASSWORD, approve_pending_reveals, create_staff, custodian_client

    identity = cases.ReporterIdentity(name="นางสาวผู้แจ้ง ลับ", phone="0812345678")
    file_case_with_files(app, cases.ReportContent(description=DESCRIPTION), [], identity=identity)
    admin_secret = create_staff(app, "admin1", "admin")
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP, locale="th-TH")
    page = context.new_page()
    page.goto(live_server + "/staff/login")
    page.fill("#username", "lead")
    page.fill("#password", LEAD_PASSWORD)
    page.fill("#totp", totp_now(app.config["TEST_LEAD_TOTP_SECRET"]))
    page.click("button[type=submit]")
    page.locator("table.queue a").first.click()
    page.locator("#step-not_accept summary").click()  # <details> opens without JavaScript
    page.select_option("#not_accept-reason", "insufficient_detail")
    shot(page, "staff-06-lead-case-steps")
    page.click("#step-not_accept button[type=submit]")
    assert "บันทึกขั้นตอนเรียบร้อยแล้ว" in page.locator(".notice-ok").inner_text()
    assert "ข้อมูลไม่เพียงพอ" in page.locator("dl.case-facts").inner_text()
    page.locator("#identity summary").click()
    page.click("#identity button[type=submit]")
    assert "บันทึกคำขอแล้ว" in page.locator(".notice-ok").inner_text()
    assert "นางสาวผู้แจ้ง ลับ" not in page.locator("#identity").inner_text()  # not before the custodian
    assert approve_pending_reveals(app, custodian_client(app)) == 1
    page.reload()
    assert "นางสาวผู้แจ้ง ลับ" in page.locator("#identity").inner_text()
    shot(page, "staff-07-identity-revealed")
    for path, name in (("/staff/intake", "staff-08-intake"), ("/staff/keys", "staff-09-keys")):
        page.goto(live_server + path)
        shot(page, name)
    context.close()

    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP, locale="th-TH")
    page = context.new_page()
    page.goto(live_server + "/staff/login")
    page.fill("#username", "admin1")
    page.fill("#password", OFFICER_PASSWORD)
    page.fill("#totp", totp_now(admin_secret))
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/admin/")
    for path, name in (
        ("/admin/", "admin-01-users"),
        ("/admin/audit", "admin-02-audit"),
        ("/admin/settings", "admin-03-settings"),
    ):
        page.goto(live_server + path)
        assert "นางสาวผู้แจ้ง" not in page.content()
        assert DESCRIPTION not in page.content()
        shot(page, name)
    context.close()
