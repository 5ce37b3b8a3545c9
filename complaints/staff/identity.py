"""The reporter's identity on the staff side: shown to the handler only when the reporter
shared it, otherwise only to the identity custodian through an audited reveal with a reason,
after the reporter has been told in their message thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from complaints import audit, cases, crypto, keys
from complaints.dates import format_day
from complaints.models import Case
from complaints.staff import labels
from complaints.staff.auth import StaffContext
from complaints.staff.casework import CaseActionRefused

# The reporter reads the notice in the municipality's language, whatever the custodian's is.
NOTICE_LANGUAGE = "th"


@dataclass(frozen=True)
class RevealRequest:
    """What the custodian recorded for a reveal: the legal reason code and an order number."""

    reason: str
    reference: str
    on: date
    at: datetime


def shared_identity(db: Session, case: Case, context: StaffContext) -> cases.ReporterIdentity | None:
    """The identity the reporter chose to share with the handler: shown to the assignee only."""
    if not case.identity_shared or case.assigned_to_id != context.user.id:
        return None
    unit_private = keys.private_key_for(db, keys.UNIT, context.user, context.personal_key)
    try:
        identity_key = cases.open_with_org_key(db, case, cases.IDENTITY, unit_private)
    except keys.KeyringError:
        return None
    identity = cases.read_identity(case, identity_key)
    audit.record(db, "identity_viewed", audit.STAFF, context.user.id, case.id)
    return identity


def reveal_notice(reason: str, on: date) -> str:
    """The message that tells the reporter their identity was disclosed (it never contains it)."""
    with force_locale(NOTICE_LANGUAGE):
        return str(
            _(
                "Notice: on %(date)s your identity as the reporter of this case was disclosed to the "
                "person authorised to see it, for this legal reason: %(reason)s. "
                "Your report is still handled in confidence.",
                date=format_day(on, NOTICE_LANGUAGE),
                reason=labels.label(labels.REVEAL_REASON_LABELS, reason),
            )
        )


def _custodian_identity(db: Session, case: Case, context: StaffContext) -> cases.ReporterIdentity:
    if "custodian" not in context.user.role_set:
        raise CaseActionRefused("custodian_only")
    if case.identity_ciphertext is None:
        raise CaseActionRefused("no_identity")
    try:
        custodian_private = keys.private_key_for(db, keys.CUSTODIAN, context.user, context.personal_key)
        identity_key = cases.open_with_org_key(db, case, cases.IDENTITY, custodian_private)
    except (keys.KeyringError, crypto.CryptoError) as error:
        raise CaseActionRefused("no_custodian_key") from error
    identity = cases.read_identity(case, identity_key)
    if identity is None:
        raise CaseActionRefused("no_identity")
    return identity


def reveal_identity(
    db: Session, case: Case, content_key: bytes, context: StaffContext, request: RevealRequest
) -> cases.ReporterIdentity:
    """The identity custodian opens a confidential reporter's identity (the caller commits first).

    The reporter's notice goes into the thread in the same transaction, so the identity is
    never shown without it. The audit log keeps only the reason code; the order number is
    kept in an encrypted internal note.
    """
    if request.reason not in labels.REVEAL_REASON_LABELS:
        raise CaseActionRefused("step_detail")
    identity = _custodian_identity(db, case, context)
    cases.add_message(
        db,
        case,
        content_key,
        cases.STAFF,
        reveal_notice(request.reason, request.on),
        request.on,
        author_id=context.user.id,
    )
    if request.reference:
        note = _(
            "The reporter's identity was revealed. Legal reason: %(reason)s. Order or letter number: "
            "%(reference)s.",
            reason=labels.label(labels.REVEAL_REASON_LABELS, request.reason),
            reference=request.reference,
        )
        cases.add_internal_note(db, case, content_key, context.user.id, note, request.at)
    audit.record(db, "identity_revealed", audit.STAFF, context.user.id, case.id, f"reason={request.reason}")
    return identity
