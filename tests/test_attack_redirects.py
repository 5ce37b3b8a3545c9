"""Open redirects: the two redirects that take a target from the request (the language switch's
``next`` and the staff log-in's ``next``, in the URL and in the posted form) and every other
redirect of the URL map, tried with ``next``/``return`` parameters and a hostile ``Referer``
(the app reads no Referer; this proves it). Every ``Location`` stays on the site."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, urljoin, urlsplit

import pytest
from werkzeug.test import TestResponse

from tests.attack_world import ROLES, World, shared_world
from tests.conftest import OFFICER_PASSWORD, create_staff, csrf_token_from, forget_used_totp, totp_now

EVIL = (
    "//evil.example",
    "https://evil.example",
    "http://evil.example/staff/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "///evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/staff/\r\nLocation: https://evil.example",
    "/\t/evil.example",
    "//evil.example/staff/",
    "https:evil.example",
    "/staff/@evil.example",
    "/%2F%2Fevil.example",
    "/staff/..//..//evil.example",
)
HOSTILE_HEADERS = {"Referer": "https://evil.example/", "X-Forwarded-Host": "evil.example"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with shared_world(tmp_path_factory.mktemp("redirects")) as built:
        yield built


def assert_on_site(response: TestResponse, what: object) -> None:
    """No redirect, or one a browser follows to this same site."""
    location = response.headers.get("Location")
    if location is None:
        return
    assert "\\" not in location, (what, location)  # browsers read a backslash as a slash
    assert not re.match(r"^\s*/[\s/]", location), (what, location)  # //host, / /host, /\thost
    assert not re.search(r"[\r\n]", location), (what, location)
    assert not re.match(r"^\s*[a-zA-Z][a-zA-Z0-9+.-]*:", location) or location.startswith(
        ("http://localhost/", "https://localhost/")
    ), (what, location)
    resolved = urlsplit(urljoin("http://localhost/", location))
    assert resolved.scheme in ("http", "https"), (what, location)
    assert resolved.netloc == "localhost", (what, location)


def test_the_language_switch_stays_on_the_site(world: World) -> None:
    client = world.app.test_client()
    for target in EVIL:
        for code in ("en", "th"):
            response = client.get(f"/lang/{code}?next={quote(target, safe='')}", headers=HOSTILE_HEADERS)
            assert response.status_code == 302
            assert_on_site(response, target)


def test_the_staff_login_next_stays_on_the_site_from_the_url_and_from_the_form(world: World) -> None:
    """``next`` from the login page's URL (cleaned into the hidden field) and ``next`` posted
    straight in the form (a forged one): after a real log-in the browser stays on the site."""
    secret = create_staff(world.app, "redirected", "officer", "lead")
    for target in EVIL:
        for through_form in (False, True):
            client = world.app.test_client()
            page = client.get(f"/staff/login?next={quote(target, safe='')}", headers=HOSTILE_HEADERS)
            kept = re.search(r'name="next" type="hidden" value="([^"]*)"', page.text)
            assert kept is not None
            assert kept.group(1) == "" or kept.group(1).startswith("/staff/"), kept.group(1)
            data = {"csrf_token": csrf_token_from(page.text), "username": "redirected"}
            data["password"] = OFFICER_PASSWORD
            if through_form:
                data["next"] = target
            forget_used_totp(world.app, "redirected")
            response = client.post(
                "/staff/login", data={**data, "totp": totp_now(secret)}, headers=HOSTILE_HEADERS
            )
            assert response.status_code == 302, response.text[:300]
            assert_on_site(response, (target, through_form))


def test_a_page_that_asks_for_a_log_in_keeps_the_way_back_on_the_site(world: World) -> None:
    client = world.app.test_client()
    for target in EVIL:
        response = client.get(f"/staff/cases/{quote(target, safe='')}?next={quote(target, safe='')}")
        assert_on_site(response, target)  # the log-in page, or the URL with its slashes merged


def test_no_redirect_anywhere_follows_next_return_or_referer(world: World) -> None:
    """Every GET rule, as every role, with every hostile target offered every way."""
    rules = [rule for rule in world.app.url_map.iter_rules() if rule.methods and "GET" in rule.methods]
    for role in ROLES:
        client = world.client(role)
        for rule in rules:
            url = world.url_of(rule).split("?", 1)[0]
            for target in EVIL[:6]:
                quoted = quote(target, safe="")
                response = client.get(
                    f"{url}?next={quoted}&return={quoted}&back={quoted}", headers=HOSTILE_HEADERS
                )
                response.get_data()
                response.close()
                assert_on_site(response, (role, rule.endpoint, target))


def test_the_logouts_and_posted_forms_ignore_a_hostile_referer(world: World) -> None:
    for path in ("/staff/logout", "/follow-up/logout"):
        client = world.app.test_client()
        response = client.post(f"{path}?next=//evil.example", headers=HOSTILE_HEADERS)
        assert_on_site(response, path)
    lead = world.fork("lead")
    page = f"/staff/cases/{world.number_a}"
    token = csrf_token_from(lead.get(page).text)
    response = lead.post(
        f"{page}/notes?next=//evil.example",
        data={
            "csrf_token": token,
            "body": "บันทึก",
            "next": "//evil.example",
            "return": "https://evil.example",
        },
        headers=HOSTILE_HEADERS,
    )
    assert response.status_code == 302
    assert_on_site(response, "note")
