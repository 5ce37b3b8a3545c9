"""Attacks swept over every route of ``app.url_map``, so a new route is covered (or the test names
it): CSRF on every state-changing rule, the allow/deny table of every role on every rule, and the
anti-framing and no-store headers on every answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from complaints.assets import LONG_LIVED
from complaints.security import csrf
from tests.attack_world import MARK, ROLES, World, fingerprint, shared_world
from tests.conftest import csrf_token_from

STAFF = ("officer", "lead", "custodian", "admin")
EVERYONE = frozenset(ROLES)
# Who may open each page (200). Public pages are open to all; a person already in (a reporter on
# the receipt page, staff on the log-in page) is sent on to where they work, which is no leak.
GET_ALLOWED: dict[str, frozenset[str]] = {
    "public.landing": EVERYONE,
    "public.guideline": EVERYONE,
    "public.protection": EVERYONE,
    "public.report": EVERYONE,
    "public.statistics": EVERYONE,
    "public.poster_page": EVERYONE,
    "public.poster_pdf": EVERYONE,  # 409 until an https address is set: the same for all
    "public.healthz": EVERYONE,
    "public.readyz": EVERYONE,
    "public.robots": EVERYONE,
    "public.favicon": EVERYONE,
    "public.choose_language": EVERYONE,
    "assets.asset": EVERYONE,
    "static": EVERYONE,
    "staff.welcome": EVERYONE,
    "staff.login": frozenset({"anonymous", "reporter"}),
    "followup.login": EVERYONE - {"reporter"},
    "followup.case": frozenset({"reporter"}),
    "staff.queue": frozenset({"officer", "lead"}),
    "staff.case": frozenset({"officer", "lead"}),
    "staff.download": frozenset({"officer", "lead"}),
    "staff.case_record": frozenset({"officer", "lead"}),
    "staff.case_record_pdf": frozenset({"officer", "lead"}),
    "staff.intake": frozenset({"officer", "lead"}),
    "staff.key_access": frozenset({"lead", "custodian"}),
    "staff.change_password": frozenset(STAFF),
    "staff.protection_page": frozenset({"lead", "custodian"}),
    "staff.reveals": frozenset({"lead", "custodian"}),
    "staff.statistics": frozenset({"lead"}),
    **{
        endpoint: frozenset({"admin"})
        for endpoint in (
            "admin.users",
            "admin.audit_log",
            "admin.settings",
            "admin.statistics",
            "admin.statistics_export",
            "admin.statistics_report",
            "admin.statistics_report_pdf",
            "admin.statistics_report_print",
            "admin.user",
            "admin.new_user",
        )
    },
}
# Who may post to each state-changing rule (the world's lead holds officer, lead and custodian).
HANDLERS = frozenset({"officer", "lead"})
POST_ALLOWED: dict[str, frozenset[str]] = {
    "public.report": EVERYONE,
    "followup.login": EVERYONE,
    "staff.login": EVERYONE,
    "staff.welcome": EVERYONE,
    "staff.welcome_password": EVERYONE,
    "staff.welcome_authenticator": EVERYONE,
    "staff.change_password": frozenset(STAFF),
    "staff.logout_everywhere": frozenset(STAFF),
    **{endpoint: frozenset({"reporter"}) for endpoint in ("followup.evidence", "followup.reply")},
    "followup.report_retaliation": frozenset({"reporter"}),
    "followup.share_identity": frozenset({"reporter"}),
    **{
        f"staff.{name}": HANDLERS
        for name in (
            "assign",
            "reply",
            "add_note",
            "procedure_step",
            "protection_check",
            "reveal",
            "intake",
        )
    },
    "staff.declare_conflict": frozenset({"officer", "lead", "custodian"}),
    **{f"staff.{name}": frozenset({"lead"}) for name in ("exclude", "lift_exclusion", "revoke_access")},
    "staff.grant_key": frozenset({"lead", "custodian"}),
    **{
        f"staff.{name}": frozenset({"lead", "custodian"})
        for name in ("answer_protection_check", "record_protection", "approve_reveal")
    },
    "staff.decline_reveal": frozenset({"lead", "custodian"}),
    "staff.seal_consent": frozenset({"lead", "custodian"}),
    **{
        f"admin.{name}": frozenset({"admin"})
        for name in ("verify_audit_log", "statistics_report", "account_action", "edit_roles", "new_user")
    },
}
# State-changing rules that take no CSRF token, each with the reason a forgery cannot hurt.
CSRF_ALLOW_LIST = {
    "staff.logout": "a forged log-out harms no one; a refused one would leave the server half alive",
    "followup.logout": "a forged log-out harms no one; a refused one would leave the server half alive",
}
CSRF_PAGE = "แบบฟอร์มหมดอายุ"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with shared_world(tmp_path_factory.mktemp("urlmap")) as built:
        yield built


def _get(client: FlaskClient, url: str) -> TestResponse:
    """A GET whose body is read and whose file (a static file, a PDF) is closed."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def _methods(world: World, wanted: set[str]) -> list[Rule]:
    return sorted(
        (rule for rule in world.app.url_map.iter_rules() if rule.methods and rule.methods & wanted),
        key=lambda rule: rule.endpoint,
    )


def test_every_route_is_in_a_table(world: World) -> None:
    """A new route must be placed in the role tables (and so in the sweeps) before this passes."""
    gets = {rule.endpoint for rule in _methods(world, {"GET"})}
    posts = {rule.endpoint for rule in _methods(world, {"POST", "PUT", "PATCH", "DELETE"})}
    assert gets == set(GET_ALLOWED)
    assert posts == set(POST_ALLOWED) | set(CSRF_ALLOW_LIST)


# --- CSRF on every state-changing rule --------------------------------------------------------


def _csrf_refused(response: TestResponse) -> None:
    assert response.status_code == 400, response.text[:300]
    assert CSRF_PAGE in response.text


def test_csrf_allow_list_is_what_the_app_exempts(world: World) -> None:
    views = world.app.view_functions
    exempt = {
        rule.endpoint
        for rule in world.app.url_map.iter_rules()
        if f"{views[rule.endpoint].__module__}.{views[rule.endpoint].__name__}" in csrf._exempt_views
    }
    assert exempt == set(CSRF_ALLOW_LIST)


@pytest.mark.parametrize("foreign_token", [False, True], ids=["no-token", "other-sessions-token"])
def test_every_state_changing_route_refuses_a_forged_post(world: World, foreign_token: bool) -> None:
    """Posted by a role allowed to act there, with real ids, so only the token is wrong."""
    other = world.app.test_client()
    stolen = csrf_token_from(other.get("/follow-up").text)
    checked = []
    for rule in _methods(world, {"POST", "PUT", "PATCH", "DELETE"}):
        if rule.endpoint in CSRF_ALLOW_LIST:
            continue
        role = sorted(POST_ALLOWED[rule.endpoint] - {"anonymous"})[0]
        if POST_ALLOWED[rule.endpoint] == EVERYONE:
            role = "anonymous"
        client = world.fork(role)
        data = {"csrf_token": stolen} if foreign_token else {}
        before = fingerprint(world.app)
        _csrf_refused(client.post(world.url_of(rule), data={**data, "body": "x", "confirm": "y"}))
        assert fingerprint(world.app) == before, rule.endpoint
        checked.append(rule.endpoint)
    assert set(checked) == set(POST_ALLOWED)  # every rule outside the allow-list was tried


# --- every role on every route -----------------------------------------------------------------


def _denied(role: str, response: TestResponse) -> bool:
    """Refused without content: to the log-in page, a 403/404, or sent to the person's own home."""
    if MARK in response.text:
        return False
    if response.status_code in (401, 403, 404):
        return True
    location = response.headers.get("Location", "")
    if response.status_code != 302:
        return False
    if role in ("anonymous", "reporter"):
        return location.startswith(("/staff/login", "/follow-up"))
    return location.rstrip("/") in ("/staff", "/admin", "/staff/reveals", "/staff/login", "/follow-up")


def _assert_not_frameable(response: TestResponse, endpoint: str) -> None:
    assert response.headers["X-Frame-Options"] == "DENY", endpoint
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], endpoint


def _allowed(response: TestResponse) -> bool:
    return response.status_code in (200, 301, 302, 409)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_its_pages_and_none_can_be_framed(world: World, role: str) -> None:
    """Every GET rule as every role: allowed or refused as the table says, and every answer, allowed
    or refused, forbids framing and (long-cached static files apart) being stored."""
    client = world.client(role)
    for rule in _methods(world, {"GET"}):
        response = _get(client, world.url_of(rule))
        if role in GET_ALLOWED[rule.endpoint]:
            assert _allowed(response), (rule.endpoint, response.status_code)
        else:
            assert _denied(role, response), (rule.endpoint, response.status_code, response.text[:200])
        _assert_not_frameable(response, rule.endpoint)
        if rule.endpoint in ("assets.asset", "static") and response.status_code == 200:
            # The site's own CSS and icons, the same for everyone: cached (assets) or revalidated.
            assert response.headers["Cache-Control"] in (LONG_LIVED, "no-cache"), rule.endpoint
            assert not response.headers.getlist("Set-Cookie")  # nothing of a session in a cached file
            continue
        assert response.headers["Cache-Control"] == "no-store, no-transform", rule.endpoint


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_every_action_it_does_not_hold(world: World, role: str) -> None:
    """With a valid CSRF token of the role's own session: the role alone is what refuses."""
    client = world.client(role)
    token = world.token(role) if role != "anonymous" else ""
    if role == "anonymous":
        token = csrf_token_from(client.get("/follow-up").text)
    tried = 0
    for rule in _methods(world, {"POST"}):
        if role in POST_ALLOWED.get(rule.endpoint, EVERYONE):
            continue
        before = fingerprint(world.app)
        response = client.post(
            world.url_of(rule),
            data={"csrf_token": token, "body": "x", "confirm": "y", "user": str(world.ids["officer2"])},
        )
        assert _denied(role, response), (rule.endpoint, response.status_code, response.text[:200])
        changed = {name for name, rows in fingerprint(world.app).items() if rows != before[name]} - {
            "audit_events",
            "staff_sessions",
            "reporter_sessions",
        }
        assert not changed, (rule.endpoint, changed)
        tried += 1
    assert tried >= (0 if role == "lead" else 3)
