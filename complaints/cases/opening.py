"""Opening a case: with the reporter's receipt, an organisation key or a personal key; reading
its report, identity and attachment names; sealing the identity key to one more recipient."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import audit, contexts, crypto, keys, settings
from complaints.cases import receipt_costs
from complaints.cases.filing import seal_case_key
from complaints.cases.values import (
    CONSENT,
    CONTENT,
    IDENTITY,
    STAFF,
    AttachmentMeta,
    CaseKeys,
    CaseNotFound,
    NoIdentityToShare,
    ReportContent,
    ReporterIdentity,
)
from complaints.models import Attachment, Case, CaseKey


def unlock_by_receipt(db: Session, receipt: str, lookup_secret: bytes) -> tuple[Case, CaseKeys]:
    """The case a normalised receipt belongs to and the reporter's keys.

    One stretch for a receipt filed under the current pepper and cost; one more per other
    pepper or cost some case was filed under (:mod:`receipt_costs`: a few at most). Raises
    :class:`CaseNotFound` for any receipt that matches nothing, after trying them all.
    """
    peppers = {settings.pepper_version(): lookup_secret, **dict(settings.retired_peppers())}
    for scheme in receipt_costs.schemes_in_use(db):
        pepper = peppers.get(scheme.pepper_version)
        if pepper is None:
            continue
        stretched = crypto.stretch_receipt(receipt, pepper, scheme.params)
        case = db.scalars(
            select(Case).where(
                Case.receipt_lookup == crypto.receipt_lookup(stretched, pepper),
                Case.pepper_version == scheme.pepper_version,
            )
        ).first()
        if case is not None:
            return case, _reporter_keys(db, case, stretched)
    raise CaseNotFound


def _sealed_row(db: Session, case: Case, purpose: str, recipient_key_id: str) -> CaseKey | None:
    return db.scalars(
        select(CaseKey).where(
            CaseKey.case_id == case.id,
            CaseKey.purpose == purpose,
            CaseKey.recipient_key_id == recipient_key_id,
        )
    ).first()


def _open_sealed(
    db: Session, case: Case, purpose: str, recipient_key_id: str, private_key: bytes
) -> bytes | None:
    sealed = _sealed_row(db, case, purpose, recipient_key_id)
    if sealed is None:
        return None
    return crypto.unseal(
        sealed.sealed_ciphertext, private_key, contexts.sealed_case_key(purpose, case.uid, recipient_key_id)
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


def identity_key_for_staff(db: Session, case: Case, personal_private_key: bytes) -> bytes | None:
    """The identity key sealed to this staff member's current personal key by a reveal, if any."""
    recipient_key_id = crypto.key_id(crypto.public_key_of(personal_private_key))
    return _open_sealed(db, case, IDENTITY, recipient_key_id, personal_private_key)


def read_report(case: Case, content_key: bytes) -> ReportContent:
    """The decrypted report."""
    return ReportContent.from_json(
        crypto.decrypt_text(content_key, case.report_ciphertext, contexts.case_field(case.uid, "report"))
    )


def read_identity(case: Case, identity_key: bytes) -> ReporterIdentity | None:
    """The decrypted identity, if the reporter gave one."""
    if case.identity_ciphertext is None:
        return None
    return ReporterIdentity.from_json(
        crypto.decrypt_text(identity_key, case.identity_ciphertext, contexts.case_field(case.uid, IDENTITY))
    )


T = TypeVar("T")
LOG = logging.getLogger(__name__)


def or_altered(read: Callable[[], T], altered: T) -> T:
    """What ``read`` decrypts, or ``altered`` when the row does not open under this case.

    A message, note, step or file whose ciphertext names another case (moved by someone writing
    to the database) or was changed outside the application is listed as altered, so the rest
    of the case stays readable; its text never shows under a case it does not belong to."""
    try:
        return read()
    except crypto.CryptoError:
        LOG.warning("a row does not open under its case: altered outside the application")
        return altered


def altered_attachment(label: str) -> AttachmentMeta:
    """What is listed for a file whose name does not open under the case: ``label``, and no key."""
    return AttachmentMeta(filename=label, content_type="", size=0, file_key_hex="")


def read_attachment_meta(case: Case, attachment: Attachment, content_key: bytes) -> AttachmentMeta:
    """An attachment's name, type, size and file key."""
    text = crypto.decrypt_text(
        content_key, attachment.meta_ciphertext, contexts.attachment_meta(case.uid, attachment.uid)
    )
    return AttachmentMeta(**json.loads(text))


# --- sealing the identity key to one more recipient ---------------------------------------------


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
    existing = _sealed_row(db, case, IDENTITY, crypto.key_id(public_key))
    if existing is not None:
        return existing, False
    sealed = seal_case_key(case.uid, IDENTITY, identity_key, recipient, public_key)
    sealed.case_id = case.id
    db.add(sealed)
    return sealed, True


def share_identity_with_handler(
    db: Session, case: Case, identity_key: bytes, handler_public_key: bytes | None
) -> CaseKey | None:
    """The reporter's consent to "the officer handling my report": the identity key is sealed to
    the assigned officer's personal key — never to the whole unit, so taking a case is not a way
    to read a consented identity. With nobody assigned the consent waits for the custodian to
    seal it to the assignee (caller commits)."""
    sealed = None
    if handler_public_key is not None:
        sealed, _new = _seal_identity_once(db, case, identity_key, CONSENT, handler_public_key)
    if not case.identity_shared:
        audit.record(db, "identity_shared", audit.REPORTER, None, case.id, "to=handler")
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
