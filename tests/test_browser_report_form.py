"""A real browser on a 360 px phone with JavaScript off: a long report typed in Thai survives every
refusal — a file over the limit, more than a request may carry, too many attempts, an expired
form — and the stated limits and the date rules are on the page. Screenshots in Thai and English
go to screenshots/ (git-ignored) for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from itsdangerous.timed import TimestampSigner

from tests.browser import launched_chromium, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
MB = 1024 * 1024
LONG_THAI = (
    "วันที่ 5 มี.ค. 2569 เจ้าหน้าที่กองช่างเบิกค่าซ่อมถนนหมู่ ๓ จำนวน 45,000 บาท แต่ไม่ได้ซ่อมจริง "
    "ผู้ใหญ่บ้านและชาวบ้านหลายคนเห็นว่าถนนยังเป็นหลุมเหมือนเดิม 🚧 "
) * 25


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


def phone_page(browser: Any, base_url: str, language: str = "th") -> Any:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    if language == "en":
        page.goto(base_url + "/lang/en?next=/report")
    return page


def fill_report(page: Any, base_url: str, files: list[Path], description: str = LONG_THAI) -> None:
    page.goto(base_url + "/report")
    page.select_option("#category", "budget")
    page.select_option("#department", "engineering")
    page.fill("#accused_name", "นายสมมติ ตัวอย่าง")
    page.fill("#incident_date", "5/3/2569")
    page.fill("#description", description)
    page.check("#consent")
    page.set_input_files("#attachments", [str(path) for path in files])


def send(page: Any) -> int:
    with page.expect_navigation() as navigation:
        page.click("button[type=submit]")
    return int(navigation.value.status)


def evidence(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / name
    path.write_bytes(b"\x00" * size)
    return path


@pytest.mark.parametrize("language", ["th", "en"])
def test_a_file_over_the_limit_gives_the_long_report_back(
    browser: Any, app: Flask, live_server: str, tmp_path: Path, language: str
) -> None:
    app.config["MAX_ATTACHMENT_BYTES"] = 1 * MB
    page = phone_page(browser, live_server, language)
    big = evidence(tmp_path, "วิดีโอหลักฐาน.mp4", 3 * MB // 2)
    fill_report(page, live_server, [evidence(tmp_path, "ใบเสร็จ.pdf", 1000), big])
    assert send(page) == 413
    assert page.input_value("#description") == LONG_THAI
    assert page.input_value("#incident_date") == "5/3/2569"
    assert page.is_checked("#consent")
    at_the_files = page.inner_text("#attachments-error")
    assert "วิดีโอหลักฐาน.mp4" in at_the_files
    assert "1.5 MB" in at_the_files  # its size, and the limit
    assert re.search(r"(^|\D)1 MB", at_the_files)
    assert page.locator("#refusal-notice").is_visible()
    shot(page, f"issue12-form-413-file-{language}")
    page.set_input_files("#attachments", [str(evidence(tmp_path, "เล็ก.pdf", 1000))])
    assert send(page) == 200
    assert len(page.inner_text("#receipt").replace(" ", "")) == 20
    page.context.close()


@pytest.mark.parametrize("language", ["th", "en"])
def test_more_than_a_request_may_carry_still_gives_the_text_back(
    browser: Any, app: Flask, live_server: str, tmp_path: Path, language: str
) -> None:
    """Refused for its size before it is read: the answer comes while the phone is still sending."""
    app.config.update(MAX_CONTENT_LENGTH=2 * MB, MAX_ATTACHMENT_BYTES=1 * MB)
    page = phone_page(browser, live_server, language)
    fill_report(page, live_server, [evidence(tmp_path, "คลิปยาว.mp4", 12 * MB)])
    assert send(page) == 413
    assert page.input_value("#description") == LONG_THAI
    assert "คลิปยาว.mp4" in page.inner_text("#attachments-error")
    shot(page, f"issue12-form-413-total-{language}")
    page.context.close()


@pytest.mark.parametrize("language", ["th", "en"])
def test_too_many_attempts_give_the_text_back(
    browser: Any, app: Flask, live_server: str, tmp_path: Path, language: str
) -> None:
    app.config["RATELIMIT_REPORT"] = "1 per hour"
    page = phone_page(browser, live_server, language)
    fill_report(page, live_server, [])
    assert send(page) == 200
    fill_report(page, live_server, [evidence(tmp_path, "ภาพ.jpg", 2000)])
    assert send(page) == 429
    assert page.input_value("#description") == LONG_THAI
    assert page.locator("#refusal-notice").is_visible()
    shot(page, f"issue12-form-429-{language}")
    page.context.close()


@pytest.mark.parametrize("language", ["th", "en"])
def test_an_expired_form_gives_the_text_back_and_then_goes_through(
    browser: Any, app: Flask, live_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    real = TimestampSigner.get_timestamp
    age = app.config["WTF_CSRF_TIME_LIMIT"] + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - age)
    page = phone_page(browser, live_server, language)
    fill_report(page, live_server, [evidence(tmp_path, "ภาพ.jpg", 2000)])  # opened four hours ago
    monkeypatch.undo()
    assert send(page) == 400
    assert page.input_value("#description") == LONG_THAI
    assert page.locator("#refusal-notice").is_visible()
    shot(page, f"issue12-form-expired-{language}")
    page.set_input_files("#attachments", [str(evidence(tmp_path, "ภาพ.jpg", 2000))])
    assert send(page) == 200  # the page came back with a fresh token: sent as it is
    assert len(page.inner_text("#receipt").replace(" ", "")) == 20
    page.context.close()


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_limits_are_stated_and_a_future_date_is_refused(
    browser: Any, app: Flask, live_server: str, language: str
) -> None:
    page = phone_page(browser, live_server, language)
    fill_report(page, live_server, [], description="โกง")
    page.fill("#incident_date", "31/12/2599")
    assert send(page) == 422
    assert page.input_value("#incident_date") == "31/12/2599"
    assert page.input_value("#description") == "โกง"
    assert "31/12/2599" in page.inner_text("#incident_date-error")
    error = page.inner_text("#description-error")
    assert re.search(r"(^|\D)20(\D|$)", error)  # the minimum
    assert re.search(r"(^|\D)3(\D|$)", error)  # and how many there are now
    hint = page.inner_text("#description-hint")
    assert re.search(r"(^|\D)20(\D)", hint)
    assert "20,000" in hint
    shot(page, f"issue12-form-limits-{language}")
    page.context.close()


def _follow_up(page: Any, base_url: str, tmp_path: Path) -> None:
    fill_report(page, base_url, [])
    send(page)
    receipt = page.inner_text("#receipt").strip()
    page.goto(base_url + "/follow-up")
    page.fill("#receipt", receipt)
    send(page)


@pytest.mark.parametrize("language", ["th", "en"])
def test_follow_up_evidence_over_the_limit_keeps_the_note(
    browser: Any, app: Flask, live_server: str, tmp_path: Path, language: str
) -> None:
    page = phone_page(browser, live_server, language)
    _follow_up(page, live_server, tmp_path)
    app.config["MAX_ATTACHMENT_BYTES"] = 1 * MB
    note = "รูปถ่ายหน้างานเมื่อวาน ถนนยังเป็นหลุมเหมือนเดิม " * 10
    page.fill("#note", note)
    page.set_input_files("#attachments", [str(evidence(tmp_path, "หน้างาน.mp4", 2 * MB))])
    with page.expect_navigation() as navigation:
        page.click("form[action$='/evidence'] button[type=submit]")
    assert navigation.value.status == 413
    assert page.input_value("#note") == note
    assert "หน้างาน.mp4" in page.inner_text("#attachments-error")
    page.locator("#note").scroll_into_view_if_needed()
    shot(page, f"issue12-form-followup-413-{language}")
    page.context.close()


@pytest.mark.parametrize("language", ["th", "en"])
def test_follow_up_message_over_the_limit_is_kept(
    browser: Any, app: Flask, live_server: str, tmp_path: Path, language: str
) -> None:
    app.config["RATELIMIT_REPORTER_ACTIONS"] = "1 per hour"
    page = phone_page(browser, live_server, language)
    _follow_up(page, live_server, tmp_path)
    page.fill("#body", "ข้อความแรก")
    with page.expect_navigation():
        page.click("form[action$='/reply'] button[type=submit]")
    message = "ขอเพิ่มเติมว่ามีพยานอีกสองคนที่เห็นเหตุการณ์ " * 10
    page.fill("#body", message)
    with page.expect_navigation() as navigation:
        page.click("form[action$='/reply'] button[type=submit]")
    assert navigation.value.status == 429
    assert page.input_value("#body") == message
    assert page.locator("#too-many").is_visible()
    shot(page, f"issue12-form-followup-429-{language}")
    page.context.close()
