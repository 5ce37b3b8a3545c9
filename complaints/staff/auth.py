"""Staff log-in (password + TOTP, throttled per username) and the two-halved staff session.

Every log-in attempt runs exactly one Argon2id derivation, whether the username exists, the
account is locked or not, so neither the answer nor its timing tells which accounts exist or
which are locked. A locked account refuses even the right password with the ordinary answer.

At log-in the personal private key is unwrapped with the password (one Argon2id run) and
re-encrypted under a random per-session key. The database keeps only that ciphertext and the
SHA-256 of a random token (:class:`~complaints.models.StaffSession`); the token and the
session key travel only in the staff member's signed, HttpOnly, SameSite=Strict cookie. Neither
half alone reads anything; logging out or expiry deletes the server half.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, NoReturn, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from complaints import audit, cli, crypto, keys
from complaints.models import StaffSession, StaffUser

TOKEN_COOKIE_KEY = "staff_token"  # noqa: S105 - the name of a cookie entry, not a secret
SESSION_KEY_COOKIE_KEY = "staff_key"
LEGAL_ROLES = frozenset({"officer", "lead", "custodian"})
HANDLER_ROLES = frozenset({"officer", "lead"})
ADMIN_ROLES = frozenset({"admin"})
PASSWORD_MIN = 12
PASSWORD_MAX = 256
_TOUCH_EVERY = timedelta(seconds=60)
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_DUMMY_SALT = b"\x00" * 16

View = TypeVar("View", bound=Callable[..., Any])


class LoginFailed(Exception):
    """Wrong username, password or code (deliberately not saying which)."""


class AccountDisabled(Exception):
    """The credentials were right but an administrator disabled the account."""


class SessionExpired(Exception):
    """The staff session timed out (idle or absolute) or was ended elsewhere."""


@dataclass(frozen=True)
class LoginPolicy:
    """The settings that govern log-in and sessions, read once from config."""

    argon2: crypto.Argon2Params
    server_secret: bytes
    max_failures: int
    lockout: timedelta
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_app(cls, app: Flask) -> LoginPolicy:
        config = app.config
        return cls(
            argon2=cli.argon2_params(app),
            server_secret=cli.server_secret(app),
            max_failures=int(config["STAFF_LOGIN_MAX_FAILURES"]),
            lockout=timedelta(minutes=int(config["STAFF_LOCKOUT_MINUTES"])),
            idle=timedelta(minutes=int(config["STAFF_IDLE_MINUTES"])),
            absolute=timedelta(hours=float(config["STAFF_ABSOLUTE_HOURS"])),
        )


@dataclass(frozen=True)
class StartedSession:
    """What the browser receives after a successful log-in."""

    user: StaffUser
    token: str = field(repr=False)
    session_key: bytes = field(repr=False)


@dataclass
class StaffContext:
    """The logged-in staff member of this request and their unlocked personal key."""

    user: StaffUser
    row: StaffSession
    session_key: bytes = field(repr=False)
    personal_key: bytes = field(repr=False)

    def has_any(self, roles: frozenset[str]) -> bool:
        """Whether the user holds at least one of ``roles``."""
        return bool(self.user.role_set & roles)


# --- log-in ---------------------------------------------------------------------------------


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
    locked_until = now + policy.lockout
    db.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(failed_logins=0, locked_until=locked_until)
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
    return bool(claimed.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


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
    step = crypto.totp_matching_step(
        keys.totp_secret_of(user, policy.server_secret), normalise_code(code), unix_time
    )
    if step is None or not _claim_totp_step(db, user, step):
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


# --- the server half of a session -----------------------------------------------------------


def _session_context(session_id: str, user: StaffUser) -> str:
    return f"staff-session|session:{session_id}|user:{user.id}|key:{user.key_id}"


def start_session(db: Session, user: StaffUser, personal_key: bytes, now: datetime) -> StartedSession:
    """Keep the personal key encrypted under a fresh session key; only its ciphertext is stored."""
    token = crypto.random_token(32)
    session_key = crypto.new_data_key()
    session_id = crypto.token_digest(token)
    db.add(
        StaffSession(
            id=session_id,
            user_id=user.id,
            private_key_ciphertext=crypto.encrypt_bytes(
                session_key, personal_key, _session_context(session_id, user)
            ),
            created_at=now,
            last_seen_at=now,
        )
    )
    return StartedSession(user=user, token=token, session_key=session_key)


def rewrap_session(context: StaffContext, personal_key: bytes) -> None:
    """After the personal keypair changed: the session holds the new key under the same session key."""
    context.row.private_key_ciphertext = crypto.encrypt_bytes(
        context.session_key, personal_key, _session_context(context.row.id, context.user)
    )
    context.personal_key = personal_key


def resume_session(
    db: Session, token: str, session_key: bytes, now: datetime, policy: LoginPolicy
) -> StaffContext:
    """The session a cookie names, if it is alive; raises :class:`SessionExpired` otherwise."""
    row = db.get(StaffSession, crypto.token_digest(token))
    if row is None:
        raise SessionExpired
    if row.last_seen_at + policy.idle < now or row.created_at + policy.absolute < now:
        db.delete(row)
        raise SessionExpired
    user = row.user
    if user.disabled:
        end_all_sessions(db, user)
        raise SessionExpired
    try:
        personal_key = crypto.decrypt_bytes(
            session_key, row.private_key_ciphertext, _session_context(row.id, user)
        )
    except crypto.CryptoError as error:  # a forged cookie half, or the account's key was replaced
        raise SessionExpired from error
    if now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
    return StaffContext(user=user, row=row, session_key=session_key, personal_key=personal_key)


def end_session_named_by_cookie(db: Session) -> None:
    """Log out whatever session the cookie names, alive or not, even with a damaged key half.

    Used by the log-out view, which needs no CSRF token: a forged log-out harms nobody, and a
    refused one must not leave the server half behind.
    """
    token = session.get(TOKEN_COOKIE_KEY)
    if not isinstance(token, str):
        return
    row = db.get(StaffSession, crypto.token_digest(token))
    if row is not None:
        db.delete(row)
        audit.record(db, "logout", audit.STAFF, row.user_id)


def end_all_sessions(db: Session, user: StaffUser, keep: StaffSession | None = None) -> int:
    """Delete every server half of the user's sessions (optionally all but ``keep``)."""
    query = delete(StaffSession).where(StaffSession.user_id == user.id)
    if keep is not None:
        query = query.where(StaffSession.id != keep.id)
    result = db.execute(query.execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DELETE


def purge_expired_sessions(db: Session, now: datetime, policy: LoginPolicy) -> None:
    """Delete server halves nobody can use any more (idle or past the absolute limit)."""
    db.execute(
        delete(StaffSession)
        .where(
            or_(
                StaffSession.last_seen_at < now - policy.idle, StaffSession.created_at < now - policy.absolute
            )
        )
        .execution_options(synchronize_session=False)
    )


# --- passwords ------------------------------------------------------------------------------


class PasswordRejected(Exception):
    """The new password is not acceptable; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
        try:
            keys.unlock_personal_key(user, current_password, params)
        except keys.WrongPassword as error:
            raise PasswordRejected("wrong_current") from error
        if current_password == new_password:
            raise PasswordRejected("unchanged")
    elif _is_current_password(user, new_password, params):
        raise PasswordRejected("unchanged")
    if new_password.strip().casefold() == user.username.casefold():
        raise PasswordRejected("is_username")
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


# --- the request side: cookie, g.staff, access checks ---------------------------------------


def remember_in_cookie(started: StartedSession) -> None:
    """Put the browser's half in the (signed, HttpOnly, SameSite=Strict) session cookie."""
    session.clear()  # no fixation: a fresh cookie at every log-in
    session[TOKEN_COOKIE_KEY] = started.token
    session[SESSION_KEY_COOKIE_KEY] = base64.urlsafe_b64encode(started.session_key).decode()


def forget_cookie() -> None:
    """Drop the browser's half."""
    session.pop(TOKEN_COOKIE_KEY, None)
    session.pop(SESSION_KEY_COOKIE_KEY, None)


def _cookie_half() -> tuple[str, bytes] | None:
    token, encoded = session.get(TOKEN_COOKIE_KEY), session.get(SESSION_KEY_COOKIE_KEY)
    if not isinstance(token, str) or not isinstance(encoded, str):
        return None
    try:
        session_key = base64.urlsafe_b64decode(encoded.encode())
    except (binascii.Error, ValueError):
        return None
    return token, session_key


def load_current_staff(db: Session, now: datetime) -> bool:
    """Set ``g.staff`` from the cookie; returns False when a session existed but has expired."""
    g.staff = None
    half = _cookie_half()
    if half is None:
        return True
    try:
        g.staff = resume_session(db, half[0], half[1], now, LoginPolicy.from_app(current_app))
    except SessionExpired:
        forget_cookie()
        return False
    return True


def current_staff() -> StaffContext | None:
    """The logged-in staff member of this request, if any."""
    context: StaffContext | None = g.get("staff")
    return context


def staff() -> StaffContext:
    """The logged-in staff member (inside views protected by :func:`requires_roles`)."""
    context = current_staff()
    if context is None:
        abort(401)
    return context


def home_endpoint(user: StaffUser) -> str:
    """Where a user lands after log-in: the queue for the legal unit, accounts for admins."""
    return "staff.queue" if user.role_set & LEGAL_ROLES else "admin.users"


def safe_next(target: str | None) -> str | None:
    """A post-login redirect target, only if it stays inside the staff or admin area."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//") or "\\" in target:
        return None
    return target if target.startswith(("/staff/", "/admin/")) else None


def requires_roles(roles: frozenset[str]) -> Callable[[View], View]:
    """Protect a view: logged in, own password set, and holding one of ``roles``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            context = current_staff()
            if context is None:
                target = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("staff.login", next=target))
            if context.user.must_change_password:
                return redirect(url_for("staff.change_password"))
            if not context.has_any(roles):
                abort(403)
            return view(*args, **kwargs)

        return cast(View, wrapper)

    return decorate
