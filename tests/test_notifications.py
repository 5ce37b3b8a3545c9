"""Content-free e-mail notices over a real SMTP server (aiosmtpd on 127.0.0.1), and a mail
server that is down: nothing raises, nothing is lost, the log names no content."""

from __future__ import annotations

import email
import logging
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from complaints import cases, notifications
from complaints.dates import today
from complaints.db import new_session
from complaints.models import Case, StaffUser
from tests.conftest import create_staff, csrf_token_from, file_case

MARKER = "MARKER-อีเมล-c4a1"
IDENTITY = "MARKER-ชื่อผู้แจ้ง-77"


@dataclass
class Inbox:
    """What the test SMTP server received."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def recipients(self) -> list[str]:
        return sorted(address for tos, _ in self.messages for address in tos)

    def raw(self) -> str:
        return "\n".join(
            message.as_string() + message.get_body().get_content() for _, message in self.messages
        )  # type: ignore[union-attr]  # the payload is text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox(app_config: dict[str, Any]) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1; the app is configured to send to it."""
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app_config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        MAIL_SENDER="complaints@municipality.example",
        LEGAL_UNIT_EMAIL="legal@municipality.example",
        PUBLIC_BASE_URL="https://complaints.municipality.example",
    )
    yield received
    controller.stop()


def _set_email(app: Flask, username: str, address: str, disabled: bool = False) -> int:
    with new_session(app) as db:
        user = db.scalars(select(StaffUser).where(StaffUser.username == username)).one()
        user.email = address
        user.disabled = disabled
        db.commit()
        return user.id


def _assert_content_free(inbox: Inbox, app: Flask) -> None:
    raw = inbox.raw()
    with new_session(app) as db:
        numbers = list(db.scalars(select(Case.number)))
    for forbidden in [MARKER, IDENTITY, "budget", "finance", "กองคลัง", *numbers]:
        assert forbidden not in raw
    for _, message in inbox.messages:
        body = message.get_body()
        assert body is not None
        text = body.get_content()
        assert "https://complaints.municipality.example/staff/" in text
        assert "อีเมลนี้จึงไม่มีรายละเอียดใด ๆ" in text
        assert message["Auto-Submitted"] == "auto-generated"


def test_new_report_notice_goes_to_the_unit_and_officers_without_content(inbox: Inbox, app: Flask) -> None:
    file_case(app, cases.ReportContent(description=MARKER), identity=cases.ReporterIdentity(name=IDENTITY))
    create_staff(app, "officer1", "officer")
    create_staff(app, "gone", "officer")
    create_staff(app, "admin1", "admin")
    _set_email(app, "officer1", "officer1@municipality.example")
    _set_email(app, "gone", "gone@municipality.example", disabled=True)
    _set_email(app, "admin1", "admin1@municipality.example")
    _set_email(app, "lead", "lead@municipality.example")  # lead + officer roles: an officer too
    thread = notifications.notify_new_report(app)
    assert thread is not None
    thread.join(timeout=10)
    assert inbox.recipients() == [
        "lead@municipality.example",
        "legal@municipality.example",
        "officer1@municipality.example",
    ]
    _, message = inbox.messages[0]
    assert message["Subject"] == "มีเรื่องร้องเรียนใหม่เข้ามาในระบบ / A new report has arrived."
    assert message["From"] == "complaints@municipality.example"
    _assert_content_free(inbox, app)


def test_reporter_message_notice_goes_to_the_assignee(inbox: Inbox, app: Flask) -> None:
    app.config["NOTIFY_COALESCE"] = "100 per minute"  # two notices for one case in a row, on purpose
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    create_staff(app, "officer1", "officer")
    officer_id = _set_email(app, "officer1", "officer1@municipality.example")
    thread = notifications.notify_reporter_message(app, case_id)
    assert thread is not None
    thread.join(timeout=10)
    assert inbox.recipients() == ["legal@municipality.example", "officer1@municipality.example"]
    inbox.messages.clear()
    with new_session(app) as db:
        db.execute(update(Case).where(Case.id == case_id).values(assigned_to_id=officer_id))
        db.commit()
    thread = notifications.notify_reporter_message(app, case_id)
    assert thread is not None
    thread.join(timeout=10)
    assert inbox.recipients() == ["officer1@municipality.example"]
    assert "ผู้ร้องเรียนส่งข้อความใหม่เข้ามา" in str(inbox.messages[0][1]["Subject"])
    _assert_content_free(inbox, app)


def test_assigning_a_case_on_the_staff_page_mails_the_assignee(
    inbox: Inbox, app: Flask, lead_client: FlaskClient
) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    create_staff(app, "officer1", "officer")
    officer_id = _set_email(app, "officer1", "officer1@municipality.example")
    with new_session(app) as db:
        number = db.get_one(Case, case_id).number
    page = f"/staff/cases/{number}"
    token = csrf_token_from(lead_client.get(page).text)
    assert (
        lead_client.post(
            f"{page}/assign", data={"csrf_token": token, "assignee": str(officer_id)}
        ).status_code
        == 302
    )
    deadline = time.monotonic() + 10  # the notice is sent by a background thread after the commit
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert inbox.recipients() == ["officer1@municipality.example"]
    assert "มอบหมายให้คุณรับผิดชอบ" in str(inbox.messages[0][1]["Subject"])
    _assert_content_free(inbox, app)


def test_deadline_command_mails_assignees_with_cases_due_soon(inbox: Inbox, app: Flask) -> None:
    due, later, closed = (file_case(app, cases.ReportContent(description=MARKER))[0] for _ in range(3))
    create_staff(app, "officer1", "officer")
    create_staff(app, "officer2", "officer")
    first = _set_email(app, "officer1", "officer1@municipality.example")
    second = _set_email(app, "officer2", "officer2@municipality.example")
    with new_session(app) as db:
        db.execute(
            update(Case)
            .where(Case.id == due)
            .values(assigned_to_id=first, next_deadline_on=today() + timedelta(days=1))
        )
        db.execute(
            update(Case)
            .where(Case.id == later)
            .values(assigned_to_id=second, next_deadline_on=today() + timedelta(days=30))
        )
        db.execute(
            update(Case)
            .where(Case.id == closed)
            .values(assigned_to_id=second, status="concluded", next_deadline_on=None)
        )
        db.commit()
    result = app.test_cli_runner().invoke(args=["notify", "deadlines"])
    assert result.exit_code == 0, result.output
    assert "1 people" in result.output
    assert inbox.recipients() == ["officer1@municipality.example"]
    assert "ใกล้ครบกำหนดหรือเกินกำหนด" in str(inbox.messages[0][1]["Subject"])
    _assert_content_free(inbox, app)
    # A case nobody handles yet goes to the leads.
    with new_session(app) as db:
        db.execute(update(Case).where(Case.id == later).values(assigned_to_id=None, next_deadline_on=today()))
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        lead.email = "lead@municipality.example"
        db.commit()
    result = app.test_cli_runner().invoke(args=["notify", "deadlines"])
    assert result.exit_code == 0, result.output
    assert "lead@municipality.example" in inbox.recipients()
    assert "ยังไม่มีผู้รับผิดชอบ" in str(inbox.messages[-1][1]["Subject"])
    _assert_content_free(inbox, app)


@pytest.fixture
def dead_mail_server(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), LEGAL_UNIT_EMAIL="legal@municipality.example"
    )
    return app_config


@pytest.mark.usefixtures("dead_mail_server")
def test_a_mail_server_that_is_down_never_raises_or_leaks(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    file_case(app, cases.ReportContent(description=MARKER))
    caplog.set_level(logging.WARNING, logger="complaints.notifications")
    thread = notifications.notify_new_report(app)
    assert thread is not None
    thread.join(timeout=15)
    assert not thread.is_alive()
    warnings = [record.getMessage() for record in caplog.records if record.name == "complaints.notifications"]
    assert warnings == ["notification e-mail (new_report) not sent: ConnectionRefusedError"]
    assert MARKER not in caplog.text
    assert "legal@municipality.example" not in caplog.text
    result = app.test_cli_runner().invoke(args=["notify", "deadlines"])
    assert result.exit_code == 0  # nobody to tell yet
    assert notifications.send_notice(app, ["x@example.org"], notifications.ASSIGNED) == 0


def test_without_a_mail_server_nothing_is_attempted(app: Flask) -> None:
    assert notifications.notify_new_report(app) is None
    assert notifications.notify_assigned(app, 1) is None
    result = app.test_cli_runner().invoke(args=["notify", "deadlines"])
    assert result.exit_code != 0
    assert "MAIL_SERVER" in result.output


def test_a_broken_mail_setting_never_raises(app: Flask) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT="not a port")
    thread = notifications.notify_new_report(app)
    assert thread is not None
    thread.join(timeout=10)
    assert notifications.send_notice(app, ["x@example.org"], notifications.NEW_REPORT) == 0
