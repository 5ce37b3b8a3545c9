"""Case handling for the legal unit: open a case, talk to the reporter, notes, assignment,
exclusions, identity reveal and evidence downloads. Every view of decrypted content is audited.

Service functions take explicit arguments and never commit; the views do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from complaints import audit, cases, crypto, keys, procedure
from complaints.models import (
    Case,
    CaseExclusion,
    CaseKey,
    InternalNote,
    KeyGrant,
    Message,
    OrgKey,
    ProcedureEvent,
    StaffUser,
)
from complaints.staff.auth import HANDLER_ROLES, StaffContext

# Why a lead lets an excluded account see a case again (the code is what the audit log keeps).
LIFT_REASONS = ("mistaken", "not_subject", "conflict_ended")


class CaseActionRefused(Exception):
    """This person may not take this action on this case now; ``reason`` names why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- finding a case ---------------------------------------------------------------------------


def is_excluded(db: Session, case_id: int, user_id: int) -> bool:
    """Whether the person is the subject of the case or declared a conflict."""
    return db.get(CaseExclusion, (case_id, user_id)) is not None


def visible_case(db: Session, number: str, user_id: int) -> Case:
    """The case with this number, unless the person is excluded (then it does not exist for them)."""
    case = db.scalars(select(Case).where(Case.number == number)).first()
    if case is None or is_excluded(db, case.id, user_id):
        raise cases.CaseNotFound
    return case


def unit_private_key(db: Session, context: StaffContext) -> bytes:
    """The legal unit private key, opened through the person's current grant.

    Raises :class:`keys.KeyringError` when they hold no usable grant of it (none yet, or one
    sealed to a personal key an administrator's password reset replaced).
    """
    try:
        return keys.private_key_for(db, keys.UNIT, context.user, context.personal_key)
    except crypto.CryptoError as error:  # a grant that does not open is no grant
        raise keys.KeyringError("the unit key grant does not open") from error


def content_key_with(db: Session, case: Case, unit_private: bytes) -> bytes:
    """The case's content key, opened with the legal unit private key (KeyringError if it will not)."""
    try:
        return cases.open_with_org_key(db, case, cases.CONTENT, unit_private)
    except crypto.CryptoError as error:
        raise keys.KeyringError("the case's content key does not open") from error


def content_key_for(db: Session, context: StaffContext, case: Case) -> bytes:
    """The case's content key through the legal unit key the person holds.

    Raises :class:`keys.KeyringError` when they hold no current grant of the unit key.
    """
    return content_key_with(db, case, unit_private_key(db, context))


def holds_key(db: Session, context: StaffContext, kind: str) -> bool:
    """Whether the person holds a usable grant of an organisation key."""
    try:
        keys.private_key_for(db, kind, context.user, context.personal_key)
    except (keys.KeyringError, crypto.CryptoError):
        return False
    return True


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentView:
    """An evidence file as listed on the case page."""

    uid: str
    filename: str
    size: int
    added_by: str
    added_on: date


@dataclass(frozen=True)
class MessageView:
    """One message of the thread with the reporter."""

    author: str
    author_name: str
    sent_on: date
    text: str


@dataclass(frozen=True)
class NoteView:
    """An internal note."""

    author_name: str
    created_at: datetime
    text: str


@dataclass(frozen=True)
class EventView:
    """A recorded procedure step (its note only when the reader holds the key)."""

    action: str
    from_status: str
    to_status: str
    event_on: date
    order_number: str
    note: str
    actor_name: str


@dataclass(frozen=True)
class CaseContent:
    """Everything decrypted for the case page."""

    report: cases.ReportContent
    attachments: list[AttachmentView]
    messages: list[MessageView]
    notes: list[NoteView]
    events: list[EventView]


def staff_names(db: Session, user_ids: set[int | None]) -> dict[int, str]:
    """Display names (or usernames) of staff accounts, for authors and actors."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    rows = db.execute(
        select(StaffUser.id, StaffUser.username, StaffUser.display_name).where(StaffUser.id.in_(ids))
    )
    return {row.id: row.display_name or row.username for row in rows}


def procedure_events(db: Session, case: Case) -> list[ProcedureEvent]:
    """The case's procedure steps, oldest first."""
    return list(
        db.scalars(
            select(ProcedureEvent).where(ProcedureEvent.case_id == case.id).order_by(ProcedureEvent.id)
        )
    )


def event_views(db: Session, case: Case, content_key: bytes | None) -> list[EventView]:
    """Procedure steps for display; notes are decrypted only with the content key."""
    events = procedure_events(db, case)
    names = staff_names(db, {event.actor_id for event in events})
    return [
        EventView(
            action=event.action,
            from_status=event.from_status,
            to_status=event.to_status,
            event_on=event.event_on,
            order_number=event.order_number or "",
            note=cases.read_event_note(case, event, content_key) if content_key else "",
            actor_name=names.get(event.actor_id or 0, ""),
        )
        for event in events
    ]


def _attachment_views(db: Session, case: Case, content_key: bytes) -> list[AttachmentView]:
    views = []
    for attachment in cases.attachments_of(db, case):
        meta = cases.read_attachment_meta(case, attachment, content_key)
        views.append(
            AttachmentView(
                uid=attachment.uid,
                filename=meta.filename,
                size=meta.size,
                added_by=attachment.added_by,
                added_on=attachment.added_on,
            )
        )
    return views


def _message_views(db: Session, case: Case, content_key: bytes) -> list[MessageView]:
    messages = cases.thread(db, case)
    names = staff_names(db, {message.author_id for message in messages})
    return [
        MessageView(
            author=message.author,
            author_name=names.get(message.author_id or 0, ""),
            sent_on=message.sent_on,
            text=cases.read_message(case, message, content_key),
        )
        for message in messages
    ]


def _note_views(db: Session, case: Case, content_key: bytes) -> list[NoteView]:
    notes = cases.internal_notes(db, case)
    names = staff_names(db, {note.author_id for note in notes})
    return [
        NoteView(
            author_name=names.get(note.author_id, ""),
            created_at=note.created_at,
            text=cases.read_internal_note(case, note, content_key),
        )
        for note in notes
    ]


def read_case(db: Session, case: Case, content_key: bytes, reader: StaffUser) -> CaseContent:
    """Decrypt the case for its page; audited, and the reporter's messages count as read."""
    content = CaseContent(
        report=cases.read_report(case, content_key),
        attachments=_attachment_views(db, case, content_key),
        messages=_message_views(db, case, content_key),
        notes=_note_views(db, case, content_key),
        events=event_views(db, case, content_key),
    )
    for message in db.scalars(
        select(Message).where(Message.case_id == case.id, Message.read_by_staff.is_(False))
    ):
        message.read_by_staff = True
    audit.record(db, "case_viewed", audit.STAFF, reader.id, case.id)
    return content


# --- writing --------------------------------------------------------------------------------


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


# --- assignment and exclusions ----------------------------------------------------------------


def assignable_staff(db: Session, case: Case) -> list[StaffUser]:
    """Active officers and leads who are not excluded from the case."""
    excluded = select(CaseExclusion.user_id).where(CaseExclusion.case_id == case.id)
    users = db.scalars(
        select(StaffUser)
        .where(StaffUser.disabled.is_(False), StaffUser.id.not_in(excluded))
        .order_by(StaffUser.username)
    )
    return [user for user in users if user.role_set & HANDLER_ROLES]


def assign(db: Session, case: Case, context: StaffContext, assignee_id: int | None) -> StaffUser | None:
    """Give the case to an officer (a lead may pick anyone eligible; an officer only themself)."""
    require_handler(context)
    is_lead = "lead" in context.user.role_set
    if not is_lead and assignee_id != context.user.id:
        raise CaseActionRefused("lead_only")
    assignee = None
    if assignee_id is not None:
        assignee = next((user for user in assignable_staff(db, case) if user.id == assignee_id), None)
        if assignee is None:
            raise CaseActionRefused("not_assignable")
    case.assigned_to_id = assignee.id if assignee else None
    audit.record(
        db, "case_assigned", audit.STAFF, context.user.id, case.id, f"to={case.assigned_to_id or '-'}"
    )
    return assignee


def readers_besides(db: Session, case: Case, user_id: int) -> int:
    """Active accounts other than ``user_id``, not excluded from the case, holding a current unit key.

    A current grant is one sealed to the account's present personal key (an administrator's
    password reset leaves the old grant unusable until a lead grants the key again).
    """
    excluded = select(CaseExclusion.user_id).where(CaseExclusion.case_id == case.id)
    count = db.scalar(
        select(func.count(func.distinct(StaffUser.id)))
        .join(KeyGrant, KeyGrant.user_id == StaffUser.id)
        .join(OrgKey, OrgKey.id == KeyGrant.org_key_id)
        .where(
            OrgKey.kind == keys.UNIT,
            OrgKey.active.is_(True),
            KeyGrant.recipient_key_id == StaffUser.key_id,
            StaffUser.disabled.is_(False),
            StaffUser.id != user_id,
            StaffUser.id.not_in(excluded),
        )
    )
    return int(count or 0)


def _exclude(db: Session, case: Case, user_id: int, reason: str) -> None:
    """Exclude an account, unless nobody who can read the case would be left to see it.

    The case row is locked first, so two leads excluding each other at the same moment are
    served one after the other and the second one sees the first exclusion.
    """
    db.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    if is_excluded(db, case.id, user_id):
        return
    if readers_besides(db, case, user_id) == 0:
        raise CaseActionRefused("last_reader")
    db.add(CaseExclusion(case_id=case.id, user_id=user_id, reason=reason))
    if case.assigned_to_id == user_id:
        case.assigned_to_id = None
    # An identity revealed to them earlier goes too: lifting the exclusion later does not bring it back.
    db.execute(
        delete(CaseKey).where(
            CaseKey.case_id == case.id,
            CaseKey.recipient == cases.STAFF,
            CaseKey.recipient_key_id == db.get_one(StaffUser, user_id).key_id,
        )
    )


def declare_conflict(db: Session, case: Case, context: StaffContext) -> None:
    """Exclude oneself from a case for good (it disappears from everything one sees).

    Refused (``last_reader``) when it would leave nobody able to read the case.
    """
    _exclude(db, case, context.user.id, "conflict")
    audit.record(db, "conflict_declared", audit.STAFF, context.user.id, case.id)


def excludable_staff(db: Session, case: Case, context: StaffContext) -> list[StaffUser]:
    """Accounts a lead may name as the subject of the case (everyone else not yet excluded)."""
    excluded = select(CaseExclusion.user_id).where(CaseExclusion.case_id == case.id)
    return list(
        db.scalars(
            select(StaffUser)
            .where(StaffUser.id != context.user.id, StaffUser.id.not_in(excluded))
            .order_by(StaffUser.username)
        )
    )


def exclude_subject(db: Session, case: Case, context: StaffContext, user_id: int) -> None:
    """A lead names a staff account as the subject of the report: it never sees the case."""
    if "lead" not in context.user.role_set:
        raise CaseActionRefused("lead_only")
    if not any(user.id == user_id for user in excludable_staff(db, case, context)):
        raise CaseActionRefused("not_excludable")
    _exclude(db, case, user_id, "subject")
    audit.record(
        db, "staff_excluded", audit.STAFF, context.user.id, case.id, f"user={user_id} reason=subject"
    )


def lift_exclusion(db: Session, case: Case, context: StaffContext, user_id: int, reason: str) -> None:
    """A lead lets an excluded account see the case again, for a recorded reason (audited).

    Nobody lifts their own exclusion: the subject of a report, or someone who declared a
    conflict, needs another lead to decide it no longer applies.
    """
    if "lead" not in context.user.role_set:
        raise CaseActionRefused("lead_only")
    if reason not in LIFT_REASONS:
        raise CaseActionRefused("lift_reason")
    if user_id == context.user.id:
        raise CaseActionRefused("own_exclusion")
    exclusion = db.get(CaseExclusion, (case.id, user_id))
    if exclusion is None:
        raise CaseActionRefused("not_excluded")
    was = exclusion.reason
    db.delete(exclusion)
    audit.record(
        db,
        "exclusion_lifted",
        audit.STAFF,
        context.user.id,
        case.id,
        f"user={user_id} was={was} reason={reason}",
    )


@dataclass(frozen=True)
class ExclusionView:
    """Who is kept away from a case and why (shown to leads)."""

    user_id: int
    name: str
    reason: str


def exclusions(db: Session, case: Case) -> list[ExclusionView]:
    """The case's exclusions."""
    rows = db.execute(
        select(StaffUser.id, StaffUser.username, StaffUser.display_name, CaseExclusion.reason)
        .join(StaffUser, StaffUser.id == CaseExclusion.user_id)
        .where(CaseExclusion.case_id == case.id)
        .order_by(StaffUser.username)
    )
    return [
        ExclusionView(user_id=row.id, name=row.display_name or row.username, reason=row.reason)
        for row in rows
    ]
