"""Whistleblower protection (DOMAIN B14): the custodian records that a case's reporter is under
protection; before a disciplinary investigation the handler asks the custodian whether the person
it is aimed at is a protected reporter, and "protected" blocks the step. (A reporter's report of
retaliation is :func:`complaints.followup.service.report_retaliation`.)

Only the custodian sees identities, so only the custodian can answer: the name asked about is
sealed to the custodian key, and the NACC reference of a "protected" answer to the unit key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from complaints import audit, cases, contexts, crypto, keys
from complaints.models import Case, CaseExclusion, ProtectionCheck, ProtectionRecord
from complaints.staff.case_access import is_excluded
from complaints.staff.casework import require_handler
from complaints.staff.refusals import CaseActionRefused
from complaints.workspace.sessions import StaffContext

PROTECTED = "protected"
NOT_PROTECTED = "not_protected"
ANSWERS = (PROTECTED, NOT_PROTECTED)


@dataclass(frozen=True)
class CheckView:
    """A protection check as the custodian or the handler sees it."""

    id: int
    case_number: str
    requested_on: date
    subject: str
    answer: str | None
    answered_on: date | None
    reference: str


def _custodian_key(db: Session, context: StaffContext) -> bytes:
    if "custodian" not in context.user.role_set:
        raise CaseActionRefused("custodian_only")
    try:
        return keys.private_key_for(db, keys.CUSTODIAN, context.user, context.personal_key)
    except (keys.KeyringError, crypto.CryptoError) as error:
        raise CaseActionRefused("no_custodian_key") from error


def _public(db: Session, kind: str) -> bytes:
    org_key = keys.active_org_key(db, kind)
    if org_key is None:
        raise keys.KeyringError(f"no {kind} key")
    return org_key.public_key


# --- the handler asks ----------------------------------------------------------------------------


def latest_check(db: Session, case: Case) -> ProtectionCheck | None:
    """The newest protection check of a case."""
    return db.scalars(
        select(ProtectionCheck).where(ProtectionCheck.case_id == case.id).order_by(ProtectionCheck.id.desc())
    ).first()


def request_check(db: Session, case: Case, context: StaffContext, subject: str, on: date) -> ProtectionCheck:
    """Ask the custodian about the person a disciplinary step would be aimed at (caller commits)."""
    require_handler(context)
    pending = latest_check(db, case)
    if pending is not None and pending.answer is None:
        raise CaseActionRefused("check_pending")
    uid = crypto.random_token(12)
    check = ProtectionCheck(
        uid=uid,
        case_id=case.id,
        requested_by_id=context.user.id,
        requested_on=on,
        subject_ciphertext=crypto.seal(
            subject.encode(), _public(db, keys.CUSTODIAN), contexts.protection_subject(case.uid, uid)
        ),
    )
    db.add(check)
    audit.record(db, "protection_check_requested", audit.STAFF, context.user.id, case.id)
    return check


def check_reference(case: Case, check: ProtectionCheck, unit_private: bytes) -> str:
    """The NACC reference a "protected" answer gives the handler."""
    if check.reference_ciphertext is None:
        return ""
    opened = crypto.unseal(
        check.reference_ciphertext, unit_private, contexts.protection_answer(case.uid, check.uid)
    )
    return opened.decode()


def require_cleared(db: Session, case: Case) -> None:
    """A disciplinary investigation may open only after the custodian answered "not protected"."""
    check = latest_check(db, case)
    if check is None:
        raise CaseActionRefused("check_needed")
    if check.answer is None:
        raise CaseActionRefused("check_pending")
    if check.answer == PROTECTED:
        raise CaseActionRefused("protected_reporter")
    if _records_on_file(db) > (check.records_seen or 0):
        raise CaseActionRefused("check_stale")  # a protection was recorded since the answer


def _records_on_file(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(ProtectionRecord)) or 0)


# --- the custodian answers and records ------------------------------------------------------------


def pending_checks(db: Session, context: StaffContext) -> list[CheckView]:
    """Checks awaiting an answer, with the name asked about opened for the custodian."""
    custodian_private = _custodian_key(db, context)
    excluded = select(CaseExclusion.case_id).where(CaseExclusion.user_id == context.user.id)
    rows = db.execute(
        select(ProtectionCheck, Case)
        .join(Case, Case.id == ProtectionCheck.case_id)
        .where(ProtectionCheck.answer.is_(None), ProtectionCheck.case_id.not_in(excluded))
        .order_by(ProtectionCheck.requested_on, ProtectionCheck.id)
        .limit(200)
    ).all()
    return [
        CheckView(
            id=check.id,
            case_number=case.number,
            requested_on=check.requested_on,
            subject=crypto.unseal(
                check.subject_ciphertext, custodian_private, contexts.protection_subject(case.uid, check.uid)
            ).decode(),
            answer=None,
            answered_on=None,
            reference="",
        )
        for check, case in rows
    ]


def answer_check(
    db: Session, check_id: int, context: StaffContext, answer: str, reference: str, on: date
) -> ProtectionCheck:
    """The custodian's answer; "protected" needs the NACC reference, sealed to the unit key."""
    _custodian_key(db, context)
    check = db.get(ProtectionCheck, check_id, with_for_update=True)
    if check is None or is_excluded(db, check.case_id, context.user.id):
        raise cases.CaseNotFound
    if check.answer is not None:
        raise CaseActionRefused("check_answered")
    if answer not in ANSWERS or (answer == PROTECTED and not reference.strip()):
        raise CaseActionRefused("check_answer")
    case = db.get_one(Case, check.case_id)
    if answer == PROTECTED:
        check.reference_ciphertext = crypto.seal(
            reference.strip().encode(),
            _public(db, keys.UNIT),
            contexts.protection_answer(case.uid, check.uid),
        )
    check.answer, check.answered_by_id, check.answered_on = answer, context.user.id, on
    check.records_seen = _records_on_file(db)
    audit.record(db, "protection_check_answered", audit.STAFF, context.user.id, case.id, f"answer={answer}")
    return check


def record_protection(
    db: Session, case: Case, context: StaffContext, reference: str, from_on: date, until_on: date | None
) -> ProtectionRecord:
    """The custodian records that this case's reporter is under protection (caller commits)."""
    _custodian_key(db, context)
    if not reference.strip() or (until_on is not None and until_on < from_on):
        raise CaseActionRefused("protection_details")
    uid = crypto.random_token(12)
    record = ProtectionRecord(
        uid=uid,
        case_id=case.id,
        recorded_by_id=context.user.id,
        from_on=from_on,
        until_on=until_on,
        reference_ciphertext=crypto.seal(
            reference.strip().encode(),
            _public(db, keys.CUSTODIAN),
            contexts.protection_reference(case.uid, uid),
        ),
    )
    db.add(record)
    case.reporter_protected = True
    audit.record(db, "protection_recorded", audit.STAFF, context.user.id, case.id)
    return record


@dataclass(frozen=True)
class ProtectedReporter:
    """A protected reporter as the custodian compares them with a check (identity audited)."""

    case_number: str
    name: str
    reference: str
    from_on: date
    until_on: date | None


def protected_reporters(db: Session, context: StaffContext, limit: int = 50) -> list[ProtectedReporter]:
    """Every recorded protection, with the reporter's name opened for the custodian (audited)."""
    custodian_private = _custodian_key(db, context)
    excluded = select(CaseExclusion.case_id).where(CaseExclusion.user_id == context.user.id)
    rows = db.execute(
        select(ProtectionRecord, Case)
        .join(Case, Case.id == ProtectionRecord.case_id)
        .where(ProtectionRecord.case_id.not_in(excluded))
        .order_by(ProtectionRecord.id.desc())
        .limit(limit)
    ).all()
    return [_protected(db, context, record, case, custodian_private) for record, case in rows]


def _protected(
    db: Session, context: StaffContext, record: ProtectionRecord, case: Case, custodian_private: bytes
) -> ProtectedReporter:
    name = ""
    if case.identity_ciphertext is not None:
        identity = cases.read_identity(
            case, cases.open_with_org_key(db, case, cases.IDENTITY, custodian_private)
        )
        name = identity.name if identity else ""
        audit.record(db, "identity_viewed", audit.STAFF, context.user.id, case.id, "via=protection")
    reference = crypto.unseal(
        record.reference_ciphertext, custodian_private, contexts.protection_reference(case.uid, record.uid)
    ).decode()
    return ProtectedReporter(case.number, name, reference, record.from_on, record.until_on)
