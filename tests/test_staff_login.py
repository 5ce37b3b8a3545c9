"""Staff log-in: password + TOTP, one use per code, lock-out and rate limit per username,
disabled accounts, the forced first password change, password change and log-out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from complaints import crypto, keys, settings
from complaints.dates import utcnow
from complaints.db import new_session
from complaints.models import AuditEvent, StaffSession, StaffUser
from tests.conftest import (
    LEAD_PASSWORD,
    OFFICER_PASSWORD,
    create_staff,
    csrf_token_from,
    forget_used_totp,
    staff_login,
    totp_now,
)

WRONG = "ชื่อผู้ใช้ รหัสผ่าน หรือรหัส 6 หลักไม่ถูกต้อง"
DUMMY_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _user(app: Flask, username: str) -> StaffUser:
    with new_session(app) as db:
        return db.scalars(select(StaffUser).where(StaffUser.username == username)).one()


def _sessions(app: Flask) -> int:
    with new_session(app) as db:
        return int(db.scalar(select(func.count()).select_from(StaffSession)) or 0)


def _audit_actions(app: Flask) -> list[str]:
    with new_session(app) as db:
        return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_with_password_and_totp_opens_the_queue(app: Flask, client: FlaskClient) -> None:
    page = client.get("/staff/login")
    assert page.status_code == 200
    for name in ("username", "password", "totp"):
        assert f'name="{name}"' in page.text
    response = staff_login(client, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"])
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    queue = client.get("/staff/")
    assert queue.status_code == 200
    assert "รายการเรื่องร้องเรียน" in queue.text
    assert _sessions(app) == 1
    assert "staff_login" in _audit_actions(app)


def test_staff_pages_need_a_login(client: FlaskClient) -> None:
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=/staff/")


@pytest.mark.parametrize(
    ("password", "code_offset"),
    [("wrong password here", 0), (LEAD_PASSWORD, 5)],
    ids=["wrong-password", "wrong-totp"],
)
def test_wrong_password_or_code_is_refused_with_one_message(
    app: Flask, client: FlaskClient, password: str, code_offset: int
) -> None:
    response = staff_login(client, "lead", password, app.config["TEST_LEAD_TOTP_SECRET"], code_offset)
    assert response.status_code == 400
    assert WRONG in response.text
    assert _sessions(app) == 0
    assert _user(app, "lead").failed_logins == 1
    assert client.get("/staff/").status_code == 302


def test_unknown_username_gets_the_same_message(client: FlaskClient) -> None:
    response = staff_login(client, "nobody", "whatever password", DUMMY_SECRET)
    assert response.status_code == 400
    assert WRONG in response.text


def test_totp_code_works_only_once(app: Flask, client: FlaskClient) -> None:
    secret = app.config["TEST_LEAD_TOTP_SECRET"]
    assert staff_login(client, "lead", LEAD_PASSWORD, secret).status_code == 302
    other = app.test_client()
    replay = staff_login(other, "lead", LEAD_PASSWORD, secret)
    assert replay.status_code == 400
    assert WRONG in replay.text
    older = staff_login(other, "lead", LEAD_PASSWORD, secret, offset_steps=-1)
    assert older.status_code == 400  # an earlier code than the one used is refused too
    assert staff_login(other, "lead", LEAD_PASSWORD, secret, offset_steps=1).status_code == 302


def test_thai_digits_and_spaces_in_the_code_are_accepted(app: Flask, client: FlaskClient) -> None:
    code = totp_now(app.config["TEST_LEAD_TOTP_SECRET"])
    thai = "".join("๐๑๒๓๔๕๖๗๘๙"[int(digit)] for digit in code)
    token = csrf_token_from(client.get("/staff/login").text)
    response = client.post(
        "/staff/login",
        data={
            "csrf_token": token,
            "username": "lead",
            "password": LEAD_PASSWORD,
            "totp": thai[:3] + " " + thai[3:],
        },
    )
    assert response.status_code == 302


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    app: Flask, client: FlaskClient
) -> None:
    secret = app.config["TEST_LEAD_TOTP_SECRET"]
    limit = app.config["STAFF_LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        response = staff_login(client, "lead", "wrong password here", secret)
        assert response.status_code == 400
        assert WRONG in response.text  # the lock is never announced to whoever tripped it
    right = staff_login(client, "lead", LEAD_PASSWORD, secret)
    assert right.status_code == 400
    assert WRONG in right.text
    assert _sessions(app) == 0
    assert "account_locked" in _audit_actions(app)
    with new_session(app) as db:  # the lock-out ends after STAFF_LOCKOUT_MINUTES
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        assert lead.locked_until is not None
        lead.locked_until = lead.locked_until.replace(year=2000)
        db.commit()
    assert staff_login(client, "lead", LEAD_PASSWORD, secret, offset_steps=1).status_code == 302


def _lock(app: Flask, username: str) -> None:
    with new_session(app) as db:
        db.execute(
            update(StaffUser)
            .where(StaffUser.username == username)
            .values(locked_until=utcnow().replace(year=2999))
        )
        db.commit()


def _without_values(html: str) -> str:
    """A page with every form value (CSRF token, typed username) blanked, to compare answers."""
    return re.sub(r'value="[^"]*"', 'value=""', html)


@pytest.fixture
def argon2_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every Argon2id derivation (one entry per run)."""
    runs: list[int] = []
    real = crypto.derive_password_keys

    def counting(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(crypto, "derive_password_keys", counting)
    return runs


def test_a_locked_account_answers_like_an_unknown_username(
    app: Flask, client: FlaskClient, argon2_runs: list[int]
) -> None:
    """Same page, same status, same Argon2id work: the lock tells nothing about the account."""
    secret = app.config["TEST_LEAD_TOTP_SECRET"]
    _lock(app, "lead")
    answers = {}
    for name, (username, password, totp_secret) in {
        "unknown": ("nobody", LEAD_PASSWORD, DUMMY_SECRET),
        "locked-wrong-password": ("lead", "wrong password here", secret),
        "locked-right-password": ("lead", LEAD_PASSWORD, secret),
    }.items():
        argon2_runs.clear()
        response = staff_login(client, username, password, totp_secret)
        answers[name] = (response.status_code, _without_values(response.text))
        assert len(argon2_runs) == 1, name
    assert answers["locked-wrong-password"] == answers["unknown"]
    assert answers["locked-right-password"] == answers["unknown"]
    assert answers["unknown"][0] == 400
    assert WRONG in answers["unknown"][1]
    assert _sessions(app) == 0  # the right password and code during a lock do not log in
    assert client.get("/staff/").status_code == 302


@pytest.fixture
def tight_limit_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["RATELIMIT_STAFF_LOGIN"] = "3 per minute"
    app_config["STAFF_LOGIN_MAX_FAILURES"] = 100
    return app_config


@pytest.mark.usefixtures("tight_limit_config")
def test_rate_limit_is_per_username_not_per_address(app: Flask, client: FlaskClient) -> None:
    for _ in range(3):
        assert staff_login(client, "someone", "wrong password here", DUMMY_SECRET).status_code == 400
    limited = staff_login(client, "someone", "wrong password here", DUMMY_SECRET)
    assert limited.status_code == 429
    assert "มีการลองเข้าสู่ระบบด้วยชื่อผู้ใช้นี้หลายครั้งเกินไป" in limited.text
    assert re.search(r"กรุณารออีก [01] นาที", limited.text)
    # The same address may still log in as another user.
    assert staff_login(client, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"]).status_code == 302


@pytest.mark.usefixtures("tight_limit_config")
def test_the_lock_out_notice_is_the_same_for_real_and_unknown_usernames(
    app: Flask, client: FlaskClient, argon2_runs: list[int]
) -> None:
    secret = app.config["TEST_LEAD_TOTP_SECRET"]
    notices = {}
    for username in ("lead", "nobody"):
        for _ in range(3):
            assert staff_login(client, username, "wrong password here", secret).status_code == 400
        argon2_runs.clear()
        limited = staff_login(client, username, LEAD_PASSWORD, secret)
        assert limited.status_code == 429
        assert argon2_runs == []  # over the limit: not even the right password is tried
        notices[username] = _without_values(limited.text)
    assert notices["lead"] == notices["nobody"]
    assert _sessions(app) == 0


@pytest.fixture
def per_client_limit_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["RATELIMIT_STAFF_LOGIN_PER_CLIENT"] = "3 per minute"
    return app_config


@pytest.mark.usefixtures("per_client_limit_config")
def test_one_client_cannot_make_the_server_derive_keys_without_end(
    app: Flask, client: FlaskClient, argon2_runs: list[int]
) -> None:
    for number in range(3):
        assert staff_login(client, f"guess{number}", "wrong password here", DUMMY_SECRET).status_code == 400
    limited = staff_login(client, "guess-new", "wrong password here", DUMMY_SECRET)
    assert limited.status_code == 429
    assert len(argon2_runs) == 3  # the fourth username got no Argon2id run


def test_the_new_limits_have_defaults(app: Flask) -> None:
    from complaints.config import defaults

    values = defaults(app.instance_path)
    assert values["RATELIMIT_STAFF_LOGIN_PER_CLIENT"] == "30 per 15 minutes"
    assert values["RATELIMIT_STAFF_PASSWORD"] == "10 per 15 minutes"


@pytest.fixture
def password_limit_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["RATELIMIT_STAFF_PASSWORD"] = "2 per minute"
    return app_config


@pytest.mark.usefixtures("password_limit_config")
def test_password_changes_are_limited_per_account(
    app: Flask, lead_client: FlaskClient, argon2_runs: list[int]
) -> None:
    token = csrf_token_from(lead_client.get("/staff/password").text)
    attempt = {
        "csrf_token": token,
        "current_password": "not the password at all",
        "new_password": "x" * 14,
        "confirm": "x" * 14,
    }
    argon2_runs.clear()
    for _ in range(2):
        assert lead_client.post("/staff/password", data=attempt).status_code == 400
    assert len(argon2_runs) == 2
    limited = lead_client.post("/staff/password", data=attempt)
    assert limited.status_code == 429
    assert len(argon2_runs) == 2  # refused before any key derivation
    # Another account is not affected.
    secret = create_staff(app, "officer7", "officer")
    other = app.test_client()
    assert staff_login(other, "officer7", OFFICER_PASSWORD, secret).status_code == 302
    other_token = csrf_token_from(other.get("/staff/password").text)
    response = other.post("/staff/password", data={**attempt, "csrf_token": other_token})
    assert response.status_code == 400


def test_disabled_account_cannot_log_in(app: Flask, client: FlaskClient) -> None:
    secret = create_staff(app, "officer1", "officer")
    with new_session(app) as db:
        db.scalars(select(StaffUser).where(StaffUser.username == "officer1")).one().disabled = True
        db.commit()
    wrong = staff_login(client, "officer1", "wrong password here", secret)
    assert WRONG in wrong.text  # a wrong guess learns nothing about the account
    response = staff_login(client, "officer1", OFFICER_PASSWORD, secret)
    assert response.status_code == 400
    assert "บัญชีนี้ถูกระงับการใช้งาน" in response.text
    assert _sessions(app) == 0


def test_first_login_forces_a_password_change(app: Flask, client: FlaskClient) -> None:
    result = app.test_cli_runner().invoke(args=["users", "create", "newbie", "--role", "officer"])
    assert result.exit_code == 0
    one_time = next(line.split(": ")[1] for line in result.output.splitlines() if "one-time-password" in line)
    secret = next(line.split(": ")[1] for line in result.output.splitlines() if "totp-secret" in line)
    old_key_id = _user(app, "newbie").key_id
    assert staff_login(client, "newbie", one_time, secret).status_code == 302
    for page in ("/staff/", "/staff/intake"):
        response = client.get(page)
        assert response.status_code == 302
        assert response.headers["Location"] == "/staff/password"
    form = client.get("/staff/password")
    assert "ตั้งรหัสผ่านของคุณเอง" in form.text
    assert 'name="current_password"' not in form.text
    token = csrf_token_from(form.text)
    same = client.post(
        "/staff/password", data={"csrf_token": token, "new_password": one_time, "confirm": one_time}
    )
    assert same.status_code == 400
    short = client.post(
        "/staff/password", data={"csrf_token": token, "new_password": "short", "confirm": "short"}
    )
    assert short.status_code == 400
    assert "ใช้อย่างน้อย 12 ตัวอักษร" in short.text
    new_password = "my own long password"
    done = client.post(
        "/staff/password", data={"csrf_token": token, "new_password": new_password, "confirm": new_password}
    )
    assert done.status_code == 302
    assert client.get("/staff/").status_code == 200
    user = _user(app, "newbie")
    assert not user.must_change_password
    assert user.key_id != old_key_id  # the one-time password never leads to the key in use
    with pytest.raises(keys.WrongPassword):
        keys.unlock_personal_key(user, one_time, settings.argon2_params(app))
    keys.unlock_personal_key(user, new_password, settings.argon2_params(app))


def test_password_change_rewraps_the_key_and_ends_other_sessions(
    app: Flask, lead_client: FlaskClient
) -> None:
    secret = app.config["TEST_LEAD_TOTP_SECRET"]
    other = app.test_client()
    assert staff_login(other, "lead", LEAD_PASSWORD, secret, offset_steps=1).status_code == 302
    form = lead_client.get("/staff/password")
    token = csrf_token_from(form.text)
    wrong = lead_client.post(
        "/staff/password",
        data={
            "csrf_token": token,
            "current_password": "not it at all",
            "new_password": "x" * 14,
            "confirm": "x" * 14,
        },
    )
    assert "รหัสผ่านปัจจุบันไม่ถูกต้อง" in wrong.text
    new_password = "a completely new passphrase"
    key_id = _user(app, "lead").key_id
    response = lead_client.post(
        "/staff/password",
        data={
            "csrf_token": token,
            "current_password": LEAD_PASSWORD,
            "new_password": new_password,
            "confirm": new_password,
        },
    )
    assert response.status_code == 302
    assert lead_client.get("/staff/").status_code == 200  # this session goes on
    assert other.get("/staff/").status_code == 302  # the other one was logged out
    lead = _user(app, "lead")
    assert lead.key_id == key_id  # same personal key, re-wrapped
    assert keys.unlock_personal_key(lead, new_password, settings.argon2_params(app))
    with pytest.raises(keys.WrongPassword):
        keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params(app))


def test_logout_deletes_the_server_half(app: Flask, lead_client: FlaskClient) -> None:
    cookie = lead_client.get_cookie("session")
    assert cookie is not None
    assert _sessions(app) == 1
    token = csrf_token_from(lead_client.get("/staff/").text)
    response = lead_client.post("/staff/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert _sessions(app) == 0
    replay = app.test_client()
    replay.set_cookie("session", cookie.value)
    assert replay.get("/staff/").status_code == 302


def test_logout_without_a_token_still_ends_the_server_session(app: Flask, lead_client: FlaskClient) -> None:
    cookie = lead_client.get_cookie("session")
    assert cookie is not None
    response = lead_client.post("/staff/logout")  # no CSRF token (an expired form, or a forgery)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/login"
    assert _sessions(app) == 0
    replay = app.test_client()
    replay.set_cookie("session", cookie.value)
    assert replay.get("/staff/").status_code == 302
    assert "logout" in _audit_actions(app)


def test_logout_with_a_damaged_key_half_still_deletes_the_server_half(
    app: Flask, lead_client: FlaskClient
) -> None:
    cookie = lead_client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]  # the default session interface has it
    half = serializer.loads(cookie.value)
    half["staff_key"] = "AAAA"
    damaged = app.test_client()
    damaged.set_cookie("session", serializer.dumps(half))
    assert damaged.post("/staff/logout").status_code == 302
    assert _sessions(app) == 0
    assert lead_client.get("/staff/").status_code == 302


def test_logout_everywhere(app: Flask, lead_client: FlaskClient) -> None:
    other = app.test_client()
    assert (
        staff_login(other, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"], 1).status_code == 302
    )
    assert _sessions(app) == 2
    token = csrf_token_from(lead_client.get("/staff/password").text)
    assert lead_client.post("/staff/logout-everywhere", data={"csrf_token": token}).status_code == 302
    assert _sessions(app) == 0
    assert other.get("/staff/").status_code == 302
    assert lead_client.get("/staff/").status_code == 302


def test_login_returns_to_the_page_asked_for_but_never_off_site(app: Flask, client: FlaskClient) -> None:
    secret = app.config["TEST_LEAD_TOTP_SECRET"]
    page = client.get("/staff/login?next=/staff/intake")
    assert 'value="/staff/intake"' in page.text
    response = client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token_from(page.text),
            "username": "lead",
            "password": LEAD_PASSWORD,
            "totp": totp_now(secret),
            "next": "/staff/intake",
        },
    )
    assert response.headers["Location"] == "/staff/intake"
    forget_used_totp(app, "lead")
    other = app.test_client()
    page = other.get("/staff/login")
    response = other.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token_from(page.text),
            "username": "lead",
            "password": LEAD_PASSWORD,
            "totp": totp_now(secret),
            "next": "//evil.example/",
        },
    )
    assert response.headers["Location"] == "/staff/"


def test_admin_only_account_lands_on_the_admin_pages(app: Flask, client: FlaskClient) -> None:
    secret = create_staff(app, "admin1", "admin")
    response = staff_login(client, "admin1", OFFICER_PASSWORD, secret)
    assert response.headers["Location"] == "/admin/"
    home = client.get("/staff/")  # the workspace's home address: their own pages, not a refusal
    assert (home.status_code, home.headers["Location"]) == (302, "/admin/")
    assert client.get("/staff/intake").status_code == 403


def test_logging_in_again_in_the_same_browser_ends_the_earlier_session(
    app: Flask, lead_client: FlaskClient
) -> None:
    assert _sessions(app) == 1
    page = lead_client.get("/staff/login")
    assert page.status_code == 302  # already logged in: straight to the queue
    token = csrf_token_from(lead_client.get("/staff/").text)
    response = lead_client.post(
        "/staff/login",
        data={
            "csrf_token": token,
            "username": "lead",
            "password": LEAD_PASSWORD,
            "totp": totp_now(app.config["TEST_LEAD_TOTP_SECRET"], 1),
        },
    )
    assert response.status_code == 302
    assert _sessions(app) == 1


def test_raising_the_argon2_cost_locks_no_one_out_and_rewraps_at_login(app: Flask) -> None:
    """Accounts keep the cost they were wrapped with; the next log-in moves them to the new one."""
    app.config["ARGON2_MEMORY_KIB"] = 2048
    client = app.test_client()
    staff_login(client, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"])
    assert client.get("/staff/").status_code == 200
    with new_session(app) as db:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        assert lead.password_params == "m=2048,t=1,p=1"
        assert not keys.needs_rewrap(lead, crypto.Argon2Params(memory_kib=2048, iterations=1))


@pytest.mark.parametrize(
    ("roles", "password", "accepted"),
    [
        (("officer",), "password1234", False),  # 12 characters, guessed at once
        (("officer",), "municipality2569", False),
        (("officer",), "quiet river lamp 47 mango", True),
        (("admin",), "chiangmai2569", True),  # an admin holds no key: a lower floor
        (("lead",), "chiangmai2569", False),
    ],
)
def test_a_password_must_be_hard_to_guess_and_harder_for_a_key_holder(
    app: Flask, client: FlaskClient, roles: tuple[str, ...], password: str, accepted: bool
) -> None:
    args = ["users", "create", "newbie", *(part for role in roles for part in ("--role", role))]
    result = app.test_cli_runner().invoke(args=args)
    one_time = next(line.split(": ")[1] for line in result.output.splitlines() if "one-time-password" in line)
    secret = next(line.split(": ")[1] for line in result.output.splitlines() if "totp-secret" in line)
    assert staff_login(client, "newbie", one_time, secret).status_code == 302
    token = csrf_token_from(client.get("/staff/password").text)
    response = client.post(
        "/staff/password", data={"csrf_token": token, "new_password": password, "confirm": password}
    )
    assert (response.status_code == 302) is accepted, response.text[:300]
    if not accepted:
        assert "รหัสผ่านนี้เดาง่ายเกินไป" in response.text
        assert _user(app, "newbie").must_change_password


def test_a_scripted_install_refuses_a_weak_lead_password(tmp_path: Path, database_url: str) -> None:
    from complaints import create_app
    from complaints.db import engine_of
    from tests.conftest import make_config

    app = create_app(make_config(tmp_path, database_url), instance_path=str(tmp_path / "instance"))
    try:
        result = app.test_cli_runner().invoke(
            args=["init", "--lead", "lead", "--password-stdin"], input="password1234\n"
        )
    finally:
        engine_of(app).dispose()  # this app is the test's own: close its pool before the drop
    assert result.exit_code != 0
    assert "too easy to guess" in result.output
