"""What the administrator writes around the six- and twelve-month report: the analysis, the
corrective measures and who signs. No case content: the form says so and nothing links a case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from complaints.models.base import Base


class StatisticsReport(Base):
    """The words of one fiscal year's six-month (``half``) or twelve-month (``year``) report."""

    __tablename__ = "statistics_reports"
    __table_args__ = (UniqueConstraint("fiscal_year", "period", name="uq_statistics_reports_year_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(8))
    analysis: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    prepared_by_name: Mapped[str] = mapped_column(String(120), default="")
    prepared_by_position: Mapped[str] = mapped_column(String(120), default="")
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    signer_position: Mapped[str] = mapped_column(String(120), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
