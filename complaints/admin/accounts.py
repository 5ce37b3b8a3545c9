"""Account administration: create, disable, reset password or two-step code, unlock.

An administrator never holds or passes on a key. A password reset makes a new personal keypair
(the old one cannot be recovered, so every grant to it is dead): a legal lead, and the identity
custodian, must grant their keys again once the person has set their own password.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import audit, crypto, keys
from complaints.models import StaffUser
from complaints.workspace.sessions import end_all_sessions

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountRefused(Exception):
    """The account change is not possible; ``reason`` names why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OneTimeSecrets:
    """What the administrator hands to the person, shown once: password and/or TOTP secret."""

    user: StaffUser
    password: str | None = field(default=None, repr=False)
    totp_secret: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AccountRow:
    """An account as listed for the administrator (no key material, no content)."""

    user: StaffUser
    held: frozenset[str]
    locked: bool


def one_time_password() -> str:
    """A password for the first log-in only (the person must change it)."""
    return "-".join(secrets.token_hex(3) for _ in range(4))


def accounts(db: Session, now: datetime) -> list[AccountRow]:
    """Every account with the keys it holds (by kind) and whether it is locked out."""
    held = keys.held_kinds(db)
    return [
        AccountRow(
            user=user,
            held=frozenset(held.get(user.id, set())),
            locked=user.locked_until is not None and user.locked_until > now,
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
) -> OneTimeSecrets:
    """A new account with a one-time password it must change at first log-in (caller commits)."""
    if not USERNAME_PATTERN.match(username):
        raise AccountRefused("bad_username")
    if db.scalars(select(StaffUser).where(StaffUser.username == username)).first() is not None:
        raise AccountRefused("username_taken")
    if not roles or not roles <= set(keys.ROLES):
        raise AccountRefused("no_role")
    password = one_time_password()
    created = keys.create_staff_user(db, username, roles, password, params, server_secret)
    created.user.display_name = display_name
    created.user.email = email
    db.flush()
    audit.record(
        db, "user_created", audit.STAFF, admin.id, None, f"user={created.user.id} roles={created.user.roles}"
    )
    return OneTimeSecrets(user=created.user, password=password, totp_secret=created.totp_secret)


def _account(db: Session, user_id: int) -> StaffUser:
    user = db.get(StaffUser, user_id)
    if user is None:
        raise AccountRefused("not_found")
    return user


def set_disabled(db: Session, admin: StaffUser, user_id: int, disabled: bool) -> StaffUser:
    """Disable (and log out everywhere) or re-enable an account."""
    user = _account(db, user_id)
    if disabled and user.id == admin.id:
        raise AccountRefused("not_yourself")
    user.disabled = disabled
    if disabled:
        end_all_sessions(db, user)
    audit.record(
        db, "user_disabled" if disabled else "user_enabled", audit.STAFF, admin.id, None, f"user={user.id}"
    )
    return user


def reset_password(
    db: Session, admin: StaffUser, user_id: int, params: crypto.Argon2Params
) -> OneTimeSecrets:
    """A one-time password and a new personal keypair; the old keys' grants become unusable."""
    user = _account(db, user_id)
    password = one_time_password()
    keys.replace_personal_key(user, password, params)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    end_all_sessions(db, user)
    audit.record(db, "password_reset", audit.STAFF, admin.id, None, f"user={user.id}")
    return OneTimeSecrets(user=user, password=password)


def reset_totp(db: Session, admin: StaffUser, user_id: int, server_secret: bytes) -> OneTimeSecrets:
    """A new TOTP secret for a lost or replaced phone; the person logs in again everywhere."""
    user = _account(db, user_id)
    secret = keys.reset_totp_secret(user, server_secret)
    end_all_sessions(db, user)
    audit.record(db, "totp_reset", audit.STAFF, admin.id, None, f"user={user.id}")
    return OneTimeSecrets(user=user, totp_secret=secret)


def unlock(db: Session, admin: StaffUser, user_id: int) -> StaffUser:
    """Lift a lock-out after failed log-ins."""
    user = _account(db, user_id)
    user.failed_logins = 0
    user.locked_until = None
    audit.record(db, "user_unlocked", audit.STAFF, admin.id, None, f"user={user.id}")
    return user
