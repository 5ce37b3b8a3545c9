"""A real browser (Debian's chromium, JavaScript off, a 360 px phone) through the legal unit's
daily work: a refused step is shown at the step with what was typed, a saved note is confirmed
where it was written, the queue's search box reads the numbers people type and says when it
finds nothing, and the offline intake chooses nothing for the officer and dates in B.E.

Screenshots in Thai and English are written to screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from complaints import cases
from complaints.dates import fiscal_year_of, today
from complaints.db import new_session
from complaints.models import Case
from tests.browser import SCREENSHOTS, launched_chromium, shot
from tests.conftest import (
    LEAD_PASSWORD,
    OFFICER_PASSWORD,
    create_staff,
    file_case,
    forget_used_totp,
    totp_now,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
TYPED_NOTE = "โทรสอบถามกองคลังแล้ว รอเอกสารเบิกจ่ายฉบับจริง"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


def _logged_in(browser: Any, live_server: str, app: Flask, language: str = "th") -> Any:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="th-TH")
    if language != "th":
        context.add_cookies([{"name": "lang", "value": language, "url": live_server}])
    page = context.new_page()
    page.goto(live_server + "/staff/login")
    page.fill("#username", "lead")
    page.fill("#password", LEAD_PASSWORD)
    page.fill("#totp", totp_now(app.config["TEST_LEAD_TOTP_SECRET"]))
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/staff/")
    return page


def _in_view(page: Any, selector: str) -> bool:
    """Whether the element's top is on the screen the page opened at (no script of the page's own)."""
    top = page.evaluate(f"() => document.querySelector({selector!r}).getBoundingClientRect().top")
    return -1 <= float(top) < PHONE["height"]  # -1: the anchor lands within a pixel


def _shot_where_it_opens(page: Any, name: str) -> None:
    """The screen the person sees when the page opens at its anchor (and the whole page)."""
    shot(page, name)
    top = float(page.evaluate("() => window.scrollY"))
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}-screen.png"),
        full_page=True,
        clip={"x": 0, "y": top, "width": PHONE["width"], "height": PHONE["height"]},
    )


def _case(app: Flask) -> str:
    case_id, _receipt = file_case(app, cases.ReportContent(description="เบิกค่าวัสดุสำนักงานซ้ำสองครั้ง " * 8))
    with new_session(app) as db:
        return db.get_one(Case, case_id).number


REFUSED_DATE = {
    "th": ("วันที่ของขั้นตอนนี้", "วันที่ต้องอยู่ระหว่างวันที่รับเรื่องถึงวันนี้"),
    "en": ("Date of this step", "The date must be between the day the report arrived and today."),
}


@pytest.mark.parametrize("language", list(REFUSED_DATE))
def test_a_refused_step_is_shown_at_the_step_with_what_was_typed(
    browser: Any, app: Flask, live_server: str, language: str
) -> None:
    label, refusal = REFUSED_DATE[language]
    number = _case(app)
    page = _logged_in(browser, live_server, app, language)
    page.goto(f"{live_server}/staff/cases/{number}")
    page.locator("#step-start_fact_finding summary").click()
    page.fill("#start_fact_finding-event_on", f"1/1/{today().year + 544}")  # B.E., a day still to come
    page.fill("#start_fact_finding-note", TYPED_NOTE)
    page.click("#step-start_fact_finding button[type=submit]")
    assert page.url.endswith("#step-start_fact_finding")
    step = page.locator("#step-start_fact_finding")
    assert step.get_attribute("open") is not None  # the form stays open
    summary = step.locator(".error-summary")  # at the step, linking to the field
    assert f"{label}: {refusal}" in summary.inner_text()
    assert summary.locator("a").get_attribute("href") == "#start_fact_finding-event_on"
    date_field = page.locator("#start_fact_finding-event_on")
    assert date_field.get_attribute("aria-invalid") == "true"  # and the field it is about is marked
    assert refusal in page.locator("#start_fact_finding-event_on-error").inner_text()
    assert date_field.input_value() == f"1/1/{today().year + 544}"  # as typed, to correct
    assert page.locator("#start_fact_finding-note").input_value() == TYPED_NOTE
    assert page.locator("main > .notice-error").count() == 0  # nothing at the top of the long page
    assert _in_view(page, "#step-start_fact_finding")
    _shot_where_it_opens(page, f"issue12-staff-step-refused-{language}")
    page.context.close()


def test_a_saved_note_is_confirmed_where_it_was_written(browser: Any, app: Flask, live_server: str) -> None:
    number = _case(app)
    for language, confirmation in (
        ("th", "บันทึกข้อความภายในเรียบร้อยแล้ว"),
        ("en", "The internal note was saved."),
    ):
        page = _logged_in(browser, live_server, app, language)
        page.goto(f"{live_server}/staff/cases/{number}")
        page.fill("#note-body", TYPED_NOTE)
        page.click("#notes button[type=submit]")
        assert page.url.endswith("#notes")
        assert confirmation in page.locator("#notes .notice-ok").inner_text()
        assert _in_view(page, "#notes .notice-ok")
        assert TYPED_NOTE in page.locator("#notes ol.thread").inner_text()
        _shot_where_it_opens(page, f"issue12-staff-note-saved-{language}")
        page.context.close()

        forget_used_totp(app, "lead")


def test_the_search_box_reads_typed_numbers_and_says_when_nothing_is_found(
    browser: Any, app: Flask, live_server: str
) -> None:
    first, second = _case(app), _case(app)
    year = fiscal_year_of(today())
    page = _logged_in(browser, live_server, app)
    assert page.locator("#number").get_attribute("placeholder") == f"{year}-0123"
    page.fill("#number", "0002")
    page.click("form.search button[type=submit]")
    result = page.locator("#search-result").inner_text()
    assert "ไม่พบเรื่องที่ตรงกับ “0002”" in result
    assert page.locator("table.queue").count() == 0
    assert page.locator("#number").input_value() == "0002"
    shot(page, "issue12-staff-search-not-found-th")
    page.locator("#search-result a", has_text=second).click()
    assert page.locator("table.queue tbody tr").count() == 1
    page.fill("#number", f"{year}{second[-4:]}")  # digits only, as read off a printed receipt
    page.click("form.search button[type=submit]")
    assert page.locator("table.queue tbody tr").all_inner_texts()[0].startswith(second)
    shot(page, "issue12-staff-search-found-th")
    page.fill("#number", f"{year}/{int(first[-4:])}")
    page.click("form.search button[type=submit]")
    assert page.locator("table.queue tbody tr").all_inner_texts()[0].startswith(first)
    page.context.close()

    forget_used_totp(app, "lead")
    english = _logged_in(browser, live_server, app, "en")
    english.fill("#number", "Somchai")
    english.click("form.search button[type=submit]")
    assert "No case found for “Somchai”." in english.locator("#search-result").inner_text()
    shot(english, "issue12-staff-search-not-found-en")
    english.context.close()


def test_the_offline_intake_chooses_nothing_and_dates_in_the_buddhist_era(
    browser: Any, app: Flask, live_server: str
) -> None:
    page = _logged_in(browser, live_server, app)
    page.goto(live_server + "/staff/intake")
    for name in ("channel", "category", "department"):
        assert page.locator(f"#{name}").input_value() == "", name
    assert page.locator("#received_on").input_value() == f"{today().day}/{today().month}/{today().year + 543}"
    shot(page, "issue12-staff-intake-th")
    page.select_option("#channel", "letter")
    page.fill("#letter_number", "นม 0023/2569")
    page.fill("#description", TYPED_NOTE)
    page.click(
        "form[action$='/staff/intake'] button[type=submit]"
    )  # category and department left on "choose…"
    assert "กรุณาเลือกประเภทที่ใกล้เคียงที่สุด" in page.locator("#error-summary").inner_text()
    assert page.locator("#description").input_value() == TYPED_NOTE  # nothing typed is lost
    assert page.locator("#letter_number").input_value() == "นม 0023/2569"
    shot(page, "issue12-staff-intake-refused-th")
    page.select_option("#category", "budget")
    page.select_option("#department", "finance")
    page.click("form[action$='/staff/intake'] button[type=submit]")
    assert page.locator("#receipt").count() == 1
    page.goto(live_server + "/staff/?number=นม0023/2569")
    assert page.locator("table.queue tbody tr").count() == 1
    page.context.close()
    forget_used_totp(app, "lead")
    english = _logged_in(browser, live_server, app, "en")
    english.goto(live_server + "/staff/intake")
    assert english.locator("#channel option:checked").inner_text() == "Choose…"
    assert (
        english.locator("#received_on").input_value() == f"{today().day}/{today().month}/{today().year + 543}"
    )
    shot(english, "issue12-staff-intake-en")
    english.context.close()


def test_the_audit_log_and_settings_in_words(browser: Any, app: Flask, live_server: str) -> None:
    """For a person to look at, in both languages: names first, the raw codes in small type."""
    _case(app)
    secret = create_staff(app, "admin1", "admin")
    for language, words in (("th", "แบบฟอร์มออนไลน์"), ("en", "Online form")):
        context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="th-TH")
        context.add_cookies([{"name": "lang", "value": language, "url": live_server}])
        page = context.new_page()
        page.goto(live_server + "/staff/login")
        page.fill("#username", "admin1")
        page.fill("#password", OFFICER_PASSWORD)
        page.fill("#totp", totp_now(secret))
        page.click("button[type=submit]")
        page.goto(live_server + "/admin/audit")
        assert words in page.locator("main").inner_text()
        shot(page, f"issue12-staff-audit-{language}")
        page.goto(live_server + "/admin/settings")
        assert "Asia/Bangkok" in page.locator("#timezone").inner_text()
        shot(page, f"issue12-staff-settings-{language}")
        context.close()

        forget_used_totp(app, "admin1")


def test_the_changed_pages_pass_axe_and_fit_the_screen(browser: Any, app: Flask, live_server: str) -> None:
    """No serious or critical axe finding, and nothing wider than 360 px, in the states changed here."""
    from tests.conftest import require_or_skip
    from tests.test_browser_public import AXE, _fits_the_screen, _serious_violations

    require_or_skip(AXE.exists(), "axe-core is missing: npm install --prefix tests")
    number = _case(app)
    secret = create_staff(app, "admin1", "admin")
    context = browser.new_context(bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    page.goto(live_server + "/staff/login")
    page.fill("#username", "lead")
    page.fill("#password", LEAD_PASSWORD)
    page.fill("#totp", totp_now(app.config["TEST_LEAD_TOTP_SECRET"]))
    page.click("button[type=submit]")
    problems: dict[str, list[str]] = {}
    wide: list[str] = []

    def check(name: str) -> None:
        problems[name] = _serious_violations(page)
        if not _fits_the_screen(page):
            wide.append(name)

    page.goto(live_server + "/staff/?number=0002")
    check("search, not found")
    page.goto(f"{live_server}/staff/cases/{number}")
    page.locator("#step-start_fact_finding summary").click()
    page.fill("#start_fact_finding-event_on", "31/2/2569")
    page.click("#step-start_fact_finding button[type=submit]")
    check("case, step refused")
    page.goto(live_server + "/staff/intake")
    check("intake")
    page.click("form[action$='/staff/intake'] button[type=submit]")
    check("intake, refused")
    context.close()
    context = browser.new_context(bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    page.goto(live_server + "/staff/login")
    page.fill("#username", "admin1")
    page.fill("#password", OFFICER_PASSWORD)
    page.fill("#totp", totp_now(secret))
    page.click("button[type=submit]")
    for path in ("/admin/audit", "/admin/settings"):
        page.goto(live_server + path)
        check(path)
    context.close()
    assert problems == {name: [] for name in problems}
    assert wide == []
