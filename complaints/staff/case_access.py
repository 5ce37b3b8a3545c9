"""Finding a case and opening its content key: only for holders of a usable legal unit key who
are not excluded from it (its subject, or someone who declared a conflict)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import cases, crypto, keys
from complaints.models import Case, CaseExclusion
from complaints.workspace.sessions import StaffContext


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
