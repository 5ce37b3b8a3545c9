"""The clocks of a case: acknowledgement, feedback to the reporter, the reply window, each stage's
time limit, the NACC timers and the appeal window — started, stopped and shown by one set of rules.

A clock is plaintext metadata (:class:`~complaints.models.CaseClock`): when it started, when it
is due, and how it ended (met in time, missed, or excused by a recorded reason for the delay),
so the statistics can count clocks met. The case's ``next_deadline_on`` is its earliest running
clock, which the queue is ordered by.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints.dates import add_days, add_working_days
from complaints.models import Case, CaseClock
from complaints.procedure import CLOCKS_SURVIVING_COMPLETION


@dataclass(frozen=True)
class ClockRule:
    """How long a clock runs: ``DEADLINE_DAYS[setting]`` calendar (or working) days."""

    setting: str
    working_days: bool = False
    # A period that simply ends (the appeal window), not an obligation that can be missed.
    window: bool = False


# In the order the case page lists them.
CLOCKS: dict[str, ClockRule] = {
    "acknowledge": ClockRule("acknowledge"),
    "first_feedback": ClockRule("first_feedback"),
    "progress_feedback": ClockRule("progress_feedback"),
    "final_feedback": ClockRule("final_feedback"),
    "awaiting_information": ClockRule("awaiting_information", working_days=True),
    "fact_finding": ClockRule("fact_finding"),
    "disciplinary_investigation": ClockRule("disciplinary_investigation"),
    "penalty_after_finding": ClockRule("penalty_after_finding"),
    "copy_to_nacc": ClockRule("copy_to_nacc"),
    "appeal_window": ClockRule("appeal_window", window=True),
    "retaliation_referral": ClockRule("retaliation_referral"),
}
FEEDBACK_CLOCKS = ("first_feedback", "progress_feedback")
# The reporter is told by when to look again: the next time the unit owes them an answer.
REPORTER_FACING = ("awaiting_information", "first_feedback", "progress_feedback", "final_feedback")


class ClockState(StrEnum):
    """How a clock stands."""

    RUNNING = "running"
    MET = "met"
    MISSED = "missed"
    EXCUSED = "excused"


@dataclass(frozen=True)
class Calendar:
    """The days each clock allows and the public holidays that working days skip."""

    days: dict[str, int]
    is_holiday: Callable[[date], bool]

    def due(self, clock: str, started_on: date) -> date:
        rule = CLOCKS[clock]
        days = int(self.days[rule.setting])
        if rule.working_days:
            return add_working_days(started_on, days, self.is_holiday)
        return add_days(started_on, days)


def clocks_of(db: Session, case: Case) -> list[CaseClock]:
    """Every clock of the case, oldest first."""
    return list(db.scalars(select(CaseClock).where(CaseClock.case_id == case.id).order_by(CaseClock.id)))


def running(db: Session, case: Case, clock: str) -> CaseClock | None:
    """The running clock of a kind, if any."""
    return db.scalars(
        select(CaseClock).where(
            CaseClock.case_id == case.id, CaseClock.clock == clock, CaseClock.state == ClockState.RUNNING
        )
    ).first()


def start(
    db: Session, case: Case, clock: str, on: date, calendar: Calendar, due_on: date | None = None
) -> CaseClock:
    """Start a clock (a running one of the same kind ends first, as met on ``on``)."""
    stop(db, case, clock, on)
    row = CaseClock(
        case_id=case.id,
        clock=clock,
        started_on=on,
        due_on=due_on or calendar.due(clock, on),
        state=ClockState.RUNNING.value,
        fiscal_year=case.fiscal_year,
    )
    db.add(row)
    db.flush()
    return row


def opened(case: Case, clock: str, on: date, calendar: Calendar) -> CaseClock:
    """A running clock for a case that has none of its kind yet (a new case): no query, no flush.
    The caller sets ``case_id`` and adds it."""
    return CaseClock(
        clock=clock,
        started_on=on,
        due_on=calendar.due(clock, on),
        state=ClockState.RUNNING.value,
        fiscal_year=case.fiscal_year,
    )


def set_next_deadline(case: Case, rows: list[CaseClock]) -> None:
    """:func:`refresh_next_deadline` for clocks still in memory, in the order they will be
    inserted (the id order that breaks a tie between equal due dates)."""
    ordered = [(row.due_on, index, row) for index, row in enumerate(rows) if row.state == ClockState.RUNNING]
    earliest = min(ordered, key=lambda entry: entry[:2])[2] if ordered else None
    case.next_deadline_on = earliest.due_on if earliest else None
    case.next_deadline_kind = earliest.clock if earliest else None


def end(row: CaseClock, on: date) -> None:
    """End a clock in memory: met if ``on`` is within its due date (or it is a window), else missed."""
    row.ended_on = on
    in_time = on <= row.due_on or CLOCKS[row.clock].window
    row.state = (ClockState.MET if in_time else ClockState.MISSED).value


def stop(db: Session, case: Case, clock: str, on: date) -> CaseClock | None:
    """End a running clock: met if ``on`` is within its due date, missed otherwise."""
    row = running(db, case, clock)
    if row is not None:
        end(row, on)
    return row


def excuse(db: Session, case: Case, clock: str, on: date) -> CaseClock | None:
    """A reason for the delay was recorded: the clock stops counting as overdue (B13)."""
    row = running(db, case, clock)
    if row is not None:
        row.ended_on = on
        row.state = ClockState.EXCUSED.value
    return row


def feedback_given(db: Session, case: Case, on: date, calendar: Calendar) -> None:
    """The reporter heard from the unit: first or progress feedback is met, the next one starts."""
    for clock in FEEDBACK_CLOCKS:
        stop(db, case, clock, on)
    start(db, case, "progress_feedback", on, calendar)


def completed(db: Session, case: Case, on: date) -> None:
    """The case is completed here: every running clock ends, except those due after completion."""
    for row in db.scalars(
        select(CaseClock).where(CaseClock.case_id == case.id, CaseClock.state == ClockState.RUNNING)
    ):
        if row.clock not in CLOCKS_SURVIVING_COMPLETION:
            end(row, on)


def refresh_next_deadline(db: Session, case: Case) -> None:
    """The case's next deadline is its earliest running clock (what the queue orders by)."""
    db.flush()
    earliest = db.scalars(
        select(CaseClock)
        .where(CaseClock.case_id == case.id, CaseClock.state == ClockState.RUNNING)
        .order_by(CaseClock.due_on, CaseClock.id)
    ).first()
    case.next_deadline_on = earliest.due_on if earliest else None
    case.next_deadline_kind = earliest.clock if earliest else None


def check_back_by(db: Session, case: Case) -> date | None:
    """When the reporter should look at their case page again: the earliest answer owed either way."""
    due = db.scalars(
        select(CaseClock.due_on)
        .where(
            CaseClock.case_id == case.id,
            CaseClock.state == ClockState.RUNNING,
            CaseClock.clock.in_(REPORTER_FACING),
        )
        .order_by(CaseClock.due_on)
    ).first()
    return due


@dataclass(frozen=True)
class ClockView:
    """A clock as the case page and the case record show it."""

    clock: str
    started_on: date
    due_on: date
    ended_on: date | None
    state: str
    overdue: bool


def views(db: Session, case: Case, today: date) -> list[ClockView]:
    """Every clock of the case, in the order of :data:`CLOCKS`, then by start."""
    order = {name: index for index, name in enumerate(CLOCKS)}
    rows = sorted(clocks_of(db, case), key=lambda row: (order.get(row.clock, 99), row.started_on, row.id))
    return [
        ClockView(
            clock=row.clock,
            started_on=row.started_on,
            due_on=row.due_on,
            ended_on=row.ended_on,
            state=row.state,
            overdue=row.state == ClockState.RUNNING and row.due_on < today,
        )
        for row in rows
    ]


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
