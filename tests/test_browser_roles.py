"""A real browser (Debian's chromium, JavaScript off, a 360 px phone) through the role pages of
issue 12: the administrator's confirmation before the only key holder's password reset, the
account's roles, the key page's warning, the custodian landing on the reveal requests and
deciding one with a reason, and the case page showing a pending request instead of its form.

Each screen is photographed in Thai and in English into screenshots/ (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases
from complaints.db import new_session
from complaints.models import Case, StaffUser
from tests.browser import launched_chromium, shot
from tests.conftest import (
    LEAD_PASSWORD,
    OFFICER_PASSWORD,
    create_custodian,
    create_staff,
    csrf_token_from,
    file_case,
    forget_used_totp,
    require_or_skip,
    totp_now,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


def _page(browser: Any, live_server: str, language: str) -> Any:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    context.add_cookies([{"name": "lang", "value": language, "url": live_server}])
    return context.new_page()


def _log_in(page: Any, live_server: str, username: str, password: str, secret: str) -> None:
    page.goto(live_server + "/staff/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.fill("#totp", totp_now(secret))
    page.click("main button[type=submit]")


def _user_id(app: Flask, username: str) -> int:
    with new_session(app) as db:
        return db.scalars(select(StaffUser.id).where(StaffUser.username == username)).one()


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_only_holders_reset_asks_first_and_roles_are_edited_on_the_account_page(
    browser: Any, app: Flask, live_server: str, language: str
) -> None:
    secret = create_staff(app, "admin1", "admin")
    page = _page(browser, live_server, language)
    _log_in(page, live_server, "admin1", OFFICER_PASSWORD, secret)
    page.wait_for_url(live_server + "/admin/")
    assert page.locator("#thin-custodian").count() == 1  # a warning on the accounts page
    shot(page, f"issue12-roles-admin-accounts-{language}")
    page.goto(live_server + f"/admin/users/{_user_id(app, 'lead')}")
    assert page.locator(".sole-holder li").count() == 2
    assert page.locator("#role_custodian").is_checked()
    shot(page, f"issue12-roles-admin-account-{language}")
    page.click("form[action$='/reset-password'] button")
    assert page.locator("#key-loss").count() == 1
    assert "flask --app wsgi keys recover USERNAME" in page.locator("main").inner_text()
    shot(page, f"issue12-roles-admin-confirm-{language}")
    page.click("main form button[type=submit]")  # without ticking the box: asked again, with an error
    assert page.locator("#key-loss").count() == 1
    assert page.locator(".error-summary").count() == 1
    page.check("#confirm")
    page.click("main form button[type=submit]")
    assert page.locator("#invitation-code").count() == 1
    assert "flask --app wsgi keys recover lead" in page.locator("#key-unheld").inner_text()
    shot(page, f"issue12-roles-admin-invitation-{language}")
    # Roles: an officer made a lead too, with no key given.
    create_staff(app, "somsak", "officer")
    page.goto(live_server + f"/admin/users/{_user_id(app, 'somsak')}")
    page.check("#role_lead")
    page.click("form.roles button[type=submit]")
    assert page.locator(".notice-ok").count() == 1
    assert page.locator("#role_lead").is_checked()
    shot(page, f"issue12-roles-admin-roles-saved-{language}")
    page.context.close()


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_custodian_decides_with_a_reason_and_the_case_shows_the_pending_request(
    browser: Any, app: Flask, live_server: str, language: str
) -> None:
    identity = cases.ReporterIdentity(name="นางสาวผู้แจ้ง ลับ", phone="0812345678")
    case_id, _ = file_case(app, cases.ReportContent(description="เบิกค่าซ่อมถนนเท็จ"), identity=identity)
    with new_session(app) as db:
        number = db.get_one(Case, case_id).number
    lead = _page(browser, live_server, language)
    _log_in(lead, live_server, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"])
    lead.goto(live_server + "/staff/keys")
    assert lead.locator("#thin-custodian").count() == 1
    shot(lead, f"issue12-roles-keys-warning-{language}")
    lead.goto(live_server + f"/staff/cases/{number}#identity")
    lead.locator("#identity summary").click()
    lead.select_option("#identity select[name=reason]", "court_order")
    lead.click("#identity button[type=submit]")
    assert lead.locator("#reveal-pending").count() == 1
    assert lead.locator("#identity form").count() == 0  # the state instead of a second request form
    lead.locator("#identity").scroll_into_view_if_needed()
    shot(lead, f"issue12-roles-case-pending-{language}")

    keeper_secret = create_custodian(app, "keeper")
    keeper = _page(browser, live_server, language)
    _log_in(keeper, live_server, "keeper", OFFICER_PASSWORD, keeper_secret)
    keeper.wait_for_url(live_server + "/staff/reveals")  # the custodian's home
    assert keeper.locator("nav.staff-nav a[href='/staff/']").count() == 0
    shot(keeper, f"issue12-roles-custodian-home-{language}")
    keeper.click(".decision-decline button")  # no reason chosen: the error is at the request
    assert keeper.locator("article.reveal-request .error").count() == 1
    shot(keeper, f"issue12-roles-custodian-no-reason-{language}")
    keeper.select_option(".decision-decline select", "not_needed")
    keeper.click(".decision-decline button")
    assert keeper.locator(".notice-ok").count() == 1
    assert keeper.locator("#decided li").count() == 1
    shot(keeper, f"issue12-roles-custodian-decided-{language}")
    keeper.context.close()

    lead.reload()
    assert lead.locator("#reveal-pending").count() == 0
    assert lead.locator("#identity form").count() == 1  # a new request can be made now
    lead.context.close()
    forget_used_totp(app, "lead")


def test_the_role_pages_pass_axe(
    browser: Any, app: Flask, live_server: str, lead_client: FlaskClient
) -> None:
    """No serious or critical axe finding on the pages this change added or rebuilt."""
    from tests.test_browser_public import AXE, _serious_violations

    require_or_skip(AXE.exists(), "axe-core is missing: npm install --prefix tests")
    identity = cases.ReporterIdentity(name="ผู้แจ้ง", phone="0812345678")
    case_id, _ = file_case(app, cases.ReportContent(description="เรื่องทดสอบ"), identity=identity)
    with new_session(app) as db:
        case_page = f"/staff/cases/{db.get_one(Case, case_id).number}"
    token = csrf_token_from(lead_client.get(case_page).text)
    asked = lead_client.post(f"{case_page}/reveal", data={"csrf_token": token, "reason": "court_order"})
    assert asked.status_code == 302
    admin_secret = create_staff(app, "admin1", "admin")
    context = browser.new_context(bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    _log_in(page, live_server, "admin1", OFFICER_PASSWORD, admin_secret)
    problems: dict[str, list[str]] = {}
    page.goto(live_server + f"/admin/users/{_user_id(app, 'lead')}")
    problems["account"] = _serious_violations(page)
    page.click("form[action$='/reset-password'] button")
    problems["confirmation"] = _serious_violations(page)
    context.close()
    keeper_secret = create_custodian(app, "keeper")
    context = browser.new_context(bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    _log_in(page, live_server, "keeper", OFFICER_PASSWORD, keeper_secret)
    for path in ("/staff/reveals", "/staff/keys"):
        page.goto(live_server + path)
        problems[path] = _serious_violations(page)
    page.goto(live_server + "/staff/reveals")
    page.click(".decision-decline button")  # refused for want of a reason: the error state
    problems["reveals with an error"] = _serious_violations(page)
    context.close()
    assert problems == {name: [] for name in problems}
