"""The outbox of content-free e-mail notices: kept until sent, retried with backoff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from complaints.models.base import Base, Code


class OutboxNotice(Base):
    """One notice to one address: its kind (the words are fixed per kind), never any content."""

    __tablename__ = "notice_outbox"
    __table_args__ = (Index("ix_notice_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[Code]
    recipient: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The class of the last error (e.g. ConnectionRefusedError), never a message with an address.
    last_error: Mapped[str | None] = mapped_column(String(64))
