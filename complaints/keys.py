"""The key hierarchy: organisation keys, staff personal keys, grants, TOTP seeds and the recovery code."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from complaints import alerts, contexts, crypto, pins
from complaints.dates import utcnow
from complaints.models import KeyGrant, OrgKey, StaffUser

UNIT = "unit"
CUSTODIAN = "custodian"
RECOVERY = "recovery"
ORG_KEY_KINDS = (UNIT, CUSTODIAN, RECOVERY)
ROLES = ("officer", "lead", "custodian", "admin")


class KeyringError(Exception):
    """A key needed for this action is missing or could not be unlocked."""


class WrongPassword(Exception):
    """The password does not match the account."""


@dataclass(frozen=True)
class RecipientKeys:
    """The public keys a new case is sealed to: those of the three whose pin verifies. A key that
    fails its pin is left out (and alerted), so a report is still kept, sealed to the others."""

    unit: OrgKey | None
    custodian: OrgKey | None
    recovery: OrgKey | None


def _grant_purpose(org_key: OrgKey, recipient_key_id: str) -> str:
    return contexts.org_key_grant(org_key.kind, org_key.key_id, recipient_key_id)


def create_org_key(db: Session, kind: str) -> tuple[OrgKey, bytes]:
    """Make a new organisation keypair; the caller seals the private key to someone."""
    private_key = crypto.generate_private_key()
    return create_org_key_from_private(db, kind, private_key), private_key


def create_org_key_from_private(db: Session, kind: str, private_key: bytes) -> OrgKey:
    """Register the public half of an organisation key whose private half is given."""
    public_key = crypto.public_key_of(private_key)
    org_key = OrgKey(kind=kind, public_key=public_key, key_id=crypto.key_id(public_key), created_at=utcnow())
    pins.pin_org_key(org_key)
    db.add(org_key)
    return org_key


def _first_verifying(db: Session, kind: str, newest_first: Iterable[OrgKey]) -> OrgKey | None:
    """The newest key whose pin verifies; each newer one that fails is alerted and passed over."""
    for org_key in newest_first:
        if pins.org_key_verifies(org_key):
            return org_key
        alerts.raise_key_alert(db, kind, org_key.key_id)
    return None


def _active_keys(kinds: Iterable[str]) -> Select[OrgKey]:
    return (
        select(OrgKey).where(OrgKey.kind.in_(list(kinds)), OrgKey.active.is_(True)).order_by(OrgKey.id.desc())
    )


# Built once: read for every report filed, as plain rows on the connection (loading them as the
# session's objects would cost more than the query; what is sealed to needs only their columns).
_EVERY_ACTIVE_KEY = _active_keys(ORG_KEY_KINDS)


def active_org_key(db: Session, kind: str) -> OrgKey | None:
    """The current key of a kind whose pin verifies, or None (before `init`, or if none does).

    A row that fails its pin — put there by someone writing to the database — is passed over and
    alerted, never used.
    """
    return _first_verifying(db, kind, db.scalars(_active_keys([kind])))


def recipient_keys(db: Session) -> RecipientKeys:
    """The unit, custodian and recovery public keys that verify (read in one query, each chosen as
    :func:`active_org_key` would, as objects outside the session); raises when the content or the
    identity could not be sealed to anyone (before `init`)."""
    rows = [OrgKey(**row._asdict()) for row in db.connection().execute(_EVERY_ACTIVE_KEY)]
    found = {
        kind: _first_verifying(db, kind, [row for row in rows if row.kind == kind]) for kind in ORG_KEY_KINDS
    }
    recipients = RecipientKeys(unit=found[UNIT], custodian=found[CUSTODIAN], recovery=found[RECOVERY])
    if recipients.recovery is None and (recipients.unit is None or recipients.custodian is None):
        raise KeyringError("organisation keys are missing; run `flask --app wsgi init`")
    return recipients


def grant_org_key(
    db: Session,
    org_key: OrgKey,
    org_private_key: bytes,
    to: StaffUser,
    by: StaffUser | None,
    first_holder: bool = False,
) -> KeyGrant:
    """Seal an organisation private key to a staff member (replacing an older grant).

    Refused while the recipient still has a password someone else set (first login or an admin
    reset): whoever knows that password could unwrap the personal key and so the grant.
    ``first_holder`` is for `init` and `keys recover` only: their grant is re-sealed to a fresh
    personal key at the holder's first password change (see :func:`change_password`).
    """
    if to.must_change_password and not first_holder:
        raise KeyringError("the recipient must first set their own password")
    if crypto.public_key_of(org_private_key) != org_key.public_key:
        raise KeyringError("the private key does not belong to this organisation key")
    if not pins.staff_key_verifies(to):
        alerts.raise_key_alert(db, "staff", to.key_id)
        raise KeyringError("the recipient's public key does not verify")
    existing = db.scalars(
        select(KeyGrant).where(KeyGrant.org_key_id == org_key.id, KeyGrant.user_id == to.id)
    ).first()
    sealed = crypto.seal(org_private_key, pins.require_staff_key(to), _grant_purpose(org_key, to.key_id))
    grant = existing or KeyGrant(org_key_id=org_key.id, user_id=to.id)
    grant.org_key = org_key
    grant.recipient_key_id = to.key_id
    grant.sealed_ciphertext = sealed
    grant.granted_by_id = by.id if by else None
    grant.created_at = utcnow()
    db.add(grant)
    return grant


def open_grant(grant: KeyGrant, personal_private_key: bytes) -> bytes:
    """The organisation private key a grant holds, opened with the holder's personal key."""
    return crypto.unseal(
        grant.sealed_ciphertext,
        personal_private_key,
        _grant_purpose(grant.org_key, grant.recipient_key_id),
    )


def held_org_keys(db: Session, user: StaffUser, personal_private_key: bytes) -> dict[str, bytes]:
    """Every organisation private key the user holds a current grant for, by kind."""
    held: dict[str, bytes] = {}
    grants = db.scalars(select(KeyGrant).where(KeyGrant.user_id == user.id)).all()
    for grant in grants:
        if grant.recipient_key_id != user.key_id or not grant.org_key.active:
            continue  # sealed to a personal key the user no longer has
        held[grant.org_key.kind] = open_grant(grant, personal_private_key)
    return held


def private_key_for(db: Session, kind: str, user: StaffUser, personal_private_key: bytes) -> bytes:
    """One organisation private key of the user's; raises :class:`KeyringError` if not held."""
    org_key = active_org_key(db, kind)
    if org_key is None:
        raise KeyringError(f"no {kind} key")
    grant = db.scalars(
        select(KeyGrant).where(KeyGrant.org_key_id == org_key.id, KeyGrant.user_id == user.id)
    ).first()
    if grant is None or grant.recipient_key_id != user.key_id:
        raise KeyringError(f"user does not hold the {kind} key")
    return open_grant(grant, personal_private_key)


def held_kinds(db: Session) -> dict[int, set[str]]:
    """For every account, the kinds of active organisation keys sealed to its current personal key."""
    rows = db.execute(
        select(KeyGrant.user_id, OrgKey.kind)
        .join(OrgKey, OrgKey.id == KeyGrant.org_key_id)
        .join(StaffUser, StaffUser.id == KeyGrant.user_id)
        .where(OrgKey.active.is_(True), KeyGrant.recipient_key_id == StaffUser.key_id)
    )
    held: dict[int, set[str]] = {}
    for user_id, kind in rows:
        held.setdefault(user_id, set()).add(kind)
    return held


# --- staff personal keys ------------------------------------------------------------------


@dataclass(frozen=True)
class NewStaffUser:
    """A freshly created account and the secrets shown once to whoever created it."""

    user: StaffUser
    personal_private_key: bytes
    totp_secret: bytes


def params_text(params: crypto.Argon2Params) -> str:
    """How an Argon2id cost is stored beside the key it protects."""
    return f"m={params.memory_kib},t={params.iterations},p={params.lanes}"


def stored_params(user: StaffUser) -> crypto.Argon2Params:
    """The cost the user's password key was derived with (so raising the setting locks no one out)."""
    values = dict(part.split("=", 1) for part in user.password_params.split(","))
    return crypto.Argon2Params(
        memory_kib=int(values["m"]), iterations=int(values["t"]), lanes=int(values["p"])
    )


def needs_rewrap(user: StaffUser, params: crypto.Argon2Params) -> bool:
    """True when the stored cost is not the configured one; re-wrap at the next log-in."""
    return user.password_params != params_text(params)


def set_password(
    user: StaffUser, password: str, personal_private_key: bytes, params: crypto.Argon2Params
) -> None:
    """(Re)wrap the personal private key under a key derived from ``password``."""
    salt = crypto.new_salt()
    derived = crypto.derive_password_keys(password, salt, params)
    user.password_params = params_text(params)
    user.password_salt = salt
    user.password_verifier = derived.verifier
    user.private_key_ciphertext = crypto.encrypt_bytes(
        derived.wrapping_key, personal_private_key, contexts.personal_key(user.username)
    )


def create_staff_user(
    db: Session,
    username: str,
    roles: frozenset[str],
    password: str,
    params: crypto.Argon2Params,
    server_secret: bytes,
    must_change_password: bool = True,
) -> NewStaffUser:
    """Create an account with a personal keypair wrapped under ``password`` and a TOTP secret."""
    unknown = roles - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    personal_private_key = crypto.generate_private_key()
    public_key = crypto.public_key_of(personal_private_key)
    totp_secret = crypto.new_totp_secret()
    user = StaffUser(
        username=username,
        roles=",".join(sorted(roles)),
        public_key=public_key,
        key_id=crypto.key_id(public_key),
        totp_secret_ciphertext=crypto.encrypt_bytes(
            server_secret, totp_secret, contexts.totp_secret(username)
        ),
        must_change_password=must_change_password,
        disabled=False,
        failed_logins=0,
        last_totp_step=0,
        created_at=utcnow(),
    )
    set_password(user, password, personal_private_key, params)
    pins.pin_staff_key(user)
    db.add(user)
    return NewStaffUser(user=user, personal_private_key=personal_private_key, totp_secret=totp_secret)


def unlock_personal_key(user: StaffUser, password: str, params: crypto.Argon2Params) -> bytes:
    """Check the password and return the personal private key; one Argon2id run.

    The derivation uses the cost stored with the account; ``params`` (the configured cost) is
    used only when the account has none recorded.
    """
    derived = crypto.derive_password_keys(
        password, user.password_salt, stored_params(user) if user.password_params else params
    )
    if not crypto.same_secret(derived.verifier, user.password_verifier):
        raise WrongPassword
    private_key = crypto.decrypt_bytes(
        derived.wrapping_key, user.private_key_ciphertext, contexts.personal_key(user.username)
    )
    if crypto.key_id(crypto.public_key_of(private_key)) != user.key_id:
        # Someone with database access swapped the public key to divert future grants.
        raise KeyringError("the account's public key does not match its private key")
    return private_key


def replace_personal_key(user: StaffUser, password: str, params: crypto.Argon2Params) -> bytes:
    """After an admin reset: a new keypair (old grants become unusable until re-granted)."""
    personal_private_key = crypto.generate_private_key()
    user.public_key = crypto.public_key_of(personal_private_key)
    user.key_id = crypto.key_id(user.public_key)
    pins.pin_staff_key(user)
    set_password(user, password, personal_private_key, params)
    return personal_private_key


def change_password(
    db: Session, user: StaffUser, personal_private_key: bytes, new_password: str, params: crypto.Argon2Params
) -> bytes:
    """Set the user's own password; returns the personal private key to use from now on.

    When the old password was set by someone else (first login, admin reset), a fresh personal
    keypair replaces the old one and every grant is re-sealed to it: whoever knew the one-time
    password, or kept a backup of the key wrapped under it, holds a key that opens nothing new.
    """
    if not user.must_change_password:
        set_password(user, new_password, personal_private_key, params)
        return personal_private_key
    held = [
        (grant, open_grant(grant, personal_private_key))
        for grant in db.scalars(select(KeyGrant).where(KeyGrant.user_id == user.id)).all()
        if grant.recipient_key_id == user.key_id
    ]
    new_private_key = replace_personal_key(user, new_password, params)
    user.must_change_password = False
    for grant, org_private_key in held:
        grant.recipient_key_id = user.key_id
        grant.sealed_ciphertext = crypto.seal(
            org_private_key, user.public_key, _grant_purpose(grant.org_key, user.key_id)
        )
    return new_private_key


def totp_secret_of(user: StaffUser, server_secret: bytes) -> bytes:
    """The user's TOTP secret, kept under the server's data secret."""
    return crypto.decrypt_bytes(
        server_secret, user.totp_secret_ciphertext, contexts.totp_secret(user.username)
    )


def reset_totp_secret(user: StaffUser, server_secret: bytes) -> bytes:
    """A new TOTP secret for the user (admin action)."""
    secret = crypto.new_totp_secret()
    user.totp_secret_ciphertext = crypto.encrypt_bytes(
        server_secret, secret, contexts.totp_secret(user.username)
    )
    user.last_totp_step = 0
    return secret


# --- recovery -----------------------------------------------------------------------------


def new_recovery_code() -> tuple[str, bytes]:
    """A printable recovery code and the private key it derives (neither is stored)."""
    seed = crypto.new_data_key()
    code = base64.b32encode(seed).decode().rstrip("=")
    return _group(code), recovery_private_key(code)


def recovery_private_key(code: str) -> bytes:
    """The recovery private key from its printed code (spaces and case do not matter)."""
    cleaned = "".join(code.split()).upper().replace("-", "")
    try:
        seed = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except ValueError as error:
        raise KeyringError("the recovery code is not valid") from error
    if len(seed) != crypto.DATA_KEY_BYTES:
        raise KeyringError("the recovery code is not valid")
    return crypto.derive_private_key(seed, b"complaints", contexts.RECOVERY_KEY)


def _group(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
