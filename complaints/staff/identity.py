"""The reporter's identity on the staff side: shown to the handler only when the reporter
shared it, otherwise only to the identity custodian through an audited reveal with a reason."""

from __future__ import annotations

from sqlalchemy.orm import Session

from complaints import audit, cases, keys
from complaints.models import Case
from complaints.staff.auth import StaffContext
from complaints.staff.casework import CaseActionRefused


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


def reveal_identity(
    db: Session, case: Case, context: StaffContext, reason: str, reference: str
) -> cases.ReporterIdentity:
    """The identity custodian opens a confidential reporter's identity; recorded with its reason."""
    if "custodian" not in context.user.role_set:
        raise CaseActionRefused("custodian_only")
    if case.identity_ciphertext is None:
        raise CaseActionRefused("no_identity")
    try:
        custodian_private = keys.private_key_for(db, keys.CUSTODIAN, context.user, context.personal_key)
        identity_key = cases.open_with_org_key(db, case, cases.IDENTITY, custodian_private)
    except keys.KeyringError as error:
        raise CaseActionRefused("no_custodian_key") from error
    identity = cases.read_identity(case, identity_key)
    if identity is None:
        raise CaseActionRefused("no_identity")
    detail = f"reason={reason}" + (f" ref={reference}" if reference else "")
    audit.record(db, "identity_revealed", audit.STAFF, context.user.id, case.id, detail[:200])
    return identity
