"""Granting the organisation keys: a legal lead seals the unit key, the identity custodian the
custodian key, to a colleague's personal key. Administrators never hold or pass on keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from complaints import alerts, audit, crypto, keys, pins
from complaints.models import KeyGrant, StaffUser
from complaints.workspace import holders
from complaints.workspace.access import HANDLER_ROLES
from complaints.workspace.sessions import StaffContext, end_all_sessions

# Who may pass a key on (who may receive it: complaints.workspace.holders.usable_kinds).
GRANTER_ROLE = {keys.UNIT: "lead", keys.CUSTODIAN: "custodian"}
GRANTABLE_KINDS = holders.KINDS


class GrantRefused(Exception):
    """This key cannot be given to this person by this person; ``reason`` names why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class KeyHolderRow:
    """A colleague and the keys they hold now."""

    user: StaffUser
    held: frozenset[str]
    eligible: frozenset[str]


def eligible_kinds(user: StaffUser) -> frozenset[str]:
    """The keys an account may receive: by its legal roles, never with the administrator role."""
    return holders.usable_kinds(user.role_set, user.disabled)


def key_holders(db: Session) -> list[KeyHolderRow]:
    """Every account with a legal role, with the keys it holds and may receive."""
    held = keys.held_kinds(db)
    users = db.scalars(select(StaffUser).order_by(StaffUser.username))
    return [
        KeyHolderRow(user=user, held=frozenset(held.get(user.id, set())), eligible=eligible_kinds(user))
        for user in users
        if user.role_set & (HANDLER_ROLES | {"custodian"})
    ]


def can_grant(db: Session, context: StaffContext, kind: str) -> bool:
    """Whether this person may pass this key on (right role, and holding it themself)."""
    if kind not in GRANTER_ROLE or GRANTER_ROLE[kind] not in context.user.role_set:
        return False
    try:
        keys.private_key_for(db, kind, context.user, context.personal_key)
    except (keys.KeyringError, crypto.CryptoError):
        return False
    return True


def grant(db: Session, context: StaffContext, kind: str, recipient_id: int) -> StaffUser:
    """Seal the organisation key of ``kind`` to a colleague's personal key (the caller commits)."""
    if not can_grant(db, context, kind):
        raise GrantRefused("not_holder")
    recipient = db.get(StaffUser, recipient_id)
    if recipient is None or kind not in eligible_kinds(recipient):
        raise GrantRefused("not_eligible")
    if recipient.must_change_password:
        raise GrantRefused("must_change_password")
    if not pins.staff_key_verifies(recipient):  # a swapped key: nothing is sealed to it
        alerts.raise_key_alert(db, "staff", recipient.key_id)
        raise GrantRefused("unpinned_key")
    org_key = keys.active_org_key(db, kind)
    if org_key is None:
        raise GrantRefused("not_holder")
    org_private = keys.private_key_for(db, kind, context.user, context.personal_key)
    keys.grant_org_key(db, org_key, org_private, recipient, context.user)
    detail = f"kind={kind} user={recipient.id} fingerprint_compared=yes"
    audit.record(db, "key_granted", audit.STAFF, context.user.id, None, detail)
    return recipient


def revoke_all(db: Session, context: StaffContext, user_id: int) -> StaffUser:
    """Someone leaves, or lost a laptop: a lead takes back every key they hold and ends their
    sessions, in one step (the caller commits). Refused when it would leave a key with no holder."""
    if "lead" not in context.user.role_set:
        raise GrantRefused("not_holder")
    person = db.get(StaffUser, user_id)
    if person is None or person.id == context.user.id:
        raise GrantRefused("not_eligible")
    held = keys.held_kinds(db)
    for kind in held.get(person.id, set()):
        others = [holder for holder, kinds in held.items() if kind in kinds and holder != person.id]
        if not others:
            raise GrantRefused("last_holder")
    db.execute(delete(KeyGrant).where(KeyGrant.user_id == person.id))
    ended = end_all_sessions(db, person)
    audit.record(
        db, "access_revoked", audit.STAFF, context.user.id, None, f"user={person.id} sessions={ended}"
    )
    return person
