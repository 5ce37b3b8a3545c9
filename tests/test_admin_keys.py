"""No administrator action leaves the legal unit key or the custodian key with nobody able to use
it without a confirmation that names the consequence and the recovery command; the key pages warn
while a key has fewer than two holders; and editing an account's roles is audited and never
grants a key."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from complaints import keys
from complaints.dates import utcnow
from complaints.db import new_session
from complaints.models import AuditEvent, KeyGrant, StaffInvitation, StaffUser
from complaints.workspace import holders
from tests.conftest import (
    OFFICER_PASSWORD,
    create_custodian,
    create_staff,
    csrf_token_from,
    forget_used_totp,
    grant_unit_key,
    invitation_from,
    staff_login,
    use_invitation,
)

RECOVER = "flask --app wsgi keys recover"
CONFIRM_TITLE = "จะไม่มีผู้ใดใช้กุญแจได้"


def _id(app: Flask, username: str) -> int:
    with new_session(app) as db:
        return db.scalars(select(StaffUser.id).where(StaffUser.username == username)).one()


def _post(client: FlaskClient, user_id: int, action: str, **extra: str) -> tuple[int, str]:
    token = csrf_token_from(client.get(f"/admin/users/{user_id}").text)
    response = client.post(f"/admin/users/{user_id}/{action}", data={"csrf_token": token, **extra})
    return response.status_code, response.text


def _roles(client: FlaskClient, user_id: int, *roles: str, **extra: str) -> tuple[int, str]:
    return _post(client, user_id, "roles", **{f"role_{role}": "y" for role in roles}, **extra)


def _holders(app: Flask) -> dict[str, frozenset[int]]:
    with new_session(app) as db:
        return holders.holders(db, utcnow())


def _audit(app: Flask, action: str) -> list[str]:
    with new_session(app) as db:
        return list(db.scalars(select(AuditEvent.detail).where(AuditEvent.action == action)))


def _invitations(app: Flask) -> int:
    with new_session(app) as db:
        return len(db.scalars(select(StaffInvitation)).all())


def _grants_of(app: Flask, username: str) -> set[str]:
    user_id = _id(app, username)
    with new_session(app) as db:
        return keys.held_kinds(db).get(user_id, set())


def test_the_only_holders_password_reset_needs_a_confirmation_naming_the_way_back(
    app: Flask, admin_client: FlaskClient, lead_client: FlaskClient
) -> None:
    lead = _id(app, "lead")  # init made the lead the only holder of both keys
    status, page = _post(admin_client, lead, "reset-password")
    assert status == 409
    assert CONFIRM_TITLE in page
    assert "เป็นเพียงคนเดียวที่ใช้กุญแจผู้เก็บรักษาได้" in page
    assert "เป็นเพียงคนเดียวที่ใช้กุญแจงานนิติการได้" in page
    assert f"{RECOVER} USERNAME" in page
    assert 'name="confirm"' in page
    # Nothing happened yet: no invitation, no audit entry, the lead is still logged in and holds both.
    assert _invitations(app) == 0
    assert _audit(app, "password_reset") == []
    assert lead_client.get("/staff/").status_code == 200
    assert _holders(app) == {"unit": {lead}, "custodian": {lead}}
    # Sent again from the confirmation page without the box ticked: asked again, with an error.
    status, page = _post(admin_client, lead, "reset-password", asked="y")
    assert (status, _invitations(app)) == (409, 0)
    assert "กรุณาทำเครื่องหมายเพื่อยืนยัน" in page
    status, page = _post(admin_client, lead, "reset-password", asked="y", confirm="y")
    assert status == 200
    invitation_from(page)
    assert "ขณะนี้ไม่มีผู้ใดใช้กุญแจผู้เก็บรักษาได้" in page  # the printout page says what now
    assert f"{RECOVER} lead" in page
    assert _audit(app, "password_reset") == [f"user={lead} keys_left_without_holder=custodian,unit"]
    assert _holders(app) == {"unit": frozenset(), "custodian": frozenset()}


def test_with_a_second_holder_the_reset_goes_through_at_once(
    app: Flask, admin_client: FlaskClient, officer: str
) -> None:
    create_custodian(app, "keeper")  # a second custodian-key holder; officer1 a second unit-key holder
    lead = _id(app, "lead")
    assert _holders(app) == {"unit": {lead, _id(app, "officer1")}, "custodian": {lead, _id(app, "keeper")}}
    status, page = _post(admin_client, lead, "reset-password")
    assert status == 200
    invitation_from(page)
    assert CONFIRM_TITLE not in page
    assert 'id="key-unheld"' not in page
    assert _audit(app, "password_reset") == [f"user={lead}"]
    # The lead no longer counts (their printed reset waits); the others still hold the keys, so
    # resetting the last of them is the one that asks.
    assert _holders(app) == {"unit": {_id(app, "officer1")}, "custodian": {_id(app, "keeper")}}
    assert _post(admin_client, _id(app, "keeper"), "reset-password")[0] == 409


def test_a_confirmed_reset_leads_to_the_recovery_command_and_it_works(
    app: Flask, admin_client: FlaskClient
) -> None:
    lead = _id(app, "lead")
    status, page = _post(admin_client, lead, "reset-password", asked="y", confirm="y")
    assert status == 200
    new_password = "the lead's own new long password 2569"
    assert use_invitation(app.test_client(), "lead", invitation_from(page), new_password) is None
    client = app.test_client()
    forget_used_totp(app, "lead")
    assert staff_login(client, "lead", new_password, app.config["TEST_LEAD_TOTP_SECRET"]).status_code == 302
    queue = client.get("/staff/").text  # no dead end: the page names the way back, for this account
    assert "ขณะนี้ไม่มีผู้ใดใช้กุญแจงานนิติการได้" in queue
    assert f"{RECOVER} lead" in queue
    result = app.test_cli_runner().invoke(
        args=["keys", "recover", "lead"], input=app.config["TEST_RECOVERY_CODE"] + "\n"
    )
    assert result.exit_code == 0, result.output
    assert _holders(app) == {"unit": {lead}, "custodian": {lead}}
    assert "ขณะนี้ไม่มีผู้ใดใช้" not in client.get("/staff/").text


def test_disabling_the_last_holder_needs_confirming_and_enabling_gives_the_key_back(
    app: Flask, admin_client: FlaskClient, lead_client: FlaskClient
) -> None:
    lead = _id(app, "lead")
    status, page = _post(admin_client, lead, "disable")
    assert status == 409
    assert "เมื่อเปิดใช้บัญชีอีกครั้งก็จะใช้ได้ตามเดิม" in page
    with new_session(app) as db:
        assert not db.get_one(StaffUser, lead).disabled
    assert _post(admin_client, lead, "disable", asked="y", confirm="y")[0] == 302
    assert _holders(app) == {"unit": frozenset(), "custodian": frozenset()}
    assert _audit(app, "user_disabled") == [f"user={lead} keys_left_without_holder=custodian,unit"]
    assert _post(admin_client, lead, "enable")[0] == 302
    assert _holders(app) == {"unit": {lead}, "custodian": {lead}}


def test_a_two_step_code_reset_keeps_the_key_unless_it_renews_a_password_reset(
    app: Flask, admin_client: FlaskClient
) -> None:
    lead = _id(app, "lead")
    status, page = _post(admin_client, lead, "reset-totp")  # the personal key stays
    assert status == 200
    invitation_from(page)
    assert _holders(app)["custodian"] == {lead}
    # An expired password reset is folded into the next invitation, which would replace the key.
    with new_session(app) as db:
        db.execute(
            update(StaffInvitation).values(sets_password=True, expires_at=utcnow() - timedelta(days=1))
        )
        db.commit()
    assert _holders(app)["custodian"] == {lead}  # an expired invitation cannot be used: the key is still held
    assert _post(admin_client, lead, "reset-totp")[0] == 409


def test_the_key_pages_warn_while_a_key_has_fewer_than_two_holders(
    app: Flask, admin_client: FlaskClient, lead_client: FlaskClient
) -> None:
    keys_page = lead_client.get("/staff/keys").text
    assert 'id="thin-unit"' in keys_page
    assert 'id="thin-custodian"' in keys_page
    assert "มีเพียงคนเดียวที่ใช้กุญแจผู้เก็บรักษาได้ คือ lead" in keys_page
    assert "กรุณามอบกุญแจให้เพื่อนร่วมงานอีกคนหนึ่งด้านล่าง" in keys_page  # the lead can grant both
    accounts = admin_client.get("/admin/").text
    assert "มีเพียงคนเดียวที่ใช้กุญแจผู้เก็บรักษาได้" in accounts
    assert (
        'class="notice notice-warn sole-holder"' in admin_client.get(f"/admin/users/{_id(app, 'lead')}").text
    )
    create_custodian(app, "keeper")
    keys_page = lead_client.get("/staff/keys").text
    assert 'id="thin-custodian"' not in keys_page
    assert 'id="thin-unit"' in keys_page
    create_staff(app, "officer2", "officer")
    grant_unit_key(app, "officer2")
    assert 'id="thin-' not in lead_client.get("/staff/keys").text
    assert 'id="thin-' not in admin_client.get("/admin/").text
    assert "sole-holder" not in admin_client.get(f"/admin/users/{_id(app, 'lead')}").text


def test_editing_roles_is_audited_and_never_grants_a_key(app: Flask, admin_client: FlaskClient) -> None:
    secret = create_staff(app, "somsak", "officer")
    somsak = _id(app, "somsak")
    page = admin_client.get(f"/admin/users/{somsak}").text
    assert re.search(r'<input checked id="role_officer"', page)  # the current roles, ticked
    assert not re.search(r'<input checked id="role_lead"', page)
    status, _page = _roles(admin_client, somsak, "officer", "lead", "custodian")
    assert status == 302
    with new_session(app) as db:
        assert db.get_one(StaffUser, somsak).role_set == {"officer", "lead", "custodian"}
        assert db.scalars(select(KeyGrant).where(KeyGrant.user_id == somsak)).all() == []
    assert _audit(app, "user_roles_changed") == [
        f"user={somsak} from=officer to=custodian,lead,officer keys_taken_back=-"
    ]
    client = app.test_client()
    assert staff_login(client, "somsak", OFFICER_PASSWORD, secret).status_code == 302
    assert "คุณยังไม่มีกุญแจงานนิติการ" in client.get("/staff/").text
    assert "คุณยังไม่มีกุญแจผู้เก็บรักษา" in client.get("/staff/reveals").text
    assert client.get("/staff/keys").status_code == 200  # a lead's page, with nothing to grant
    assert "มอบกุญแจ</button>" not in client.get("/staff/keys").text


def test_taking_a_role_away_takes_its_key_back_and_giving_it_again_does_not_return_it(
    app: Flask, admin_client: FlaskClient
) -> None:
    create_custodian(app, "keeper")  # the lead holds the custodian key too: no confirmation needed
    keeper = _id(app, "keeper")
    assert _grants_of(app, "keeper") == {"custodian"}
    assert _roles(admin_client, keeper, "officer")[0] == 302
    assert _grants_of(app, "keeper") == set()
    assert _roles(admin_client, keeper, "custodian")[0] == 302
    assert _grants_of(app, "keeper") == set()
    assert _audit(app, "user_roles_changed") == [
        f"user={keeper} from=custodian to=officer keys_taken_back=custodian",
        f"user={keeper} from=officer to=custodian keys_taken_back=-",
    ]


def test_taking_the_last_holders_role_away_needs_confirming(app: Flask, admin_client: FlaskClient) -> None:
    lead = _id(app, "lead")
    status, page = _roles(admin_client, lead, "lead", "officer")
    assert status == 409
    assert "เป็นเพียงคนเดียวที่ใช้กุญแจผู้เก็บรักษาได้" in page
    assert "งานนิติการได้" not in page.split('id="key-loss"')[1].split("</div>")[0]  # the unit key stays
    assert 'name="role_lead" value="y"' in page  # the chosen roles travel with the confirmation
    with new_session(app) as db:
        assert db.get_one(StaffUser, lead).role_set == {"lead", "officer", "custodian"}
    assert _grants_of(app, "lead") == {"unit", "custodian"}
    assert _roles(admin_client, lead, "lead", "officer", asked="y", confirm="y")[0] == 302
    assert _grants_of(app, "lead") == {"unit"}
    assert _audit(app, "user_roles_changed") == [
        f"user={lead} from=custodian,lead,officer to=lead,officer keys_taken_back=custodian "
        "keys_left_without_holder=custodian"
    ]
    # Making the key holder an administrator too would take every key: asked first as well.
    assert _roles(admin_client, lead, "lead", "officer", "admin")[0] == 409


@pytest.mark.parametrize(
    ("roles", "message"), [((), "กรุณาเลือกบทบาทอย่างน้อยหนึ่งบทบาท"), (("officer",), "ถอดบทบาทผู้ดูแลระบบ")]
)
def test_an_admin_keeps_a_role_and_their_own_admin_role(
    app: Flask, admin_client: FlaskClient, roles: tuple[str, ...], message: str
) -> None:
    me = _id(app, "admin1")
    token = csrf_token_from(admin_client.get(f"/admin/users/{me}").text)
    response = admin_client.post(
        f"/admin/users/{me}/roles",
        data={"csrf_token": token, **{f"role_{role}": "y" for role in roles}},
        follow_redirects=True,
    )
    assert message in response.text
    with new_session(app) as db:
        assert db.get_one(StaffUser, me).role_set == {"admin"}
    assert _audit(app, "user_roles_changed") == []


def test_only_an_admin_edits_roles(app: Flask, lead_client: FlaskClient) -> None:
    secret = create_staff(app, "somsak", "officer")
    assert secret
    somsak = _id(app, "somsak")
    token = csrf_token_from(lead_client.get("/staff/keys").text)
    response = lead_client.post(f"/admin/users/{somsak}/roles", data={"csrf_token": token, "role_lead": "y"})
    assert response.status_code == 403
    with new_session(app) as db:
        assert db.get_one(StaffUser, somsak).role_set == {"officer"}
