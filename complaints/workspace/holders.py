"""Who can use each organisation key now, and which keys an account change would leave with nobody.

A person *can use* a key when a grant of it is sealed to their current personal key, their roles
let them use it (the legal unit key: an officer or a lead; the custodian key: an identity
custodian; never an account with the administrator role), the account is enabled, and no printed
password reset is waiting: using one makes a new personal key, and the grant can no longer be
opened. The administrator's pages and the key page both count holders this way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import keys
from complaints.models import StaffInvitation, StaffUser
from complaints.workspace.access import CUSTODIAN_ROLES, HANDLER_ROLES

KINDS = (keys.UNIT, keys.CUSTODIAN)
USABLE_BY = {keys.UNIT: HANDLER_ROLES, keys.CUSTODIAN: CUSTODIAN_ROLES}


@dataclass(frozen=True)
class AccountChange:
    """What an administrator's action would do to one account."""

    roles: frozenset[str] | None = None
    disabled: bool = False
    replaces_personal_key: bool = False


def usable_kinds(roles: frozenset[str], disabled: bool = False) -> frozenset[str]:
    """The keys an account with these roles may hold and use (none with the administrator role)."""
    if disabled or "admin" in roles:
        return frozenset()
    return frozenset(kind for kind in KINDS if roles & USABLE_BY[kind])


def _password_resets_waiting(db: Session, now: datetime) -> set[int]:
    """Accounts with a printed password invitation that can still be used."""
    return set(
        db.scalars(
            select(StaffInvitation.user_id).where(
                StaffInvitation.used_at.is_(None),
                StaffInvitation.sets_password.is_(True),
                StaffInvitation.expires_at > now,
            )
        )
    )


def holders(db: Session, now: datetime) -> dict[str, frozenset[int]]:
    """For the unit and the custodian key, the ids of the accounts that can use it now."""
    held = keys.held_kinds(db)
    resetting = _password_resets_waiting(db, now)
    found: dict[str, set[int]] = {kind: set() for kind in KINDS}
    accounts: list[StaffUser] = list(db.scalars(select(StaffUser).where(StaffUser.id.in_(list(held)))))
    for user in accounts:
        if user.id in resetting:
            continue
        for kind in held[user.id] & usable_kinds(user.role_set, user.disabled):
            found[kind].add(user.id)
    return {kind: frozenset(ids) for kind, ids in found.items()}


def left_without_holder(db: Session, user: StaffUser, change: AccountChange, now: datetime) -> frozenset[str]:
    """The keys this change would leave with nobody able to use them (it was the last holder)."""
    roles = change.roles if change.roles is not None else user.role_set
    gone = change.disabled or change.replaces_personal_key
    keeps = frozenset() if gone else usable_kinds(roles, user.disabled)
    return frozenset(kind for kind, ids in holders(db, now).items() if ids == {user.id} and kind not in keeps)


def thinly_held(db: Session, now: datetime) -> dict[str, int]:
    """The keys fewer than two people can use, with how many can (for a warning to add a holder)."""
    return {kind: len(ids) for kind, ids in holders(db, now).items() if len(ids) < 2}
