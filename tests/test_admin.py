"""Administration: accounts (create, disable, reset password or 2FA, unlock), the audit log with
its chain status, settings — and never any report content, identity or file name."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from complaints import cases, settings
from complaints.dates import today, utcnow
from complaints.db import new_session
from complaints.models import AuditEvent, Case, KeyGrant, StaffSession, StaffUser
from tests.conftest import (
    LEAD_PASSWORD,
    OFFICER_PASSWORD,
    approve_pending_reveals,
    create_staff,
    csrf_token_from,
    custodian_client,
    file_case_with_files,
    forget_used_totp,
    invitation_from,
    staff_login,
    use_invitation,
)

MARKERS = {
    "description": "MARKER-DESC-1f",
    "accused": "MARKER-ผู้ถูกร้อง-2f",
    "identity": "MARKER-ตัวตน-3f",
    "phone": "0899990001",
    "file": "MARKER-ไฟล์-4f.pdf",
    "reporter_message": "MARKER-ข้อความ-5f",
    "reply": "MARKER-ตอบ-6f",
    "note": "MARKER-บันทึก-7f",
    "step_note": "MARKER-ขั้นตอน-8f",
    "reference": "MARKER-9f/2569",
}


@pytest.fixture
def admin_secret(app: Flask) -> str:
    return create_staff(app, "admin1", "admin")


@pytest.fixture
def admin_client(app: Flask, admin_secret: str) -> FlaskClient:
    client = app.test_client()
    assert staff_login(client, "admin1", OFFICER_PASSWORD, admin_secret).status_code == 302
    return client


def _user(app: Flask, username: str) -> StaffUser:
    with new_session(app) as db:
        return db.scalars(select(StaffUser).where(StaffUser.username == username)).one()


def _action(client: FlaskClient, user_id: int, action: str) -> tuple[int, str]:
    token = csrf_token_from(client.get(f"/admin/users/{user_id}").text)
    response = client.post(f"/admin/users/{user_id}/{action}", data={"csrf_token": token})
    return response.status_code, response.text


def test_admin_creates_an_account_shown_once(app: Flask, admin_client: FlaskClient) -> None:
    form = admin_client.get("/admin/users/new")
    token = csrf_token_from(form.text)
    bad = admin_client.post(
        "/admin/users/new", data={"csrf_token": token, "username": "Bad Name!", "role_officer": "y"}
    )
    assert bad.status_code == 400
    assert "ใช้ตัวอักษรภาษาอังกฤษพิมพ์เล็ก" in bad.text
    no_role = admin_client.post("/admin/users/new", data={"csrf_token": token, "username": "somsak"})
    assert "กรุณาเลือกบทบาทอย่างน้อยหนึ่งบทบาท" in no_role.text
    created = admin_client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "username": "somsak",
            "display_name": "สมศักดิ์ ใจดี",
            "email": "somsak@example.go.th",
            "role_officer": "y",
        },
    )
    assert created.status_code == 200
    code = invitation_from(created.text)
    assert "<svg" not in created.text  # no authenticator QR for the admin: the person scans their own
    assert "เทียบลายนิ้วมือกุญแจของคุณ" in created.text
    taken = admin_client.post(
        "/admin/users/new", data={"csrf_token": token, "username": "somsak", "role_officer": "y"}
    )
    assert "ชื่อผู้ใช้นี้มีอยู่แล้ว" in taken.text
    user = _user(app, "somsak")
    assert (user.role_set, user.display_name, user.email, user.must_change_password) == (
        {"officer"},
        "สมศักดิ์ ใจดี",
        "somsak@example.go.th",
        True,
    )
    newcomer = app.test_client()
    secret = use_invitation(newcomer, "somsak", code, "สมศักดิ์ตั้งรหัสผ่านเองที่บ้านริมน้ำ 2569")
    assert secret
    assert staff_login(newcomer, "somsak", "สมศักดิ์ตั้งรหัสผ่านเองที่บ้านริมน้ำ 2569", secret, 1).status_code == 302


def test_disable_ends_sessions_and_refuses_login_until_enabled(
    app: Flask, admin_client: FlaskClient, officer: str, officer_client: FlaskClient
) -> None:
    officer_id = _user(app, "officer1").id
    assert _action(admin_client, officer_id, "disable")[0] == 302
    assert officer_client.get("/staff/").status_code == 302
    with new_session(app) as db:
        assert db.scalars(select(StaffSession).where(StaffSession.user_id == officer_id)).all() == []
    forget_used_totp(app, "officer1")
    refused = staff_login(app.test_client(), "officer1", OFFICER_PASSWORD, officer)
    assert "บัญชีนี้ถูกระงับการใช้งาน" in refused.text
    assert _action(admin_client, officer_id, "enable")[0] == 302
    forget_used_totp(app, "officer1")
    assert staff_login(app.test_client(), "officer1", OFFICER_PASSWORD, officer).status_code == 302


def test_admin_cannot_disable_themself(app: Flask, admin_client: FlaskClient) -> None:
    admin_id = _user(app, "admin1").id
    token = csrf_token_from(admin_client.get(f"/admin/users/{admin_id}").text)
    response = admin_client.post(
        f"/admin/users/{admin_id}/disable", data={"csrf_token": token}, follow_redirects=True
    )
    assert "คุณไม่สามารถระงับบัญชีของตนเองได้" in response.text
    assert not _user(app, "admin1").disabled


def test_reset_totp_replaces_the_secret(app: Flask, admin_client: FlaskClient, officer: str) -> None:
    officer_id = _user(app, "officer1").id
    status, page = _action(admin_client, officer_id, "reset-totp")
    assert status == 200
    assert "totp-secret" not in page
    assert staff_login(app.test_client(), "officer1", OFFICER_PASSWORD, officer).status_code == 400
    secret = use_invitation(
        app.test_client(), "officer1", invitation_from(page), OFFICER_PASSWORD, current=True
    )
    assert secret
    assert secret != officer
    assert staff_login(app.test_client(), "officer1", OFFICER_PASSWORD, secret, 1).status_code == 302


def test_unlock_lifts_a_lockout(app: Flask, admin_client: FlaskClient, officer: str) -> None:
    officer_id = _user(app, "officer1").id
    with new_session(app) as db:
        db.execute(
            update(StaffUser)
            .where(StaffUser.id == officer_id)
            .values(locked_until=utcnow().replace(year=2999))
        )
        db.commit()
    assert "ถูกล็อกเนื่องจากเข้าสู่ระบบไม่สำเร็จ" in admin_client.get("/admin/").text
    assert staff_login(app.test_client(), "officer1", OFFICER_PASSWORD, officer).status_code == 400
    assert _action(admin_client, officer_id, "unlock")[0] == 302
    assert staff_login(app.test_client(), "officer1", OFFICER_PASSWORD, officer, 1).status_code == 302


def _verify_on_the_page(admin_client: FlaskClient) -> str:
    token = csrf_token_from(admin_client.get("/admin/audit").text)
    response = admin_client.post("/admin/audit/verify", data={"csrf_token": token})
    assert response.status_code == 200
    return response.text


def test_audit_page_verifies_the_chain_on_request(app: Flask, admin_client: FlaskClient) -> None:
    page = admin_client.get("/admin/audit")
    assert page.status_code == 200
    assert "เข้าสู่ระบบ" in page.text
    assert "admin1" in page.text
    assert 'id="chain-status"' not in page.text  # reading the page does not walk the whole chain
    assert "ห่วงโซ่ของบันทึกสมบูรณ์" in _verify_on_the_page(admin_client)
    with new_session(app) as db:
        first = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
        assert first is not None
        first.detail = "rewritten"
        db.commit()
    altered = _verify_on_the_page(admin_client)
    assert "บันทึกการใช้งานถูกแก้ไข" in altered
    assert "ห่วงโซ่ของบันทึกสมบูรณ์" not in altered
    assert admin_client.post("/admin/audit/verify").status_code == 400  # no token, no work (and logged out)


def test_settings_show_no_secrets(app: Flask, admin_client: FlaskClient) -> None:
    page = admin_client.get("/admin/settings")
    assert page.status_code == 200
    assert app.config["MUNICIPALITY_NAME_TH"] in page.text
    for name in ("SECRET_KEY", "RECEIPT_LOOKUP_SECRET", "SERVER_DATA_SECRET"):
        assert str(app.config[name]) not in page.text


def test_other_roles_cannot_open_admin_pages(officer_client: FlaskClient, lead_client: FlaskClient) -> None:
    for client in (officer_client, lead_client):
        assert client.get("/admin/").status_code == 403
        assert client.get("/admin/audit").status_code == 403


def _fill_case_with_markers(app: Flask, lead_client: FlaskClient) -> tuple[str, str]:
    content = cases.ReportContent(description=MARKERS["description"], accused_name=MARKERS["accused"])
    identity = cases.ReporterIdentity(name=MARKERS["identity"], phone=MARKERS["phone"])
    case_id, receipt = file_case_with_files(app, content, [(MARKERS["file"], b"evidence")], identity=identity)
    with app.app_context(), new_session(app) as db:
        case, reporter_keys = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
        cases.add_message(
            db, case, reporter_keys.content, cases.REPORTER, MARKERS["reporter_message"], today()
        )
        number = case.number
        uid = cases.attachments_of(db, case)[0].uid
        db.commit()
    page = f"/staff/cases/{number}"
    token = csrf_token_from(lead_client.get(page).text)
    for action, data in [
        ("reply", {"body": MARKERS["reply"]}),
        ("notes", {"body": MARKERS["note"]}),
        (
            "steps/start_screening",
            {"start_screening-event_on": today().isoformat(), "start_screening-note": MARKERS["step_note"]},
        ),
        ("reveal", {"reason": "court_order", "reference": MARKERS["reference"]}),
    ]:
        assert lead_client.post(f"{page}/{action}", data={"csrf_token": token, **data}).status_code in (
            200,
            302,
        )
    assert approve_pending_reveals(app, custodian_client(app)) == 1
    assert MARKERS["identity"] in lead_client.get(page).text  # the lead asked, so the lead sees it
    assert lead_client.get(f"{page}/files/{uid}").status_code == 200
    return number, uid


def _every_get_url(app: Flask, number: str, uid: str, user_ids: list[int]) -> list[str]:
    """Every GET page of the staff and admin blueprints, with real arguments filled in."""
    urls: list[str] = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("staff.", "admin.")) or "GET" not in (rule.methods or set()):
            continue
        values = {"number": number, "uid": uid}
        if "fmt" in rule.arguments:
            urls += [rule.build({"fmt": fmt})[1] for fmt in ("csv", "json", "xlsx")]  # type: ignore[index]  # (host, path)
            continue
        if "user_id" in rule.arguments:
            urls += [rule.build({"user_id": user_id})[1] for user_id in user_ids]  # type: ignore[index]  # MapAdapter.build returns (host, path)
            continue
        built = rule.build({name: values[name] for name in rule.arguments})
        assert built is not None
        urls.append(built[1])
    return urls


def test_admin_sees_no_content_on_any_page(
    app: Flask, lead_client: FlaskClient, admin_client: FlaskClient
) -> None:
    number, uid = _fill_case_with_markers(app, lead_client)
    with new_session(app) as db:
        user_ids = list(db.scalars(select(StaffUser.id)))
        admin_id = db.scalars(select(StaffUser.id).where(StaffUser.username == "admin1")).one()
        assert db.scalars(select(KeyGrant).where(KeyGrant.user_id == admin_id)).all() == []
    urls = _every_get_url(app, number, uid, user_ids)
    assert {"/admin/", "/admin/audit", "/admin/settings", f"/staff/cases/{number}", "/staff/"} <= set(urls)
    pages: dict[str, str] = {}
    for url in urls + ["/admin/audit?before=999999"]:
        response = admin_client.get(url)
        assert response.status_code in (200, 302, 403), url
        raw = response.get_data()
        body = raw.decode("utf-8", errors="replace")
        pages[url] = body
        for name, marker in MARKERS.items():
            assert marker.encode() not in raw, f"{name} leaked on {url}"
    # The workspace's home address sends an admin to their own pages; staff pages refuse them.
    home = admin_client.get("/staff/")
    assert (home.status_code, home.headers["Location"]) == (302, "/admin/")
    for url in (
        f"/staff/cases/{number}",
        f"/staff/cases/{number}/files/{uid}",
        "/staff/intake",
        "/staff/keys",
        "/staff/reveals",
    ):
        assert admin_client.get(url).status_code == 403, url
    verified = _verify_on_the_page(admin_client)
    assert "ห่วงโซ่ของบันทึกสมบูรณ์" in verified
    for name, marker in MARKERS.items():
        assert marker not in verified, f"{name} leaked on the verified audit page"
    assert number in pages["/admin/audit"]  # case numbers are metadata, shown in the audit log
    # The lead, who holds the keys, does see the markers (the walk could fail).
    lead_view = lead_client.get(f"/staff/cases/{number}").text
    for name in ("description", "identity", "phone", "reference"):
        assert MARKERS[name] in lead_view, name
    assert "/staff/reveals" in urls
    assert LEAD_PASSWORD not in "".join(pages.values())


def test_audit_log_of_case_work_holds_no_content(app: Flask, lead_client: FlaskClient) -> None:
    _fill_case_with_markers(app, lead_client)
    with new_session(app) as db:
        details = " ".join(f"{row.action} {row.detail}" for row in db.scalars(select(AuditEvent)))
        numbers = list(db.scalars(select(Case.number)))
    for marker in MARKERS.values():
        assert marker not in details
    assert numbers
    for action in (
        "case_viewed",
        "message_sent",
        "note_added",
        "procedure_step",
        "identity_reveal_requested",
        "identity_reveal_approved",
        "identity_viewed",
        "attachment_downloaded",
    ):
        assert action in details
