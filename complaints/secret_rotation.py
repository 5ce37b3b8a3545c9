"""Rotating the server secrets in instance/config.py without locking reporters or staff out.

- ``cookie`` (SECRET_KEY): the new key signs, the old one joins SECRET_KEY_FALLBACKS, so sessions
  made before stay valid until they expire (forms left open get the expired-form page, text kept).
- ``receipt-pepper`` (RECEIPT_LOOKUP_SECRET): a reporter's key derives from the pepper, so old
  cases keep theirs: it is retired under its version and new cases are filed under the new one.
- ``data`` (SERVER_DATA_SECRET): pins and TOTP seeds are re-made under the new secret in one
  transaction, both audit chains get an entry (keyed with the old secret) that hands them over to
  the new one, and unused staff invitations are voided (only a hash of their code is kept). The old
  secret is kept, by version, only to verify the history written under it.

The database step commits first; then the new config replaces the old in one rename. Run it with
the service stopped (workers still holding the old secret would refuse the new pins).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from complaints import audit, contexts, crypto, keys, pins
from complaints.dates import utcnow
from complaints.models import OrgKey, StaffInvitation, StaffUser

SECRETS = ("cookie", "receipt-pepper", "data")


@dataclass(frozen=True)
class DataRotation:
    """What the database step of a data-secret rotation changed."""

    repinned: int
    unpinned: list[str]
    authenticators: int
    voided_invitations: list[str]


def new_settings(name: str, config: Any) -> dict[str, Any]:
    """The config values a rotation of ``name`` sets, from the running config."""
    fresh = crypto.random_token(32)
    if name == "cookie":
        fallbacks = [str(config["SECRET_KEY"]), *list(config.get("SECRET_KEY_FALLBACKS") or [])]
        return {"SECRET_KEY": fresh, "SECRET_KEY_FALLBACKS": fallbacks[:3]}
    if name == "receipt-pepper":
        version = int(config.get("RECEIPT_PEPPER_VERSION", 1))
        retired = {**dict(config.get("RECEIPT_LOOKUP_SECRETS_RETIRED") or {})}
        retired[version] = str(config["RECEIPT_LOOKUP_SECRET"])
        return {
            "RECEIPT_LOOKUP_SECRET": fresh,
            "RECEIPT_PEPPER_VERSION": version + 1,
            "RECEIPT_LOOKUP_SECRETS_RETIRED": retired,
        }
    version = int(config.get("SERVER_DATA_SECRET_VERSION", 1))
    retired = {**dict(config.get("SERVER_DATA_SECRETS_RETIRED") or {})}
    retired[version] = str(config["SERVER_DATA_SECRET"])
    return {
        "SERVER_DATA_SECRET": fresh,
        "SERVER_DATA_SECRET_VERSION": version + 1,
        "SERVER_DATA_SECRETS_RETIRED": retired,
    }


def _repin(db: Session, new_pin_key: bytes) -> tuple[int, list[str]]:
    """Pin every key that verifies now under the new pin key; the ones that do not verify stay
    refused (they are listed, never re-pinned: that would launder a planted key)."""
    repinned, unpinned = 0, []
    for org_key in db.scalars(select(OrgKey)):
        if pins.org_key_verifies(org_key):
            pins.pin_org_key(org_key, new_pin_key)
            repinned += 1
        elif org_key.active:
            unpinned.append(f"{org_key.kind} key {org_key.key_id}")
    for user in db.scalars(select(StaffUser)):
        if pins.staff_key_verifies(user):
            pins.pin_staff_key(user, new_pin_key)
            repinned += 1
        else:
            unpinned.append(f"account {user.username}")
    return repinned, unpinned


def _rewrap_authenticators(db: Session, old_server: bytes, new_server: bytes) -> int:
    moved = 0
    for user in db.scalars(select(StaffUser)):
        try:
            seed = keys.totp_secret_of(user, old_server)
        except crypto.CryptoError:
            continue  # altered in the database: it stays unusable, and an admin resets it
        user.totp_secret_ciphertext = crypto.encrypt_bytes(
            new_server, seed, contexts.totp_secret(user.username)
        )
        moved += 1
    return moved


def _void_invitations(db: Session) -> list[str]:
    now = utcnow()
    pending = db.execute(
        select(StaffInvitation.id, StaffUser.username)
        .join(StaffUser, StaffUser.id == StaffInvitation.user_id)
        .where(StaffInvitation.used_at.is_(None), StaffInvitation.expires_at > now)
    ).all()
    if pending:
        db.execute(
            update(StaffInvitation)
            .where(StaffInvitation.id.in_([row.id for row in pending]))
            .values(expires_at=now, pending_totp_ciphertext=None)
        )
    return sorted({row.username for row in pending})


def rotate_data_secret(db: Session, old_secret: bytes, new_secret: bytes, new_version: int) -> DataRotation:
    """The database half of a data-secret rotation, in the caller's transaction (caller commits)."""
    repinned, unpinned = _repin(db, crypto.derive_key(new_secret, contexts.KEY_PIN_KEY))
    authenticators = _rewrap_authenticators(
        db,
        crypto.derive_key(old_secret, contexts.SERVER_DATA_KEY),
        crypto.derive_key(new_secret, contexts.SERVER_DATA_KEY),
    )
    voided = _void_invitations(db)
    audit.hand_over_key(db, new_version, crypto.derive_key(new_secret, contexts.AUDIT_CHAIN_KEY))
    return DataRotation(repinned, unpinned, authenticators, voided)


def stage_config(instance_path: str, name: str, values: dict[str, Any]) -> Path:
    """instance/config.py with the rotation's values appended, written beside it (0600, synced);
    :func:`install_config` puts it in place."""
    path = Path(instance_path) / "config.py"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = [f"\n# `flask secrets rotate {name}` on {utcnow():%Y-%m-%d %H:%M} UTC: later lines win."]
    lines += [f"{key} = {value!r}" for key, value in values.items()]
    staged = path.with_name("config.py.rotating")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(current.rstrip("\n") + "\n" + "\n".join(lines) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return staged


def install_config(staged: Path) -> None:
    """Replace instance/config.py with the staged one in one rename."""
    os.replace(staged, staged.with_name("config.py"))
