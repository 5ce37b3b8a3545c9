"""Content-free e-mail to staff: "something happened, log in to see it" and a link, nothing more.

No notice carries a case number, category, text, name or receipt. Sending never raises and never
blocks the request: call the ``notify_*`` functions **after** the database commit; they write the
notices into the durable outbox (:mod:`complaints.outbox`) and wake this process's one sender
thread, so a mail server that is down or slow costs a retry later, never a lost notice.
``flask --app wsgi notify deadlines`` and ``notify send`` are for cron.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import outbox, settings
from complaints.dates import add_days, today, utcnow
from complaints.db import new_session
from complaints.i18n import lazy_gettext as _l
from complaints.models import Case, StaffUser
from complaints.procedure import OPEN_STATUSES

log = logging.getLogger(__name__)

NEW_REPORT = "new_report"
REPORTER_MESSAGE = "reporter_message"
ASSIGNED = "assigned"
DEADLINES = "deadlines"
UNASSIGNED = "unassigned_deadlines"

_HEADLINES: dict[str, Any] = {
    NEW_REPORT: _l("A new report has arrived."),
    REPORTER_MESSAGE: _l("A reporter has sent a new message."),
    ASSIGNED: _l("A case has been assigned to you."),
    DEADLINES: _l("A case assigned to you is due soon or overdue."),
    UNASSIGNED: _l("A case that nobody handles yet is due soon or overdue."),
}
_LOG_IN = _l("Log in to the legal unit's workspace to see it:")
_NO_DETAILS = _l("For the reporter's safety this e-mail contains no details.")


@dataclass(frozen=True)
class Notice:
    """One content-free e-mail, in Thai and English."""

    subject: str
    body: str


def compose(app: Flask, kind: str) -> Notice:
    """The subject and body of a notice (Thai first, then English); only a link to /staff/."""
    link = str(app.config["PUBLIC_BASE_URL"]).rstrip("/") + "/staff/"
    parts: dict[str, tuple[str, str]] = {}
    with app.app_context():
        for language in ("th", "en"):
            with force_locale(language):
                headline = str(_HEADLINES[kind])
                parts[language] = (headline, f"{headline}\n{_LOG_IN}\n{link}\n\n{_NO_DETAILS}")
    return Notice(
        subject=f"{parts['th'][0]} / {parts['en'][0]}",
        body=f"{parts['th'][1]}\n\n----\n\n{parts['en'][1]}\n",
    )


def _message(app: Flask, notice: Notice, recipient: str) -> EmailMessage:
    sender = str(app.config["MAIL_SENDER"])
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = notice.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(notice.body)
    return message


def send_each(app: Flask, kind: str, addresses: list[str]) -> dict[str, str | None]:
    """Send one notice to each address over one SMTP connection: for each, None when sent or the
    class of the error (never a message, which could name an address). Never raises."""
    config = app.config
    if not addresses:
        return {}
    if not config.get("MAIL_SERVER"):
        return dict.fromkeys(addresses, "MailOff")
    outcome: dict[str, str | None] = {}
    try:
        notice = compose(app, kind)
        with smtplib.SMTP(
            str(config["MAIL_SERVER"]),
            int(config["MAIL_PORT"]),
            timeout=float(config["MAIL_TIMEOUT_SECONDS"]),
        ) as smtp:
            if config.get("MAIL_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD", "")))
            for address in addresses:
                try:
                    smtp.send_message(_message(app, notice, address))
                    outcome[address] = None
                except smtplib.SMTPRecipientsRefused as refused:
                    outcome[address] = type(refused).__name__
    except Exception as error:  # a notice must never lose a report or block anyone
        log.warning("notification e-mail (%s) not sent: %s", kind, type(error).__name__)
        return {address: outcome.get(address, type(error).__name__) for address in addresses}
    return outcome


def send_notice(app: Flask, recipients: Iterable[str], kind: str) -> int:
    """Send one notice to each recipient now; returns how many were sent. Never raises."""
    addresses = list(dict.fromkeys(address for address in recipients if address))
    if not app.config.get("MAIL_SERVER"):
        return 0
    return sum(1 for error in send_each(app, kind, addresses).values() if error is None)


# --- recipients ---------------------------------------------------------------------------------


def _configured_addresses(app: Flask) -> list[str]:
    value = app.config.get("LEGAL_UNIT_EMAIL") or ""
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def legal_unit_recipients(app: Flask, db: Session) -> list[str]:
    """LEGAL_UNIT_EMAIL and the e-mail of every active legal officer."""
    officers = db.scalars(select(StaffUser).where(StaffUser.disabled.is_(False), StaffUser.email != ""))
    return _configured_addresses(app) + [user.email for user in officers if "officer" in user.role_set]


def _active_email(db: Session, user_id: int | None) -> str:
    user = db.get(StaffUser, user_id) if user_id is not None else None
    return user.email if user is not None and not user.disabled else ""


def _reporter_message_recipients(app: Flask, db: Session, case_id: int | None) -> list[str]:
    """The case's assignee when there is one with an e-mail, else the whole legal unit."""
    case = db.get(Case, case_id) if case_id is not None else None
    assignee_email = _active_email(db, case.assigned_to_id) if case is not None else ""
    return [assignee_email] if assignee_email else legal_unit_recipients(app, db)


# --- in the background, after the commit -------------------------------------------------------


def _in_background(
    app: Flask, kind: str, recipients: Callable[[Session], list[str]]
) -> threading.Thread | None:
    """Write the notices into the outbox and wake the sender (returned so tests can wait for it);
    None when mail is off. Never raises."""
    try:
        if not app.config.get("MAIL_SERVER"):
            return None
        with app.app_context(), new_session(app) as db:
            outbox.enqueue(db, kind, recipients(db), utcnow())
            db.commit()
        return outbox.wake(app, send_each)  # also sends earlier notices now due
    except Exception as error:  # see send_each: the outbox or the database may be down too
        log.warning("notification e-mail (%s) not queued: %s", kind, type(error).__name__)
        return None


def notify_new_report(app: Flask) -> threading.Thread | None:
    """Tell the legal unit a report arrived. Call after the commit; never raises."""
    return _in_background(app, NEW_REPORT, lambda db: legal_unit_recipients(app, db))


def _first_in_a_while(app: Flask, case_id: int | None) -> bool:
    """At most one reporter-message e-mail per case per NOTIFY_COALESCE (shared limiter storage)."""
    from limits import parse

    from complaints.security import limiter

    try:
        return bool(limiter.limiter.hit(parse(str(app.config["NOTIFY_COALESCE"])), "notify", str(case_id)))
    except Exception:  # when in doubt, send: a lost notice is worse than a repeat
        return True


def notify_reporter_message(app: Flask, case_id: int | None = None) -> threading.Thread | None:
    """Tell the case's officer (or the unit) that a reporter wrote. Call after the commit.

    A reporter writing twenty times in a row makes one e-mail, not twenty.
    """
    if not _first_in_a_while(app, case_id):
        return None
    return _in_background(app, REPORTER_MESSAGE, lambda db: _reporter_message_recipients(app, db, case_id))


def notify_assigned(app: Flask, user_id: int) -> threading.Thread | None:
    """Tell a person a case was assigned to them. Call after the commit."""
    return _in_background(app, ASSIGNED, lambda db: [_active_email(db, user_id)])


# --- deadlines (cron) ----------------------------------------------------------------------------


def assignees_with_deadlines(db: Session, on: date, due_soon_days: int) -> list[str]:
    """E-mails of active people with an open assigned case due within ``due_soon_days`` or overdue."""
    user_ids = db.scalars(
        select(Case.assigned_to_id)
        .where(
            Case.assigned_to_id.is_not(None),
            Case.status.in_(sorted(OPEN_STATUSES)),
            Case.next_deadline_on <= add_days(on, due_soon_days),
        )
        .distinct()
    ).all()
    return [email for email in (_active_email(db, user_id) for user_id in user_ids) if email]


def leads_for_unassigned_deadlines(db: Session, on: date, due_soon_days: int) -> list[str]:
    """E-mails of the active legal leads when an open case nobody handles is due soon or overdue."""
    waiting = db.scalars(
        select(Case.id)
        .where(
            Case.assigned_to_id.is_(None),
            Case.status.in_(sorted(OPEN_STATUSES)),
            Case.next_deadline_on <= add_days(on, due_soon_days),
        )
        .limit(1)
    ).first()
    if waiting is None:
        return []
    leads = db.scalars(select(StaffUser).where(StaffUser.disabled.is_(False), StaffUser.email != ""))
    return [user.email for user in leads if "lead" in user.role_set]


def notify_deadlines(app: Flask, on: date) -> tuple[int, int]:
    """Mail every assignee with a case due soon, and the leads about unassigned ones; returns
    (people to tell, e-mails sent)."""
    soon = settings.due_soon_days(app)
    with new_session(app) as db:
        assignees = assignees_with_deadlines(db, on, soon)
        leads = leads_for_unassigned_deadlines(db, on, soon)
        outbox.enqueue(db, DEADLINES, assignees, utcnow())
        outbox.enqueue(db, UNASSIGNED, leads, utcnow())
        db.commit()
    sent, _failed = outbox.send_due(app, send_each)
    return len(set(assignees)) + len(set(leads)), sent


notify_cli = AppGroup("notify", help="Content-free e-mail notices to staff.")


@notify_cli.command("send")
def send_command() -> None:
    """Send every notice in the outbox that is due (run every few minutes from cron)."""
    app = settings.app()
    sent, failed = outbox.send_due(app, send_each)
    with new_session(app) as db:
        count, oldest = outbox.waiting(db)
    click.echo(
        f"{sent} sent, {failed} failed this time; {count} waiting"
        + (f" since {oldest:%Y-%m-%d %H:%M} UTC" if oldest else "")
    )
    if failed:
        raise click.ClickException("Some notices could not be sent; they will be tried again.")


@notify_cli.command("deadlines")
def deadlines_command() -> None:
    """Mail the assignees of cases that are due soon or overdue (run daily from cron)."""
    app = settings.app()
    if not app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not set; no e-mail can be sent.")
    people, sent = notify_deadlines(app, today())
    click.echo(f"{people} people with cases due soon; {sent} e-mails sent.")
    if sent < people:
        raise click.ClickException("Some e-mails could not be sent; see the log.")
