"""Staff-side security: stored XSS renders escaped, every form refuses a POST without its CSRF
token (the CSRF page, nothing changed) while the same POST with the token does change — except
log-out, which needs none — and numbers in URLs and forms never cause a server error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases, settings
from complaints.dates import today
from complaints.db import new_session
from complaints.models import Base, Case, CaseExclusion, StaffUser
from complaints.numbers import whole_number
from tests.conftest import (
    LEAD_PASSWORD,
    OFFICER_PASSWORD,
    approve_pending_reveals,
    create_staff,
    csrf_token_from,
    custodian_client,
    file_case,
    file_case_with_files,
    forget_used_totp,
    grant_unit_key,
    staff_login,
    totp_now,
)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
THAI = "ภาษาไทยทดสอบ ๑๒๓"
PAYLOAD = f"{SCRIPT} {IMG} {THAI}"


def _assert_escaped(html: str) -> None:
    assert "<script" not in html  # the app serves no script at all, so any is an injection
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html or "&quot;&gt;&lt;img" in html
    assert THAI in html


def test_stored_xss_renders_escaped_on_every_staff_page(app: Flask, lead_client: FlaskClient) -> None:
    content = cases.ReportContent(**{name: PAYLOAD for name in cases.ReportContent.__dataclass_fields__})
    identity = cases.ReporterIdentity(name=PAYLOAD, phone=PAYLOAD, email=PAYLOAD)
    case_id, receipt = file_case_with_files(app, content, [(f"{IMG}{THAI}.pdf", b"data")], identity=identity)
    with app.app_context(), new_session(app) as db:
        case, reporter_keys = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
        cases.add_message(db, case, reporter_keys.content, cases.REPORTER, PAYLOAD, today())
        number = case.number
        db.commit()
    page = f"/staff/cases/{number}"
    token = csrf_token_from(lead_client.get(page).text)
    for action, data in [
        ("notes", {"body": PAYLOAD}),
        ("reply", {"body": PAYLOAD}),
        (
            "steps/start_screening",
            {
                "start_screening-event_on": today().isoformat(),
                "start_screening-note": PAYLOAD,
                "start_screening-order_number": IMG,
            },
        ),
    ]:
        assert lead_client.post(f"{page}/{action}", data={"csrf_token": token, **data}).status_code == 302
    case_html = lead_client.get(page).text
    _assert_escaped(case_html)
    assert case_html.count(THAI) >= 9 + 3  # every report field, the thread and the note
    refused = lead_client.post(
        f"{page}/reveal", data={"csrf_token": token, "reason": "court_order", "reference": IMG}
    )
    assert refused.status_code == 400  # an order number holds letters, digits and / . - only
    assert "<img src=x" not in refused.text
    asked = lead_client.post(
        f"{page}/reveal", data={"csrf_token": token, "reason": "court_order", "reference": "คำสั่ง 1/2569"}
    )
    assert asked.status_code == 302
    keeper = custodian_client(app)
    listing = keeper.get("/staff/reveals").text
    assert number in listing
    assert "<script" not in listing
    assert THAI not in listing  # metadata only: no content, no identity
    assert approve_pending_reveals(app, keeper) == 1
    revealed = lead_client.get(page)
    _assert_escaped(revealed.text)
    assert revealed.text.count(THAI) >= 12  # the identity too
    queue_html = lead_client.get("/staff/").text  # metadata only: none of the payload appears at all
    assert "<script" not in queue_html
    assert "alert(" not in queue_html
    with new_session(app) as db:
        uid = cases.attachments_of(db, db.get_one(Case, case_id))[0].uid
    download = lead_client.get(f"{page}/files/{uid}")
    disposition = download.headers["Content-Disposition"]
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert '"' not in disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert "<" not in disposition
    assert "\n" not in disposition


def test_staff_display_names_render_escaped(app: Flask, lead_client: FlaskClient) -> None:
    create_staff(app, "officer9", "officer")
    case_id, _ = file_case(app, cases.ReportContent(description="x"))
    with new_session(app) as db:
        user = db.scalars(select(StaffUser).where(StaffUser.username == "officer9")).one()
        user.display_name = PAYLOAD[:120]
        db.get_one(Case, case_id).assigned_to_id = user.id
        db.commit()
    for page in ("/staff/", "/staff/keys"):
        html = lead_client.get(page).text
        assert "<script" not in html
        assert "<img src=x" not in html
        assert THAI in html


# --- CSRF ----------------------------------------------------------------------------------------


def fingerprint(app: Flask) -> dict[str, list[str]]:
    """Every row of every table, to prove a refused request changed nothing at all."""
    with new_session(app) as db:
        return {
            table.name: sorted(repr(tuple(row)) for row in db.execute(table.select()).all())
            for table in Base.metadata.sorted_tables
        }


@dataclass(frozen=True)
class Scene:
    """What a form POST needs: who posts, where, and valid data (so the control can succeed)."""

    who: str
    path: str
    data: dict[str, Any]


def _ids(app: Flask) -> dict[str, Any]:
    with new_session(app) as db:
        users = {user.username: user.id for user in db.scalars(select(StaffUser))}
        number = db.scalars(select(Case.number)).one()
    return {"number": number, **users}


SCENES: dict[str, Callable[[dict[str, Any]], Scene]] = {
    "login": lambda ids: Scene("nobody", "/staff/login", {"username": "lead", "password": LEAD_PASSWORD}),
    "logout-everywhere": lambda ids: Scene("lead", "/staff/logout-everywhere", {}),
    "password": lambda ids: Scene(
        "lead",
        "/staff/password",
        {
            "current_password": LEAD_PASSWORD,
            "new_password": "brand new passphrase",
            "confirm": "brand new passphrase",
        },
    ),
    "intake": lambda ids: Scene(
        "lead",
        "/staff/intake",
        {
            "channel": "phone",
            "received_on": today().isoformat(),
            "category": "budget",
            "department": "finance",
            "description": "โทรมาแจ้ง",
            "disclosure": "anonymous",
        },
    ),
    "grant": lambda ids: Scene(
        "lead", "/staff/keys/grant", {"user_id": str(ids["officer2"]), "kind": "unit", "compared": "y"}
    ),
    "reply": lambda ids: Scene("lead", f"/staff/cases/{ids['number']}/reply", {"body": "ตอบกลับ"}),
    "note": lambda ids: Scene("lead", f"/staff/cases/{ids['number']}/notes", {"body": "บันทึก"}),
    "step": lambda ids: Scene(
        "lead",
        f"/staff/cases/{ids['number']}/steps/start_screening",
        {"start_screening-event_on": today().isoformat()},
    ),
    "assign": lambda ids: Scene(
        "lead", f"/staff/cases/{ids['number']}/assign", {"assignee": str(ids["lead"])}
    ),
    "conflict": lambda ids: Scene("lead", f"/staff/cases/{ids['number']}/conflict", {"confirm": "y"}),
    "exclude": lambda ids: Scene(
        "lead", f"/staff/cases/{ids['number']}/exclude", {"user": str(ids["officer2"])}
    ),
    "reveal": lambda ids: Scene("lead", f"/staff/cases/{ids['number']}/reveal", {"reason": "court_order"}),
    "admin-create": lambda ids: Scene(
        "admin1", "/admin/users/new", {"username": "created1", "role_officer": "y", "display_name": "ใหม่"}
    ),
    "admin-disable": lambda ids: Scene("admin1", f"/admin/users/{ids['officer2']}/disable", {}),
    "admin-enable": lambda ids: Scene("admin1", f"/admin/users/{ids['officer2']}/enable", {}),
    "admin-reset-password": lambda ids: Scene("admin1", f"/admin/users/{ids['officer2']}/reset-password", {}),
    "admin-reset-totp": lambda ids: Scene("admin1", f"/admin/users/{ids['officer2']}/reset-totp", {}),
    "admin-unlock": lambda ids: Scene("admin1", f"/admin/users/{ids['officer2']}/unlock", {}),
}


@pytest.mark.parametrize("name", sorted(SCENES))
def test_every_form_refuses_a_post_without_its_csrf_token(app: Flask, name: str) -> None:
    secrets = {
        "lead": (LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"]),
        "admin1": (OFFICER_PASSWORD, create_staff(app, "admin1", "admin")),
    }
    create_staff(app, "officer2", "officer")
    if name == "conflict":
        grant_unit_key(app, "officer2")  # a conflict is refused if it would leave nobody to read the case
    file_case(app, cases.ReportContent(description="x"), identity=cases.ReporterIdentity(name="ผู้แจ้ง"))
    scene = SCENES[name](_ids(app))
    data = dict(scene.data)
    if name == "login":
        data["totp"] = totp_now(app.config["TEST_LEAD_TOTP_SECRET"])

    def client_for(who: str) -> FlaskClient:
        client = app.test_client()
        if who != "nobody":
            forget_used_totp(app, who)
            password, secret = secrets[who]
            assert staff_login(client, who, password, secret).status_code == 302
        return client

    client = client_for(scene.who)
    before = fingerprint(app)
    refused = client.post(scene.path, data=data)
    assert refused.status_code == 400
    assert "แบบฟอร์มหมดอายุ" in refused.text  # the CSRF page
    assert fingerprint(app) == before

    # The control: the same request with the token from the page does change something.
    control = client_for(scene.who)
    forget_used_totp(app, "lead")
    token = csrf_token_from(control.get("/staff/login" if scene.who == "nobody" else "/staff/password").text)
    before = fingerprint(app)
    accepted = control.post(scene.path, data={"csrf_token": token, **data})
    assert accepted.status_code in (200, 302), accepted.text[:500]
    assert fingerprint(app) != before


# --- numbers from URLs and forms ----------------------------------------------------------------

# "²" passes str.isdigit() but int() refuses it; int() reads Thai "๑" as 1. Neither is an id.
ODD_DIGITS = ["²", "๑", "١", "1" * 40]


@pytest.mark.parametrize("digits", ODD_DIGITS, ids=["superscript", "thai", "arabic-indic", "very-long"])
@pytest.mark.parametrize(
    ("who", "method", "path", "field", "expected"),
    [
        ("lead", "GET", "/staff/", "page", 200),
        ("lead", "GET", "/staff/", "fy", 200),
        ("lead", "POST", "/staff/keys/grant", "user_id", 302),
        ("lead", "POST", "/staff/cases/{number}/assign", "assignee", 400),
        ("lead", "POST", "/staff/cases/{number}/exclude", "user", 400),
        ("lead", "POST", "/staff/cases/{number}/exclusions/lift", "user", 400),
        ("admin1", "GET", "/admin/users/{digits}", "", 404),
        ("admin1", "POST", "/admin/users/{digits}/unlock", "", 404),
    ],
)
def test_odd_digits_are_refused_cleanly(
    app: Flask, who: str, method: str, path: str, field: str, expected: int, digits: str
) -> None:
    secrets = {
        "lead": (LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"]),
        "admin1": (OFFICER_PASSWORD, create_staff(app, "admin1", "admin")),
    }
    create_staff(app, "officer2", "officer")
    grant_unit_key(app, "officer2")
    file_case(app, cases.ReportContent(description="x"))
    ids = _ids(app)
    with new_session(app) as db:  # an exclusion to lift, so that form is on the page
        db.add(
            CaseExclusion(
                case_id=db.scalars(select(Case.id)).one(), user_id=ids["officer2"], reason="subject"
            )
        )
        db.commit()
    client = app.test_client()
    password, secret = secrets[who]
    assert staff_login(client, who, password, secret).status_code == 302
    url = path.format(number=ids["number"], digits=quote(digits))
    before = fingerprint(app)
    if method == "GET":
        response = client.get(url, query_string={field: digits} if field else None)
    else:
        token = csrf_token_from(client.get("/staff/password").text)
        data = {"csrf_token": token, "kind": "unit", "reason": "mistaken"}
        response = client.post(url, data={**data, field: digits} if field else data)
    assert response.status_code == expected, response.text[:300]
    if method == "POST":  # nothing changed (a refused form re-renders the case page: that view is audited)
        unaudited = {name: rows for name, rows in fingerprint(app).items() if not name.startswith("audit")}
        assert unaudited == {name: rows for name, rows in before.items() if not name.startswith("audit")}
    if expected == 200:
        assert f"/staff/cases/{ids['number']}" in response.text  # the default view, the case listed


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("42", 42), ("007", 7), ("", None), ("²", None), ("๑", None), ("-1", None), (" 1", None)],
)
def test_whole_number_takes_ascii_digits_only(text: str, expected: int | None) -> None:
    assert whole_number(text) == expected
    assert whole_number("1" * 10) is None  # longer than any id
