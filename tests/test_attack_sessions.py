"""Session fixation and replay: a cookie planted before a log-in never becomes the logged-in one,
and a cookie copied before a log-out, a "log out everywhere", a password change or a second
log-in in the same browser opens nothing afterwards — for staff and for the reporter's receipt.

The app promises no limit on concurrent staff sessions (each browser has its own); what it
promises, and these tests hold it to, is that the person can end them all, that a password change
ends the others, and that logging in again in one browser ends that browser's earlier session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from tests.attack_world import World, shared_world
from tests.conftest import (
    OFFICER_PASSWORD,
    create_staff,
    csrf_token_from,
    forget_used_totp,
    grant_unit_key,
    log_in_reporter,
    staff_login,
    totp_now,
)

NEW_PASSWORD = "a brand new passphrase for the session test"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with shared_world(tmp_path_factory.mktemp("sessions")) as built:
        yield built


@pytest.fixture
def account(world: World, request: pytest.FixtureRequest) -> tuple[str, str]:
    """A fresh officer holding the unit key (username, TOTP secret), one per test."""
    username = f"s{abs(hash(request.node.name)) % 10**8}"
    secret = create_staff(world.app, username, "officer")
    grant_unit_key(world.app, username)
    return username, secret


def _cookie(client: FlaskClient) -> str:
    found = client.get_cookie("session")
    assert found is not None
    return found.value


def _replay(world: World, value: str) -> FlaskClient:
    """A browser holding nothing but a copy of that cookie."""
    copy = world.app.test_client()
    copy.set_cookie("session", value)
    return copy


def _logged_in(world: World, account: tuple[str, str], client: FlaskClient | None = None) -> FlaskClient:
    client = client or world.app.test_client()
    forget_used_totp(world.app, account[0])
    assert staff_login(client, account[0], OFFICER_PASSWORD, account[1]).status_code == 302
    return client


def _staff_in(client: FlaskClient) -> bool:
    """Whether the cookie still opens the workspace (the password page is open to every staff)."""
    response = client.get("/staff/password")
    return response.status_code == 200


def test_a_cookie_planted_before_staff_login_is_not_the_logged_in_one(
    world: World, account: tuple[str, str]
) -> None:
    """The attacker plants a cookie of their own (holding their receipt session, so anything
    carried over would show) in the victim's browser; the victim logs in as staff."""
    attacker = world.app.test_client()
    assert log_in_reporter(attacker, world.receipt_b).status_code == 302
    planted = _cookie(attacker)
    victim = _replay(world, planted)  # a shared computer, a cookie set from a sibling site
    _logged_in(world, account, victim)
    assert _cookie(victim) != planted
    assert _staff_in(victim)
    assert victim.get("/follow-up/case").status_code != 200  # a fresh session: nothing carried over
    assert not _staff_in(_replay(world, planted))
    assert not _staff_in(attacker)


def test_a_staff_cookie_replayed_after_log_out_is_dead(world: World, account: tuple[str, str]) -> None:
    client = _logged_in(world, account)
    copied = _cookie(client)
    assert _staff_in(_replay(world, copied))
    assert client.post("/staff/logout").status_code == 302
    assert not _staff_in(_replay(world, copied))
    assert not _staff_in(client)


def test_log_out_everywhere_ends_the_other_browsers(world: World, account: tuple[str, str]) -> None:
    office, home = _logged_in(world, account), _logged_in(world, account)
    copied = _cookie(home)
    token = csrf_token_from(office.get("/staff/password").text)
    assert office.post("/staff/logout-everywhere", data={"csrf_token": token}).status_code == 302
    assert not _staff_in(home)
    assert not _staff_in(_replay(world, copied))
    assert not _staff_in(office)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(
    world: World, account: tuple[str, str]
) -> None:
    """What the page says after the change: "Your other sessions were logged out"."""
    here, elsewhere = _logged_in(world, account), _logged_in(world, account)
    token = csrf_token_from(here.get("/staff/password").text)
    changed = here.post(
        "/staff/password",
        data={
            "csrf_token": token,
            "current_password": OFFICER_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302, changed.text[:300]
    assert _staff_in(here)
    assert not _staff_in(elsewhere)


def test_logging_in_again_in_one_browser_ends_its_earlier_session(
    world: World, account: tuple[str, str]
) -> None:
    client = _logged_in(world, account)
    first = _cookie(client)
    # The log-in page open in another tab from before: posted again with this session's token.
    forget_used_totp(world.app, account[0])
    token = csrf_token_from(client.get("/staff/password").text)
    data = {"csrf_token": token, "username": account[0], "password": OFFICER_PASSWORD}
    again = client.post("/staff/login", data={**data, "totp": totp_now(account[1])})
    assert again.status_code == 302, again.text[:300]
    assert _cookie(client) != first
    assert _staff_in(client)
    assert not _staff_in(_replay(world, first))


def test_a_cookie_planted_before_the_receipt_is_typed_opens_no_case(
    world: World, account: tuple[str, str]
) -> None:
    """The planted cookie holds the attacker's own staff session: after the reporter types the
    receipt, their browser must not be working inside the attacker's account, nor the attacker's
    cookie inside the report."""
    attacker = _logged_in(world, account)
    planted = _cookie(attacker)
    victim = _replay(world, planted)
    token = csrf_token_from(victim.get("/follow-up").text)
    typed = victim.post("/follow-up", data={"csrf_token": token, "receipt": world.receipt_b})
    assert typed.status_code == 302
    assert _cookie(victim) != planted
    assert victim.get("/follow-up/case").status_code == 200
    assert not _staff_in(victim)  # a fresh session: the attacker's staff half is gone
    for stranger in (attacker, _replay(world, planted)):
        assert stranger.get("/follow-up/case").status_code == 302  # back to the receipt page


def test_the_receipt_session_replayed_after_log_out_is_dead(world: World) -> None:
    reporter = world.app.test_client()
    assert log_in_reporter(reporter, world.receipt_b).status_code == 302
    copied = _cookie(reporter)
    assert _replay(world, copied).get("/follow-up/case").status_code == 200
    assert reporter.post("/follow-up/logout").status_code == 200
    replayed = _replay(world, copied)
    opened = replayed.get("/follow-up/case")
    assert opened.status_code in (302, 401)
    assert "เรื่องที่สอง" not in opened.text
    token = csrf_token_from(replayed.get("/follow-up").text)
    sent = replayed.post("/follow-up/reply", data={"csrf_token": token, "body": "ยังอยู่ไหม"})
    assert sent.status_code in (302, 401)  # no message reaches the case through the dead session


def test_a_second_receipt_log_in_ends_the_first_session_of_that_browser(world: World) -> None:
    reporter = world.app.test_client()
    assert log_in_reporter(reporter, world.receipt_b).status_code == 302
    first = _cookie(reporter)
    token = csrf_token_from(reporter.get("/follow-up/case").text)  # the receipt page of another tab
    again = reporter.post("/follow-up", data={"csrf_token": token, "receipt": world.receipt_b})
    assert again.status_code == 302
    assert reporter.get("/follow-up/case").status_code == 200
    replayed = _replay(world, first).get("/follow-up/case")
    assert replayed.status_code in (302, 401)  # 401: "your session ended", with nothing of the case
    assert "เรื่องที่สอง" not in replayed.text
