"""What the case page shows, decrypted: the report, evidence, the thread, notes and procedure
steps. Reading is audited, and the reporter's messages then count as read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import audit, cases, labels, notices
from complaints.models import Case, Message, ProcedureEvent, StaffUser


@dataclass(frozen=True)
class AttachmentView:
    """An evidence file as listed on the case page."""

    uid: str
    filename: str
    size: int
    added_by: str
    added_on: date
    cleaned: bool = False


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
    codes: dict[str, str]
    words: dict[str, str]
    extra_on: date | None


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


def _event_view(case: Case, event: ProcedureEvent, content_key: bytes | None, actor_name: str) -> EventView:
    key = content_key
    no_words: dict[str, str] = {}
    words = (
        cases.or_altered(lambda: cases.read_event_details(case, event, key), no_words) if key else no_words
    )
    return EventView(
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        event_on=event.event_on,
        order_number=words.get("order_number", ""),
        note=cases.or_altered(lambda: cases.read_event_note(case, event, key), altered()) if key else "",
        actor_name=actor_name,
        codes=json.loads(event.codes_json or "{}"),
        words=words,
        extra_on=event.extra_on,
    )


def event_views(db: Session, case: Case, content_key: bytes | None) -> list[EventView]:
    """Procedure steps for display; their words and notes are decrypted only with the content key."""
    events = procedure_events(db, case)
    names = staff_names(db, {event.actor_id for event in events})
    return [_event_view(case, event, content_key, names.get(event.actor_id or 0, "")) for event in events]


def _attachment_views(db: Session, case: Case, content_key: bytes) -> list[AttachmentView]:
    views = []
    for attachment in cases.attachments_of(db, case):
        meta = cases.or_altered(
            lambda: cases.read_attachment_meta(case, attachment, content_key),  # noqa: B023  (called at once)
            cases.altered_attachment(altered()),
        )
        views.append(
            AttachmentView(
                uid=attachment.uid,
                filename=meta.filename,
                size=meta.size,
                added_by=attachment.added_by,
                added_on=attachment.added_on,
                cleaned=meta.cleaned,
            )
        )
    return views


def altered() -> str:
    """What the page shows in place of a row that does not open under this case."""
    return str(labels.ALTERED_ENTRY)


def _message_text(case: Case, message: Message, content_key: bytes) -> str:
    text = cases.or_altered(lambda: cases.read_message(case, message, content_key), None)
    if text is None:
        return altered()
    return notices.render(text) if message.author == cases.SYSTEM else text


def _message_views(db: Session, case: Case, content_key: bytes) -> list[MessageView]:
    messages = cases.thread(db, case)
    names = staff_names(db, {message.author_id for message in messages})
    return [
        MessageView(
            author=message.author,
            author_name=names.get(message.author_id or 0, ""),
            sent_on=message.sent_on,
            text=_message_text(case, message, content_key),
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
            text=cases.or_altered(lambda: cases.read_internal_note(case, note, content_key), altered()),  # noqa: B023
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
