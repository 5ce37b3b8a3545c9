"""Recovery with the printed recovery code: new organisation keys, every case key re-sealed."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from complaints import contexts, crypto, keys
from complaints.cases.filing import seal_case_key
from complaints.cases.values import CONTENT
from complaints.models import CaseKey, KeyGrant, OrgKey, StaffUser


def _retire_current_keys(db: Session) -> list[str]:
    """Deactivate the unit and custodian keys and delete their grants; their key ids."""
    retired: list[str] = []
    for kind in (keys.UNIT, keys.CUSTODIAN):
        old = keys.active_org_key(db, kind)
        if old is not None:
            old.active = False
            retired.append(old.key_id)
            db.execute(delete(KeyGrant).where(KeyGrant.org_key_id == old.id))
    return retired


def _reseal(
    db: Session, row: CaseKey, recovery_private: bytes, recovery_key_id: str, unit: OrgKey, custodian: OrgKey
) -> int:
    """Re-seal one recovery copy to the new keys; how many copies were made."""
    case = row.case
    secret = crypto.unseal(
        row.sealed_ciphertext,
        recovery_private,
        contexts.sealed_case_key(row.purpose, case.uid, recovery_key_id),
    )
    targets = [(keys.UNIT, unit)] if row.purpose == CONTENT else [(keys.CUSTODIAN, custodian)]
    for recipient, org_key in targets:
        sealed = seal_case_key(case.uid, row.purpose, secret, recipient, org_key.public_key)
        sealed.case_id = case.id
        db.add(sealed)
    return len(targets)


def rotate_with_recovery(db: Session, recovery_private: bytes, holder: StaffUser, batch: int = 500) -> int:
    """New unit and custodian keys for ``holder``; every case key re-sealed from the recovery copy.

    Copies sealed to the retired keys (and grants of them) are deleted, so someone who held the
    old keys keeps nothing usable in the live database.
    """
    retired = _retire_current_keys(db)
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
            resealed += _reseal(db, row, recovery_private, recovery_key_id, unit, custodian)
    if retired:
        db.execute(delete(CaseKey).where(CaseKey.recipient_key_id.in_(retired)))
    return resealed
