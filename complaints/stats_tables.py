"""The statistics as labelled tables, in the reader's language: what the public page, the admin's
CSV, JSON and Excel, the signed report and ``flask stats export`` all print. Every output goes
through :func:`tables`, so they carry the same numbers by construction (and a test checks it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from complaints import labels, stats
from complaints.dates import BUDDHIST_ERA_OFFSET, ENGLISH_MONTHS, THAI_MONTHS_SHORT
from complaints.i18n import current_language, localised_day
from complaints.i18n import gettext as _
from complaints.i18n import lazy_gettext as _l

Value = int | str | float | None

PERIOD_TITLES: dict[str, Any] = {
    "month": _l("By month"),
    "quarter": _l("By quarter"),
    "half": _l("By half-year"),
}
BREAKDOWN_TITLES: dict[str, Any] = {
    "category": _l("By kind of complaint"),
    "department": _l("By department"),
    "channel": _l("By channel"),
    "status": _l("By procedure status"),
    "not_accepted_reason": _l("Not accepted, by reason"),
    "referred_to": _l("Referred, by body"),
    "finding": _l("Founded or not"),
    "penalty": _l("By penalty"),
    "criminal_body": _l("Criminal referrals, by body"),
    "appeal_result": _l("Appeals, by result"),
}
_FINDING_LABELS: dict[str, Any] = {"founded": _l("Founded"), "unfounded": _l("Unfounded")}
_CODE_LABELS: dict[str, Callable[[str], str]] = {
    "category": labels.category_label,
    "department": labels.department_label,
    "channel": lambda code: labels.label(labels.CHANNEL_LABELS, code),
    "status": lambda code: labels.label(labels.STATUS_LABELS, code),
    "not_accepted_reason": lambda code: labels.label(labels.NOT_ACCEPTED_REASON_LABELS, code),
    "referred_to": lambda code: labels.label(labels.REFERRAL_BODY_LABELS, code),
    "finding": lambda code: labels.label(_FINDING_LABELS, code),
    "penalty": lambda code: labels.label(labels.PENALTY_LABELS, code),
    "criminal_body": lambda code: labels.label(labels.REFERRAL_BODY_LABELS, code),
    "appeal_result": lambda code: labels.label(labels.APPEAL_RESULT_LABELS, code),
}


@dataclass(frozen=True)
class Table:
    """A titled table: ``key`` names it in JSON and CSV, ``header`` and ``rows`` are for people."""

    key: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]


def period_label(period: stats.Period, short: bool = False) -> str:
    """October 2568, Q1, first half — in the reader's language and era."""
    thai = current_language() == "th"
    if period.kind == "month":
        month = period.start.month
        year = period.start.year + (BUDDHIST_ERA_OFFSET if thai else 0)
        name = THAI_MONTHS_SHORT[month - 1] if thai else ENGLISH_MONTHS[month - 1][:3]
        return name if short else f"{name} {year}"
    if period.kind == "quarter":
        return str(_("Q%(number)s", number=period.index))
    if period.kind == "half":
        return str(_("First half") if period.index == 1 else _("Second half"))
    return str(_("Whole year"))


def _period_table(kind: str, periods: tuple[stats.Period, ...], total: stats.Period) -> Table:
    header = (
        str(_("Period")),
        str(_("Complaints received")),
        str(_("Completed cases")),
        str(_("Cases in progress")),
    )
    rows: list[tuple[Value, ...]] = [
        (period_label(period), period.received, period.completed, period.in_progress) for period in periods
    ]
    rows.append((str(_("Whole year")), total.received, total.completed, total.in_progress))
    return Table(key=f"by_{kind}", title=str(PERIOD_TITLES[kind]), header=header, rows=tuple(rows))


def _breakdown_table(breakdown: stats.Breakdown, threshold: int) -> Table:
    name_of = _CODE_LABELS.get(breakdown.name, str)
    rows = tuple((name_of(cell.code), cell.shown(threshold)) for cell in breakdown.cells)
    return Table(
        key=breakdown.name,
        title=str(BREAKDOWN_TITLES.get(breakdown.name, breakdown.name)),
        header=(str(_("Kind")), str(_("Cases"))),
        rows=(*rows, (str(_("Total")), breakdown.total)),
    )


def _duration_table(figures: stats.Figures) -> Table:
    rows = tuple(
        (str(name), duration.count, duration.median, duration.p90)
        for name, duration in (
            (_("Receipt to acknowledgement"), figures.acknowledge),
            (_("Receipt to conclusion"), figures.conclude),
        )
    )
    header = (str(_("Measure")), str(_("Cases")), str(_("Median days")), str(_("90th percentile days")))
    return Table(key="durations", title=str(_("Days taken")), header=header, rows=rows)


def _clock_table(figures: stats.Figures) -> Table:
    rows = tuple(
        (
            labels.label(labels.DEADLINE_KIND_LABELS, clock.clock),
            clock.met,
            clock.missed,
            clock.excused,
            None if clock.share_met is None else round(100 * clock.share_met, 1),
        )
        for clock in figures.clocks
    )
    header = (str(_("Deadline")), str(_("Met")), str(_("Missed")), str(_("Excused")), str(_("% met")))
    return Table(key="deadlines", title=str(_("Deadlines met")), header=header, rows=rows)


def ita_tables(figures: stats.Figures) -> list[Table]:
    """The three ITA counts by month, quarter and half-year (exact)."""
    return [_period_table(kind, figures.periods[kind], figures.total) for kind in stats.PERIOD_KINDS]


def tables(figures: stats.Figures, breakdowns: tuple[str, ...] = stats.BREAKDOWNS) -> list[Table]:
    """Every table of the figures, in the order every output prints them."""
    found = ita_tables(figures)
    found += [_breakdown_table(figures.breakdowns[name], figures.rule.threshold) for name in breakdowns]
    found += [_duration_table(figures), _clock_table(figures)]
    found.append(
        Table(
            key="criminal_referrals",
            title=str(_("Criminal referrals")),
            header=(str(_("Measure")), str(_("Cases"))),
            rows=((str(_("Cases referred to a criminal body")), figures.criminal_referrals),),
        )
    )
    return found


def fiscal_year_title(figures: stats.Figures) -> str:
    """The heading of every export: which year, counted on which day, suppressed or not."""
    title = _(
        "Complaint statistics, fiscal year %(year)s, counted on %(day)s",
        year=figures.fiscal_year,
        day=localised_day(figures.counted_on),
    )
    if not figures.suppressed:
        return str(_("%(title)s — WITHOUT suppression of small counts: do not publish", title=title))
    return str(title)


def counting_rule_text(figures: stats.Figures) -> str:
    """The counting rule in one sentence, as every printed report states it."""
    rule = _(
        "Received: complaints that reached the municipality in the period. Completed: of those, the "
        "ones concluded, not accepted with a recorded reason, or referred to the body with the power "
        "to deal with them. In progress: all the others."
    )
    hidden = _(
        "Counts from 1 to %(below)s in the breakdowns are shown as “<%(threshold)s”.",
        below=figures.rule.threshold - 1,
        threshold=figures.rule.threshold,
    )
    return f"{rule} {hidden}" if figures.suppressed else str(rule)


def as_mapping(figures: stats.Figures) -> Mapping[str, Any]:
    """The tables as plain data (the JSON export and the test that compares outputs)."""
    return {
        "fiscal_year": figures.fiscal_year,
        "counted_on": figures.counted_on.isoformat(),
        "suppressed_below": figures.rule.threshold if figures.suppressed else None,
        "tables": {
            table.key: {
                "title": table.title,
                "header": list(table.header),
                "rows": [list(r) for r in table.rows],
            }
            for table in tables(figures)
        },
    }
