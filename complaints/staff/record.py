"""The case record: the whole timeline of a case — report, steps with their order numbers, dates,
committees and results, its clocks and outcome — as one document, for the file and for the NACC.

It is built in the reader's language as a :class:`complaints.documents.Document`, which the
printable page shows and :func:`complaints.documents.render_pdf` turns into a PDF. It never holds
the reporter's identity.
"""

from __future__ import annotations

from datetime import date

from complaints import documents, labels
from complaints.clocks import ClockView
from complaints.i18n import gettext as _
from complaints.i18n import localised_day
from complaints.models import Case
from complaints.staff.case_page import CaseContent, EventView

name_of = labels.label


def _case_rows(case: Case) -> list[tuple[str, str]]:
    rows = [
        (_("Case number"), case.number),
        (_("Category"), labels.category_label(case.category)),
        (_("Department concerned"), labels.department_label(case.department)),
        (_("How it arrived"), labels.label(labels.CHANNEL_LABELS, case.channel)),
        (_("Received on"), localised_day(case.submitted_on)),
        (_("Status"), labels.label(labels.STATUS_LABELS, case.status)),
    ]
    optional = [
        (_("Outcome"), labels.label(labels.OUTCOME_LABELS, case.outcome)),
        (_("Penalty"), labels.label(labels.PENALTY_LABELS, case.penalty)),
        (_("Penalty first ordered"), labels.label(labels.PENALTY_LABELS, case.original_penalty)),
        (_("Appeal"), labels.label(labels.APPEAL_RESULT_LABELS, case.appeal_result)),
        (_("Referred to"), labels.label(labels.REFERRAL_BODY_LABELS, case.referred_to)),
        (
            _("Decision of the other agency"),
            labels.label(labels.REFERRAL_RESULT_LABELS, case.referral_result),
        ),
        (_("Criminal proceedings"), labels.label(labels.REFERRAL_BODY_LABELS, case.criminal_body)),
        (
            _("Outcome of the criminal case"),
            labels.label(labels.CRIMINAL_OUTCOME_LABELS, case.criminal_outcome),
        ),
        (_("Completed on"), localised_day(case.closed_on)),
    ]
    return rows + [(name, value) for name, value in optional if value]


def _report_rows(content: CaseContent) -> list[tuple[str, str]]:
    report = content.report
    letter = [(_("Incoming letter number"), report.letter_number)] if report.letter_number else []
    return [
        *letter,
        (_("What happened"), report.description),
        (_("Official concerned"), report.accused_name or "—"),
        (_("Their position"), report.accused_position or "—"),
        (_("When it happened"), report.incident_date or "—"),
        (_("Where it happened"), report.location or "—"),
        (_("Amount of money involved"), report.amount or "—"),
    ]


def step_details(event: EventView) -> str:
    """What a step recorded, in words: codes by their labels, its date, committee and reasons."""
    code_tables = {
        "reason": labels.NOT_ACCEPTED_REASON_LABELS,
        "close_reason": labels.CLOSE_REASON_LABELS,
        "referred_to": labels.REFERRAL_BODY_LABELS,
        "referral_result": labels.REFERRAL_RESULT_LABELS,
        "finding_body": labels.REFERRAL_BODY_LABELS,
        "severity": labels.SEVERITY_LABELS,
        "severity_found": labels.SEVERITY_LABELS,
        "penalty": labels.PENALTY_LABELS,
        "appeal_result": labels.APPEAL_RESULT_LABELS,
        "criminal_body": labels.REFERRAL_BODY_LABELS,
        "criminal_outcome": labels.CRIMINAL_OUTCOME_LABELS,
    }
    parts = [
        labels.label(table, event.codes[name]) for name, table in code_tables.items() if name in event.codes
    ]
    parts += [
        f"{labels.label(labels.CHECKLIST_QUESTION_LABELS, question)} "
        f"{labels.label(labels.CHECKLIST_ANSWER_LABELS, event.codes[question])}"
        for question in labels.CHECKLIST_QUESTION_LABELS
        if question in event.codes
    ]
    if event.extra_on:
        parts.append(_("Date: %(date)s", date=localised_day(event.extra_on)))
    if event.words.get("executive_office"):
        parts.append(name_of(labels.EXECUTIVE_SUBJECT_LABELS, event.words["executive_office"]))
    parts += [
        event.words[name] for name in ("committee", "reason_text", "outcome_text") if event.words.get(name)
    ]
    return "\n".join(parts)


def _timeline(events: list[EventView]) -> documents.Table:
    return documents.Table(
        headers=[_("Date"), _("Step"), _("Recorded"), _("Order or letter number"), _("Recorded by")],
        rows=[
            [
                localised_day(event.event_on, short=True),
                labels.label(labels.ACTION_LABELS, event.action),
                step_details(event) or "—",
                "\n".join(filter(None, [event.order_number, event.words.get("letter_number", "")])) or "—",
                event.actor_name,
            ]
            for event in events
        ],
        widths=[1.3, 2.6, 2.8, 1.6, 1.0],
    )


def _clock_table(clocks: list[ClockView]) -> documents.Table:
    def state(clock: ClockView) -> str:
        shown = labels.label(labels.DEADLINE_STATE_LABELS, "overdue") if clock.overdue else None
        ended = f" · {localised_day(clock.ended_on, short=True)}" if clock.ended_on else ""
        return (shown or labels.label(labels.CLOCK_STATE_LABELS, clock.state)) + ended

    return documents.Table(
        headers=[_("Clock"), _("Started"), _("Due"), _("State")],
        rows=[
            [
                labels.label(labels.DEADLINE_KIND_LABELS, clock.clock),
                localised_day(clock.started_on, short=True),
                localised_day(clock.due_on, short=True),
                state(clock),
            ]
            for clock in clocks
        ],
        widths=[3.0, 1.4, 1.4, 2.0],
    )


def case_record(
    case: Case, content: CaseContent, clocks: list[ClockView], municipality: str, language: str, on: date
) -> documents.Document:
    """The whole record of a case, as a document in the reader's language."""
    return documents.Document(
        title=_("Case record %(number)s", number=case.number),
        subtitle=municipality,
        sections=[
            documents.Section(heading=_("The case"), rows=_case_rows(case)),
            documents.Section(heading=_("The report"), rows=_report_rows(content)),
            documents.Section(heading=_("Procedure"), table=_timeline(content.events)),
            documents.Section(heading=_("Clocks"), table=_clock_table(clocks)),
        ],
        footer=_("Confidential · printed %(date)s", date=localised_day(on)),
        language=language,
    )
