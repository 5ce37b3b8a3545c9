"""The measure-8 procedure as plain functions, without HTTP: transitions and deadline marks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaints.procedure import (
    TRANSITIONS,
    Action,
    DeadlineState,
    DeadlineWindow,
    Status,
    TransitionNotAllowed,
    allowed_actions,
    next_status,
)

TODAY = date(2026, 12, 1)
MARKED = (DeadlineState.OVERDUE, DeadlineState.DUE_SOON, DeadlineState.ON_TIME)


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


@pytest.mark.parametrize(("action", "rule"), list(TRANSITIONS.items()))
def test_every_transition_in_the_table_is_allowed_and_nothing_else(
    action: Action, rule: tuple[frozenset[Status], Status]
) -> None:
    sources, target = rule
    for status in Status:
        if status in sources:
            assert next_status(status.value, action) is target
            assert action in allowed_actions(status.value)
        else:
            with pytest.raises(TransitionNotAllowed):
                next_status(status.value, action)
            assert action not in allowed_actions(status.value)
