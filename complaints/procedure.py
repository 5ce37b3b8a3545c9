"""The measure-8 procedure as one table: each action, where it may be taken, where it leads, who
records it, what it records and which clocks it starts and stops (DOMAIN.md B and F).

The legal unit records what the disciplinary authority (the mayor, who needs no account) orders;
so "who records" names the workspace roles that enter each step, not who decides it. Actions whose
target is ``None`` are records within a stage, or steps of the criminal track, which runs beside
the disciplinary one and never blocks it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Internal case statuses (DOMAIN.md section F)."""

    RECEIVED = "received"
    SCREENING = "screening"
    AWAITING_INFORMATION = "awaiting_information"
    REFERRED = "referred"
    NOT_ACCEPTED = "not_accepted"
    FACT_FINDING = "fact_finding"
    UNFOUNDED = "unfounded"
    DISCIPLINARY_INVESTIGATION = "disciplinary_investigation"
    PENALTY_CONSIDERATION = "penalty_consideration"
    PENALTY_ORDERED = "penalty_ordered"
    APPEAL = "appeal"
    CONCLUDED = "concluded"


class PublicStatus(StrEnum):
    """What the reporter and the public statistics see."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    REFERRED = "referred"
    COMPLETED = "completed"
    NOT_ACCEPTED = "not_accepted"


PUBLIC_STATUS: dict[Status, PublicStatus] = {
    Status.RECEIVED: PublicStatus.RECEIVED,
    Status.SCREENING: PublicStatus.IN_PROGRESS,
    Status.AWAITING_INFORMATION: PublicStatus.IN_PROGRESS,
    Status.FACT_FINDING: PublicStatus.IN_PROGRESS,
    Status.UNFOUNDED: PublicStatus.IN_PROGRESS,
    Status.DISCIPLINARY_INVESTIGATION: PublicStatus.IN_PROGRESS,
    Status.PENALTY_CONSIDERATION: PublicStatus.IN_PROGRESS,
    Status.PENALTY_ORDERED: PublicStatus.IN_PROGRESS,
    Status.APPEAL: PublicStatus.IN_PROGRESS,
    Status.REFERRED: PublicStatus.REFERRED,
    Status.CONCLUDED: PublicStatus.COMPLETED,
    Status.NOT_ACCEPTED: PublicStatus.NOT_ACCEPTED,
}

# Counting rule for the ITA statistics (DOMAIN D6): completed = concluded + not accepted with a
# reason + referred out (closed here); everything else is in progress.
COMPLETED_STATUSES = frozenset({Status.CONCLUDED, Status.NOT_ACCEPTED, Status.REFERRED})
OPEN_STATUSES = frozenset(Status) - COMPLETED_STATUSES

# --- the codes a step may record ------------------------------------------------------------------

NOT_ACCEPTED_REASONS = (
    "anonymous_insufficient",
    "in_court",
    "already_decided",
    "outside_jurisdiction",
    "insufficient_detail",
)
CLOSE_REASONS = ("resolved", "withdrawn", "duplicate", "no_further_action")
REFERRAL_BODIES = ("nacc", "pacc", "police", "district", "governor", "damrongdhama", "other_agency")
REFERRAL_RESULTS = ("wrongdoing_found", "no_wrongdoing", "returned", "other_result")
FINDING_BODIES = ("nacc", "pacc")
CRIMINAL_BODIES = ("nacc", "pacc", "police", "damrongdhama")
CRIMINAL_OUTCOMES = ("prosecuted", "convicted", "acquitted", "not_prosecuted", "other_outcome")
SEVERITIES = ("minor", "serious")
APPEAL_RESULTS = ("upheld", "reduced", "overturned")
# Lightest first: a penalty reduced on appeal must come earlier in this list.
PENALTIES = (
    "waived_warning",
    "waived_bond",
    "waived",
    "probation",
    "salary_deduction",
    "salary_reduction",
    "discharge",
    "dismissal",
)
WAIVED_PENALTIES = frozenset({"waived", "waived_warning", "waived_bond"})
# Which penalties a finding of each severity allows (a setting: PENALTIES_BY_SEVERITY).
DEFAULT_PENALTIES_BY_SEVERITY: dict[str, tuple[str, ...]] = {
    "minor": ("probation", "salary_deduction", "salary_reduction", "waived_bond", "waived_warning"),
    "serious": ("discharge", "dismissal"),
}
OUTCOMES = ("unfounded", "founded_penalised", "founded_waived", "overturned_on_appeal", "closed")
CHECKLIST_QUESTIONS = ("accused_identified", "evidence_clear", "witnesses_named")
CHANNELS = (
    "online",
    "letter",
    "walk_in",
    "phone",
    "complaint_box",
    "damrongdhama",
    "nacc",
    "pacc",
    "social_media",
)


class Action(StrEnum):
    """The explicit actions an authorised person takes on a case."""

    START_SCREENING = "start_screening"
    RECORD_CHECKLIST = "record_checklist"
    REQUEST_INFORMATION = "request_information"
    INFORMATION_RECEIVED = "information_received"
    NOT_ACCEPT = "not_accept"
    CLOSE = "close"
    REFER = "refer"
    ROUTE_OUTSIDE = "route_outside"
    RECORD_REFERRAL_RESULT = "record_referral_result"
    START_FACT_FINDING = "start_fact_finding"
    APPOINT_FACT_FINDING_COMMITTEE = "appoint_fact_finding_committee"
    FIND_UNFOUNDED = "find_unfounded"
    START_DISCIPLINARY = "start_disciplinary"
    APPOINT_INVESTIGATION_COMMITTEE = "appoint_investigation_committee"
    NOTIFY_CHARGES = "notify_charges"
    EXTEND_INVESTIGATION = "extend_investigation"
    CONSIDER_PENALTY = "consider_penalty"
    RECORD_NACC_FINDING = "record_nacc_finding"
    DECIDE_PENALTY = "decide_penalty"
    SEND_COPY_TO_NACC = "send_copy_to_nacc"
    FILE_APPEAL = "file_appeal"
    DECIDE_APPEAL = "decide_appeal"
    CONCLUDE = "conclude"
    REFER_CRIMINAL = "refer_criminal"
    RECORD_CRIMINAL_OUTCOME = "record_criminal_outcome"
    RECORD_DELAY_REASON = "record_delay_reason"
    REFER_RETALIATION = "refer_retaliation"


class Field(StrEnum):
    """What a step records beyond its date, order number and note. Codes are plaintext metadata;
    ``TEXT_FIELDS`` are encrypted under the case key; ``DATE_FIELDS`` are plain dates."""

    REASON = "reason"
    CLOSE_REASON = "close_reason"
    REFERRED_TO = "referred_to"
    REFERRAL_RESULT = "referral_result"
    FINDING_BODY = "finding_body"
    SEVERITY = "severity"
    SEVERITY_FOUND = "severity_found"
    PENALTY = "penalty"
    APPEAL_RESULT = "appeal_result"
    CRIMINAL_BODY = "criminal_body"
    CRIMINAL_OUTCOME = "criminal_outcome"
    CHECKLIST = "checklist"
    EXECUTIVE_OFFICE = "executive_office"
    LETTER_NUMBER = "letter_number"
    COMMITTEE = "committee"
    REASON_TEXT = "reason_text"
    OUTCOME_TEXT = "outcome_text"
    NEW_DUE_ON = "new_due_on"
    NOTIFIED_ON = "notified_on"
    FIRST_MEETING_ON = "first_meeting_on"


CODE_CHOICES: dict[Field, tuple[str, ...]] = {
    Field.REASON: NOT_ACCEPTED_REASONS,
    Field.CLOSE_REASON: CLOSE_REASONS,
    Field.REFERRED_TO: REFERRAL_BODIES,
    Field.REFERRAL_RESULT: REFERRAL_RESULTS,
    Field.FINDING_BODY: FINDING_BODIES,
    Field.SEVERITY: SEVERITIES,
    Field.SEVERITY_FOUND: SEVERITIES,
    Field.PENALTY: PENALTIES,
    Field.APPEAL_RESULT: APPEAL_RESULTS,
    Field.CRIMINAL_BODY: CRIMINAL_BODIES,
    Field.CRIMINAL_OUTCOME: CRIMINAL_OUTCOMES,
    Field.EXECUTIVE_OFFICE: ("mayor", "deputy_mayor", "clerk"),
}
# Codes kept under the case key, not as metadata: which office a case concerns names a person.
SEALED_CODES = frozenset({Field.EXECUTIVE_OFFICE})
# Who a case about an executive goes to (DOMAIN B6).
OUTSIDE_AUTHORITIES = ("district", "governor", "nacc")
TEXT_FIELDS = frozenset({Field.LETTER_NUMBER, Field.COMMITTEE, Field.REASON_TEXT, Field.OUTCOME_TEXT})
DATE_FIELDS = frozenset({Field.NEW_DUE_ON, Field.NOTIFIED_ON, Field.FIRST_MEETING_ON})
# Fields a step may leave empty (every other field of a step is required).
OPTIONAL_FIELDS = frozenset({Field.LETTER_NUMBER, Field.OUTCOME_TEXT, Field.PENALTY, Field.FIRST_MEETING_ON})

HANDLERS = frozenset({"officer", "lead"})
LEADS = frozenset({"lead"})

# Where the criminal track may be opened and followed: beside any stage after the first look.
_CRIMINAL_FROM = frozenset(
    {
        Status.SCREENING,
        Status.FACT_FINDING,
        Status.DISCIPLINARY_INVESTIGATION,
        Status.PENALTY_CONSIDERATION,
        Status.PENALTY_ORDERED,
        Status.APPEAL,
        Status.REFERRED,
        Status.CONCLUDED,
    }
)


@dataclass(frozen=True)
class Step:
    """One row of the procedure table."""

    sources: frozenset[Status]
    target: Status | None
    roles: frozenset[str] = HANDLERS
    fields: tuple[Field, ...] = ()
    starts: tuple[str, ...] = ()
    stops: tuple[str, ...] = ()
    # Conditions on the case beyond its status, checked by the step service (see GUARDS).
    guards: tuple[str, ...] = ()
    message_required: bool = False


def _from(*statuses: Status) -> frozenset[Status]:
    return frozenset(statuses)


S = Status
PROCEDURE: dict[Action, Step] = {
    Action.START_SCREENING: Step(_from(S.RECEIVED), S.SCREENING),
    Action.RECORD_CHECKLIST: Step(_from(S.RECEIVED, S.SCREENING), None, fields=(Field.CHECKLIST,)),
    Action.REQUEST_INFORMATION: Step(
        _from(S.SCREENING), S.AWAITING_INFORMATION, starts=("awaiting_information",), message_required=True
    ),
    Action.INFORMATION_RECEIVED: Step(
        _from(S.AWAITING_INFORMATION), S.SCREENING, stops=("awaiting_information",)
    ),
    Action.NOT_ACCEPT: Step(
        _from(S.RECEIVED, S.SCREENING, S.AWAITING_INFORMATION), S.NOT_ACCEPTED, fields=(Field.REASON,)
    ),
    Action.CLOSE: Step(
        _from(S.SCREENING, S.AWAITING_INFORMATION, S.FACT_FINDING),
        S.CONCLUDED,
        fields=(Field.CLOSE_REASON, Field.REASON_TEXT),
    ),
    Action.REFER: Step(
        _from(S.RECEIVED, S.SCREENING, S.FACT_FINDING),
        S.REFERRED,
        fields=(Field.REFERRED_TO, Field.LETTER_NUMBER),
        stops=("fact_finding",),
    ),
    Action.ROUTE_OUTSIDE: Step(
        _from(S.RECEIVED, S.SCREENING),
        S.REFERRED,
        fields=(Field.EXECUTIVE_OFFICE, Field.REFERRED_TO, Field.LETTER_NUMBER),
        guards=("outside_authority",),
    ),
    Action.RECORD_REFERRAL_RESULT: Step(
        frozenset(Status), None, fields=(Field.REFERRAL_RESULT, Field.OUTCOME_TEXT), guards=("referral_open",)
    ),
    Action.START_FACT_FINDING: Step(_from(S.RECEIVED, S.SCREENING), S.FACT_FINDING, starts=("fact_finding",)),
    Action.APPOINT_FACT_FINDING_COMMITTEE: Step(_from(S.FACT_FINDING), None, fields=(Field.COMMITTEE,)),
    Action.FIND_UNFOUNDED: Step(_from(S.FACT_FINDING), S.UNFOUNDED, stops=("fact_finding",)),
    Action.START_DISCIPLINARY: Step(
        _from(S.FACT_FINDING),
        S.DISCIPLINARY_INVESTIGATION,
        fields=(Field.SEVERITY,),
        starts=("disciplinary_investigation",),
        stops=("fact_finding",),
        guards=("protection_cleared",),
    ),
    Action.APPOINT_INVESTIGATION_COMMITTEE: Step(
        _from(S.DISCIPLINARY_INVESTIGATION), None, fields=(Field.COMMITTEE, Field.FIRST_MEETING_ON)
    ),
    Action.NOTIFY_CHARGES: Step(_from(S.DISCIPLINARY_INVESTIGATION), None),
    Action.EXTEND_INVESTIGATION: Step(
        _from(S.DISCIPLINARY_INVESTIGATION),
        None,
        fields=(Field.NEW_DUE_ON, Field.REASON_TEXT),
        guards=("extends_investigation",),
    ),
    Action.CONSIDER_PENALTY: Step(
        _from(S.DISCIPLINARY_INVESTIGATION), S.PENALTY_CONSIDERATION, stops=("disciplinary_investigation",)
    ),
    Action.RECORD_NACC_FINDING: Step(
        _from(S.RECEIVED, S.SCREENING, S.REFERRED, S.FACT_FINDING, S.DISCIPLINARY_INVESTIGATION),
        S.PENALTY_CONSIDERATION,
        fields=(Field.FINDING_BODY, Field.LETTER_NUMBER),
        starts=("penalty_after_finding",),
        stops=("fact_finding", "disciplinary_investigation"),
    ),
    Action.DECIDE_PENALTY: Step(
        _from(S.PENALTY_CONSIDERATION),
        S.PENALTY_ORDERED,
        roles=LEADS,
        fields=(Field.SEVERITY_FOUND, Field.PENALTY, Field.NOTIFIED_ON),
        starts=("appeal_window", "copy_to_nacc"),
        stops=("penalty_after_finding",),
        guards=("penalty_fits_severity", "notified_in_time", "protection_cleared"),
    ),
    Action.SEND_COPY_TO_NACC: Step(
        _from(S.PENALTY_ORDERED, S.APPEAL, S.CONCLUDED),
        None,
        fields=(Field.LETTER_NUMBER,),
        stops=("copy_to_nacc",),
        guards=("copy_due",),
    ),
    Action.FILE_APPEAL: Step(
        _from(S.PENALTY_ORDERED), S.APPEAL, stops=("appeal_window",), guards=("within_appeal_window",)
    ),
    Action.DECIDE_APPEAL: Step(
        _from(S.APPEAL),
        S.CONCLUDED,
        roles=LEADS,
        fields=(Field.APPEAL_RESULT, Field.PENALTY),
        guards=("appeal_penalty",),
    ),
    Action.CONCLUDE: Step(
        _from(S.UNFOUNDED, S.PENALTY_ORDERED),
        S.CONCLUDED,
        stops=("appeal_window",),
        guards=("appeal_window_over",),
    ),
    Action.REFER_CRIMINAL: Step(
        _CRIMINAL_FROM,
        None,
        fields=(Field.CRIMINAL_BODY, Field.LETTER_NUMBER),
        guards=("no_criminal_referral",),
    ),
    Action.RECORD_CRIMINAL_OUTCOME: Step(
        frozenset(Status),
        None,
        fields=(Field.CRIMINAL_OUTCOME, Field.OUTCOME_TEXT),
        guards=("criminal_referral_open",),
    ),
    Action.REFER_RETALIATION: Step(
        frozenset(Status),
        None,
        fields=(Field.LETTER_NUMBER,),
        stops=("retaliation_referral",),
        guards=("retaliation_reported",),
    ),
    Action.RECORD_DELAY_REASON: Step(
        frozenset(OPEN_STATUSES), None, fields=(Field.REASON_TEXT,), guards=("final_feedback_missed",)
    ),
}
del S

# Statuses that keep their clocks running past completion (the copy to the NACC is due after it).
CLOCKS_SURVIVING_COMPLETION = frozenset({"copy_to_nacc", "retaliation_referral"})


class TransitionNotAllowed(Exception):
    """The action cannot be taken from the case's current status."""


def step_of(action: Action) -> Step:
    """The table row of an action."""
    return PROCEDURE[action]


def next_status(current: str, action: Action) -> Status:
    """The status after ``action`` (the same one for a record within a stage).

    Raises :class:`TransitionNotAllowed` when the action is not allowed from ``current``.
    """
    step = PROCEDURE[action]
    if Status(current) not in step.sources:
        raise TransitionNotAllowed(f"{action} is not allowed from {current}")
    return step.target or Status(current)


def allowed_actions(current: str, roles: frozenset[str] = HANDLERS) -> list[Action]:
    """Actions available from a status to someone with ``roles``, in the table's order."""
    return [
        action for action, step in PROCEDURE.items() if Status(current) in step.sources and step.roles & roles
    ]


def public_status(current: str) -> PublicStatus:
    """The plain label the reporter sees."""
    return PUBLIC_STATUS[Status(current)]


def penalties_for(severity: str, table: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The penalties a finding of ``severity`` allows under the settings table."""
    return tuple(table.get(severity, ()))


def is_lighter(penalty: str, than: str) -> bool:
    """Whether ``penalty`` is a lighter penalty than ``than`` (for a reduction on appeal)."""
    return PENALTIES.index(penalty) < PENALTIES.index(than)


def outcome_of_penalty(penalty: str) -> str:
    """The outcome a decided penalty gives the case."""
    return "founded_waived" if penalty in WAIVED_PENALTIES else "founded_penalised"
