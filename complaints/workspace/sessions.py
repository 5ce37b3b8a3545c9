"""The two-halved staff session: the server keeps the personal key under a per-session key that
only the staff member's cookie holds.

At log-in the personal private key is re-encrypted under a random session key. The database keeps
only that ciphertext and the SHA-256 of a random token (:class:`~complaints.models.StaffSession`);
the token and the session key travel only in the signed, HttpOnly, SameSite=Strict cookie.
Neither half alone reads anything; logging out or expiry deletes the server half.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import session
from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from complaints import audit, contexts, crypto
from complaints.models import StaffSession, StaffUser
from complaints.settings import LoginPolicy

TOKEN_COOKIE_KEY = "staff_token"  # noqa: S105 - the name of a cookie entry, not a secret
SESSION_KEY_COOKIE_KEY = "staff_key"
_TOUCH_EVERY = timedelta(seconds=60)


class SessionExpired(Exception):
    """The staff session timed out (idle or absolute) or was ended elsewhere."""


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


def _context(session_id: str, user: StaffUser) -> str:
    return contexts.staff_session(session_id, user.id, user.key_id)


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
                session_key, personal_key, _context(session_id, user)
            ),
            created_at=now,
            last_seen_at=now,
        )
    )
    return StartedSession(user=user, token=token, session_key=session_key)


def rewrap_session(context: StaffContext, personal_key: bytes) -> None:
    """After the personal keypair changed: the session holds the new key under the same session key."""
    context.row.private_key_ciphertext = crypto.encrypt_bytes(
        context.session_key, personal_key, _context(context.row.id, context.user)
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
        personal_key = crypto.decrypt_bytes(session_key, row.private_key_ciphertext, _context(row.id, user))
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
    return int(result.rowcount)  # type: ignore[attr-defined]  # a DELETE returns a CursorResult


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


# --- the browser's half ------------------------------------------------------------------------


def remember_in_cookie(started: StartedSession) -> None:
    """Put the browser's half in the (signed, HttpOnly, SameSite=Strict) session cookie."""
    session.clear()  # no fixation: a fresh cookie at every log-in
    session[TOKEN_COOKIE_KEY] = started.token
    session[SESSION_KEY_COOKIE_KEY] = base64.urlsafe_b64encode(started.session_key).decode()


def forget_cookie() -> None:
    """Drop the browser's half."""
    session.pop(TOKEN_COOKIE_KEY, None)
    session.pop(SESSION_KEY_COOKIE_KEY, None)


def cookie_half() -> tuple[str, bytes] | None:
    """The token and session key the cookie carries, if any."""
    token, encoded = session.get(TOKEN_COOKIE_KEY), session.get(SESSION_KEY_COOKIE_KEY)
    if not isinstance(token, str) or not isinstance(encoded, str):
        return None
    try:
        session_key = base64.urlsafe_b64decode(encoded.encode())
    except (binascii.Error, ValueError):
        return None
    return token, session_key
