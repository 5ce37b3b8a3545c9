"""The layout on a 320–360 px phone with JavaScript off (issue 12): a compact header whose menu opens
without a script, 44 px tap targets, dates, receipts and phone numbers on one line, no sideways
scrolling; and what the two receipts print (the municipality, the follow-up address, no officer
instructions). Screenshots go to screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from complaints import cases
from tests.browser import launched_chromium, shot
from tests.conftest import LEAD_PASSWORD, file_case, make_config, receipt_from, submit_report, totp_now
from tests.test_staff_intake import _intake as record_offline_report

pytestmark = pytest.mark.browser

PUBLIC_BASE_URL = "https://report.example.go.th"
FOLLOW_UP_ADDRESS = "report.example.go.th/follow-up"  # as people type it, like the poster
# Long enough to wrap in the header at 320 px, as real names do.
MUNICIPALITY = {"th": "เทศบาลตำบลบ้านตัวอย่างใหม่", "en": "Ban Tua Yang Mai Subdistrict Municipality"}
PHONE = "0-2345-6789"
WIDTHS = (320, 360)
PAGES = ("/", "/report", "/follow-up", "/protection", "/guideline", "/statistics")
TAP_TARGET_PX = 44
HEADER_MAX_PX = 100
OFFICER_INSTRUCTIONS = {"th": "กรุณาแจ้งรหัสติดตามเรื่องนี้แก่ผู้ร้องเรียนทันที", "en": "Give this receipt code"}


@pytest.fixture
def app_config(tmp_path: Path, database_url: str) -> dict[str, Any]:
    return make_config(
        tmp_path,
        database_url,
        PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        MUNICIPALITY_NAME_TH=MUNICIPALITY["th"],
        MUNICIPALITY_NAME_EN=MUNICIPALITY["en"],
        CONTACT_PHONE=PHONE,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


def phone_page(browser: Any, live_server: str, width: int, language: str) -> Any:
    """A page in a JavaScript-off context of ``width`` px, with the language chosen."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server}/lang/{language}?next=/")
    return page


def box(page: Any, selector: str) -> dict[str, float]:
    return box_of(page.locator(selector).first)


def box_of(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found, f"{locator} is not shown"
    return dict(found)


LINES = """elements => elements.map(e => {
    const style = getComputedStyle(e);
    const inner = e.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    return Math.round(inner / parseFloat(style.lineHeight));
})"""


def text_lines(page: Any, selector: str) -> list[int]:
    """How many lines each element's text takes: content height over the computed line height."""
    return list(page.eval_on_selector_all(selector, LINES))


def inline_lines(page: Any, selector: str) -> list[int]:
    """Line boxes of each inline element: more than one means it wrapped."""
    return list(
        page.eval_on_selector_all(selector, "elements => elements.map(e => e.getClientRects().length)")
    )


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def show(page: Any, url: str, html: str) -> None:
    """Open ``url`` with ``html`` as its answer (a page the test client made: a receipt is the
    answer to a POST); its stylesheet still comes from the live server."""
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(url)
    page.unroute(url)


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_header_is_compact_and_every_menu_link_is_a_44px_target(
    browser: Any, live_server: str, width: int, language: str
) -> None:
    page = phone_page(browser, live_server, width, language)
    for path in PAGES:
        page.goto(live_server + path)
        assert box(page, "header")["height"] <= HEADER_MAX_PX, (path, box(page, "header"))
        assert page.locator(".brand-name").inner_text() == MUNICIPALITY[language]
        language_link = box(page, ".lang a")
        assert language_link["height"] >= TAP_TARGET_PX
        assert inline_lines(page, ".lang a") == [1]  # "ภาษาไทย" never wraps
        assert box(page, ".menu summary")["height"] >= TAP_TARGET_PX
        assert not page.locator(".main-nav a").first.is_visible()  # closed until asked for
        assert fits_the_screen(page), path
    page.locator(".menu summary").click()  # a <details>: opens without JavaScript
    links = page.locator(".main-nav a")
    assert links.count() >= 6
    for index in range(links.count()):
        link = links.nth(index)
        assert link.is_visible()
        found = box_of(link)
        assert found["height"] >= TAP_TARGET_PX
        assert found["x"] + found["width"] <= width
    shot(page, f"layout-menu-open-{language}-{width}")
    page.locator(".main-nav a[href='/statistics']").click()
    assert page.url.endswith("/statistics")
    page.context.close()


def test_on_a_wide_screen_the_menu_links_show_without_a_click(browser: Any, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(live_server + "/")
    assert not page.locator(".menu summary").is_visible()
    assert page.locator(".main-nav a[href='/report']").is_visible()
    assert box(page, ".main-nav a[href='/report']")["height"] >= 36  # a mouse, not a thumb
    assert box(page, "header")["height"] <= 2 * HEADER_MAX_PX
    context.close()


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_case_details_stack_and_dates_stay_on_one_line(
    browser: Any, app: Flask, live_server: str, width: int, language: str
) -> None:
    _, receipt = cases_filed(app)
    page = phone_page(browser, live_server, width, language)
    page.goto(live_server + "/follow-up")
    page.fill("#receipt", receipt)
    page.locator("main button[type=submit]").click()
    assert page.url.endswith("/follow-up/case")
    values = page.locator("dl.facts").first.locator("dd")
    assert values.count() >= 3
    for index in range(values.count()):
        assert box_of(values.nth(index))["width"] >= width - 40  # the value gets the whole width
    # Every value after the case number (which carries a note below it) is a date.
    dates = page.locator("dl.facts").first.evaluate(
        f"list => ({LINES})([...list.querySelectorAll('dd')].slice(1))"
    )
    assert len(dates) >= 2
    assert set(dates) == {1}, dates
    assert inline_lines(page, ".case-number") == [1]
    assert fits_the_screen(page)
    shot(page, f"layout-follow-up-case-{language}-{width}")
    page.context.close()


def cases_filed(app: Flask) -> tuple[int, str]:
    return file_case(app, cases.ReportContent(description="เบิกค่าซ่อมถนนที่ไม่ได้ซ่อมจริง"))


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_receipt_and_the_phone_number_never_wrap(
    browser: Any, app: Flask, client: FlaskClient, live_server: str, width: int, language: str
) -> None:
    client.get(f"/lang/{language}")
    receipt_page = submit_report(client).text
    page = phone_page(browser, live_server, width, language)
    show(page, live_server + "/report", receipt_page)
    assert page.locator("#receipt").inner_text().strip() == receipt_from(receipt_page)
    assert text_lines(page, "#receipt") == [1]
    assert text_lines(page, "#follow-up-address")[0] <= 3
    assert fits_the_screen(page)
    shot(page, f"layout-receipt-{language}-{width}")
    page.goto(live_server + "/guideline")
    assert page.locator(".phone").count() >= 2
    assert set(inline_lines(page, ".phone")) == {1}
    # Whether a number happens to reach a line's end depends on the text around it: the rule too.
    wrapping = page.eval_on_selector_all(".phone", "es => es.map(e => getComputedStyle(e).textWrapMode)")
    assert set(wrapping) == {"nowrap"}
    assert page.locator(".phone").first.inner_text() == PHONE
    page.context.close()


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_printed_receipt_names_the_municipality_and_the_follow_up_address(
    browser: Any, client: FlaskClient, live_server: str, language: str
) -> None:
    client.get(f"/lang/{language}")
    receipt_page = submit_report(client).text
    page = phone_page(browser, live_server, 360, language)
    show(page, live_server + "/report", receipt_page)
    page.emulate_media(media="print")
    printed = page.inner_text("body")
    assert MUNICIPALITY[language] in printed
    assert FOLLOW_UP_ADDRESS in printed
    assert receipt_from(receipt_page) in printed
    assert not page.locator(".actions").is_visible()  # the "go to follow-up" button is screen-only
    shot(page, f"layout-receipt-print-{language}")
    page.context.close()


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_offline_receipt_prints_for_the_reporter_without_the_officer_instructions(
    browser: Any, lead_client: FlaskClient, live_server: str, language: str
) -> None:
    lead_client.get(f"/lang/{language}")
    status, intake_page = record_offline_report(lead_client)
    assert status == 200
    page = phone_page(browser, live_server, 360, language)
    show(page, live_server + "/staff/intake", intake_page)
    on_screen = page.inner_text("body")
    assert OFFICER_INSTRUCTIONS[language] in on_screen
    shot(page, f"layout-intake-receipt-screen-{language}")
    page.emulate_media(media="print")
    printed = page.inner_text("body")
    assert OFFICER_INSTRUCTIONS[language] not in printed
    assert MUNICIPALITY[language] in printed
    assert FOLLOW_UP_ADDRESS in printed
    assert receipt_from(intake_page) in printed
    assert not page.locator("#officer-instructions").is_visible()
    assert not page.locator(".actions").is_visible()
    assert not page.locator(".menu").is_visible()
    shot(page, f"layout-intake-receipt-print-{language}")
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_staff_page_header_is_compact_too(browser: Any, app: Flask, live_server: str, width: int) -> None:
    page = phone_page(browser, live_server, width, "th")
    page.goto(live_server + "/staff/login")
    page.fill("#username", "lead")
    page.fill("#password", LEAD_PASSWORD)
    page.fill("#totp", totp_now(app.config["TEST_LEAD_TOTP_SECRET"]))
    page.locator("main button[type=submit]").click()
    page.wait_for_url(live_server + "/staff/")
    assert box(page, "header")["height"] <= HEADER_MAX_PX
    page.locator(".menu summary").click()
    logout = page.locator(".main-nav button")
    assert logout.is_visible()
    assert box_of(logout)["height"] >= TAP_TARGET_PX
    assert fits_the_screen(page)
    shot(page, f"layout-staff-menu-open-{width}")
    page.context.close()


def test_first_load_asks_for_nothing_that_fails(browser: Any, live_server: str) -> None:
    """No 404 (favicon, stylesheet) and no console error when a phone first opens the site."""
    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    failed: list[str] = []
    errors: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    for path in ("/", "/report", "/follow-up", "/statistics"):
        page.goto(live_server + path)
        for href in page.eval_on_selector_all("head link[href]", "links => links.map(l => l.href)"):
            assert page.request.get(href).status == 200, href
    assert failed == []
    assert errors == []
    context.close()
