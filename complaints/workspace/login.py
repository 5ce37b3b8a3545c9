"""Staff log-in (password + TOTP) and password changes.

Every log-in attempt runs exactly one Argon2id derivation, whether the username exists, the
account is locked or not, so neither the answer nor its timing tells which accounts exist or
which are locked. A locked account refuses even the right password with the ordinary answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import NoReturn

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from complaints import audit, crypto, keys, passwords
from complaints.models import StaffUser
from complaints.settings import LoginPolicy
from complaints.workspace.sessions import (
    StaffContext,
    StartedSession,
    end_all_sessions,
    purge_expired_sessions,
    rewrap_session,
    start_session,
)

PASSWORD_MIN = 12
PASSWORD_MAX = 256
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_DUMMY_SALT = b"\x00" * 16


class LoginFailed(Exception):
    """Wrong username, password or code (deliberately not saying which)."""


class AccountDisabled(Exception):
    """The credentials were right but an administrator disabled the account."""


class PasswordRejected(Exception):
    """The new password is not acceptable; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise_code(code: str) -> str:
    """Thai digits become ASCII; spaces people type between the groups are dropped."""
    return "".join(code.translate(_THAI_DIGITS).split())


def _record_failure(db: Session, user: StaffUser, now: datetime, policy: LoginPolicy) -> NoReturn:
    """Count a failed attempt atomically; lock the account when the limit is reached.

    Raises :class:`LoginFailed` either way: the lock is not announced to whoever tripped it.
    """
    failures = db.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(failed_logins=StaffUser.failed_logins + 1)
        .returning(StaffUser.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    audit.record(db, "login_failed", audit.STAFF, user.id)
    if failures < policy.max_failures:
        raise LoginFailed
    db.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(failed_logins=0, locked_until=now + policy.lockout)
        .execution_options(synchronize_session=False)
    )
    audit.record(db, "account_locked", audit.STAFF, user.id)
    raise LoginFailed


def _claim_totp_step(db: Session, user: StaffUser, step: int) -> bool:
    """Mark a TOTP step used; False if it (or a later one) was used already, even concurrently."""
    claimed = db.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, StaffUser.last_totp_step < step)
        .values(last_totp_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]  # an UPDATE returns a CursorResult


def _check_code(db: Session, user: StaffUser, code: str, unix_time: int, policy: LoginPolicy) -> bool:
    step = crypto.totp_matching_step(
        keys.totp_secret_of(user, policy.server_secret), normalise_code(code), unix_time
    )
    return step is not None and _claim_totp_step(db, user, step)


def log_in(
    db: Session, username: str, password: str, code: str, now: datetime, unix_time: int, policy: LoginPolicy
) -> StartedSession:
    """Check password and TOTP and open a session; the caller commits in every outcome.

    Raises :class:`LoginFailed` (wrong name, password or code, or a locked account: one answer)
    or :class:`AccountDisabled` (only once the password and code were right).
    """
    user = db.scalars(select(StaffUser).where(StaffUser.username == username.strip())).first()
    if user is None:
        crypto.derive_password_keys(password, _DUMMY_SALT, policy.argon2)  # same work as a real check
        raise LoginFailed
    locked = user.locked_until is not None and user.locked_until > now
    try:
        personal_key = keys.unlock_personal_key(user, password, policy.argon2)
    except keys.WrongPassword:
        _record_failure(db, user, now, policy)
    if locked:  # the right password, but the lock holds; the code is not even looked at
        audit.record(db, "login_failed", audit.STAFF, user.id)
        raise LoginFailed
    if not _check_code(db, user, code, unix_time, policy):
        _record_failure(db, user, now, policy)
    if user.disabled:
        raise AccountDisabled
    user.failed_logins = 0
    user.locked_until = None
    if keys.needs_rewrap(user, policy.argon2):  # the configured cost was raised since
        keys.set_password(user, password, personal_key, policy.argon2)
    purge_expired_sessions(db, now, policy)
    started = start_session(db, user, personal_key, now)
    audit.record(db, "staff_login", audit.STAFF, user.id)
    return started


def change_own_password(
    db: Session,
    context: StaffContext,
    current_password: str | None,
    new_password: str,
    params: crypto.Argon2Params,
) -> None:
    """Re-wrap the personal key under a new password and end the user's other sessions.

    ``current_password`` is required except on the forced first change, where the user has
    just typed the one-time password to log in.
    """
    user = context.user
    if current_password is not None:
        if not _is_current_password(user, current_password, params):
            raise PasswordRejected("wrong_current")
        if current_password == new_password:
            raise PasswordRejected("unchanged")
    elif _is_current_password(user, new_password, params):
        raise PasswordRejected("unchanged")
    if new_password.strip().casefold() == user.username.casefold():
        raise PasswordRejected("is_username")
    if not passwords.strong_enough(new_password, user.role_set, (user.username, user.display_name)):
        raise PasswordRejected("weak")
    personal_key = keys.change_password(db, user, context.personal_key, new_password, params)
    rewrap_session(context, personal_key)
    end_all_sessions(db, user, keep=context.row)
    audit.record(db, "password_changed", audit.STAFF, user.id)


def _is_current_password(user: StaffUser, password: str, params: crypto.Argon2Params) -> bool:
    try:
        keys.unlock_personal_key(user, password, params)
    except keys.WrongPassword:
        return False
    return True
