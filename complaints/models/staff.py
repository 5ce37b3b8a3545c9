"""Staff accounts, the organisation keys, key grants and the server half of staff sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.models.base import (
    USERNAME_MAX,
    Base,
    Ciphertext,
    Code,
    KeyId,
)


class StaffUser(Base):
    """A member of staff: legal officer, lead, identity custodian and/or administrator."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    roles: Mapped[str] = mapped_column(String(64))
    password_salt: Mapped[bytes] = mapped_column(LargeBinary)
    password_verifier: Mapped[bytes] = mapped_column(LargeBinary)
    # The Argon2id cost the password key was derived with, e.g. "m=65536,t=3,p=1".
    password_params: Mapped[str] = mapped_column(String(64), default="m=65536,t=3,p=1")
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[KeyId]
    # An HMAC of (username, key id, public key) under a key from the server config (complaints.pins).
    key_pin: Mapped[str | None] = mapped_column(String(64))
    # The audit log's fingerprint this person was last shown at log-in (they compare it with theirs).
    witness_seen: Mapped[str | None] = mapped_column(String(80))
    private_key_ciphertext: Mapped[Ciphertext]
    totp_secret_ciphertext: Mapped[Ciphertext]
    last_totp_step: Mapped[int] = mapped_column(Integer, default=0)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    @property
    def role_set(self) -> frozenset[str]:
        """The roles as a set."""
        return frozenset(role for role in self.roles.split(",") if role)


class OrgKey(Base):
    """A long-lived keypair of the organisation: the legal unit, the custodian or recovery."""

    __tablename__ = "org_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[Code] = mapped_column(index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[KeyId] = mapped_column(unique=True)
    # An HMAC of (kind, key id, public key) under a key from the server config (complaints.pins).
    pin: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class KeyGrant(Base):
    """An organisation private key sealed to one staff member's personal public key."""

    __tablename__ = "key_grants"
    __table_args__ = (UniqueConstraint("org_key_id", "user_id", name="uq_key_grants_key_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_key_id: Mapped[int] = mapped_column(ForeignKey("org_keys.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    recipient_key_id: Mapped[KeyId]
    sealed_ciphertext: Mapped[Ciphertext]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    org_key: Mapped[OrgKey] = relationship(lazy="joined")


class StaffSession(Base):
    """The server half of an unlocked staff session; the cookie holds the other half."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    private_key_ciphertext: Mapped[Ciphertext]
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)

    user: Mapped[StaffUser] = relationship()


class StaffInvitation(Base):
    """A printed invitation to set one's own password and/or authenticator (never shown twice).

    The database keeps only a keyed hash of the code. The admin who creates it never sees the
    password or the authenticator secret the person then chooses on their own device.
    """

    __tablename__ = "staff_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    sets_password: Mapped[bool] = mapped_column(Boolean)
    sets_totp: Mapped[bool] = mapped_column(Boolean)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    # The short-lived token that carries the person from one step of the enrolment to the next.
    step_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    step_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The authenticator secret shown to the person, until they confirm it with a code.
    pending_totp_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[StaffUser] = relationship(foreign_keys=[user_id])


class KeyRotation(Base):
    """A holder's rotation of the unit or custodian key: made once, resumed until finished.

    While it runs the new key is inactive (nothing new is sealed to it but by the rotation); the
    switch makes it the active key and retires the old one; the sweep afterwards re-seals what was
    filed during the switch and deletes every grant of the old key.
    """

    __tablename__ = "key_rotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[Code]
    old_key_id: Mapped[int] = mapped_column(ForeignKey("org_keys.id"))
    new_key_id: Mapped[int] = mapped_column(ForeignKey("org_keys.id"))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    switched_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    resealed: Mapped[int] = mapped_column(Integer, default=0)
