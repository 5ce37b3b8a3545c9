"""Working a case: who may act, talking to the reporter (which is feedback on its clocks) and
internal notes. Service functions take explicit arguments and never commit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from complaints import audit, cases, clocks, procedure
from complaints.models import Case, InternalNote, Message
from complaints.procedure import Status
from complaints.staff.refusals import CaseActionRefused
from complaints.workspace.access import HANDLER_ROLES
from complaints.workspace.sessions import StaffContext


def require_handler(context: StaffContext) -> None:
    """Only legal officers and leads act on cases (a custodian alone only decides reveals)."""
    if not context.has_any(HANDLER_ROLES):
        raise CaseActionRefused("not_handler")


def send_reply(
    db: Session,
    case: Case,
    content_key: bytes,
    context: StaffContext,
    body: str,
    today: date,
    calendar: clocks.Calendar,
) -> Message:
    """A message to the reporter (shown on their follow-up page); it counts as feedback."""
    require_handler(context)
    message = cases.add_message(db, case, content_key, cases.STAFF, body, today, author_id=context.user.id)
    case.last_feedback_on = today
    if case.acknowledged_on is None:
        case.acknowledged_on = today
        clocks.stop(db, case, "acknowledge", today)
    if Status(case.status) not in procedure.COMPLETED_STATUSES:
        clocks.feedback_given(db, case, today, calendar)
    clocks.refresh_next_deadline(db, case)
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
