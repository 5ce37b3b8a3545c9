"""SQLAlchemy models: plaintext columns are metadata only; content lives in ``*_ciphertext``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Length limits live here so forms and models agree.
USERNAME_MAX = 64
CASE_NUMBER_MAX = 20
CODE_MAX = 40
ORDER_NUMBER_MAX = 80
# An e-mail address as forms check it: something@something.something, no spaces.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

Ciphertext = Annotated[bytes, mapped_column(LargeBinary)]
Code = Annotated[str, mapped_column(String(CODE_MAX))]
KeyId = Annotated[str, mapped_column(String(16))]


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention for stable migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


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


class Case(Base):
    """A report and its procedure. Everything a person wrote is in the ciphertext columns."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_deadline", "status", "next_deadline_on"),
        Index("ix_cases_fiscal_year_category", "fiscal_year", "category"),
        Index("ix_cases_fiscal_year_submitted", "fiscal_year", "submitted_on"),
        # The triage queue: "most urgent first" walks this index and stops at the page size.
        Index("ix_cases_queue_order", "next_deadline_on", "id"),
        # Per-status counts of a fiscal year without touching the table rows.
        Index("ix_cases_fiscal_year_status", "fiscal_year", "status"),
        # "Assigned to me" and the deadline reminders (replaces the single-column index).
        Index("ix_cases_assignee_status", "assigned_to_id", "status"),
        # Reports about an executive still to be routed outside: flagged at the top of the queue.
        Index("ix_cases_routed_status", "routed_outside", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    number: Mapped[str] = mapped_column(String(CASE_NUMBER_MAX), unique=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    channel: Mapped[Code]
    category: Mapped[Code]
    department: Mapped[Code] = mapped_column(index=True)
    disclosure: Mapped[Code]
    status: Mapped[Code]
    outcome: Mapped[str | None] = mapped_column(String(CODE_MAX))
    penalty: Mapped[str | None] = mapped_column(String(CODE_MAX))
    not_accepted_reason: Mapped[str | None] = mapped_column(String(CODE_MAX))
    referred_to: Mapped[str | None] = mapped_column(String(CODE_MAX))
    disciplinary_severity: Mapped[str | None] = mapped_column(String(CODE_MAX))
    criminal_referral: Mapped[bool] = mapped_column(Boolean, default=False)
    # Measure-8 results as codes, for the statistics (the words are in the procedure events).
    close_reason: Mapped[str | None] = mapped_column(String(CODE_MAX))
    referral_result: Mapped[str | None] = mapped_column(String(CODE_MAX))
    finding: Mapped[str | None] = mapped_column(String(CODE_MAX))
    severity_found: Mapped[str | None] = mapped_column(String(CODE_MAX))
    original_penalty: Mapped[str | None] = mapped_column(String(CODE_MAX))
    appeal_result: Mapped[str | None] = mapped_column(String(CODE_MAX))
    nacc_finding: Mapped[str | None] = mapped_column(String(CODE_MAX))
    criminal_body: Mapped[str | None] = mapped_column(String(CODE_MAX))
    criminal_outcome: Mapped[str | None] = mapped_column(String(CODE_MAX))
    routed_outside: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter_protected: Mapped[bool] = mapped_column(Boolean, default=False)
    identity_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_on: Mapped[date] = mapped_column(Date)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    last_feedback_on: Mapped[date | None] = mapped_column(Date)
    next_deadline_on: Mapped[date | None] = mapped_column(Date)
    next_deadline_kind: Mapped[str | None] = mapped_column(String(CODE_MAX))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    receipt_lookup: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    reporter_salt: Mapped[bytes] = mapped_column(LargeBinary)
    report_ciphertext: Mapped[Ciphertext]
    identity_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)

    keys: Mapped[list[CaseKey]] = relationship(back_populates="case", cascade="all, delete-orphan")


class CaseKey(Base):
    """A case's content key or identity key sealed to one recipient (unit, custodian, ...)."""

    __tablename__ = "case_keys"
    __table_args__ = (
        UniqueConstraint("case_id", "purpose", "recipient_key_id", name="uq_case_keys_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[Code]
    recipient: Mapped[Code]
    recipient_key_id: Mapped[KeyId]
    sealed_ciphertext: Mapped[Ciphertext]

    case: Mapped[Case] = relationship(back_populates="keys")


class CaseExclusion(Base):
    """A staff account that must never see this case: its subject or someone conflicted."""

    __tablename__ = "case_exclusions"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    reason: Mapped[Code]


class RevealRequest(Base):
    """A handler's request to see a confidential reporter's identity, and the custodian's decision.

    Only codes, an order number and dates: the identity itself is never here. On approval the
    case's identity key is sealed to the requester's personal key (a ``case_keys`` row).
    """

    __tablename__ = "reveal_requests"
    __table_args__ = (Index("ix_reveal_requests_pending", "decision", "requested_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    reason: Mapped[Code]
    reference: Mapped[str | None] = mapped_column(String(ORDER_NUMBER_MAX))
    requested_on: Mapped[date] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decision: Mapped[str | None] = mapped_column(String(CODE_MAX))
    decided_on: Mapped[date | None] = mapped_column(Date)


class Message(Base):
    """A message between the reporter and the legal unit, encrypted under the case key."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author: Mapped[Code]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    sent_on: Mapped[date] = mapped_column(Date)
    read_by_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    body_ciphertext: Mapped[Ciphertext]


class InternalNote(Base):
    """A note the legal unit keeps for itself; the reporter never sees it."""

    __tablename__ = "internal_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    body_ciphertext: Mapped[Ciphertext]


class Attachment(Base):
    """An evidence file stored encrypted on disk under a random name."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    meta_ciphertext: Mapped[Ciphertext]
    added_by: Mapped[Code]
    added_on: Mapped[date] = mapped_column(Date)


class ProcedureEvent(Base):
    """One step of the measure-8 procedure, with its date, order number and encrypted note."""

    __tablename__ = "procedure_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    action: Mapped[Code]
    from_status: Mapped[Code]
    to_status: Mapped[Code]
    event_on: Mapped[date] = mapped_column(Date)
    # Written before order numbers were sealed; `flask procedure seal-references` empties it.
    order_number: Mapped[str | None] = mapped_column(String(ORDER_NUMBER_MAX))
    note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The step's codes (plaintext JSON: reason, body, severity, penalty, checklist answers...).
    codes_json: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    # A date the step sets: the new end of an extended investigation, the day a penalty was notified.
    extra_on: Mapped[date | None] = mapped_column(Date)
    # The step's words under the case key: order and letter numbers, committee, reasons, outcome.
    details_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class CaseClock(Base):
    """One clock of a case (acknowledge, feedback, fact-finding, ...): when it started, when it is
    due, and when and how it ended. Plaintext metadata: the statistics count clocks met."""

    __tablename__ = "case_clocks"
    __table_args__ = (Index("ix_case_clocks_state_due", "state", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    clock: Mapped[Code]
    started_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # running, met, missed (ended late), excused (a reason for the delay was recorded)
    state: Mapped[Code]


class CaseReference(Base):
    """A keyed hash of an order or letter number typed in a procedure step, to find its case."""

    __tablename__ = "case_references"
    __table_args__ = (UniqueConstraint("digest", "case_id", name="uq_case_references_digest_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)


class ReporterSession(Base):
    """A reporter's follow-up session: the case keys under a key only their cookie holds."""

    __tablename__ = "reporter_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    keys_ciphertext: Mapped[Ciphertext]
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEvent(Base):
    """One entry of the hash-chained audit log. Never holds content, identities or addresses."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor_kind: Mapped[Code]
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[Code]
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str] = mapped_column(String(400), default="")
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class ReporterAuditEvent(Base):
    """An entry of the reporters' own audit chain, dated to the day.

    Kept apart from :class:`AuditEvent` so that its place in the sequence cannot be read against
    staff entries stamped to the second, which would give away when a reporter acted.
    """

    __tablename__ = "reporter_audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    action: Mapped[Code]
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str] = mapped_column(String(400), default="")
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The single row that serialises appends to the audit chain (locked while appending)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(Integer, default=0)


class CaseCounter(Base):
    """The last case number issued in a fiscal year, incremented atomically."""

    __tablename__ = "case_counters"

    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Setting(Base):
    """A setting an administrator may change at run time (JSON value)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)
