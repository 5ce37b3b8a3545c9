"""A real browser on a 360 px phone screen: the reporter's whole journey with JavaScript off, and axe.

Screenshots of every step are written to screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import launched_chromium, shot
from tests.conftest import require_or_skip

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 780}
PUBLIC_PAGES = ("/", "/protection", "/guideline", "/report", "/follow-up")
DESCRIPTION = "เจ้าหน้าที่เบิกค่าซ่อมถนนหมู่ 3 แต่ไม่ได้ซ่อมจริง 🚧 ก่อนสงกรานต์"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


def fill_report(page: Any, base_url: str, evidence: Path) -> None:
    page.goto(base_url + "/report")
    page.select_option("#category", "budget")
    page.select_option("#department", "engineering")
    page.fill("#accused_name", "นายสมมติ ตัวอย่าง")
    page.fill("#incident_date", "มีนาคม 2568")
    page.fill("#description", DESCRIPTION)
    page.set_input_files("#attachments", [str(evidence)])
    page.check("#consent")


def test_reporter_journey_without_javascript(browser: Any, live_server: str, tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "th"
    shot(page, "01-landing")
    for path, name in (("/protection", "02-protection"), ("/guideline", "03-guideline")):
        page.goto(live_server + path)
        shot(page, name)

    evidence = tmp_path / "ใบเสร็จ.txt"
    evidence.write_text("ใบเสร็จค่าซ่อมถนน 45,000 บาท", encoding="utf-8")
    fill_report(page, live_server, evidence)
    page.check("#disclosure-1")  # confidential, but no name given: the server explains
    page.click("button[type=submit]")
    assert page.locator("#error-summary").is_visible()
    assert page.input_value("#description") == DESCRIPTION
    shot(page, "04-report-errors")

    fill_report(page, live_server, evidence)
    shot(page, "05-report-form")
    page.click("button[type=submit]")
    receipt = page.inner_text("#receipt").strip()
    assert len(receipt.replace(" ", "")) == 20
    shot(page, "06-receipt")
    page.reload()  # re-posts the form: told it was sent, never asked to send it again
    assert "เรื่องของคุณส่งไปเรียบร้อยแล้ว" in page.inner_text("h1")
    shot(page, "06b-receipt-reloaded")

    page.goto(live_server + "/follow-up")
    page.fill("#receipt", receipt)
    shot(page, "07-follow-up-login")
    page.click("button[type=submit]")
    assert page.url.endswith("/follow-up/case")
    assert DESCRIPTION in (page.text_content("main") or "")  # inside a closed <details>
    assert "ใบเสร็จ.txt" in page.inner_text("main")
    page.fill("#body", "ขอบคุณค่ะ จะส่งรูปเพิ่มเติมให้")
    page.click("text=ส่งข้อความ")
    assert "ขอบคุณค่ะ จะส่งรูปเพิ่มเติมให้" in page.inner_text(".thread")
    shot(page, "08-follow-up-case")
    page.click("text=ออกจากระบบ")
    assert "ออกจากระบบแล้ว" in page.inner_text("h1")
    shot(page, "09-logged-out")
    assert not [cookie for cookie in context.cookies() if cookie["name"] == "session"]
    context.close()


def _serious_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']]}"
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def _fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _on_one_line(page: Any, selector: str) -> bool:
    """The element exists and is laid out as a single line box (not wrapped)."""
    element = page.locator(selector).first
    return element.count() == 1 and element.evaluate("e => e.getClientRects().length") == 1


def test_public_pages_pass_axe_and_fit_a_360px_screen(browser: Any, live_server: str, tmp_path: Path) -> None:
    require_or_skip(AXE.exists(), "axe-core is missing: npm install --prefix tests")
    context = browser.new_context(bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    for path in PUBLIC_PAGES:
        page.goto(live_server + path)
        problems[path] = _serious_violations(page) + ([] if _fits_the_screen(page) else ["wider than 360 px"])
    evidence = tmp_path / "evidence.txt"
    evidence.write_text("evidence", encoding="utf-8")
    fill_report(page, live_server, evidence)
    page.fill("#description", "")
    page.click("button[type=submit]")  # novalidate: the server's Thai summary, not a browser bubble
    assert page.locator("#error-summary").is_visible()
    problems["report with errors"] = _serious_violations(page)
    fill_report(page, live_server, evidence)
    page.click("button[type=submit]")
    receipt = page.inner_text("#receipt")
    problems["receipt"] = _serious_violations(page) + ([] if _fits_the_screen(page) else ["too wide"])
    problems["receipt"] += [] if _on_one_line(page, ".case-number") else ["case number broken"]
    page.goto(live_server + "/follow-up")
    page.fill("#receipt", receipt)
    page.click("button[type=submit]")
    problems["follow-up case"] = _serious_violations(page) + ([] if _fits_the_screen(page) else ["too wide"])
    problems["follow-up case"] += [] if _on_one_line(page, ".case-number") else ["case number broken"]
    context.close()
    assert problems == {name: [] for name in problems}
