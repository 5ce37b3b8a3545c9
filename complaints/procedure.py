"""The measure-8 procedure: statuses, the transitions allowed between them, and deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from complaints.dates import add_days


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
    Status.REFERRED: PublicStatus.REFERRED,
    Status.CONCLUDED: PublicStatus.COMPLETED,
    Status.NOT_ACCEPTED: PublicStatus.NOT_ACCEPTED,
}

# Counting rule for the ITA statistics (DOMAIN D6): completed = concluded + not accepted with a
# reason + referred out (closed here); everything else is in progress.
COMPLETED_STATUSES = frozenset({Status.CONCLUDED, Status.NOT_ACCEPTED, Status.REFERRED})
OPEN_STATUSES = frozenset(Status) - COMPLETED_STATUSES

NOT_ACCEPTED_REASONS = (
    "anonymous_insufficient",
    "in_court",
    "already_decided",
    "outside_jurisdiction",
    "insufficient_detail",
)
REFERRAL_BODIES = ("nacc", "pacc", "police", "district", "damrongdhama", "other_agency")
PENALTIES = ("probation", "salary_deduction", "salary_reduction", "discharge", "dismissal", "waived")
OUTCOMES = ("unfounded", "founded_penalised", "founded_waived", "closed")
SEVERITIES = ("minor", "serious")
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
    REQUEST_INFORMATION = "request_information"
    INFORMATION_RECEIVED = "information_received"
    NOT_ACCEPT = "not_accept"
    REFER = "refer"
    START_FACT_FINDING = "start_fact_finding"
    FIND_UNFOUNDED = "find_unfounded"
    START_DISCIPLINARY = "start_disciplinary"
    CONSIDER_PENALTY = "consider_penalty"
    DECIDE_PENALTY = "decide_penalty"
    CONCLUDE = "conclude"


TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.START_SCREENING: (frozenset({Status.RECEIVED}), Status.SCREENING),
    Action.REQUEST_INFORMATION: (frozenset({Status.SCREENING}), Status.AWAITING_INFORMATION),
    Action.INFORMATION_RECEIVED: (frozenset({Status.AWAITING_INFORMATION}), Status.SCREENING),
    Action.NOT_ACCEPT: (
        frozenset({Status.RECEIVED, Status.SCREENING, Status.AWAITING_INFORMATION}),
        Status.NOT_ACCEPTED,
    ),
    Action.REFER: (frozenset({Status.RECEIVED, Status.SCREENING}), Status.REFERRED),
    Action.START_FACT_FINDING: (frozenset({Status.RECEIVED, Status.SCREENING}), Status.FACT_FINDING),
    Action.FIND_UNFOUNDED: (frozenset({Status.FACT_FINDING}), Status.UNFOUNDED),
    Action.START_DISCIPLINARY: (frozenset({Status.FACT_FINDING}), Status.DISCIPLINARY_INVESTIGATION),
    Action.CONSIDER_PENALTY: (
        frozenset({Status.DISCIPLINARY_INVESTIGATION}),
        Status.PENALTY_CONSIDERATION,
    ),
    Action.DECIDE_PENALTY: (frozenset({Status.PENALTY_CONSIDERATION}), Status.CONCLUDED),
    Action.CONCLUDE: (frozenset({Status.UNFOUNDED}), Status.CONCLUDED),
}


class TransitionNotAllowed(Exception):
    """The action cannot be taken from the case's current status."""


def next_status(current: str, action: Action) -> Status:
    """The status after ``action``; raises :class:`TransitionNotAllowed` otherwise."""
    allowed_from, target = TRANSITIONS[action]
    if Status(current) not in allowed_from:
        raise TransitionNotAllowed(f"{action} is not allowed from {current}")
    return target


def allowed_actions(current: str) -> list[Action]:
    """Actions available from a status, in a stable order for the case page."""
    return [action for action, (sources, _) in TRANSITIONS.items() if Status(current) in sources]


def public_status(current: str) -> PublicStatus:
    """The plain label the reporter sees."""
    return PUBLIC_STATUS[Status(current)]


# --- deadlines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """The next date something must happen on a case, and what it is."""

    kind: str
    due_on: date


STAGE_DEADLINE: dict[Status, str] = {
    Status.AWAITING_INFORMATION: "awaiting_information",
    Status.FACT_FINDING: "fact_finding",
    Status.DISCIPLINARY_INVESTIGATION: "disciplinary_investigation",
    Status.PENALTY_CONSIDERATION: "penalty_after_finding",
}


def next_deadline(
    status: str,
    submitted_on: date,
    stage_started_on: date,
    last_feedback_on: date | None,
    days: dict[str, Any],
) -> Deadline | None:
    """The earliest deadline that applies to a case now, or None once it is closed here."""
    current = Status(status)
    if current in COMPLETED_STATUSES:
        return None
    candidates: list[Deadline] = []
    if last_feedback_on is None:
        candidates.append(Deadline("first_feedback", add_days(submitted_on, int(days["first_feedback"]))))
    else:
        candidates.append(
            Deadline("progress_feedback", add_days(last_feedback_on, int(days["progress_feedback"])))
        )
    candidates.append(Deadline("final_feedback", add_days(submitted_on, int(days["final_feedback"]))))
    stage_kind = STAGE_DEADLINE.get(current)
    if stage_kind is not None:
        candidates.append(Deadline(stage_kind, add_days(stage_started_on, int(days[stage_kind]))))
    return min(candidates, key=lambda deadline: deadline.due_on)


class DeadlineState(StrEnum):
    """How the queue marks a deadline."""

    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TIME = "on_time"
    NONE = "none"


@dataclass(frozen=True)
class DeadlineWindow:
    """The one rule for marking a due date, used for a single case and by the queue's SQL filter:
    overdue before ``today``; due soon from ``today`` to ``today + due_soon_days``; on time after."""

    today: date
    due_soon_days: int

    @property
    def last_due_soon_day(self) -> date:
        return add_days(self.today, self.due_soon_days)

    def state(self, due_on: date | None) -> DeadlineState:
        """How a due date is marked."""
        if due_on is None:
            return DeadlineState.NONE
        if due_on < self.today:
            return DeadlineState.OVERDUE
        if due_on <= self.last_due_soon_day:
            return DeadlineState.DUE_SOON
        return DeadlineState.ON_TIME

    def bounds(self, state: DeadlineState) -> tuple[date | None, date | None]:
        """The inclusive range of due dates (``None``: open-ended) that a state covers."""
        if state is DeadlineState.OVERDUE:
            return None, add_days(self.today, -1)
        if state is DeadlineState.DUE_SOON:
            return self.today, self.last_due_soon_day
        if state is DeadlineState.ON_TIME:
            return add_days(self.last_due_soon_day, 1), None
        raise ValueError("a missing deadline has no range of dates")


def deadline_state(due_on: date | None, today: date, due_soon_days: int) -> DeadlineState:
    """Overdue / due soon / on time, as the Thai platforms show them."""
    return DeadlineWindow(today, due_soon_days).state(due_on)
