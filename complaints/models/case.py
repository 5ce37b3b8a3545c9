"""A case and what it holds: sealed keys, exclusions, reveal requests, messages, notes, files,
reporter sessions, and the case-number counter and run-time settings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.models.base import (
    CASE_NUMBER_MAX,
    CODE_MAX,
    ORDER_NUMBER_MAX,
    Base,
    Ciphertext,
    Code,
    KeyId,
)


class Case(Base):
    """A report and its procedure. Everything a person wrote is in the ciphertext columns."""

    __tablename__ = "cases"
    __table_args__ = (
        # The queue's counts per status, under any of its filters, from this index alone.
        Index(
            "ix_cases_status_deadline",
            "status",
            "next_deadline_on",
            "category",
            "department",
            "fiscal_year",
            "assigned_to_id",
        ),
        # The statistics: every scan of a fiscal year stays inside one of these three indexes.
        Index(
            "ix_cases_stats_dates", "fiscal_year", "submitted_on", "status", "closed_on", "acknowledged_on"
        ),
        Index("ix_cases_stats_intake", "fiscal_year", "category", "department", "channel", "status"),
        Index(
            "ix_cases_stats_procedure",
            "fiscal_year",
            "status",
            "not_accepted_reason",
            "referred_to",
            "finding",
            "penalty",
            "criminal_body",
            "appeal_result",
            "criminal_referral",
        ),
        # The triage queue: "most urgent first" walks this index and stops at the page size.
        Index("ix_cases_queue_order", "next_deadline_on", "id"),
        # The same walk within one category (SQLite otherwise reads a category's every row).
        Index("ix_cases_category_order", "category", "next_deadline_on", "id"),
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
    # Which receipt pepper (RECEIPT_LOOKUP_SECRET by version) this case's receipt was stretched with.
    pepper_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The Argon2id cost its receipt was stretched with; NULL for cases filed before costs were
    # recorded (their receipts use RECEIPT_ARGON2_LEGACY_*).
    receipt_memory_kib: Mapped[int | None] = mapped_column(Integer)
    receipt_iterations: Mapped[int | None] = mapped_column(Integer)
    receipt_lookup: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    reporter_salt: Mapped[bytes] = mapped_column(LargeBinary)
    report_ciphertext: Mapped[Ciphertext]
    # The day its retention period ended and everything but this metadata was destroyed.
    purged_on: Mapped[date | None] = mapped_column(Date)
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
    # Written before references were sealed; `flask procedure seal-references` empties it.
    reference: Mapped[str | None] = mapped_column(String(ORDER_NUMBER_MAX))
    # The order or letter number, under the case key (for its handlers) and sealed to the
    # custodian key (for whoever decides): a name typed here is never plaintext.
    reference_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    reference_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    requested_on: Mapped[date] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decision: Mapped[str | None] = mapped_column(String(CODE_MAX))
    decided_on: Mapped[date | None] = mapped_column(Date)
    # Why the custodian decided so: a code from staff.reveal_history's short list, never free text.
    decision_reason: Mapped[str | None] = mapped_column(String(CODE_MAX))


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


class ReporterSession(Base):
    """A reporter's follow-up session: the case keys under a key only their cookie holds."""

    __tablename__ = "reporter_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    keys_ciphertext: Mapped[Ciphertext]
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)


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


class CaseStatusCount(Base):
    """How many cases hold each status, kept by database triggers on ``cases`` (migration 0016).

    The queue's unfiltered counts read these dozen rows instead of counting 100 000 cases. Only
    the triggers write it, in the same transaction as the case row, so it is exact; a backup
    leaves it out, since restoring the cases rebuilds it."""

    __tablename__ = "case_status_counts"

    status: Mapped[Code] = mapped_column(primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)
