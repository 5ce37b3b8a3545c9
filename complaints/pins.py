"""Public keys are never trusted from the database alone (DESIGN §3): each organisation key and
each staff member's public key carries a pin — an HMAC under a key derived from the server config
— and nothing is sealed to a key whose pin does not verify.

Someone who can write the database but does not have ``instance/config.py`` cannot make a pin,
so a key of theirs put in a row (a new "recovery" key, a swapped staff key) gets nothing sealed
to it; the refusal is audited and the leads are told. Someone who also has the config can make
pins: against them the defence is the audit chain witnessed outside the server (README).
Pins survive key rotation: a new key is pinned when it is made, with the same config.
"""

from __future__ import annotations

import hashlib

from complaints import crypto, settings
from complaints.models import OrgKey, StaffUser


class UnpinnedKey(Exception):
    """A public key's pin does not verify: it was not made by this installation."""


def _fingerprint(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def _org_message(org_key: OrgKey) -> bytes:
    return f"org-key|{org_key.kind}|{org_key.key_id}|{_fingerprint(org_key.public_key)}".encode()


def _staff_message(user: StaffUser) -> bytes:
    return f"staff-key|{user.username}|{user.key_id}|{_fingerprint(user.public_key)}".encode()


def pin_org_key(org_key: OrgKey, key: bytes | None = None) -> None:
    """Pin an organisation key this installation just made (``key``: a rotation's new pin key)."""
    org_key.pin = crypto.mac_hex(key or settings.key_pin_key(), _org_message(org_key))


def pin_staff_key(user: StaffUser, key: bytes | None = None) -> None:
    """Pin a staff member's public key this installation just made (creation, reset, rotation)."""
    user.key_pin = crypto.mac_hex(key or settings.key_pin_key(), _staff_message(user))


def org_key_verifies(org_key: OrgKey) -> bool:
    """Whether an organisation key was pinned by this installation and not changed since."""
    expected = crypto.mac_hex(settings.key_pin_key(), _org_message(org_key))
    return bool(org_key.pin) and crypto.same_secret(expected.encode(), str(org_key.pin).encode())


def staff_key_verifies(user: StaffUser) -> bool:
    """Whether a staff public key was pinned by this installation for this very account."""
    expected = crypto.mac_hex(settings.key_pin_key(), _staff_message(user))
    return bool(user.key_pin) and crypto.same_secret(expected.encode(), str(user.key_pin).encode())


def require_staff_key(user: StaffUser) -> bytes:
    """The public key to seal to for this account; raises :class:`UnpinnedKey` if it was swapped."""
    if not staff_key_verifies(user):
        raise UnpinnedKey(f"the public key of account {user.id} does not verify")
    return user.public_key


def spoken_fingerprint(public_key: bytes) -> str:
    """A public key as 20 digits in five groups, to compare aloud or on paper in person."""
    number = int.from_bytes(
        hashlib.sha256(b"complaints spoken fingerprint|" + public_key).digest()[:9], "big"
    )
    digits = f"{number % 10**20:020d}"
    return " ".join(digits[i : i + 4] for i in range(0, 20, 4))
