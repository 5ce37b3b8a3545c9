"""A seeded installation shared by the attack tests of one module: every role logged in, two cases
(one filled with hostile text through the real forms), files, messages, notes, a procedure step,
a reveal request, a protection check, an offline intake and an exclusion.

Built once per module (the attacks only read it, or prove that a refused request changed nothing),
so the role tables and URL-map sweeps cost one set-up instead of one per request."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from complaints import cases, create_app
from complaints.dates import today
from complaints.db import engine_of, new_session
from complaints.models import (
    Attachment,
    Base,
    Case,
    CaseExclusion,
    ProtectionCheck,
    RevealRequest,
    StaffUser,
)
from tests.conftest import (
    LEAD_PASSWORD,
    OFFICER_PASSWORD,
    create_custodian,
    create_staff,
    csrf_token_from,
    file_case_with_files,
    forget_used_totp,
    grant_unit_key,
    log_in_reporter,
    make_config,
    receipt_from,
    report_fields,
    staff_login,
    throwaway_database,
)

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(2)>'
JS_URL = "javascript:alert(3)"
TEXTAREA = "</textarea><b>x</b>"
TEMPLATE = "{{7*7}}{{7777*7}}"  # 54439 is a number no page shows by chance: evaluated, it would
MARK = "ทดสอบไทย๙"
# Every hostile form in one string, and a Thai marker that proves the field was rendered at all.
PAYLOAD = f"{SCRIPT} {BREAKOUT} {JS_URL} {TEXTAREA} {TEMPLATE} {MARK}"
ROLES = ("anonymous", "reporter", "officer", "lead", "custodian", "admin")


def assert_escaped(html: str, rendered: bool = True) -> None:
    """No hostile part of PAYLOAD appears live; with ``rendered`` it is there, escaped."""
    assert "<script" not in html  # the app serves no script at all, so any is an injection
    assert "<img src=x" not in html
    assert "<b>x</b>" not in html
    assert 'href="javascript:' not in html.lower()
    assert 'src="javascript:' not in html.lower()
    assert "54439" not in html
    if rendered:
        assert MARK in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;/textarea&gt;" in html
        assert TEMPLATE in html  # shown as typed, never evaluated to 49


@dataclass
class World:
    """The shared installation: the app, a client per role, and the ids the attacks aim at."""

    app: Flask
    clients: dict[str, FlaskClient]
    number_a: str  # the hostile report, filed through /report by the reporter client
    number_b: str  # a second case the reporter has no receipt for; officer2 is excluded from it
    receipt_b: str
    file_a: str
    file_b: str
    intake_number: str
    ids: dict[str, int] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)  # endpoint -> the URL url_of gave

    def client(self, role: str) -> FlaskClient:
        """The logged-in client of ``role`` (a fresh cookie-less one for ``anonymous``)."""
        return self.app.test_client() if role == "anonymous" else self.clients[role]

    def fork(self, role: str) -> FlaskClient:
        """A new client holding a copy of that role's cookies: an attack that makes the app clear
        the cookie (a CSRF refusal starts a fresh session) leaves the shared client logged in."""
        copy = self.app.test_client()
        if role != "anonymous":
            for name in ("session", "lang"):
                cookie = self.clients[role].get_cookie(name)
                if cookie is not None:
                    copy.set_cookie(name, cookie.value)
        return copy

    def url_of(self, rule: Rule) -> str:
        """The rule with real values: the hostile case, its file, an account, a real asset."""
        if rule.endpoint in self.urls:
            return self.urls[rule.endpoint]
        with new_session(self.app) as db:
            check_id = db.scalars(select(ProtectionCheck.id)).first() or 1
        landing = self.app.test_client().get("/").text
        asset = re.search(r'href="/assets/([^"]+\.css)"', landing)
        values = {
            "number": self.number_a,
            "uid": self.file_a,
            "user_id": str(self.ids["officer2"]),
            "fmt": "csv",
            "code": "en",
            "name": asset.group(1) if asset else "site.css",
            "filename": "favicon.svg",
            "action": "start_screening",
            "request_id": str(self.ids["reveal"]),
            "case_id": str(self.ids["case_a"]),
            "check_id": str(check_id),
        }
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda found: values[found.group(1)], rule.rule)
        if rule.endpoint == "admin.account_action":
            url = f"/admin/users/{self.ids['officer2']}/disable"
        self.urls[rule.endpoint] = url
        return url

    def token(self, role: str) -> str:
        """A CSRF token of that role's own session, read from a page it may open."""
        page = {
            "anonymous": "/follow-up",
            "reporter": "/follow-up/case",
            "admin": "/admin/",
        }.get(role, "/staff/password")
        return csrf_token_from(self.clients[role].get(page).text)


def fingerprint(app: Flask) -> dict[str, list[str]]:
    """Every row of every table, to prove a refused request changed nothing at all."""
    with new_session(app) as db:
        return {
            table.name: sorted(repr(tuple(row)) for row in db.execute(table.select()).all())
            for table in Base.metadata.sorted_tables
        }


def _login(app: Flask, username: str, password: str, secret: str) -> FlaskClient:
    client = app.test_client()
    forget_used_totp(app, username)
    response = staff_login(client, username, password, secret)
    assert response.status_code == 302, response.text[:300]
    return client


def _post(client: FlaskClient, path: str, data: dict[str, Any], token_page: str) -> Any:
    token = csrf_token_from(client.get(token_page).text)
    return client.post(path, data={"csrf_token": token, **data})


def _hostile_report(app: Flask) -> tuple[FlaskClient, str]:
    """The reporter files PAYLOAD in every field with a hostile file name, then logs in."""
    reporter = app.test_client()
    token = csrf_token_from(reporter.get("/report").text)
    text_fields = ("accused_name", "accused_position", "incident_date", "location", "amount")
    fields = report_fields(
        **{name: PAYLOAD[:190] for name in text_fields},
        description=PAYLOAD,
        witnesses=PAYLOAD,
        reported_elsewhere=PAYLOAD,
        desired_action=PAYLOAD,
        disclosure="confidential",
        reporter_name=PAYLOAD[:190],
        reporter_phone="081 234 5678",
        reporter_email="a@example.org",
    )
    data: dict[str, Any] = {"csrf_token": token, **fields}
    data["attachments"] = [(io.BytesIO(b"evidence"), f"{TEMPLATE}{BREAKOUT}{MARK}.pdf", "application/pdf")]
    filed = reporter.post("/report", data=data, content_type="multipart/form-data")
    assert filed.status_code == 200, filed.text[:500]
    receipt = receipt_from(filed.text)
    assert log_in_reporter(reporter, receipt).status_code == 302
    replied = _post(reporter, "/follow-up/reply", {"body": PAYLOAD}, "/follow-up/case")
    assert replied.status_code == 303
    return reporter, receipt


def _casework(lead: FlaskClient, number: str) -> None:
    """The lead answers, notes, starts screening and asks for a reveal and a protection check."""
    page = f"/staff/cases/{number}"
    actions: list[tuple[str, dict[str, str]]] = [
        ("notes", {"body": PAYLOAD}),
        ("reply", {"body": PAYLOAD}),
        (
            "steps/start_screening",
            {"start_screening-event_on": today().isoformat(), "start_screening-note": PAYLOAD},
        ),
        ("reveal", {"reason": "court_order", "reference": "คำสั่ง 1/2569"}),
        ("protection-check", {"subject": PAYLOAD[:100]}),
    ]
    for action, data in actions:
        response = _post(lead, f"{page}/{action}", data, page)
        assert response.status_code == 302, (action, response.text[:500])


def _intake(lead: FlaskClient) -> None:
    data = {
        "channel": "letter",
        "received_on": today().isoformat(),
        "category": "budget",
        "department": "finance",
        "description": PAYLOAD,
        "accused_name": PAYLOAD[:190],
        "disclosure": "anonymous",
        "executive_subject": "no",
        "letter_number": "ที่ 12/2569",
    }
    form = lead.get("/staff/intake").text
    once = re.search(r'name="once" type="hidden" value="([^"]*)"', form)
    response = lead.post(
        "/staff/intake",
        data={"csrf_token": csrf_token_from(form), "once": once.group(1) if once else "", **data},
    )
    assert response.status_code == 200, response.text[:500]


def _seed_accounts(app: Flask) -> dict[str, str]:
    secrets = {
        "officer1": create_staff(app, "officer1", "officer"),
        "officer2": create_staff(app, "officer2", "officer"),
        "admin1": create_staff(app, "admin1", "admin"),
        "keeper": create_custodian(app, "keeper"),
    }
    grant_unit_key(app, "officer1")
    grant_unit_key(app, "officer2")
    with new_session(app) as db:
        user = db.scalars(select(StaffUser).where(StaffUser.username == "officer1")).one()
        user.display_name = PAYLOAD[:120]
        db.commit()
    return secrets


def _second_case(app: Flask) -> tuple[int, str]:
    case_b, receipt_b = file_case_with_files(
        app, cases.ReportContent(description="เรื่องที่สอง"), [(f"{BREAKOUT}{MARK}.pdf", b"b-data")]
    )
    with new_session(app) as db:
        officer2 = db.scalars(select(StaffUser.id).where(StaffUser.username == "officer2")).one()
        db.add(CaseExclusion(case_id=case_b, user_id=officer2, reason="subject"))
        db.commit()
    return case_b, receipt_b


def build_world(tmp: Path, database_url: str, **overrides: Any) -> World:
    """Initialise an app and fill it as described in the module docstring."""
    limits = {
        "RATELIMIT_STAFF_LOGIN": "1000 per minute",
        "RATELIMIT_STAFF_LOGIN_PER_CLIENT": "1000 per minute",
    }
    app = create_app(
        make_config(tmp, database_url, **limits, **overrides), instance_path=str(tmp / "instance")
    )
    result = app.test_cli_runner().invoke(
        args=["init", "--lead", "lead", "--password-stdin"], input=LEAD_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    lead_secret = re.search(r"totp-secret: (\S+)", result.output).group(1)  # type: ignore[union-attr]  # init prints it
    secrets = _seed_accounts(app)
    reporter, _receipt = _hostile_report(app)
    case_b, receipt_b = _second_case(app)
    clients = {
        "reporter": reporter,
        "lead": _login(app, "lead", LEAD_PASSWORD, lead_secret),
        "officer": _login(app, "officer1", OFFICER_PASSWORD, secrets["officer1"]),
        "officer2": _login(app, "officer2", OFFICER_PASSWORD, secrets["officer2"]),
        "custodian": _login(app, "keeper", OFFICER_PASSWORD, secrets["keeper"]),
        "admin": _login(app, "admin1", OFFICER_PASSWORD, secrets["admin1"]),
    }
    with new_session(app) as db:
        case_a = db.scalars(select(Case).where(Case.id != case_b).order_by(Case.id)).first()
        assert case_a is not None
        number_a, number_b = case_a.number, db.get_one(Case, case_b).number
        file_a = db.scalars(select(Attachment.uid).where(Attachment.case_id == case_a.id)).one()
        file_b = db.scalars(select(Attachment.uid).where(Attachment.case_id == case_b)).one()
        ids = {user.username: user.id for user in db.scalars(select(StaffUser))}
    _casework(clients["lead"], number_a)
    _intake(clients["lead"])
    with new_session(app) as db:
        ids["reveal"] = db.scalars(select(RevealRequest.id)).one()
        ids["case_a"], ids["case_b"] = case_a.id, case_b
        intake_number = db.scalars(select(Case.number).where(Case.channel == "letter")).one()
    return World(app, clients, number_a, number_b, receipt_b, file_a, file_b, intake_number, ids)


@contextmanager
def shared_world(tmp: Path, **overrides: Any) -> Iterator[World]:
    """:func:`build_world` on a database of its own, disposed of afterwards."""
    with throwaway_database(tmp / "instance") as url:
        world = build_world(tmp, url, **overrides)
        try:
            yield world
        finally:
            engine_of(world.app).dispose()
