"""The audit log's two hash chains and their heads."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from complaints.models.base import (
    Base,
    Code,
)


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
    # The head authenticated under the audit key, so truncating the log and rewriting it is seen.
    mac: Mapped[str | None] = mapped_column(String(64))
