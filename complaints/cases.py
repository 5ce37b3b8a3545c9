"""Cases as the application sees them: file a report, open it with a key, add to it.

Slow work (key generation, sealing, encryption) happens in :func:`prepare_case` before any
database transaction; :func:`store_case` only inserts rows, so concurrent submissions never
hold a transaction open for long. Case numbers come from an atomic counter update.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from complaints import audit, crypto, keys
from complaints.dates import add_days, fiscal_year_of
from complaints.models import (
    Attachment,
    Case,
    CaseCounter,
    CaseKey,
    InternalNote,
    KeyGrant,
    Message,
    ProcedureEvent,
    StaffUser,
)
from complaints.procedure import Status
from complaints.storage import EncryptedUpload

CONTENT = "content"
IDENTITY = "identity"
REPORTER = "reporter"
STAFF = "staff"


class CaseNotFound(Exception):
    """No case matches (wrong receipt, unknown number, or the viewer is excluded)."""


@dataclass(frozen=True)
class ReportContent:
    """Everything the reporter wrote about the misconduct (stored encrypted as one JSON)."""

    description: str
    accused_name: str = ""
    accused_position: str = ""
    incident_date: str = ""
    location: str = ""
    amount: str = ""
    witnesses: str = ""
    reported_elsewhere: str = ""
    desired_action: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ReportContent:
        data: dict[str, Any] = json.loads(text)
        return cls(**{name: str(data.get(name, "")) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ReporterIdentity:
    """Who the reporter is, given only in confidential mode; sealed away from handlers."""

    name: str = ""
    phone: str = ""
    email: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ReporterIdentity:
        data: dict[str, Any] = json.loads(text)
        return cls(**{name: str(data.get(name, "")) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class EvidenceFile:
    """An uploaded file already encrypted on disk under its own key."""

    upload: EncryptedUpload
    filename: str
    content_type: str


@dataclass(frozen=True)
class AttachmentMeta:
    """What is kept about a file, encrypted under the case key (the file key included)."""

    filename: str
    content_type: str
    size: int
    file_key_hex: str = field(repr=False)

    @property
    def file_key(self) -> bytes:
        return bytes.fromhex(self.file_key_hex)


@dataclass
class PreparedCase:
    """A case fully encrypted in memory, ready to be inserted in one short transaction."""

    uid: str
    receipt: str = field(repr=False)
    receipt_lookup: bytes
    reporter_salt: bytes
    report_ciphertext: bytes
    identity_ciphertext: bytes | None
    case_keys: list[CaseKey]
    attachments: list[Attachment]
    uploads: list[EncryptedUpload] = field(default_factory=list)


@dataclass(frozen=True)
class CaseKeys:
    """The keys an opener obtained for one case; ``identity`` only if they may see it."""

    content: bytes = field(repr=False)
    identity: bytes | None = field(default=None, repr=False)


def _content_context(uid: str, name: str) -> str:
    return f"field:{name}|case:{uid}"


def _key_purpose(purpose: str, uid: str, recipient_key_id: str) -> str:
    return f"{purpose}-key|case:{uid}|to:{recipient_key_id}"


def _attachment_context(uid: str, attachment_uid: str) -> str:
    return f"attachment-meta|case:{uid}|file:{attachment_uid}"


def _with_case(case_key: CaseKey, case: Case) -> CaseKey:
    case_key.case_id = case.id
    return case_key


def _seal_key(uid: str, purpose: str, secret: bytes, recipient: str, public_key: bytes) -> CaseKey:
    recipient_key_id = crypto.key_id(public_key)
    return CaseKey(
        purpose=purpose,
        recipient=recipient,
        recipient_key_id=recipient_key_id,
        sealed_ciphertext=crypto.seal(secret, public_key, _key_purpose(purpose, uid, recipient_key_id)),
    )


def seal_attachment(
    uid: str, content_key: bytes, evidence: EvidenceFile, added_by: str, on: date
) -> Attachment:
    """The database row for an encrypted upload, its name and key under the case key."""
    attachment_uid = crypto.random_token(16)
    meta = AttachmentMeta(
        filename=evidence.filename,
        content_type=evidence.content_type,
        size=evidence.upload.size,
        file_key_hex=evidence.upload.key.hex(),
    )
    return Attachment(
        uid=attachment_uid,
        stored_name=evidence.upload.stored_name,
        meta_ciphertext=crypto.encrypt_text(
            content_key,
            json.dumps(asdict(meta), ensure_ascii=False),
            _attachment_context(uid, attachment_uid),
        ),
        added_by=added_by,
        added_on=on,
    )


def prepare_case(
    content: ReportContent,
    identity: ReporterIdentity | None,
    evidence: list[EvidenceFile],
    recipients: keys.RecipientKeys,
    lookup_secret: bytes,
    today: date,
) -> PreparedCase:
    """Generate the case's keys and receipt and encrypt everything; no database access."""
    uid = crypto.random_token(24)
    receipt = crypto.new_receipt()
    stretched = stretch_receipt(receipt, lookup_secret)
    reporter_salt = crypto.new_salt()
    reporter_public = crypto.public_key_of(crypto.reporter_private_key(stretched, reporter_salt))
    content_key = crypto.new_data_key()
    identity_key = crypto.new_data_key()
    sealed = [
        _seal_key(uid, CONTENT, content_key, keys.UNIT, recipients.unit.public_key),
        _seal_key(uid, CONTENT, content_key, keys.RECOVERY, recipients.recovery.public_key),
        _seal_key(uid, CONTENT, content_key, REPORTER, reporter_public),
    ]
    identity_ciphertext = None
    if identity is not None:
        identity_ciphertext = crypto.encrypt_text(
            identity_key, identity.to_json(), _content_context(uid, IDENTITY)
        )
        sealed += [
            _seal_key(uid, IDENTITY, identity_key, keys.CUSTODIAN, recipients.custodian.public_key),
            _seal_key(uid, IDENTITY, identity_key, keys.RECOVERY, recipients.recovery.public_key),
            _seal_key(uid, IDENTITY, identity_key, REPORTER, reporter_public),
        ]
    return PreparedCase(
        uid=uid,
        receipt=receipt,
        receipt_lookup=crypto.receipt_lookup(stretched, lookup_secret),
        reporter_salt=reporter_salt,
        report_ciphertext=crypto.encrypt_text(
            content_key, content.to_json(), _content_context(uid, "report")
        ),
        identity_ciphertext=identity_ciphertext,
        case_keys=sealed,
        attachments=[seal_attachment(uid, content_key, item, REPORTER, today) for item in evidence],
        uploads=[item.upload for item in evidence],
    )


def allocate_case_number(db: Session, fiscal_year: int) -> str:
    """The next case number of a fiscal year, e.g. ``2569-0007``, without a read-then-write race."""
    bump = (
        update(CaseCounter)
        .where(CaseCounter.fiscal_year == fiscal_year)
        .values(last_number=CaseCounter.last_number + 1)
        .returning(CaseCounter.last_number)
    )
    number = db.execute(bump).scalar()
    if number is None:
        try:
            with db.begin_nested():
                db.add(CaseCounter(fiscal_year=fiscal_year, last_number=1))
            number = 1
        except IntegrityError:  # another request created the year's counter first
            number = db.execute(bump).scalar_one()
    return f"{fiscal_year}-{number:04d}"


def store_case(
    db: Session,
    prepared: PreparedCase,
    category: str,
    department: str,
    channel: str,
    today: date,
    deadline_days: dict[str, Any],
    actor_kind: str = audit.REPORTER,
    actor_id: int | None = None,
) -> Case:
    """Insert a prepared case in the caller's transaction; the caller commits, then promotes files."""
    fiscal_year = fiscal_year_of(today)
    case = Case(
        uid=prepared.uid,
        number=allocate_case_number(db, fiscal_year),
        fiscal_year=fiscal_year,
        channel=channel,
        category=category,
        department=department,
        disclosure="confidential" if prepared.identity_ciphertext else "anonymous",
        status=Status.RECEIVED.value,
        submitted_on=today,
        # Online reports are acknowledged automatically by the receipt page (DOMAIN B1).
        acknowledged_on=today if channel == "online" else None,
        next_deadline_on=add_days(today, int(deadline_days["first_feedback"])),
        next_deadline_kind="first_feedback",
        receipt_lookup=prepared.receipt_lookup,
        reporter_salt=prepared.reporter_salt,
        report_ciphertext=prepared.report_ciphertext,
        identity_ciphertext=prepared.identity_ciphertext,
    )
    case.keys = list(prepared.case_keys)
    db.add(case)
    db.flush()
    for attachment in prepared.attachments:
        attachment.case_id = case.id
        db.add(attachment)
    audit.record(db, "case_submitted", actor_kind, actor_id, case.id, f"channel={channel}")
    return case


# --- opening a case -------------------------------------------------------------------------


def receipt_params() -> crypto.Argon2Params:
    """The cost of the receipt stretch, from config (lowered in tests)."""
    config = current_app.config
    return crypto.Argon2Params(
        memory_kib=int(config["RECEIPT_ARGON2_MEMORY_KIB"]),
        iterations=int(config["RECEIPT_ARGON2_ITERATIONS"]),
        lanes=1,
    )


def stretch_receipt(receipt: str, lookup_secret: bytes) -> bytes:
    """The single slow step of everything a receipt unlocks (see :func:`crypto.stretch_receipt`)."""
    return crypto.stretch_receipt(receipt, lookup_secret, receipt_params())


def unlock_by_receipt(db: Session, receipt: str, lookup_secret: bytes) -> tuple[Case, CaseKeys]:
    """The case a normalised receipt belongs to and the reporter's keys, with one stretch.

    Raises :class:`CaseNotFound` for any receipt that matches nothing.
    """
    stretched = stretch_receipt(receipt, lookup_secret)
    case = db.scalars(
        select(Case).where(Case.receipt_lookup == crypto.receipt_lookup(stretched, lookup_secret))
    ).first()
    if case is None:
        raise CaseNotFound
    return case, _reporter_keys(db, case, stretched)


def _open_sealed(
    db: Session, case: Case, purpose: str, recipient_key_id: str, private_key: bytes
) -> bytes | None:
    sealed = db.scalars(
        select(CaseKey).where(
            CaseKey.case_id == case.id,
            CaseKey.purpose == purpose,
            CaseKey.recipient_key_id == recipient_key_id,
        )
    ).first()
    if sealed is None:
        return None
    return crypto.unseal(
        sealed.sealed_ciphertext, private_key, _key_purpose(purpose, case.uid, recipient_key_id)
    )


def _reporter_keys(db: Session, case: Case, stretched: bytes) -> CaseKeys:
    private_key = crypto.reporter_private_key(stretched, case.reporter_salt)
    recipient_key_id = crypto.key_id(crypto.public_key_of(private_key))
    content_key = _open_sealed(db, case, CONTENT, recipient_key_id, private_key)
    if content_key is None:
        raise CaseNotFound
    identity_key = _open_sealed(db, case, IDENTITY, recipient_key_id, private_key)
    return CaseKeys(content=content_key, identity=identity_key)


def open_with_org_key(db: Session, case: Case, purpose: str, org_private_key: bytes) -> bytes:
    """A case key opened with an organisation private key (unit, custodian or recovery)."""
    recipient_key_id = crypto.key_id(crypto.public_key_of(org_private_key))
    opened = _open_sealed(db, case, purpose, recipient_key_id, org_private_key)
    if opened is None:
        raise keys.KeyringError(f"the case's {purpose} key is not sealed to this key")
    return opened


def read_report(case: Case, content_key: bytes) -> ReportContent:
    """The decrypted report."""
    return ReportContent.from_json(
        crypto.decrypt_text(content_key, case.report_ciphertext, _content_context(case.uid, "report"))
    )


def read_identity(case: Case, identity_key: bytes) -> ReporterIdentity | None:
    """The decrypted identity, if the reporter gave one."""
    if case.identity_ciphertext is None:
        return None
    return ReporterIdentity.from_json(
        crypto.decrypt_text(identity_key, case.identity_ciphertext, _content_context(case.uid, IDENTITY))
    )


def read_attachment_meta(case: Case, attachment: Attachment, content_key: bytes) -> AttachmentMeta:
    """An attachment's name, type, size and file key."""
    data = json.loads(
        crypto.decrypt_text(
            content_key, attachment.meta_ciphertext, _attachment_context(case.uid, attachment.uid)
        )
    )
    return AttachmentMeta(**data)


# --- messages -------------------------------------------------------------------------------


def _message_context(uid: str, message_uid: str, author: str) -> str:
    # The author is bound too: flipping a row's author column makes the message fail to open.
    return f"message|case:{uid}|msg:{message_uid}|author:{author}"


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
        read_by_staff=author == STAFF,
        body_ciphertext=crypto.encrypt_text(
            content_key, body, _message_context(case.uid, message_uid, author)
        ),
    )
    db.add(message)
    return message


def read_message(case: Case, message: Message, content_key: bytes) -> str:
    """A message's text."""
    return crypto.decrypt_text(
        content_key, message.body_ciphertext, _message_context(case.uid, message.uid, message.author)
    )


def thread(db: Session, case: Case) -> list[Message]:
    """The case's messages, oldest first."""
    return list(db.scalars(select(Message).where(Message.case_id == case.id).order_by(Message.id)).all())


def attachments_of(db: Session, case: Case) -> list[Attachment]:
    """The case's attachment rows, oldest first."""
    return list(
        db.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)).all()
    )


# --- recovery -------------------------------------------------------------------------------


def rotate_with_recovery(db: Session, recovery_private: bytes, holder: StaffUser, batch: int = 500) -> int:
    """New unit and custodian keys for ``holder``; every case key re-sealed from the recovery copy.

    Copies sealed to the retired keys (and grants of them) are deleted, so someone who held the
    old keys keeps nothing usable in the live database.
    """
    retired: list[str] = []
    for kind in (keys.UNIT, keys.CUSTODIAN):
        old = keys.active_org_key(db, kind)
        if old is not None:
            old.active = False
            retired.append(old.key_id)
            db.execute(delete(KeyGrant).where(KeyGrant.org_key_id == old.id))
    unit, unit_private = keys.create_org_key(db, keys.UNIT)
    custodian, custodian_private = keys.create_org_key(db, keys.CUSTODIAN)
    db.flush()
    keys.grant_org_key(db, unit, unit_private, holder, None, first_holder=True)
    keys.grant_org_key(db, custodian, custodian_private, holder, None, first_holder=True)
    recovery_key_id = crypto.key_id(crypto.public_key_of(recovery_private))
    resealed, last_id = 0, 0
    while rows := db.scalars(
        select(CaseKey)
        .where(CaseKey.recipient_key_id == recovery_key_id, CaseKey.id > last_id)
        .order_by(CaseKey.id)
        .limit(batch)
    ).all():
        for row in rows:
            last_id = row.id
            case = row.case
            secret = crypto.unseal(
                row.sealed_ciphertext, recovery_private, _key_purpose(row.purpose, case.uid, recovery_key_id)
            )
            targets = [(keys.UNIT, unit)] if row.purpose == CONTENT else [(keys.CUSTODIAN, custodian)]
            if row.purpose == IDENTITY and case.identity_shared:
                targets.append((keys.UNIT, unit))
            for recipient, org_key in targets:
                db.add(
                    _with_case(_seal_key(case.uid, row.purpose, secret, recipient, org_key.public_key), case)
                )
                resealed += 1
    if retired:
        db.execute(delete(CaseKey).where(CaseKey.recipient_key_id.in_(retired)))
    return resealed


# --- the reporter's side --------------------------------------------------------------------


class NoIdentityToShare(Exception):
    """The case holds no identity (an anonymous report), or the key given does not open it."""


def _seal_identity_once(
    db: Session, case: Case, identity_key: bytes, recipient: str, public_key: bytes
) -> tuple[CaseKey, bool]:
    """Seal a case's identity key to one more recipient; returns the row and whether it is new.

    Only a key that really opens the identity is sealed; sealing twice adds nothing.
    """
    if case.identity_ciphertext is None:
        raise NoIdentityToShare
    try:
        read_identity(case, identity_key)
    except crypto.CryptoError as error:
        raise NoIdentityToShare from error
    recipient_key_id = crypto.key_id(public_key)
    existing = db.scalars(
        select(CaseKey).where(
            CaseKey.case_id == case.id,
            CaseKey.purpose == IDENTITY,
            CaseKey.recipient_key_id == recipient_key_id,
        )
    ).first()
    if existing is not None:
        return existing, False
    sealed = _with_case(_seal_key(case.uid, IDENTITY, identity_key, recipient, public_key), case)
    db.add(sealed)
    return sealed, True


def share_identity_with_unit(db: Session, case: Case, identity_key: bytes, unit_public_key: bytes) -> CaseKey:
    """The reporter's consent: seal the identity key to the legal unit key too (caller commits)."""
    sealed, new = _seal_identity_once(db, case, identity_key, keys.UNIT, unit_public_key)
    if new:
        audit.record(db, "identity_shared", audit.REPORTER, None, case.id, "to=unit")
    case.identity_shared = True
    return sealed


def share_identity_with_staff(
    db: Session, case: Case, identity_key: bytes, staff_public_key: bytes
) -> CaseKey:
    """An approved reveal: seal the identity key to one staff member's personal key (caller commits).

    The HPKE context names the case and the recipient's key id, so the copy opens for that
    person only, and only while they keep that personal key (an admin reset retires it).
    """
    return _seal_identity_once(db, case, identity_key, STAFF, staff_public_key)[0]


def identity_key_for_staff(db: Session, case: Case, personal_private_key: bytes) -> bytes | None:
    """The identity key sealed to this staff member's current personal key by a reveal, if any."""
    recipient_key_id = crypto.key_id(crypto.public_key_of(personal_private_key))
    return _open_sealed(db, case, IDENTITY, recipient_key_id, personal_private_key)


# --- staff side: internal notes and procedure notes -----------------------------------------


def _note_context(uid: str, note_uid: str) -> str:
    return f"internal-note|case:{uid}|note:{note_uid}"


def _event_note_context(uid: str, event_uid: str) -> str:
    return f"procedure-note|case:{uid}|event:{event_uid}"


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
        body_ciphertext=crypto.encrypt_text(content_key, body, _note_context(case.uid, note_uid)),
    )
    db.add(note)
    return note


def read_internal_note(case: Case, note: InternalNote, content_key: bytes) -> str:
    """An internal note's text."""
    return crypto.decrypt_text(content_key, note.body_ciphertext, _note_context(case.uid, note.uid))


def internal_notes(db: Session, case: Case) -> list[InternalNote]:
    """The case's internal notes, oldest first."""
    return list(
        db.scalars(
            select(InternalNote).where(InternalNote.case_id == case.id).order_by(InternalNote.id)
        ).all()
    )


def encrypt_event_note(case: Case, event_uid: str, content_key: bytes, note: str) -> bytes:
    """The note of a procedure step, encrypted under the case key."""
    return crypto.encrypt_text(content_key, note, _event_note_context(case.uid, event_uid))


def read_event_note(case: Case, event: ProcedureEvent, content_key: bytes) -> str:
    """A procedure step's note ('' when it has none)."""
    if event.note_ciphertext is None:
        return ""
    return crypto.decrypt_text(content_key, event.note_ciphertext, _event_note_context(case.uid, event.uid))
