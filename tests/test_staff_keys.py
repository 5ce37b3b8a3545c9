"""Granting and re-granting the organisation keys: only holders pass them on, never to an
administrator, and an admin password reset leaves an officer unable to read until a lead
re-grants the unit key."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases
from complaints.db import new_session
from complaints.models import AuditEvent, Case, KeyGrant, StaffUser
from tests.conftest import (
    OFFICER_PASSWORD,
    approve_pending_reveals,
    create_staff,
    csrf_token_from,
    file_case,
    forget_used_totp,
    invitation_from,
    staff_login,
    use_invitation,
)

MARKER = "MARKER-กุญแจ-0b9e"


def _user_id(app: Flask, username: str) -> int:
    with new_session(app) as db:
        return db.scalars(select(StaffUser.id).where(StaffUser.username == username)).one()


def _grant(client: FlaskClient, user_id: int, kind: str = "unit") -> str:
    token = csrf_token_from(client.get("/staff/keys").text)
    response = client.post(
        "/staff/keys/grant",
        data={"csrf_token": token, "user_id": str(user_id), "kind": kind, "compared": "y"},
    )
    assert response.status_code == 302
    return client.get("/staff/keys").text


def test_admin_reset_then_lead_regrant(
    app: Flask, lead_client: FlaskClient, officer: str, officer_client: FlaskClient
) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    with new_session(app) as db:
        number = db.get_one(Case, case_id).number
    assert MARKER in officer_client.get(f"/staff/cases/{number}").text

    admin_secret = create_staff(app, "admin1", "admin")
    admin = app.test_client()
    assert staff_login(admin, "admin1", OFFICER_PASSWORD, admin_secret).status_code == 302
    officer_id = _user_id(app, "officer1")
    page = admin.get(f"/admin/users/{officer_id}")
    reset = admin.post(
        f"/admin/users/{officer_id}/reset-password", data={"csrf_token": csrf_token_from(page.text)}
    )
    assert reset.status_code == 200
    assert officer_client.get("/staff/").status_code == 302  # the reset ended the officer's sessions

    # The officer uses the printed invitation, sets their own password, and cannot read.
    new_password = "officer's own new password"
    assert use_invitation(app.test_client(), "officer1", invitation_from(reset.text), new_password) is None
    again = app.test_client()
    forget_used_totp(app, "officer1")
    assert staff_login(again, "officer1", new_password, officer).status_code == 302
    queue = again.get("/staff/")
    assert "คุณยังไม่มีกุญแจงานนิติการ" in queue.text
    assert number not in queue.text  # without the key not even the metadata is listed
    case_page = again.get(f"/staff/cases/{number}")
    assert case_page.status_code == 403
    assert MARKER not in case_page.text
    assert "ขอให้หัวหน้างานนิติการมอบกุญแจ" in case_page.text

    # The lead re-grants through the key-access page; the officer reads again at once.
    keys_page = lead_client.get("/staff/keys").text
    assert 'id="user-officer1"' in keys_page
    after = _grant(lead_client, officer_id)
    assert "มีกุญแจแล้ว" in after
    assert MARKER in again.get(f"/staff/cases/{number}").text
    with new_session(app) as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "key_granted")).one()
        assert event.detail == f"kind=unit user={officer_id} fingerprint_compared=yes"


def test_grants_are_refused_to_admins_unchanged_passwords_and_by_non_holders(
    app: Flask, lead_client: FlaskClient
) -> None:
    create_staff(app, "both", "officer", "admin")
    result = app.test_cli_runner().invoke(args=["users", "create", "newcomer", "--role", "officer"])
    assert result.exit_code == 0
    for username, message in [
        ("both", "บัญชีดังกล่าวไม่มีสิทธิ์ถือกุญแจนี้"),
        ("newcomer", "ต้องเข้าสู่ระบบและตั้งรหัสผ่านของตนเองก่อน"),
    ]:
        token = csrf_token_from(lead_client.get("/staff/keys").text)
        response = lead_client.post(
            "/staff/keys/grant",
            data={
                "csrf_token": token,
                "user_id": str(_user_id(app, username)),
                "kind": "unit",
                "compared": "y",
            },
            follow_redirects=True,
        )
        assert message in response.text, username
    lead_id = _user_id(app, "lead")
    with new_session(app) as db:
        assert set(db.scalars(select(KeyGrant.user_id))) == {lead_id}


def test_an_officer_cannot_grant_and_a_lead_without_the_key_cannot_either(
    app: Flask, client: FlaskClient
) -> None:
    secret = create_staff(app, "lead2", "lead", "officer")
    create_staff(app, "officer2", "officer")
    assert staff_login(client, "lead2", OFFICER_PASSWORD, secret).status_code == 302
    page = client.get("/staff/keys")
    assert page.status_code == 200
    assert "มอบกุญแจ</button>" not in page.text
    token = csrf_token_from(page.text)
    response = client.post(
        "/staff/keys/grant",
        data={
            "csrf_token": token,
            "user_id": str(_user_id(app, "officer2")),
            "kind": "unit",
            "compared": "y",
        },
        follow_redirects=True,
    )
    assert "คุณไม่สามารถมอบกุญแจที่คุณไม่มีได้" in response.text
    officer2 = _user_id(app, "officer2")
    with new_session(app) as db:
        assert db.scalars(select(KeyGrant).where(KeyGrant.user_id == officer2)).all() == []


def test_officers_cannot_open_the_key_page(officer_client: FlaskClient) -> None:
    assert officer_client.get("/staff/keys").status_code == 403


def test_custodian_grants_the_custodian_key(app: Flask, lead_client: FlaskClient) -> None:
    secret = create_staff(app, "keeper2", "custodian", "officer")
    keeper_id = _user_id(app, "keeper2")
    after = _grant(lead_client, keeper_id, "custodian")
    assert 'id="user-keeper2"' in after
    identity = cases.ReporterIdentity(name="ชื่อลับของผู้แจ้ง")
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER), identity=identity)
    keeper = app.test_client()
    assert staff_login(keeper, "keeper2", OFFICER_PASSWORD, secret).status_code == 302
    with new_session(app) as db:
        number = db.get_one(Case, case_id).number
    page = f"/staff/cases/{number}"
    token = csrf_token_from(lead_client.get(page).text)
    asked = lead_client.post(f"{page}/reveal", data={"csrf_token": token, "reason": "reporter_consent"})
    assert asked.status_code == 302
    assert "ชื่อลับของผู้แจ้ง" not in lead_client.get(page).text
    # The custodian key alone is enough to approve: the custodian never needs to read the case.
    assert keeper.get(page).status_code == 403
    assert approve_pending_reveals(app, keeper) == 1
    assert "ชื่อลับของผู้แจ้ง" in lead_client.get(page).text


def test_a_grant_needs_the_fingerprint_compared_in_person(
    app: Flask, lead_client: FlaskClient, client: FlaskClient
) -> None:
    """Issue 9, finding 4: whoever completed an account's first log-in, the lead compares the key
    fingerprint the person sees on their own screen before granting, and the grant records it."""
    from complaints import pins

    secret = create_staff(app, "newofficer", "officer")
    assert staff_login(client, "newofficer", OFFICER_PASSWORD, secret).status_code == 302
    own_view = client.get("/staff/").text
    user_id = _user_id(app, "newofficer")
    with new_session(app) as db:
        fingerprint = pins.spoken_fingerprint(db.get_one(StaffUser, user_id).public_key)
    assert fingerprint in own_view  # the person reads it out from their own screen ...
    assert fingerprint in lead_client.get("/staff/keys").text  # ... and the lead compares
    token = csrf_token_from(lead_client.get("/staff/keys").text)
    skipped = lead_client.post(
        "/staff/keys/grant",
        data={"csrf_token": token, "user_id": str(user_id), "kind": "unit"},
        follow_redirects=True,
    )
    assert "กรุณาเทียบลายนิ้วมือกุญแจ" in skipped.text
    with new_session(app) as db:
        assert db.scalars(select(KeyGrant).where(KeyGrant.user_id == user_id)).all() == []
    _grant(lead_client, user_id)
    with new_session(app) as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "key_granted")).one()
        assert event.detail.endswith("fingerprint_compared=yes")


def test_a_lead_revokes_a_leavers_keys_and_sessions_in_one_step(
    app: Flask, lead_client: FlaskClient, officer_client: FlaskClient
) -> None:
    """Issue 9 (offboarding): someone leaves or loses a laptop."""
    officer_id = _user_id(app, "officer1")
    assert officer_client.get("/staff/").status_code == 200
    page = lead_client.get("/staff/keys").text
    unconfirmed = {"csrf_token": csrf_token_from(page), "user_id": str(officer_id)}
    lead_client.post("/staff/keys/revoke", data=unconfirmed)
    with new_session(app) as db:
        assert db.scalars(select(KeyGrant).where(KeyGrant.user_id == officer_id)).all() != []
    done = lead_client.post("/staff/keys/revoke", data={**unconfirmed, "confirm": "y"}, follow_redirects=True)
    assert "flask --app wsgi keys recover" in done.text
    with new_session(app) as db:
        assert db.scalars(select(KeyGrant).where(KeyGrant.user_id == officer_id)).all() == []
        revoked = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_revoked")).one()
        assert revoked.detail.startswith(f"user={officer_id} sessions=")
    assert officer_client.get("/staff/").status_code == 302  # logged out everywhere
    lead_id = _user_id(app, "lead")
    token = csrf_token_from(lead_client.get("/staff/keys").text)
    refused = lead_client.post(
        "/staff/keys/revoke",
        data={"csrf_token": token, "user_id": str(lead_id), "confirm": "y"},
        follow_redirects=True,
    )
    assert "บัญชีดังกล่าวไม่มีสิทธิ์ถือกุญแจนี้" in refused.text  # nobody revokes themself
    with new_session(app) as db:
        assert db.scalars(select(KeyGrant).where(KeyGrant.user_id == lead_id)).all() != []


def test_revoking_the_last_holder_of_a_key_is_refused(app: Flask, client: FlaskClient) -> None:
    from tests.conftest import grant_unit_key

    secret = create_staff(app, "lead2", "lead", "officer")
    grant_unit_key(app, "lead2")
    assert staff_login(client, "lead2", OFFICER_PASSWORD, secret).status_code == 302
    lead_id = _user_id(app, "lead")  # the only holder of the custodian key
    token = csrf_token_from(client.get("/staff/keys").text)
    refused = client.post(
        "/staff/keys/revoke",
        data={"csrf_token": token, "user_id": str(lead_id), "confirm": "y"},
        follow_redirects=True,
    )
    assert "กรุณามอบกุญแจให้เพื่อนร่วมงานก่อน" in refused.text
    with new_session(app) as db:
        assert db.scalars(select(KeyGrant).where(KeyGrant.user_id == lead_id)).all() != []
