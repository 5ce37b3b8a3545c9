"""The measure-8 procedure's records: steps, clocks, reference lookups and whistleblower protection."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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
from sqlalchemy.orm import Mapped, mapped_column

from complaints.models.base import (
    CODE_MAX,
    ORDER_NUMBER_MAX,
    Base,
    Ciphertext,
    Code,
)


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
    __table_args__ = (
        Index("ix_case_clocks_state_due", "state", "due_on"),
        Index("ix_case_clocks_stats", "fiscal_year", "clock", "state", "started_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    clock: Mapped[Code]
    started_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # running, met, missed (ended late), excused (a reason for the delay was recorded)
    state: Mapped[Code]
    # The case's fiscal year, so the statistics count clocks from one index without a join.
    fiscal_year: Mapped[int | None] = mapped_column(Integer)


class CaseReference(Base):
    """A keyed hash of an order or letter number typed in a procedure step, to find its case."""

    __tablename__ = "case_references"
    __table_args__ = (UniqueConstraint("digest", "case_id", name="uq_case_references_digest_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)


class ProtectionRecord(Base):
    """The reporter of a case is under whistleblower protection (DOMAIN B14), recorded by the
    identity custodian; the NACC reference is sealed to the custodian key."""

    __tablename__ = "protection_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    from_on: Mapped[date] = mapped_column(Date)
    until_on: Mapped[date | None] = mapped_column(Date)
    reference_ciphertext: Mapped[Ciphertext]


class ProtectionCheck(Base):
    """Before a disciplinary step: a handler asks the custodian whether the person it is aimed at is
    a protected reporter. The name asked about is sealed to the custodian key; an answer
    "protected" carries the NACC reference sealed to the unit key, so the handler can read it."""

    __tablename__ = "protection_checks"
    __table_args__ = (Index("ix_protection_checks_pending", "answer", "requested_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    requested_on: Mapped[date] = mapped_column(Date)
    subject_ciphertext: Mapped[Ciphertext]
    answer: Mapped[str | None] = mapped_column(String(CODE_MAX))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    answered_on: Mapped[date | None] = mapped_column(Date)
    reference_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # How many protections were on record when the custodian answered: a later one makes it stale.
    records_seen: Mapped[int | None] = mapped_column(Integer)
