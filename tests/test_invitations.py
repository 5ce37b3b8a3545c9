"""Printed invitations (issue 9, finding 4): the administrator never sees a password or an
authenticator secret; the person sets both on their own device; a reset takes nothing from anyone
until the person uses it; an invitation works once, for its own account, before it expires."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update

from complaints import keys, settings
from complaints.dates import utcnow
from complaints.db import new_session
from complaints.models import AuditEvent, KeyGrant, StaffInvitation, StaffUser
from complaints.workspace import invitations
from tests.conftest import (
    LEAD_PASSWORD,
    OFFICER_PASSWORD,
    csrf_token_from,
    forget_used_totp,
    invitation_from,
    staff_login,
    step_token_from,
    totp_now,
    use_invitation,
)

OWN_PASSWORD = "ช้างเผือกกินกล้วยหอมริมคลอง 2569"


def _create(admin: FlaskClient, username: str = "somsak", **roles: str) -> str:
    token = csrf_token_from(admin.get("/admin/users/new").text)
    page = admin.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "username": username,
            "display_name": "สมศักดิ์ ใจดี",
            **(roles or {"role_officer": "y"}),
        },
    )
    assert page.status_code == 200, page.text
    return page.text


def _user(app: Flask, username: str) -> StaffUser:
    with new_session(app) as db:
        return db.scalars(select(StaffUser).where(StaffUser.username == username)).one()


def _action(admin: FlaskClient, user_id: int, action: str) -> str:
    token = csrf_token_from(admin.get(f"/admin/users/{user_id}").text)
    response = admin.post(f"/admin/users/{user_id}/{action}", data={"csrf_token": token})
    assert response.status_code == 200, response.text
    return response.text


def _open(client: FlaskClient, username: str, code: str) -> Any:
    page = client.get("/staff/welcome")
    return client.post(
        "/staff/welcome", data={"csrf_token": csrf_token_from(page.text), "username": username, "code": code}
    )


def test_the_admin_prints_an_invitation_and_never_sees_a_secret(
    app: Flask, admin_client: FlaskClient
) -> None:
    printed = _create(admin_client)
    code = invitation_from(printed)
    assert re.fullmatch(r"([A-Z2-9]{4}-){4}[A-Z2-9]{4}", code)
    for secret_sign in ("otpauth", "<svg", "totp-secret", "one-time-password"):
        assert secret_sign not in printed
    assert "/staff/welcome" in printed
    with new_session(app) as db:
        stored = db.scalars(select(StaffInvitation)).one()
        for table in ("staff_invitations", "audit_events", "staff_users"):
            dump = repr(db.execute(text(f"SELECT * FROM {table}")).all())  # noqa: S608 - fixed names
            assert code not in dump
            assert code.replace("-", "") not in dump
        assert (stored.sets_password, stored.sets_totp, stored.used_at) == (True, True, None)
    assert "ยังไม่ได้ใช้คำเชิญ" in admin_client.get("/admin/").text

    person = app.test_client()
    secret = use_invitation(person, "somsak", code.lower().replace("-", " "), OWN_PASSWORD)
    assert secret
    assert staff_login(person, "somsak", OWN_PASSWORD, secret, 1).status_code == 302
    user = _user(app, "somsak")
    assert not user.must_change_password
    with new_session(app) as db:
        actions = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-5:] == [
        "invitation_created",
        "invitation_password_set",
        "invitation_totp_set",
        "invitation_used",
        "staff_login",
    ]


def test_an_invitation_works_once_and_a_second_use_warns(app: Flask, admin_client: FlaskClient) -> None:
    code = invitation_from(_create(admin_client))
    assert use_invitation(app.test_client(), "somsak", code, OWN_PASSWORD)
    again = _open(app.test_client(), "somsak", code)
    assert again.status_code == 400
    assert "คำเชิญนี้ถูกใช้ไปแล้ว" in again.text
    assert 'name="token"' not in again.text


def test_a_wrong_username_or_code_gets_one_answer(app: Flask, admin_client: FlaskClient) -> None:
    code = invitation_from(_create(admin_client))
    invitation_from(_create(admin_client, "malee"))
    wrong_code = _open(app.test_client(), "somsak", "AAAA-AAAA-AAAA-AAAA-AAAA")
    wrong_user = _open(app.test_client(), "malee", code)  # somsak's code does not open malee's
    unknown = _open(app.test_client(), "nobody", code)
    for answer in (wrong_code, wrong_user, unknown):
        assert answer.status_code == 400
        assert "ชื่อผู้ใช้หรือรหัสคำเชิญไม่ถูกต้อง" in answer.text
        assert 'name="token"' not in answer.text


def test_an_expired_invitation_or_a_disabled_account_is_refused(
    app: Flask, admin_client: FlaskClient
) -> None:
    code = invitation_from(_create(admin_client))
    with new_session(app) as db:
        db.execute(update(StaffInvitation).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    assert "คำเชิญนี้หมดอายุแล้ว" in _open(app.test_client(), "somsak", code).text
    with new_session(app) as db:
        db.execute(update(StaffInvitation).values(expires_at=utcnow() + timedelta(minutes=5)))
        db.commit()
    assert _open(app.test_client(), "somsak", code).status_code == 200
    with new_session(app) as db:
        db.execute(update(StaffUser).where(StaffUser.username == "somsak").values(disabled=True))
        db.commit()
    assert _open(app.test_client(), "somsak", code).status_code == 400


def test_invitations_last_the_configured_days(app: Flask, admin_client: FlaskClient) -> None:
    _create(admin_client)
    with new_session(app) as db:
        stored = db.scalars(select(StaffInvitation)).one()
        assert stored.expires_at - stored.created_at == timedelta(days=app.config["INVITATION_DAYS"])


def test_a_step_token_expires_and_dies_with_use(app: Flask, admin_client: FlaskClient) -> None:
    code = invitation_from(_create(admin_client))
    person = app.test_client()
    opened = _open(person, "somsak", code)
    token = step_token_from(opened.text)
    with new_session(app) as db:
        db.execute(update(StaffInvitation).values(step_expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    data = {
        "csrf_token": csrf_token_from(opened.text),
        "token": token,
        "new_password": OWN_PASSWORD,
        "confirm": OWN_PASSWORD,
    }
    late = person.post("/staff/welcome/password", data=data)
    assert late.status_code == 400
    assert "หน้านี้หมดอายุแล้ว" in late.text
    forged = person.post("/staff/welcome/password", data={**data, "token": "x" * 43})
    assert forged.status_code == 400
    assert _user(app, "somsak").must_change_password  # nothing was set


def test_the_invitation_password_meets_the_floor(app: Flask, admin_client: FlaskClient) -> None:
    code = invitation_from(_create(admin_client, "malee", role_lead="y"))
    person = app.test_client()
    opened = _open(person, "malee", code)
    weak = "password1234"
    refused = person.post(
        "/staff/welcome/password",
        data={
            "csrf_token": csrf_token_from(opened.text),
            "token": step_token_from(opened.text),
            "new_password": weak,
            "confirm": weak,
        },
    )
    assert refused.status_code == 400
    assert "รหัสผ่านนี้เดาง่ายเกินไป" in refused.text
    assert step_token_from(refused.text)  # the person can try again on the same page
    assert _user(app, "malee").must_change_password


def test_the_authenticator_must_answer_before_the_account_is_ready(
    app: Flask, admin_client: FlaskClient
) -> None:
    code = invitation_from(_create(admin_client))
    person = app.test_client()
    opened = _open(person, "somsak", code)
    shown = person.post(
        "/staff/welcome/password",
        data={
            "csrf_token": csrf_token_from(opened.text),
            "token": step_token_from(opened.text),
            "new_password": OWN_PASSWORD,
            "confirm": OWN_PASSWORD,
        },
    )
    assert shown.status_code == 200
    assert "<svg" in shown.text
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', shown.text)
    assert found
    secret = found.group(1).replace(" ", "")
    data = {"csrf_token": csrf_token_from(shown.text), "token": step_token_from(shown.text)}
    wrong = person.post(
        "/staff/welcome/authenticator",
        data={**data, "totp": "000000" if totp_now(secret) != "000000" else "111111"},
    )
    assert wrong.status_code == 400
    assert "รหัสไม่ตรงกัน" in wrong.text
    assert secret in wrong.text.replace(" ", "")  # the same secret again, not a new one
    # Until the app answers, the account cannot log in: the password alone is not enough.
    assert staff_login(app.test_client(), "somsak", OWN_PASSWORD, secret).status_code == 400
    forget_used_totp(app, "somsak")
    confirmed = person.post("/staff/welcome/authenticator", data={**data, "totp": totp_now(secret)})
    assert confirmed.status_code == 302
    # The code typed at enrolment is spent; the log-in needs a later one.
    assert staff_login(app.test_client(), "somsak", OWN_PASSWORD, secret).status_code == 400
    assert staff_login(app.test_client(), "somsak", OWN_PASSWORD, secret, 1).status_code == 302
    with new_session(app) as db:
        assert db.scalars(select(StaffInvitation)).one().pending_totp_ciphertext is None


def test_a_password_reset_takes_nothing_until_the_person_uses_it(
    app: Flask, admin_client: FlaskClient, officer: str
) -> None:
    officer_id = _user(app, "officer1").id
    key_before = _user(app, "officer1").key_id
    printed = _action(admin_client, officer_id, "reset-password")
    code = invitation_from(printed)
    assert "one-time-password" not in printed
    # The old password, and the grant, still work until the invitation is used.
    assert staff_login(app.test_client(), "officer1", OFFICER_PASSWORD, officer).status_code == 302
    assert _user(app, "officer1").key_id == key_before
    assert use_invitation(app.test_client(), "officer1", code, OWN_PASSWORD) is None  # the phone stays
    forget_used_totp(app, "officer1")
    assert staff_login(app.test_client(), "officer1", OFFICER_PASSWORD, officer).status_code == 400
    forget_used_totp(app, "officer1")
    assert staff_login(app.test_client(), "officer1", OWN_PASSWORD, officer).status_code == 302
    after = _user(app, "officer1")
    assert after.key_id != key_before
    with new_session(app) as db:
        assert keys.held_kinds(db).get(after.id) is None  # the grant went with the old key
        assert db.scalars(select(KeyGrant).where(KeyGrant.user_id == after.id)).all()


def test_an_authenticator_reset_stops_the_old_codes_and_asks_for_the_password(
    app: Flask, admin_client: FlaskClient, officer: str
) -> None:
    officer_id = _user(app, "officer1").id
    code = invitation_from(_action(admin_client, officer_id, "reset-totp"))
    assert staff_login(app.test_client(), "officer1", OFFICER_PASSWORD, officer).status_code == 400
    person = app.test_client()
    opened = _open(person, "officer1", code)
    assert 'name="current_password"' in opened.text
    assert 'name="new_password"' not in opened.text
    wrong = person.post(
        "/staff/welcome/password",
        data={
            "csrf_token": csrf_token_from(opened.text),
            "token": step_token_from(opened.text),
            "current_password": "not the password at all",
        },
    )
    assert wrong.status_code == 400
    assert "รหัสผ่านไม่ถูกต้อง" in wrong.text
    assert "<svg" not in wrong.text
    key_before = _user(app, "officer1").key_id
    secret = use_invitation(app.test_client(), "officer1", code, OFFICER_PASSWORD, current=True)
    assert secret
    assert staff_login(app.test_client(), "officer1", OFFICER_PASSWORD, secret, 1).status_code == 302
    after = _user(app, "officer1")
    assert after.key_id == key_before  # the personal key, and so the grant, are untouched
    with new_session(app) as db:
        assert keys.held_kinds(db)[after.id] == {"unit"}


def test_a_second_reset_replaces_the_first_invitation_and_keeps_both_purposes(
    app: Flask, admin_client: FlaskClient, officer: str
) -> None:
    officer_id = _user(app, "officer1").id
    first = invitation_from(_action(admin_client, officer_id, "reset-password"))
    second = invitation_from(_action(admin_client, officer_id, "reset-totp"))
    assert _open(app.test_client(), "officer1", first).status_code == 400
    with new_session(app) as db:
        stored = db.scalars(select(StaffInvitation)).one()
        assert (stored.sets_password, stored.sets_totp) == (True, True)
    secret = use_invitation(app.test_client(), "officer1", second, OWN_PASSWORD)
    assert secret
    assert staff_login(app.test_client(), "officer1", OWN_PASSWORD, secret, 1).status_code == 302


def test_no_key_can_be_granted_to_an_account_before_its_person_sets_a_password(
    app: Flask, admin_client: FlaskClient
) -> None:
    invitation_from(_create(admin_client))
    with app.app_context(), new_session(app) as db:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        personal = keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params(app))
        unit = keys.active_org_key(db, keys.UNIT)
        assert unit is not None
        newcomer = db.scalars(select(StaffUser).where(StaffUser.username == "somsak")).one()
        with pytest.raises(keys.KeyringError, match="set their own password"):
            keys.grant_org_key(db, unit, keys.private_key_for(db, keys.UNIT, lead, personal), newcomer, lead)
        db.rollback()
        assert keys.held_kinds(db).get(newcomer.id) is None


def test_the_invitation_pages_are_limited_per_client(app: Flask, admin_client: FlaskClient) -> None:
    app.config["RATELIMIT_STAFF_INVITATION"] = "3 per hour"
    invitation_from(_create(admin_client))
    guesser = app.test_client()
    answers = [_open(guesser, "somsak", "AAAA-BBBB-CCCC-DDDD-EEEE").status_code for _ in range(4)]
    assert answers == [400, 400, 400, 429]


def test_codes_are_long_and_their_hash_is_keyed() -> None:
    code = invitations.new_code()
    assert len(code.replace("-", "")) == 20  # 20 symbols of 32: 100 bits
    assert invitations.code_digest(code, b"k" * 32) != invitations.code_digest(code, b"j" * 32)
    assert invitations.code_digest(code.lower().replace("-", " "), b"k" * 32) == invitations.code_digest(
        code, b"k" * 32
    )
