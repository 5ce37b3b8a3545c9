"""Recording measure-8 procedure steps: each one dated, by its actor, with its codes as plaintext
metadata and its words (order and letter numbers, committee, reasons, outcome) under the case
key, written to ``procedure_events`` and the audit log; status, results and clocks follow the
procedure table (:mod:`complaints.procedure`)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import audit, cases, clocks, crypto, procedure
from complaints.dates import utcnow
from complaints.models import Case, CaseReference, ProcedureEvent
from complaints.procedure import Action, Field, Status
from complaints.references import reference_digest
from complaints.staff.casework import require_handler
from complaints.staff.step_checks import Rules, StepInput, check_step
from complaints.workspace.sessions import StaffContext

__all__ = ["Rules", "StepInput", "record_step"]


def _details(step: StepInput) -> dict[str, str]:
    words = {name: text.strip() for name, text in step.texts.items() if text.strip()}
    words |= {name.value: step.code(name) for name in procedure.SEALED_CODES if step.code(name)}
    if step.order_number.strip():
        words["order_number"] = step.order_number.strip()
    return words


def _event(
    case: Case, content_key: bytes, context: StaffContext, step: StepInput, target: Status
) -> ProcedureEvent:
    event_uid = crypto.random_token(12)
    words = _details(step)
    sealed = {name.value for name in procedure.SEALED_CODES}
    codes = {name: value for name, value in step.codes.items() if value and name not in sealed}
    extra = (
        step.date_of(Field.NEW_DUE_ON)
        or step.date_of(Field.NOTIFIED_ON)
        or step.date_of(Field.FIRST_MEETING_ON)
    )
    return ProcedureEvent(
        uid=event_uid,
        case_id=case.id,
        action=step.action.value,
        from_status=case.status,
        to_status=target.value,
        event_on=step.event_on,
        order_number=None,
        codes_json=json.dumps(codes, sort_keys=True),
        extra_on=extra,
        details_ciphertext=cases.encrypt_event_details(case, event_uid, content_key, words)
        if words
        else None,
        note_ciphertext=cases.encrypt_event_note(case, event_uid, content_key, step.note)
        if step.note
        else None,
        actor_id=context.user.id,
        recorded_at=utcnow(),
    )


def _apply_results(case: Case, step: StepInput) -> None:
    """What the step decides, as plaintext codes on the case (for the statistics)."""
    action, code = step.action, step.code
    if action is Action.NOT_ACCEPT:
        case.not_accepted_reason = code(Field.REASON)
    elif action is Action.CLOSE:
        case.close_reason, case.outcome = code(Field.CLOSE_REASON), "closed"
    elif action is Action.REFER:
        case.referred_to = code(Field.REFERRED_TO)
    elif action is Action.ROUTE_OUTSIDE:
        case.referred_to, case.routed_outside = code(Field.REFERRED_TO), True
    elif action is Action.RECORD_REFERRAL_RESULT:
        case.referral_result = code(Field.REFERRAL_RESULT)
    elif action is Action.FIND_UNFOUNDED:
        case.finding, case.outcome = "unfounded", "unfounded"
    elif action is Action.START_DISCIPLINARY:
        case.finding, case.disciplinary_severity = "founded", code(Field.SEVERITY)
    elif action is Action.RECORD_NACC_FINDING:
        case.finding, case.nacc_finding = "founded", code(Field.FINDING_BODY)
    elif action is Action.DECIDE_PENALTY:
        case.severity_found, case.penalty = code(Field.SEVERITY_FOUND), code(Field.PENALTY)
        case.original_penalty, case.outcome = case.penalty, procedure.outcome_of_penalty(case.penalty)
    elif action is Action.DECIDE_APPEAL:
        _apply_appeal(case, code(Field.APPEAL_RESULT), code(Field.PENALTY))
    elif action is Action.REFER_CRIMINAL:
        case.criminal_referral, case.criminal_body = True, code(Field.CRIMINAL_BODY)
    elif action is Action.RECORD_CRIMINAL_OUTCOME:
        case.criminal_outcome = code(Field.CRIMINAL_OUTCOME)
    elif action is Action.CONCLUDE and case.outcome is None:
        case.outcome = "closed"


def _apply_appeal(case: Case, result: str, penalty: str) -> None:
    """The final penalty is what the statistics count; the original stays in ``original_penalty``."""
    case.appeal_result = result
    if result == "reduced":
        case.penalty, case.outcome = penalty, procedure.outcome_of_penalty(penalty)
    elif result == "overturned":
        case.penalty, case.outcome = None, "overturned_on_appeal"


def _move_clocks(db: Session, case: Case, step: StepInput, calendar: clocks.Calendar) -> None:
    row = procedure.step_of(step.action)
    for clock in row.stops:
        clocks.stop(db, case, clock, step.event_on)
    for clock in row.starts:
        if clock == "copy_to_nacc" and not case.nacc_finding:
            continue  # the copy is owed only after an NACC or PACC finding
        begins = step.event_on
        if clock == "appeal_window":  # 30 days from the day the penalised official was notified
            begins = step.date_of(Field.NOTIFIED_ON) or step.event_on
        clocks.start(db, case, clock, begins, calendar)
    if step.action is Action.EXTEND_INVESTIGATION:
        extended = clocks.running(db, case, "disciplinary_investigation")
        new_due = step.date_of(Field.NEW_DUE_ON)
        if extended is not None and new_due is not None:
            extended.due_on = new_due  # every extension, with its reason, stays in the events
    first_meeting = step.date_of(Field.FIRST_MEETING_ON)
    if step.action is Action.APPOINT_INVESTIGATION_COMMITTEE and first_meeting is not None:
        _count_from_first_meeting(db, case, first_meeting, calendar)
    if step.action is Action.RECORD_DELAY_REASON:
        clocks.excuse(db, case, "final_feedback", step.event_on)
    if Status(case.status) in procedure.COMPLETED_STATUSES:
        clocks.completed(db, case, step.event_on)


def _count_from_first_meeting(
    db: Session, case: Case, first_meeting: date, calendar: clocks.Calendar
) -> None:
    """The investigation's time limit counts from the committee's first meeting (DOMAIN B8); an
    extension already granted to a later date stands."""
    running = clocks.running(db, case, "disciplinary_investigation")
    if running is not None:
        running.due_on = max(running.due_on, calendar.due("disciplinary_investigation", first_meeting))


def _remember_references(db: Session, case: Case, step: StepInput, key: bytes) -> None:
    for reference in (step.order_number, step.texts.get(Field.LETTER_NUMBER.value, "")):
        if reference.strip():
            digest = reference_digest(reference, key)
            if not _known(db, case, digest):
                db.add(CaseReference(case_id=case.id, digest=digest))


def _known(db: Session, case: Case, digest: str) -> bool:
    found = db.scalars(
        select(CaseReference.id).where(CaseReference.case_id == case.id, CaseReference.digest == digest)
    ).first()
    return found is not None


def record_step(
    db: Session,
    case: Case,
    content_key: bytes,
    context: StaffContext,
    step: StepInput,
    rules: Rules,
    calendar: clocks.Calendar,
    reference_key: bytes,
) -> ProcedureEvent:
    """Take one procedure action on the case (the caller commits)."""
    require_handler(context)
    # Two officers recording at once are served one after the other, each seeing the other's step.
    db.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    db.refresh(case)
    target = check_step(db, case, context, step, rules)
    event = _event(case, content_key, context, step, target)
    db.add(event)
    _remember_references(db, case, step, reference_key)
    audit.record(
        db,
        "procedure_step",
        audit.STAFF,
        context.user.id,
        case.id,
        f"action={step.action.value} from={case.status} to={target.value}",
    )
    case.status = target.value
    if target in procedure.COMPLETED_STATUSES:
        case.closed_on = case.closed_on if event.from_status == target.value else step.event_on
    else:
        case.closed_on = None
    _apply_results(case, step)
    _move_clocks(db, case, step, calendar)
    if step.message:
        _send_with_step(db, case, content_key, context, step.message, rules.today, calendar)
    clocks.refresh_next_deadline(db, case)
    return event


def _send_with_step(
    db: Session,
    case: Case,
    content_key: bytes,
    context: StaffContext,
    message: str,
    on: date,
    calendar: clocks.Calendar,
) -> None:
    cases.add_message(db, case, content_key, cases.STAFF, message, on, author_id=context.user.id)
    case.last_feedback_on = on
    if Status(case.status) not in procedure.COMPLETED_STATUSES:
        clocks.feedback_given(db, case, on, calendar)
    audit.record(db, "message_sent", audit.STAFF, context.user.id, case.id)
