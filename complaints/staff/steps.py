"""Recording measure-8 procedure steps: each one dated, with an optional order number and an
encrypted note, written to ``procedure_events`` and the audit log; the case's status and next
deadline follow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from complaints import audit, cases, crypto, procedure
from complaints.dates import utcnow
from complaints.models import Case, ProcedureEvent
from complaints.procedure import Action, Status
from complaints.staff.casework import refresh_deadline, require_handler
from complaints.staff.refusals import CaseActionRefused
from complaints.workspace.sessions import StaffContext

# What each action must be told beyond the date (the form shows only these fields).
REQUIRED_DETAIL: dict[Action, str] = {
    Action.NOT_ACCEPT: "reason",
    Action.REFER: "referred_to",
    Action.START_DISCIPLINARY: "severity",
    Action.DECIDE_PENALTY: "penalty",
}
DETAIL_CHOICES: dict[str, tuple[str, ...]] = {
    "reason": procedure.NOT_ACCEPTED_REASONS,
    "referred_to": procedure.REFERRAL_BODIES,
    "severity": procedure.SEVERITIES,
    "penalty": procedure.PENALTIES,
}


@dataclass(frozen=True)
class StepInput:
    """One procedure step as the officer entered it."""

    action: Action
    event_on: date
    order_number: str = ""
    note: str = ""
    message: str = ""
    detail: str = ""


def _apply_detail(case: Case, step: StepInput) -> None:
    """Record what the step decides on the case's plaintext metadata (for statistics)."""
    if step.action == Action.NOT_ACCEPT:
        case.not_accepted_reason = step.detail
    elif step.action == Action.REFER:
        case.referred_to = step.detail
    elif step.action == Action.START_DISCIPLINARY:
        case.disciplinary_severity = step.detail
    elif step.action == Action.DECIDE_PENALTY:
        case.penalty = step.detail
        case.outcome = "founded_waived" if step.detail == "waived" else "founded_penalised"
    elif step.action == Action.FIND_UNFOUNDED:
        case.outcome = "unfounded"
    elif step.action == Action.CONCLUDE and case.outcome is None:
        case.outcome = "closed"


def _check(case: Case, step: StepInput, today: date) -> Status:
    try:
        target = procedure.next_status(case.status, step.action)
    except procedure.TransitionNotAllowed as error:
        raise CaseActionRefused("step_not_allowed") from error
    if step.event_on > today or step.event_on < case.submitted_on:
        raise CaseActionRefused("step_date")
    field = REQUIRED_DETAIL.get(step.action)
    if field is not None and step.detail not in DETAIL_CHOICES[field]:
        raise CaseActionRefused("step_detail")
    return target


def record_step(
    db: Session,
    case: Case,
    content_key: bytes,
    context: StaffContext,
    step: StepInput,
    today: date,
    days: dict[str, int],
) -> ProcedureEvent:
    """Take one procedure action on the case (the caller commits)."""
    require_handler(context)
    target = _check(case, step, today)
    event_uid = crypto.random_token(12)
    event = ProcedureEvent(
        uid=event_uid,
        case_id=case.id,
        action=step.action.value,
        from_status=case.status,
        to_status=target.value,
        event_on=step.event_on,
        order_number=step.order_number or None,
        note_ciphertext=cases.encrypt_event_note(case, event_uid, content_key, step.note)
        if step.note
        else None,
        actor_id=context.user.id,
        recorded_at=utcnow(),
    )
    db.add(event)
    audit.record(
        db,
        "procedure_step",
        audit.STAFF,
        context.user.id,
        case.id,
        f"action={step.action.value} from={case.status} to={target.value}",
    )
    case.status = target.value
    case.closed_on = step.event_on if target in procedure.COMPLETED_STATUSES else None
    _apply_detail(case, step)
    if step.message:
        cases.add_message(db, case, content_key, cases.STAFF, step.message, today, author_id=context.user.id)
        case.last_feedback_on = today
        audit.record(db, "message_sent", audit.STAFF, context.user.id, case.id)
    db.flush()
    refresh_deadline(db, case, days)
    return event
