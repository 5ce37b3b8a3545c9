"""Printed invitations: the person, not the administrator, sets their password and authenticator.

The administrator creates an invitation and hands the printout to the person. With it the
person chooses their own password and scans their own authenticator QR code, on their own device;
neither is ever shown to the administrator. Whoever holds the printout can still use it, so the
protection of the keys is at the grant, where a lead compares the recipient's key fingerprint in
person (:mod:`complaints.staff.grants`). What an invitation can never do is open a key: a new
password makes a new personal keypair, and a reset authenticator needs the current password.

Steps: the code (with the username) opens the invitation and hands back a step token valid for
:data:`STEP_MINUTES`; the next page sets the new password (or checks the current one); when the
authenticator is to be set, the last page shows its QR code once and waits for a code from it.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import audit, contexts, crypto, keys, passwords
from complaints.models import StaffInvitation, StaffUser
from complaints.workspace.login import normalise_code
from complaints.workspace.sessions import end_all_sessions

STEP_MINUTES = 30
CODE_GROUPS = 5


class InvitationRefused(Exception):
    """The invitation cannot be used; ``reason`` names why (one answer for unknown and wrong)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation and its code, which is shown once (on the printout) and never stored."""

    invitation: StaffInvitation
    code: str = field(repr=False)


@dataclass(frozen=True)
class Step:
    """The invitation being used and the token that carries the person to the next page."""

    invitation: StaffInvitation
    token: str = field(repr=False)


def new_code() -> str:
    """About 100 random bits as five groups of four letters and digits (no 0/O or 1/I)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(CODE_GROUPS))


def _normalise(code: str) -> str:
    return "".join(ch for ch in normalise_code(code).upper() if ch.isalnum() and ch.isascii())


def code_digest(code: str, key: bytes) -> str:
    """The keyed hash the database keeps of a code (spaces, dashes and case do not matter)."""
    return crypto.mac_hex(key, _normalise(code).encode())


def issue(
    db: Session,
    by: StaffUser,
    user: StaffUser,
    sets_password: bool,
    sets_totp: bool,
    now: datetime,
    key: bytes,
    days: int,
) -> IssuedInvitation:
    """A new invitation for ``user``; an unused older one is replaced, and what it set is kept."""
    for older in pending(db, user):
        sets_password = sets_password or older.sets_password
        sets_totp = sets_totp or older.sets_totp
        db.delete(older)
    db.flush()
    code = new_code()
    invitation = StaffInvitation(
        user_id=user.id,
        code_digest=code_digest(code, key),
        sets_password=sets_password,
        sets_totp=sets_totp,
        created_by_id=by.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.add(invitation)
    db.flush()
    audit.record(
        db,
        "invitation_created",
        audit.STAFF,
        by.id,
        None,
        f"user={user.id} password={int(sets_password)} totp={int(sets_totp)}",
    )
    return IssuedInvitation(invitation=invitation, code=code)


def pending(db: Session, user: StaffUser) -> list[StaffInvitation]:
    """The user's invitations not used yet (expired ones included)."""
    return list(
        db.scalars(
            select(StaffInvitation).where(
                StaffInvitation.user_id == user.id, StaffInvitation.used_at.is_(None)
            )
        )
    )


def open_with_code(db: Session, username: str, code: str, now: datetime, key: bytes) -> Step:
    """The invitation the username and code name, and a token for the next step."""
    invitation = db.scalars(
        select(StaffInvitation).where(StaffInvitation.code_digest == code_digest(code, key))
    ).first()
    if invitation is None or invitation.user.username != username.strip():
        raise InvitationRefused("wrong")
    if invitation.used_at is not None:
        raise InvitationRefused("used")
    if invitation.expires_at <= now or invitation.user.disabled:
        raise InvitationRefused("expired")
    return _next_step(invitation, now)


def _next_step(invitation: StaffInvitation, now: datetime) -> Step:
    token = crypto.random_token()
    invitation.step_digest = crypto.token_digest(token)
    invitation.step_expires_at = now + timedelta(minutes=STEP_MINUTES)
    return Step(invitation=invitation, token=token)


def at_step(db: Session, token: str, now: datetime) -> StaffInvitation:
    """The invitation a step token carries, while it is valid."""
    invitation = db.scalars(
        select(StaffInvitation).where(StaffInvitation.step_digest == crypto.token_digest(token))
    ).first()
    if invitation is None or invitation.used_at is not None or invitation.step_expires_at is None:
        raise InvitationRefused("step_expired")
    if invitation.step_expires_at <= now or invitation.expires_at <= now or invitation.user.disabled:
        raise InvitationRefused("step_expired")
    return invitation


def set_own_password(
    db: Session, invitation: StaffInvitation, password: str, now: datetime, params: crypto.Argon2Params
) -> Step | None:
    """The person's own password, under a new personal keypair (grants to the old one are dead).

    Returns the step to the authenticator when that is to be set too; None when all is done.
    """
    user = invitation.user
    if not invitation.sets_password:
        raise InvitationRefused("step_expired")
    if password.strip().casefold() == user.username.casefold():
        raise InvitationRefused("is_username")
    if not passwords.strong_enough(password, user.role_set, (user.username, user.display_name)):
        raise InvitationRefused("weak")
    keys.replace_personal_key(user, password, params)
    user.must_change_password = False
    user.failed_logins = 0
    user.locked_until = None
    end_all_sessions(db, user)
    audit.record(db, "invitation_password_set", audit.STAFF, user.id)
    if invitation.sets_totp:
        return _next_step(invitation, now)
    _finish(db, invitation, now)
    return None


def check_current_password(
    invitation: StaffInvitation, password: str, now: datetime, params: crypto.Argon2Params
) -> Step:
    """Only a new authenticator is set: the person proves they know their password first."""
    if invitation.sets_password:
        raise InvitationRefused("step_expired")
    try:
        keys.unlock_personal_key(invitation.user, password, params)
    except keys.WrongPassword as wrong:
        raise InvitationRefused("wrong_password") from wrong
    return _next_step(invitation, now)


def authenticator_secret(invitation: StaffInvitation, server_secret: bytes) -> bytes:
    """The secret to show as a QR code, made once per invitation and kept until confirmed."""
    context = contexts.pending_totp_secret(invitation.id)
    if invitation.pending_totp_ciphertext is None:
        secret = crypto.new_totp_secret()
        invitation.pending_totp_ciphertext = crypto.encrypt_bytes(server_secret, secret, context)
        return secret
    return crypto.decrypt_bytes(server_secret, invitation.pending_totp_ciphertext, context)


def confirm_authenticator(
    db: Session, invitation: StaffInvitation, code: str, unix_time: int, now: datetime, server_secret: bytes
) -> None:
    """The person typed a code from the newly scanned app: it becomes their authenticator."""
    if not invitation.sets_totp or invitation.pending_totp_ciphertext is None:
        raise InvitationRefused("step_expired")
    secret = authenticator_secret(invitation, server_secret)
    step = crypto.totp_matching_step(secret, normalise_code(code), unix_time)
    if step is None:
        raise InvitationRefused("wrong_code")
    user = invitation.user
    user.totp_secret_ciphertext = crypto.encrypt_bytes(
        server_secret, secret, contexts.totp_secret(user.username)
    )
    user.last_totp_step = step  # this code is spent: the first log-in needs the next one
    end_all_sessions(db, user)
    audit.record(db, "invitation_totp_set", audit.STAFF, user.id)
    _finish(db, invitation, now)


def _finish(db: Session, invitation: StaffInvitation, now: datetime) -> None:
    invitation.used_at = now
    invitation.step_digest = None
    invitation.step_expires_at = None
    invitation.pending_totp_ciphertext = None
    audit.record(db, "invitation_used", audit.STAFF, invitation.user_id)


def printable_secret(secret: bytes) -> str:
    """The authenticator secret in groups of four, for typing it into an app by hand."""
    text = base64.b32encode(secret).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
