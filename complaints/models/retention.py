"""Destruction lists: the cases whose retention period has ended, drawn up for the committee that
approves destroying them (the way Thai official records are destroyed), then purged."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from complaints.models.base import Base


class DestructionList(Base):
    """One list of cases to destroy: drawn up, approved (with the committee's reference), purged."""

    __tablename__ = "destruction_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    drawn_on: Mapped[date] = mapped_column(Date)
    # The case ids on the list, as JSON, and how many.
    case_ids_json: Mapped[str] = mapped_column(Text)
    cases: Mapped[int] = mapped_column(Integer)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    approval_reference: Mapped[str | None] = mapped_column(String(120))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime)
