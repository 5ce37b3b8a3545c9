"""Reporter sessions: the case keys kept server-side under a key that only the cookie holds.

The database row (id = SHA-256 of a random token) keeps the case keys encrypted under a random
per-session key; the token and that key travel only in the reporter's cookie. Neither half alone
opens anything, and logging out or 30 idle minutes delete the server half.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from complaints import cases, contexts, crypto, receipts
from complaints.models import Case, ReporterSession

# Looked up in place of a malformed receipt: never twenty digits, so it never matches.
NOT_A_RECEIPT = "not-a-receipt"


class SessionEnded(Exception):
    """There is no reporter session any more: never started, logged out, or idle too long."""


@dataclass(frozen=True)
class SessionCookie:
    """The client half of a reporter session, as stored in the signed Flask session."""

    token: str
    session_key: bytes

    def to_cookie(self) -> list[str]:
        return [self.token, base64.urlsafe_b64encode(self.session_key).decode()]

    @classmethod
    def from_cookie(cls, value: object) -> SessionCookie:
        if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value):
            raise SessionEnded
        try:
            session_key = base64.b64decode(value[1], altchars=b"-_", validate=True)
        except ValueError as error:
            raise SessionEnded from error
        if len(session_key) != crypto.DATA_KEY_BYTES:
            raise SessionEnded
        return cls(value[0], session_key)


@dataclass(frozen=True)
class OpenCase:
    """A case the reporter has unlocked in this request."""

    case: Case
    keys: cases.CaseKeys


def _keys_context(session_id: str, case_uid: str) -> str:
    return contexts.reporter_session(session_id, case_uid)


def _seal_keys(session_key: bytes, session_id: str, case: Case, keys: cases.CaseKeys) -> bytes:
    payload = {"content": keys.content.hex(), "identity": keys.identity.hex() if keys.identity else None}
    return crypto.encrypt_text(session_key, json.dumps(payload), _keys_context(session_id, case.uid))


def _open_keys(session_key: bytes, row: ReporterSession, case: Case) -> cases.CaseKeys:
    payload = json.loads(
        crypto.decrypt_text(session_key, row.keys_ciphertext, _keys_context(row.id, case.uid))
    )
    identity = payload.get("identity")
    return cases.CaseKeys(bytes.fromhex(payload["content"]), bytes.fromhex(identity) if identity else None)


def log_in(db: Session, typed_receipt: str, lookup_secret: bytes, now: datetime) -> SessionCookie:
    """Open the case a typed receipt belongs to and start a session; caller commits.

    Any wrong receipt raises :class:`cases.CaseNotFound` after the same work (one receipt
    stretch and one indexed lookup), whether it was malformed or simply unknown.
    """
    try:
        receipt = receipts.normalise_receipt(typed_receipt)
    except receipts.ReceiptFormatError:
        receipt = NOT_A_RECEIPT
    case, case_keys = cases.unlock_by_receipt(db, receipt, lookup_secret)
    cookie = SessionCookie(crypto.random_token(32), crypto.new_data_key())
    session_id = crypto.token_digest(cookie.token)
    db.add(
        ReporterSession(
            id=session_id,
            case_id=case.id,
            keys_ciphertext=_seal_keys(cookie.session_key, session_id, case, case_keys),
            last_seen_at=now,
        )
    )
    return cookie


def resume(db: Session, cookie: SessionCookie, now: datetime, idle: timedelta) -> OpenCase:
    """The case of a live session, touching its idle timer; raises :class:`SessionEnded`."""
    row = db.get(ReporterSession, crypto.token_digest(cookie.token))
    if row is None:
        raise SessionEnded
    case = db.get(Case, row.case_id)
    if case is None or row.last_seen_at < now - idle:
        db.delete(row)
        raise SessionEnded
    try:
        case_keys = _open_keys(cookie.session_key, row, case)
    except crypto.CryptoError as error:
        raise SessionEnded from error
    row.last_seen_at = now
    return OpenCase(case, case_keys)


def end(db: Session, cookie: SessionCookie) -> None:
    """Delete the server half of a session (logout); caller commits."""
    db.execute(delete(ReporterSession).where(ReporterSession.id == crypto.token_digest(cookie.token)))


def purge_idle(db: Session, now: datetime, idle: timedelta) -> int:
    """Delete every session idle for longer than allowed; returns how many."""
    result = db.execute(delete(ReporterSession).where(ReporterSession.last_seen_at < now - idle))
    return int(getattr(result, "rowcount", 0) or 0)
