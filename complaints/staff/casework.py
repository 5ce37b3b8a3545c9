"""Working a case: who may act, talking to the reporter, internal notes, and keeping the case's
next deadline up to date. Service functions take explicit arguments and never commit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from complaints import audit, cases, procedure
from complaints.models import Case, InternalNote, Message, ProcedureEvent
from complaints.staff.refusals import CaseActionRefused
from complaints.workspace.access import HANDLER_ROLES
from complaints.workspace.sessions import StaffContext


def require_handler(context: StaffContext) -> None:
    """Only legal officers and leads act on cases (a custodian alone only decides reveals)."""
    if not context.has_any(HANDLER_ROLES):
        raise CaseActionRefused("not_handler")


def stage_started_on(db: Session, case: Case) -> date:
    """The day the case entered its current status."""
    started = db.scalar(
        select(func.max(ProcedureEvent.event_on)).where(
            ProcedureEvent.case_id == case.id, ProcedureEvent.to_status == case.status
        )
    )
    return started or case.submitted_on


def refresh_deadline(db: Session, case: Case, days: dict[str, int]) -> None:
    """Recompute the case's next deadline from its status, stage start and last feedback."""
    deadline = procedure.next_deadline(
        case.status, case.submitted_on, stage_started_on(db, case), case.last_feedback_on, days
    )
    case.next_deadline_on = deadline.due_on if deadline else None
    case.next_deadline_kind = deadline.kind if deadline else None


def send_reply(
    db: Session,
    case: Case,
    content_key: bytes,
    context: StaffContext,
    body: str,
    today: date,
    days: dict[str, int],
) -> Message:
    """A message to the reporter (shown on their follow-up page); it counts as feedback."""
    require_handler(context)
    message = cases.add_message(db, case, content_key, cases.STAFF, body, today, author_id=context.user.id)
    case.last_feedback_on = today
    if case.acknowledged_on is None:
        case.acknowledged_on = today
    refresh_deadline(db, case, days)
    audit.record(db, "message_sent", audit.STAFF, context.user.id, case.id)
    return message


def add_note(
    db: Session, case: Case, content_key: bytes, context: StaffContext, body: str, now: datetime
) -> InternalNote:
    """An internal note the reporter never sees."""
    require_handler(context)
    note = cases.add_internal_note(db, case, content_key, context.user.id, body, now)
    audit.record(db, "note_added", audit.STAFF, context.user.id, case.id)
    return note
