"""Rotation of the unit or the custodian key by someone who holds it (no recovery code needed).

Three steps, each committed, so an interrupted rotation is resumed by running it again:

1. **start**: a new key of the same kind, inactive, granted to the holder who rotates only. The
   others who held the old key get the new one through the in-person grant (fingerprint compared),
   like any grant: a grant row is something a database writer could plant, so holding a grant of
   the old key is no proof that someone should get the new one;
2. **re-seal** in batches: every case key and every sealed reference the old key opens is sealed
   to the new one as well (rows already re-sealed are skipped, so a second run repeats nothing);
3. **switch**: in one transaction the rest is re-sealed, the new key becomes the active one, the
   old one is retired and every copy sealed to it deleted; then a **sweep** re-seals anything a
   request that read the old key just before the switch committed after it, and the grants of the
   old key are deleted. From then on the old private key opens nothing in the live database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Select, delete, exists, select
from sqlalchemy.orm import Session, aliased

from complaints import audit, contexts, crypto, keys, pins
from complaints.cases.filing import seal_case_key
from complaints.cases.values import CONTENT, IDENTITY
from complaints.dates import utcnow
from complaints.models import (
    Case,
    CaseKey,
    KeyGrant,
    KeyRotation,
    OrgKey,
    ProtectionCheck,
    ProtectionRecord,
    RevealRequest,
    StaffUser,
)

ROTATABLE = (keys.UNIT, keys.CUSTODIAN)
PURPOSE_OF = {keys.UNIT: CONTENT, keys.CUSTODIAN: IDENTITY}


class RotationRefused(Exception):
    """The rotation cannot be made by this account (the message says why)."""


@dataclass(frozen=True)
class RotationKeys:
    """The old and new key rows and their private halves, as the rotating holder opened them."""

    rotation: KeyRotation
    old: OrgKey
    new: OrgKey
    old_private: bytes
    new_private: bytes


def _grant_of(db: Session, org_key: OrgKey, user: StaffUser) -> KeyGrant | None:
    grant = db.scalars(
        select(KeyGrant).where(KeyGrant.org_key_id == org_key.id, KeyGrant.user_id == user.id)
    ).first()
    return grant if grant is not None and grant.recipient_key_id == user.key_id else None


def _open_held(db: Session, org_key: OrgKey, user: StaffUser, personal_private: bytes) -> bytes:
    grant = _grant_of(db, org_key, user)
    if grant is None:
        raise RotationRefused(f"this account does not hold the {org_key.kind} key")
    opened = keys.open_grant(grant, personal_private)
    if crypto.public_key_of(opened) != org_key.public_key:
        raise RotationRefused("the grant does not hold this key")
    return opened


def pending_rotation(db: Session, kind: str) -> KeyRotation | None:
    """The rotation of this kind that was started and not finished, if any."""
    return db.scalars(
        select(KeyRotation).where(KeyRotation.kind == kind, KeyRotation.finished_at.is_(None))
    ).first()


def holders(db: Session, org_key: OrgKey) -> list[StaffUser]:
    """Accounts whose current personal key holds a grant of this key (to be granted the new one)."""
    users = db.scalars(
        select(StaffUser)
        .join(KeyGrant, KeyGrant.user_id == StaffUser.id)
        .where(
            KeyGrant.org_key_id == org_key.id,
            KeyGrant.recipient_key_id == StaffUser.key_id,
            StaffUser.disabled.is_(False),
        )
        .order_by(StaffUser.id)
    ).all()
    return [user for user in users if pins.staff_key_verifies(user)]


def start(db: Session, kind: str, holder: StaffUser, personal_private: bytes) -> RotationKeys:
    """Start a rotation of ``kind`` by ``holder``, or pick up the one already started (commits)."""
    if kind not in ROTATABLE:
        raise RotationRefused(f"only the {' and '.join(ROTATABLE)} keys are rotated this way")
    rotation = pending_rotation(db, kind)
    if rotation is not None:
        old, new = db.get_one(OrgKey, rotation.old_key_id), db.get_one(OrgKey, rotation.new_key_id)
        return RotationKeys(
            rotation,
            old,
            new,
            _open_held(db, old, holder, personal_private),
            _open_held(db, new, holder, personal_private),
        )
    active = keys.active_org_key(db, kind)
    if active is None:
        raise RotationRefused(f"there is no {kind} key to rotate")
    old = active
    old_private = _open_held(db, old, holder, personal_private)
    new, new_private = keys.create_org_key(db, kind)
    new.active = False
    db.flush()
    keys.grant_org_key(db, new, new_private, holder, holder)
    rotation = KeyRotation(
        kind=kind,
        old_key_id=old.id,
        new_key_id=new.id,
        started_by_id=holder.id,
        started_at=utcnow(),
        resealed=0,
    )
    db.add(rotation)
    audit.record(
        db,
        "key_rotation_started",
        audit.STAFF,
        holder.id,
        detail=f"kind={kind} old={old.key_id} new={new.key_id}",
    )
    db.commit()
    return RotationKeys(rotation, old, new, old_private, new_private)


def _not_yet_resealed(keys_: RotationKeys, batch: int) -> Select[CaseKey, str]:
    """Copies sealed to the old key whose case has none sealed to the new one, with the case uid."""
    copy = aliased(CaseKey)
    return (
        select(CaseKey, Case.uid)
        .join(Case, Case.id == CaseKey.case_id)
        .where(
            CaseKey.recipient_key_id == keys_.old.key_id,
            ~exists().where(
                copy.case_id == CaseKey.case_id,
                copy.purpose == CaseKey.purpose,
                copy.recipient_key_id == keys_.new.key_id,
            ),
        )
        .order_by(CaseKey.id)
        .limit(batch)
    )


def _reseal_case_keys(db: Session, keys_: RotationKeys, batch: int) -> int:
    """One batch of case keys sealed to the new key too; how many."""
    rows = db.execute(_not_yet_resealed(keys_, batch)).all()  # one query per batch, not per case
    for row, uid in rows:
        secret = crypto.unseal(
            row.sealed_ciphertext,
            keys_.old_private,
            contexts.sealed_case_key(row.purpose, uid, keys_.old.key_id),
        )
        sealed = seal_case_key(uid, row.purpose, secret, row.recipient, keys_.new.public_key)
        sealed.case_id = row.case_id
        db.add(sealed)
    return len(rows)


def _reseal_rest(db: Session, keys_: RotationKeys) -> int:
    """Every case key still sealed to the old key only, in the caller's transaction; how many."""
    done = 0
    while count := _reseal_case_keys(db, keys_, 500):
        done += count
        db.flush()
    return done


def reseal_batches(
    db: Session, keys_: RotationKeys, batch: int = 500, progress: Callable[[int], None] | None = None
) -> int:
    """Re-seal every case key the old key opens, committing after each batch; how many."""
    done = 0
    while count := _reseal_case_keys(db, keys_, batch):
        done += count
        keys_.rotation.resealed += count
        db.commit()
        if progress is not None:
            progress(done)
    return done


def _sealed_references(db: Session, kind: str) -> Iterator[tuple[object, str, str]]:
    """Every reference sealed in place to an organisation key of ``kind``: (row, column, context)."""
    if kind == keys.CUSTODIAN:
        for check, uid in db.execute(
            select(ProtectionCheck, Case.uid).join(Case, Case.id == ProtectionCheck.case_id)
        ):
            yield check, "subject_ciphertext", contexts.protection_subject(uid, check.uid)
        for record, uid in db.execute(
            select(ProtectionRecord, Case.uid).join(Case, Case.id == ProtectionRecord.case_id)
        ):
            yield record, "reference_ciphertext", contexts.protection_reference(uid, record.uid)
        requests = select(RevealRequest, Case.uid).join(Case, Case.id == RevealRequest.case_id)
        for request, uid in db.execute(requests.where(RevealRequest.reference_sealed.is_not(None))):
            yield request, "reference_sealed", contexts.reveal_reference(uid, request.id)
    else:
        checks = select(ProtectionCheck, Case.uid).join(Case, Case.id == ProtectionCheck.case_id)
        for check, uid in db.execute(checks.where(ProtectionCheck.reference_ciphertext.is_not(None))):
            yield check, "reference_ciphertext", contexts.protection_answer(uid, check.uid)


def _reseal_references(db: Session, keys_: RotationKeys) -> int:
    """Sealed references the old key still opens, sealed again to the new one; how many."""
    moved = 0
    for row, column, context in _sealed_references(db, keys_.old.kind):
        try:
            plain = crypto.unseal(getattr(row, column), keys_.old_private, context)
        except crypto.CryptoError:
            continue  # sealed to the new key already (or to a key long gone)
        setattr(row, column, crypto.seal(plain, keys_.new.public_key, context))
        moved += 1
    return moved


def switch(db: Session, keys_: RotationKeys, holder: StaffUser) -> int:
    """Re-seal the rest, make the new key active, retire the old one and delete its copies (commits)."""
    _reseal_rest(db, keys_)
    references = _reseal_references(db, keys_)
    keys_.old.active = False
    keys_.new.active = True
    db.execute(delete(CaseKey).where(CaseKey.recipient_key_id == keys_.old.key_id))
    keys_.rotation.switched_at = utcnow()
    audit.record(
        db,
        "key_rotated",
        audit.STAFF,
        holder.id,
        detail=f"kind={keys_.old.kind} old={keys_.old.key_id} new={keys_.new.key_id} "
        f"cases={keys_.rotation.resealed} references={references}",
    )
    db.commit()
    return references


def sweep(db: Session, keys_: RotationKeys) -> int:
    """After the switch: re-seal what was sealed to the old key meanwhile, delete the old key's
    grants and finish (commits); how many were re-sealed."""
    straggling = _reseal_rest(db, keys_) + _reseal_references(db, keys_)
    db.execute(delete(CaseKey).where(CaseKey.recipient_key_id == keys_.old.key_id))
    db.execute(delete(KeyGrant).where(KeyGrant.org_key_id == keys_.old.id))
    keys_.rotation.finished_at = utcnow()
    db.commit()
    return straggling
