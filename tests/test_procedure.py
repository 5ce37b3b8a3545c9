"""The measure-8 procedure as plain functions, without HTTP: the table walked row by row, the
penalty rules, working days and the deadline marks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaints import procedure
from complaints.clocks import CLOCKS, Calendar, DeadlineState, DeadlineWindow
from complaints.config import DEFAULTS
from complaints.dates import add_working_days
from complaints.procedure import (
    COMPLETED_STATUSES,
    PROCEDURE,
    Action,
    Field,
    Status,
    TransitionNotAllowed,
    allowed_actions,
    next_status,
)

TODAY = date(2026, 12, 1)
MARKED = (DeadlineState.OVERDUE, DeadlineState.DUE_SOON, DeadlineState.ON_TIME)
S, A = Status, Action

# Every allowed move of the main track, written out by hand from DOMAIN.md F: a change to the
# table that is not also made here fails below.
EXPECTED_MOVES = {
    (A.START_SCREENING, S.RECEIVED): S.SCREENING,
    (A.REQUEST_INFORMATION, S.SCREENING): S.AWAITING_INFORMATION,
    (A.INFORMATION_RECEIVED, S.AWAITING_INFORMATION): S.SCREENING,
    (A.NOT_ACCEPT, S.RECEIVED): S.NOT_ACCEPTED,
    (A.NOT_ACCEPT, S.SCREENING): S.NOT_ACCEPTED,
    (A.NOT_ACCEPT, S.AWAITING_INFORMATION): S.NOT_ACCEPTED,
    (A.CLOSE, S.SCREENING): S.CONCLUDED,
    (A.CLOSE, S.AWAITING_INFORMATION): S.CONCLUDED,
    (A.CLOSE, S.FACT_FINDING): S.CONCLUDED,
    (A.REFER, S.RECEIVED): S.REFERRED,
    (A.REFER, S.SCREENING): S.REFERRED,
    (A.REFER, S.FACT_FINDING): S.REFERRED,
    (A.ROUTE_OUTSIDE, S.RECEIVED): S.REFERRED,
    (A.ROUTE_OUTSIDE, S.SCREENING): S.REFERRED,
    (A.START_FACT_FINDING, S.RECEIVED): S.FACT_FINDING,
    (A.START_FACT_FINDING, S.SCREENING): S.FACT_FINDING,
    (A.FIND_UNFOUNDED, S.FACT_FINDING): S.UNFOUNDED,
    (A.START_DISCIPLINARY, S.FACT_FINDING): S.DISCIPLINARY_INVESTIGATION,
    (A.CONSIDER_PENALTY, S.DISCIPLINARY_INVESTIGATION): S.PENALTY_CONSIDERATION,
    (A.RECORD_NACC_FINDING, S.RECEIVED): S.PENALTY_CONSIDERATION,
    (A.RECORD_NACC_FINDING, S.SCREENING): S.PENALTY_CONSIDERATION,
    (A.RECORD_NACC_FINDING, S.REFERRED): S.PENALTY_CONSIDERATION,
    (A.RECORD_NACC_FINDING, S.FACT_FINDING): S.PENALTY_CONSIDERATION,
    (A.RECORD_NACC_FINDING, S.DISCIPLINARY_INVESTIGATION): S.PENALTY_CONSIDERATION,
    (A.DECIDE_PENALTY, S.PENALTY_CONSIDERATION): S.PENALTY_ORDERED,
    (A.FILE_APPEAL, S.PENALTY_ORDERED): S.APPEAL,
    (A.DECIDE_APPEAL, S.APPEAL): S.CONCLUDED,
    (A.CONCLUDE, S.UNFOUNDED): S.CONCLUDED,
    (A.CONCLUDE, S.PENALTY_ORDERED): S.CONCLUDED,
}
# Records within a stage, and the criminal track: the status stays.
IN_PLACE = {
    A.RECORD_CHECKLIST: {S.RECEIVED, S.SCREENING},
    A.RECORD_REFERRAL_RESULT: set(Status),  # the other agency answers whatever happened here since
    A.RECORD_CRIMINAL_OUTCOME: set(Status),  # the criminal track never waits on the main one
    A.APPOINT_FACT_FINDING_COMMITTEE: {S.FACT_FINDING},
    A.APPOINT_INVESTIGATION_COMMITTEE: {S.DISCIPLINARY_INVESTIGATION},
    A.NOTIFY_CHARGES: {S.DISCIPLINARY_INVESTIGATION},
    A.EXTEND_INVESTIGATION: {S.DISCIPLINARY_INVESTIGATION},
    A.SEND_COPY_TO_NACC: {S.PENALTY_ORDERED, S.APPEAL, S.CONCLUDED},
    A.RECORD_DELAY_REASON: set(Status) - {S.CONCLUDED, S.NOT_ACCEPTED, S.REFERRED},  # only while open
    A.REFER_RETALIATION: set(Status),  # retaliation can come at any time, even after the case
}
CRIMINAL_BESIDE = {
    S.SCREENING,
    S.FACT_FINDING,
    S.DISCIPLINARY_INVESTIGATION,
    S.PENALTY_CONSIDERATION,
    S.PENALTY_ORDERED,
    S.APPEAL,
    S.REFERRED,
    S.CONCLUDED,
}


def _expected(action: Action, status: Status) -> Status | None:
    if (action, status) in EXPECTED_MOVES:
        return EXPECTED_MOVES[(action, status)]
    if status in IN_PLACE.get(action, set()):
        return status
    if action is A.REFER_CRIMINAL and status in CRIMINAL_BESIDE:
        return status
    return None


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", list(Status))
def test_the_table_allows_exactly_the_moves_of_the_procedure(action: Action, status: Status) -> None:
    expected = _expected(action, status)
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            next_status(status.value, action)
        assert action not in allowed_actions(status.value, frozenset({"lead", "officer"}))
    else:
        assert next_status(status.value, action) is expected
        assert action in allowed_actions(status.value, frozenset({"lead"}))


def test_nothing_leads_out_of_a_completed_case_except_records() -> None:
    for status in COMPLETED_STATUSES - {S.REFERRED}:
        for action in allowed_actions(status.value, frozenset({"lead"})):
            assert PROCEDURE[action].target is None, (status, action)


def test_the_mayors_orders_are_recorded_by_a_lead() -> None:
    for action, status in ((A.DECIDE_PENALTY, S.PENALTY_CONSIDERATION), (A.DECIDE_APPEAL, S.APPEAL)):
        assert PROCEDURE[action].roles == frozenset({"lead"})
        assert action not in allowed_actions(status.value, frozenset({"officer"}))
        assert action in allowed_actions(status.value, frozenset({"lead"}))
    assert A.START_DISCIPLINARY in allowed_actions(S.FACT_FINDING.value, frozenset({"officer"}))


def test_every_clock_a_step_names_exists_and_has_a_default() -> None:
    for action, step in PROCEDURE.items():
        for clock in step.starts + step.stops:
            assert clock in CLOCKS, (action, clock)
            assert CLOCKS[clock].setting in DEFAULTS["DEADLINE_DAYS"], clock


def test_every_step_field_is_a_code_a_text_a_date_or_the_checklist() -> None:
    kinds = set(procedure.CODE_CHOICES) | procedure.TEXT_FIELDS | procedure.DATE_FIELDS | {Field.CHECKLIST}
    for step in PROCEDURE.values():
        assert set(step.fields) <= kinds


@pytest.mark.parametrize(
    ("severity", "penalty", "allowed"),
    [
        ("minor", "probation", True),
        ("minor", "salary_reduction", True),
        ("minor", "waived_bond", True),
        ("minor", "dismissal", False),  # a minor offence can never bring dismissal
        ("minor", "discharge", False),
        ("serious", "dismissal", True),
        ("serious", "discharge", True),
        ("serious", "probation", False),
    ],
)
def test_penalties_follow_the_severity_found(severity: str, penalty: str, allowed: bool) -> None:
    table = {key: tuple(value) for key, value in DEFAULTS["PENALTIES_BY_SEVERITY"].items()}
    assert (penalty in procedure.penalties_for(severity, table)) is allowed


def test_a_reduced_penalty_is_lighter() -> None:
    assert procedure.is_lighter("probation", "salary_deduction")
    assert not procedure.is_lighter("dismissal", "discharge")
    assert not procedure.is_lighter("probation", "probation")
    assert procedure.outcome_of_penalty("waived_warning") == "founded_waived"
    assert procedure.outcome_of_penalty("salary_deduction") == "founded_penalised"


def test_working_days_skip_weekends_and_holidays() -> None:
    friday = date(2026, 12, 4)
    assert add_working_days(friday, 1, lambda _day: False) == date(2026, 12, 7)  # Monday
    holidays = {date(2026, 12, 7), date(2026, 12, 10)}
    assert add_working_days(friday, 1, holidays.__contains__) == date(2026, 12, 8)
    assert add_working_days(friday, 7, holidays.__contains__) == date(2026, 12, 17)
    assert add_working_days(friday, 0, holidays.__contains__) == friday


def test_the_reply_window_counts_working_days_and_the_others_calendar_days() -> None:
    calendar = Calendar(days=dict(DEFAULTS["DEADLINE_DAYS"]), is_holiday=lambda _day: False)
    friday = date(2026, 12, 4)
    assert calendar.due("awaiting_information", friday) == date(2026, 12, 15)  # 7 working days
    assert calendar.due("fact_finding", friday) == friday + timedelta(days=60)
    assert calendar.due("appeal_window", friday) == friday + timedelta(days=30)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-1, DeadlineState.OVERDUE),
        (0, DeadlineState.DUE_SOON),  # due today is not yet overdue
        (3, DeadlineState.DUE_SOON),  # the last day of the "due soon" window
        (4, DeadlineState.ON_TIME),
    ],
)
def test_deadline_marks_at_the_edges(offset: int, expected: DeadlineState) -> None:
    assert DeadlineWindow(TODAY, 3).state(TODAY + timedelta(days=offset)) is expected


def test_no_deadline_has_no_range() -> None:
    window = DeadlineWindow(TODAY, 3)
    assert window.state(None) is DeadlineState.NONE
    with pytest.raises(ValueError, match="no range"):
        window.bounds(DeadlineState.NONE)


@given(
    offset=st.integers(min_value=-400, max_value=400),
    soon=st.integers(min_value=0, max_value=30),
)
def test_the_queue_filter_and_the_mark_are_one_rule(offset: int, soon: int) -> None:
    """The SQL filter's bounds cover a due date exactly when the page marks it so."""
    window = DeadlineWindow(TODAY, soon)
    due = TODAY + timedelta(days=offset)
    for state in MARKED:
        first, last = window.bounds(state)
        inside = (first is None or due >= first) and (last is None or due <= last)
        assert inside == (window.state(due) is state)


@pytest.mark.parametrize(("ended_after_due", "state"), [(-1, "met"), (0, "met"), (1, "missed")])
def test_a_clock_ended_on_its_due_day_is_met(ended_after_due: int, state: str) -> None:
    from complaints.clocks import end
    from complaints.models import CaseClock

    row = CaseClock(clock="fact_finding", started_on=TODAY, due_on=TODAY, state="running")
    end(row, TODAY + timedelta(days=ended_after_due))
    assert row.state == state


def test_a_window_that_simply_ends_is_never_missed() -> None:
    from complaints.clocks import end
    from complaints.models import CaseClock

    row = CaseClock(clock="appeal_window", started_on=TODAY, due_on=TODAY, state="running")
    end(row, TODAY + timedelta(days=40))  # nobody appealed; the case closed later
    assert row.state == "met"


# DOMAIN.md F and D6, written out: what the reporter sees, and how the statistics count.
PUBLIC_LABELS = {
    S.RECEIVED: "received",
    S.SCREENING: "in_progress",
    S.AWAITING_INFORMATION: "in_progress",
    S.FACT_FINDING: "in_progress",
    S.UNFOUNDED: "in_progress",  # not completed until it is concluded
    S.DISCIPLINARY_INVESTIGATION: "in_progress",
    S.PENALTY_CONSIDERATION: "in_progress",
    S.PENALTY_ORDERED: "in_progress",
    S.APPEAL: "in_progress",
    S.REFERRED: "referred",
    S.CONCLUDED: "completed",
    S.NOT_ACCEPTED: "not_accepted",
}


@pytest.mark.parametrize("status", list(Status))
def test_the_reporter_sees_the_plain_label_of_domain_f(status: Status) -> None:
    assert procedure.public_status(status.value) == PUBLIC_LABELS[status]


def test_completed_is_concluded_not_accepted_or_referred_and_everything_else_is_open() -> None:
    assert {S.CONCLUDED, S.NOT_ACCEPTED, S.REFERRED} == COMPLETED_STATUSES
    assert set(Status) - {S.CONCLUDED, S.NOT_ACCEPTED, S.REFERRED} == procedure.OPEN_STATUSES


def test_the_tables_default_penalties_are_the_configs() -> None:
    """procedure.py names the severity table's default beside the steps that use it; the setting's
    default must say the same, and a serious finding never ends in a minor penalty."""
    configured = {key: tuple(value) for key, value in DEFAULTS["PENALTIES_BY_SEVERITY"].items()}
    assert configured == procedure.DEFAULT_PENALTIES_BY_SEVERITY
    assert set(configured["serious"]) == {"discharge", "dismissal"}
    assert not set(configured["minor"]) & {"discharge", "dismissal"}


@pytest.mark.parametrize(
    ("penalty", "outcome"),
    [
        ("waived_warning", "founded_waived"),  # ว่ากล่าวตักเตือน
        ("waived_bond", "founded_waived"),  # ทัณฑ์บน
        ("waived", "founded_waived"),  # งดโทษ
        ("probation", "founded_penalised"),
        ("salary_deduction", "founded_penalised"),
        ("salary_reduction", "founded_penalised"),
        ("discharge", "founded_penalised"),
        ("dismissal", "founded_penalised"),
    ],
)
def test_every_waiver_of_domain_b9_counts_as_founded_waived(penalty: str, outcome: str) -> None:
    assert procedure.outcome_of_penalty(penalty) == outcome
