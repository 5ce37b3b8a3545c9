"""What the reporter sees of their case, and their reply and consent (evidence goes through
:mod:`complaints.reporting.filing` like every report).

Every function takes the case the reporter unlocked (:class:`sessions.OpenCase`); callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import alerts, audit, cases, clocks, crypto, labels, notices, pins
from complaints.dates import add_days, utcnow
from complaints.followup.sessions import OpenCase
from complaints.models import Attachment, Case, Message, ProcedureEvent, RevealRequest, StaffUser
from complaints.procedure import Action, PublicStatus, Status, public_status


@dataclass(frozen=True)
class ThreadEntry:
    """One message as the reporter sees it."""

    from_officer: bool
    sent_on: date
    text: str


@dataclass(frozen=True)
class FileEntry:
    """One evidence file as the reporter sees it (name and size; the content stays on disk)."""

    filename: str
    size: int
    added_on: date
    from_reporter: bool
    cleaned: bool = False


@dataclass(frozen=True)
class RevealOutcome:
    """A request to see the reporter's identity, as the reporter is told of it (dates and result)."""

    reason: str
    requested_on: date
    decision: str | None
    decided_on: date | None


@dataclass(frozen=True)
class ReporterView:
    """The reporter's page: public status, dates, messages, files, and what they wrote."""

    number: str
    status: PublicStatus
    outcome: str | None
    not_accepted_reason: str | None
    referred_to: str | None
    submitted_on: date
    acknowledged_on: date | None
    last_feedback_on: date | None
    closed_on: date | None
    first_answer_due: date | None
    # The reporter is never notified, so every page says when to look again, and what is asked.
    check_back_by: date | None
    answer_needed_by: date | None
    action_taken: bool
    reveal_requests: list[RevealOutcome]
    category: str
    department: str
    report: cases.ReportContent
    identity: cases.ReporterIdentity | None
    identity_shared: bool
    messages: list[ThreadEntry]
    files: list[FileEntry]


def reporter_view(db: Session, opened: OpenCase, deadline_days: dict[str, Any]) -> ReporterView:
    """Decrypt what the reporter may see; never internal notes or penalty details."""
    case, case_keys = opened.case, opened.keys
    status = public_status(case.status)
    waiting = case.last_feedback_on is None and status in {PublicStatus.RECEIVED, PublicStatus.IN_PROGRESS}
    return ReporterView(
        number=case.number,
        status=status,
        outcome=case.outcome if status is PublicStatus.COMPLETED else None,
        not_accepted_reason=case.not_accepted_reason if status is PublicStatus.NOT_ACCEPTED else None,
        referred_to=case.referred_to if status is PublicStatus.REFERRED else None,
        submitted_on=case.submitted_on,
        acknowledged_on=case.acknowledged_on,
        last_feedback_on=case.last_feedback_on,
        closed_on=case.closed_on,
        first_answer_due=add_days(case.submitted_on, int(deadline_days["first_feedback"]))
        if waiting
        else None,
        check_back_by=clocks.check_back_by(db, case),
        answer_needed_by=_answer_needed_by(db, case),
        action_taken=case.penalty is not None or case.criminal_referral or case.referred_to is not None,
        reveal_requests=_reveal_outcomes(db, case),
        category=case.category,
        department=case.department,
        report=cases.read_report(case, case_keys.content),
        identity=cases.read_identity(case, case_keys.identity) if case_keys.identity else None,
        identity_shared=case.identity_shared,
        messages=[
            ThreadEntry(
                message.author != cases.REPORTER,
                message.sent_on,
                _text(case, message, case_keys.content),
            )
            for message in cases.thread(db, case)
        ],
        files=[_file_entry(opened, attachment) for attachment in cases.attachments_of(db, case)],
    )


def _text(case: Case, message: Message, content_key: bytes) -> str:
    text = cases.or_altered(lambda: cases.read_message(case, message, content_key), None)
    if text is None:
        return str(labels.ALTERED_ENTRY)
    return notices.render(text) if message.author == cases.SYSTEM else text


def _answer_needed_by(db: Session, case: Case) -> date | None:
    """While the unit waits for the reporter: the last day of their reply window."""
    if case.status != Status.AWAITING_INFORMATION:
        return None
    window = clocks.running(db, case, "awaiting_information")
    return window.due_on if window else None


def _reveal_outcomes(db: Session, case: Case) -> list[RevealOutcome]:
    rows = db.scalars(
        select(RevealRequest).where(RevealRequest.case_id == case.id).order_by(RevealRequest.id)
    )
    return [RevealOutcome(row.reason, row.requested_on, row.decision, row.decided_on) for row in rows]


def _file_entry(opened: OpenCase, attachment: Attachment) -> FileEntry:
    meta = cases.or_altered(
        lambda: cases.read_attachment_meta(opened.case, attachment, opened.keys.content),
        cases.altered_attachment(str(labels.ALTERED_ENTRY)),
    )
    return FileEntry(
        meta.filename, meta.size, attachment.added_on, attachment.added_by == cases.REPORTER, meta.cleaned
    )


def reply(db: Session, opened: OpenCase, body: str, today: date) -> None:
    """A message from the reporter to the officer; while the unit waits for their answer, it is
    the answer: the reply window is met and the case goes back to screening."""
    case = opened.case
    cases.add_message(db, case, opened.keys.content, cases.REPORTER, body, today)
    audit.record(db, "reporter_message", audit.REPORTER, None, case.id)
    if case.status == Status.AWAITING_INFORMATION:
        _answered(db, case, today)


def _answered(db: Session, case: Case, today: date) -> None:
    db.add(
        ProcedureEvent(
            uid=crypto.random_token(12),
            case_id=case.id,
            action=Action.INFORMATION_RECEIVED.value,
            from_status=case.status,
            to_status=Status.SCREENING.value,
            event_on=today,
            codes_json='{"by": "reporter"}',
            actor_id=None,
            recorded_at=utcnow(),
        )
    )
    case.status = Status.SCREENING.value
    clocks.stop(db, case, "awaiting_information", today)
    clocks.refresh_next_deadline(db, case)


def share_identity(db: Session, opened: OpenCase) -> None:
    """The reporter consents to let the legal unit see the identity they gave."""
    if opened.keys.identity is None:
        raise cases.NoIdentityToShare
    case = opened.case
    handler = db.get(StaffUser, case.assigned_to_id) if case.assigned_to_id is not None else None
    handler_key = None
    if handler is not None and not handler.disabled:
        if pins.staff_key_verifies(handler):
            handler_key = handler.public_key
        else:  # a swapped key gets nothing: the consent waits for the custodian, and the leads are told
            alerts.raise_key_alert(db, "staff", handler.key_id)
    cases.share_identity_with_handler(db, case, opened.keys.identity, handler_key)


def report_retaliation(db: Session, opened: OpenCase, text: str, on: date, calendar: clocks.Calendar) -> None:
    """The reporter says they suffer retaliation: their account (under the case key), a notice in
    both languages, and a 15-day clock to refer it to the NACC, shown as urgent in the queue."""
    case, content_key = opened.case, opened.keys.content
    notice = notices.encode(notices.RETALIATION_REPORTED, on)
    cases.add_message(db, case, content_key, cases.SYSTEM, notice, on)
    cases.add_message(db, case, content_key, cases.REPORTER, text, on)
    if clocks.running(db, case, "retaliation_referral") is None:  # a second report keeps the first clock
        clocks.start(db, case, "retaliation_referral", on, calendar)
    clocks.refresh_next_deadline(db, case)
    audit.record(db, "retaliation_reported", audit.REPORTER, None, case.id)
