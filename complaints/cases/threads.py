"""What is added to a case over time, under its content key: messages with the reporter,
internal notes, the notes of procedure steps, reveal-request references, and the list of its
evidence files."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import contexts, crypto, keys, pins
from complaints.cases.values import REPORTER
from complaints.models import Attachment, Case, InternalNote, Message, ProcedureEvent, RevealRequest


def add_message(
    db: Session,
    case: Case,
    content_key: bytes,
    author: str,
    body: str,
    on: date,
    author_id: int | None = None,
) -> Message:
    """Append an encrypted message to the case's thread (caller commits)."""
    message_uid = crypto.random_token(12)
    message = Message(
        uid=message_uid,
        case_id=case.id,
        author=author,
        author_id=author_id,
        sent_on=on,
        read_by_staff=author != REPORTER,
        body_ciphertext=crypto.encrypt_text(
            content_key, body, contexts.message(case.uid, message_uid, author)
        ),
    )
    db.add(message)
    return message


def read_message(case: Case, message: Message, content_key: bytes) -> str:
    """A message's text."""
    return crypto.decrypt_text(
        content_key, message.body_ciphertext, contexts.message(case.uid, message.uid, message.author)
    )


def thread(db: Session, case: Case) -> list[Message]:
    """The case's messages, oldest first."""
    return list(db.scalars(select(Message).where(Message.case_id == case.id).order_by(Message.id)).all())


def attachments_of(db: Session, case: Case) -> list[Attachment]:
    """The case's attachment rows, oldest first."""
    return list(
        db.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)).all()
    )


def add_internal_note(
    db: Session, case: Case, content_key: bytes, author_id: int, body: str, at: datetime
) -> InternalNote:
    """Append a note only the legal unit sees, encrypted under the case key (caller commits)."""
    note_uid = crypto.random_token(12)
    note = InternalNote(
        uid=note_uid,
        case_id=case.id,
        author_id=author_id,
        created_at=at,
        body_ciphertext=crypto.encrypt_text(content_key, body, contexts.internal_note(case.uid, note_uid)),
    )
    db.add(note)
    return note


def read_internal_note(case: Case, note: InternalNote, content_key: bytes) -> str:
    """An internal note's text."""
    return crypto.decrypt_text(content_key, note.body_ciphertext, contexts.internal_note(case.uid, note.uid))


def internal_notes(db: Session, case: Case) -> list[InternalNote]:
    """The case's internal notes, oldest first."""
    return list(
        db.scalars(
            select(InternalNote).where(InternalNote.case_id == case.id).order_by(InternalNote.id)
        ).all()
    )


def encrypt_event_note(case: Case, event_uid: str, content_key: bytes, note: str) -> bytes:
    """The note of a procedure step, encrypted under the case key."""
    return crypto.encrypt_text(content_key, note, contexts.procedure_note(case.uid, event_uid))


def read_event_note(case: Case, event: ProcedureEvent, content_key: bytes) -> str:
    """A procedure step's note ('' when it has none)."""
    if event.note_ciphertext is None:
        return ""
    return crypto.decrypt_text(
        content_key, event.note_ciphertext, contexts.procedure_note(case.uid, event.uid)
    )


def encrypt_event_details(case: Case, event_uid: str, content_key: bytes, words: dict[str, str]) -> bytes:
    """A procedure step's words (order and letter numbers, committee, reasons), under the case key."""
    return crypto.encrypt_text(
        content_key, json.dumps(words, ensure_ascii=False), contexts.procedure_detail(case.uid, event_uid)
    )


def read_event_details(case: Case, event: ProcedureEvent, content_key: bytes) -> dict[str, str]:
    """A step's words; an order number recorded before numbers were sealed is still shown."""
    words: dict[str, str] = {}
    if event.details_ciphertext is not None:
        plain = crypto.decrypt_text(
            content_key, event.details_ciphertext, contexts.procedure_detail(case.uid, event.uid)
        )
        words.update(json.loads(plain))
    if event.order_number and "order_number" not in words:
        words["order_number"] = event.order_number
    return words


def seal_reveal_reference(
    db: Session, case: Case, request: RevealRequest, content_key: bytes, reference: str
) -> None:
    """A reveal request's order number under the case key for the handlers, and sealed to the
    custodian key (when its pin verifies) for the custodians deciding it; never in the clear."""
    context = contexts.reveal_reference(case.uid, request.id)
    request.reference_ciphertext = crypto.encrypt_text(content_key, reference, context)
    custodian = keys.active_org_key(db, keys.CUSTODIAN)
    if custodian is not None and pins.org_key_verifies(custodian):
        request.reference_sealed = crypto.seal(reference.encode(), custodian.public_key, context)
    request.reference = None


def read_reveal_reference(
    case: Case, request: RevealRequest, content_key: bytes | None, custodian: bytes | None
) -> str:
    """The request's order number, with whichever key the reader holds; "" if it does not open."""
    context = contexts.reveal_reference(case.uid, request.id)
    try:
        if content_key is not None and request.reference_ciphertext is not None:
            return crypto.decrypt_text(content_key, request.reference_ciphertext, context)
        if custodian is not None and request.reference_sealed is not None:
            return crypto.unseal(request.reference_sealed, custodian, context).decode()
    except crypto.CryptoError:
        return ""
    return request.reference or ""  # recorded before references were sealed
