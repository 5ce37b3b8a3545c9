"""The six- and twelve-month report for the executive to sign (DOMAIN D5): the figures of the
period (small cells hidden), the analysis and corrective measures the administrator writes, and
signature blocks for whoever prepared it and for the executive who acknowledges it — as a
printable page and as a Thai PDF (the case record's typeface and layout)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import audit, stats, stats_tables
from complaints.document_model import Document, Section, Signature, Table
from complaints.i18n import current_language, localised_day
from complaints.i18n import gettext as _
from complaints.models import StaffUser, StatisticsReport

PERIODS = {"half": 6, "year": 12}
REPORT_BREAKDOWNS = (
    "category",
    "department",
    "channel",
    "not_accepted_reason",
    "referred_to",
    "finding",
    "penalty",
)
TEXT_MAX = 6000
NAME_MAX = 120


@dataclass(frozen=True)
class ReportWords:
    """What the administrator fills in."""

    analysis: str = ""
    measures: str = ""
    prepared_by_name: str = ""
    prepared_by_position: str = ""
    signer_name: str = ""
    signer_position: str = ""


def words_of(db: Session, fiscal_year: int, period: str) -> ReportWords:
    """The saved words of a report, or empty ones."""
    row = _row(db, fiscal_year, period)
    if row is None:
        return ReportWords()
    return ReportWords(
        row.analysis,
        row.measures,
        row.prepared_by_name,
        row.prepared_by_position,
        row.signer_name,
        row.signer_position,
    )


def _row(db: Session, fiscal_year: int, period: str) -> StatisticsReport | None:
    return db.scalars(
        select(StatisticsReport).where(
            StatisticsReport.fiscal_year == fiscal_year, StatisticsReport.period == period
        )
    ).first()


def save_words(
    db: Session, by: StaffUser, fiscal_year: int, period: str, words: ReportWords, now: datetime
) -> StatisticsReport:
    """Keep the words of a report (one row per year and period); the caller commits."""
    row = _row(db, fiscal_year, period) or StatisticsReport(fiscal_year=fiscal_year, period=period)
    row.analysis, row.measures = words.analysis[:TEXT_MAX], words.measures[:TEXT_MAX]
    row.prepared_by_name, row.prepared_by_position = words.prepared_by_name, words.prepared_by_position
    row.signer_name, row.signer_position = words.signer_name, words.signer_position
    row.updated_by_id, row.updated_at = by.id, now
    db.add(row)
    audit.record(db, "statistics_report_saved", audit.STAFF, by.id, None, f"fy={fiscal_year} period={period}")
    return row


def title(figures: stats.Figures, period: str) -> tuple[str, str]:
    """The report's title and subtitle in the reader's language."""
    heading = str(_("Report on corruption and misconduct complaints"))
    span = _(
        "%(period)s, %(first)s – %(last)s, fiscal year %(year)s",
        period=_("Six months") if period == "half" else _("Twelve months"),
        first=localised_day(figures.total.start),
        last=localised_day(figures.total.end),
        year=figures.fiscal_year,
    )
    return heading, str(span)


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()) or ("—",)


def _as_section(table: stats_tables.Table) -> Section:
    rows = [["" if value is None else str(value) for value in row] for row in table.rows]
    return Section(heading=table.title, table=Table(headers=table.header, rows=rows))


def sections(figures: stats.Figures, period: str, words: ReportWords) -> list[Section]:
    """The report's sections: figures first, then the administrator's words."""
    months = stats_tables.ita_tables(figures)[0]
    in_scope = PERIODS[period]
    summary = stats_tables.Table(
        months.key, months.title, months.header, (*months.rows[:in_scope], months.rows[-1])
    )
    tables = [
        summary,
        *[t for t in stats_tables.tables(figures, REPORT_BREAKDOWNS) if t.key in REPORT_BREAKDOWNS],
    ]
    tables += [t for t in stats_tables.tables(figures, ()) if t.key in ("durations", "deadlines")]
    return [
        Section(
            heading=str(_("Figures")),
            paragraphs=(stats_tables.fiscal_year_title(figures), stats_tables.counting_rule_text(figures)),
        ),
        *(_as_section(table) for table in tables),
        Section(heading=str(_("Analysis")), paragraphs=_paragraphs(words.analysis)),
        Section(heading=str(_("Corrective and preventive measures")), paragraphs=_paragraphs(words.measures)),
    ]


def document(figures: stats.Figures, period: str, words: ReportWords, municipality: str) -> Document:
    """The report as a printable document with its two signature blocks."""
    heading, span = title(figures, period)
    date_line = str(_("Date ........ / ........ / ........"))
    return Document(
        title=heading,
        subtitle=f"{span} · {municipality}",
        sections=sections(figures, period, words),
        signatures=(
            Signature(str(_("Prepared by")), words.prepared_by_name, words.prepared_by_position, date_line),
            Signature(str(_("Acknowledged by")), words.signer_name, words.signer_position, date_line),
        ),
        footer=f"{heading} · {figures.fiscal_year}",
        language=current_language(),
    )
