"""Account administration: create, disable, reset password or two-step code, unlock, edit roles.

An administrator never holds or passes on a key, and never sees a password or an authenticator
secret: a new account, a password reset and an authenticator reset each print an invitation, with
which the person sets their own on their own device (:mod:`complaints.workspace.invitations`).
A new password makes a new personal keypair (every grant to the old one is dead): a legal lead,
and the identity custodian, grant their keys again after comparing the new key's fingerprint with
the person, face to face. Editing roles never grants a key either; removing a role takes back the
keys it used. An action that would leave the legal unit key or the custodian key with nobody able
to use it goes ahead only when the administrator confirms it (:class:`NeedsConfirmation`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from complaints import audit, crypto, keys
from complaints.models import KeyGrant, OrgKey, StaffInvitation, StaffUser
from complaints.workspace import holders, invitations
from complaints.workspace.holders import AccountChange
from complaints.workspace.sessions import end_all_sessions

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountRefused(Exception):
    """The account change is not possible; ``reason`` names why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NeedsConfirmation(Exception):
    """The change would leave these keys (``kinds``) with nobody able to use them; it is made only
    when the administrator confirms it, having been told the consequence and the way back."""

    def __init__(self, kinds: frozenset[str]) -> None:
        super().__init__(",".join(sorted(kinds)))
        self.kinds = kinds


@dataclass(frozen=True)
class InvitationPolicy:
    """What invitations are made with: the key of their hashes and how long they last."""

    key: bytes = field(repr=False)
    days: int
    now: datetime


@dataclass(frozen=True)
class AccountRow:
    """An account as listed for the administrator (no key material, no content)."""

    user: StaffUser
    held: frozenset[str]
    locked: bool
    # Until when the person's unused printed invitation can be used (None: no invitation waiting).
    invited_until: datetime | None = None


def accounts(db: Session, now: datetime) -> list[AccountRow]:
    """Every account with the keys it holds (by kind) and whether it is locked out."""
    held = keys.held_kinds(db)
    waiting: dict[int, datetime] = {
        user_id: expires_at
        for user_id, expires_at in db.execute(
            select(StaffInvitation.user_id, StaffInvitation.expires_at).where(
                StaffInvitation.used_at.is_(None)
            )
        )
    }
    return [
        AccountRow(
            user=user,
            held=frozenset(held.get(user.id, set())),
            locked=user.locked_until is not None and user.locked_until > now,
            invited_until=waiting.get(user.id),
        )
        for user in db.scalars(select(StaffUser).order_by(StaffUser.username))
    ]


def create_account(
    db: Session,
    admin: StaffUser,
    username: str,
    display_name: str,
    email: str,
    roles: frozenset[str],
    params: crypto.Argon2Params,
    server_secret: bytes,
    policy: InvitationPolicy,
) -> invitations.IssuedInvitation:
    """A new account nobody can log in to until its person uses the printed invitation.

    Its first password is random and never shown; the caller commits.
    """
    if not USERNAME_PATTERN.match(username):
        raise AccountRefused("bad_username")
    if db.scalars(select(StaffUser).where(StaffUser.username == username)).first() is not None:
        raise AccountRefused("username_taken")
    if not roles or not roles <= set(keys.ROLES):
        raise AccountRefused("no_role")
    created = keys.create_staff_user(db, username, roles, crypto.random_token(), params, server_secret)
    created.user.display_name = display_name
    created.user.email = email
    db.flush()
    audit.record(
        db, "user_created", audit.STAFF, admin.id, None, f"user={created.user.id} roles={created.user.roles}"
    )
    return invitations.issue(db, admin, created.user, True, True, policy.now, policy.key, policy.days)


def _account(db: Session, user_id: int) -> StaffUser:
    user = db.get(StaffUser, user_id)
    if user is None:
        raise AccountRefused("not_found")
    return user


def _keys_at_stake(
    db: Session, user: StaffUser, change: AccountChange, confirmed: bool, now: datetime
) -> str:
    """Refuse, until confirmed, a change that leaves a key with nobody; the audit note when it does."""
    lost = holders.left_without_holder(db, user, change, now)
    if lost and not confirmed:
        raise NeedsConfirmation(lost)
    return f" keys_left_without_holder={','.join(sorted(lost))}" if lost else ""


def set_disabled(
    db: Session, admin: StaffUser, user_id: int, disabled: bool, confirmed: bool, now: datetime
) -> StaffUser:
    """Disable (and log out everywhere) or re-enable an account; disabling the last person who can
    use a key needs confirming (enabling the account again gives it back)."""
    user = _account(db, user_id)
    if disabled and user.id == admin.id:
        raise AccountRefused("not_yourself")
    note = _keys_at_stake(db, user, AccountChange(disabled=True), confirmed, now) if disabled else ""
    user.disabled = disabled
    if disabled:
        end_all_sessions(db, user)
    audit.record(
        db,
        "user_disabled" if disabled else "user_enabled",
        audit.STAFF,
        admin.id,
        None,
        f"user={user.id}{note}",
    )
    return user


def reset_password(
    db: Session, admin: StaffUser, user_id: int, policy: InvitationPolicy, confirmed: bool = False
) -> invitations.IssuedInvitation:
    """An invitation to choose a new password; sessions end now.

    The old password keeps working until the invitation is used (the new one makes a new keypair,
    so grants end only then): a reset alone takes nothing from anyone, and the person still needs
    their own authenticator to log in with the password they choose. Refused until confirmed when
    the person is the last who can use a key.
    """
    user = _account(db, user_id)
    note = _keys_at_stake(db, user, AccountChange(replaces_personal_key=True), confirmed, policy.now)
    end_all_sessions(db, user)
    audit.record(db, "password_reset", audit.STAFF, admin.id, None, f"user={user.id}{note}")
    return invitations.issue(db, admin, user, True, False, policy.now, policy.key, policy.days)


def reset_totp(
    db: Session,
    admin: StaffUser,
    user_id: int,
    server_secret: bytes,
    policy: InvitationPolicy,
    confirmed: bool = False,
) -> invitations.IssuedInvitation:
    """A lost or replaced phone: the old authenticator stops working now, sessions end, and an
    invitation lets the person scan a new one after typing their current password.

    The personal key stays. Only when an unused password reset is folded into the new invitation
    (an expired one is renewed with it) is the key at stake, as for :func:`reset_password`.
    """
    user = _account(db, user_id)
    renews_password = any(older.sets_password for older in invitations.pending(db, user))
    change = AccountChange(replaces_personal_key=renews_password)
    note = _keys_at_stake(db, user, change, confirmed, policy.now)
    keys.reset_totp_secret(user, server_secret)  # a secret nobody sees: the old codes stop at once
    end_all_sessions(db, user)
    audit.record(db, "totp_reset", audit.STAFF, admin.id, None, f"user={user.id}{note}")
    return invitations.issue(db, admin, user, False, True, policy.now, policy.key, policy.days)


def change_roles(
    db: Session, admin: StaffUser, user_id: int, roles: frozenset[str], confirmed: bool, now: datetime
) -> StaffUser:
    """Set an account's roles; audited. It never grants a key: a key stays only where the account
    could use it both before and after (a role taken away takes back the key it used, and giving
    it again does not bring that key back: a lead or the custodian grants it in person)."""
    user = _account(db, user_id)
    if not roles or not roles <= set(keys.ROLES):
        raise AccountRefused("no_role")
    if user.id == admin.id and "admin" not in roles:
        raise AccountRefused("own_admin_role")
    before = user.role_set
    if roles == before:
        return user
    note = _keys_at_stake(db, user, AccountChange(roles=roles), confirmed, now)
    taken = _take_back_grants(db, user, holders.usable_kinds(before) & holders.usable_kinds(roles))
    user.roles = ",".join(sorted(roles))
    detail = (
        f"user={user.id} from={','.join(sorted(before))} to={user.roles} keys_taken_back={taken or '-'}{note}"
    )
    audit.record(db, "user_roles_changed", audit.STAFF, admin.id, None, detail)
    return user


def _take_back_grants(db: Session, user: StaffUser, kept: frozenset[str]) -> str:
    """Delete the account's grants of every key kind not in ``kept``; names the current keys taken."""
    taken = sorted(keys.held_kinds(db).get(user.id, set()) - kept)
    stale = select(OrgKey.id).where(OrgKey.kind.not_in(list(kept)))
    db.execute(delete(KeyGrant).where(KeyGrant.user_id == user.id, KeyGrant.org_key_id.in_(stale)))
    return ",".join(taken)


def unlock(db: Session, admin: StaffUser, user_id: int) -> StaffUser:
    """Lift a lock-out after failed log-ins."""
    user = _account(db, user_id)
    user.failed_logins = 0
    user.locked_until = None
    audit.record(db, "user_unlocked", audit.STAFF, admin.id, None, f"user={user.id}")
    return user
