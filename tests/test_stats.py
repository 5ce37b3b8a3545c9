"""The statistics: fiscal periods, the counting rule, small-cell suppression that totals cannot
undo, durations by nearest rank, clocks met — all from metadata rows, on both databases."""

from __future__ import annotations

import itertools
import os
from datetime import date
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints import stats, suppression
from complaints.db import new_session
from complaints.models import CaseClock
from tests.conftest import metadata_case

RULE = stats.CountingRule(completed_statuses=frozenset({"concluded", "not_accepted", "referred"}))
CODES = stats.known_codes(("budget", "procurement", "other"), ("finance", "engineering", "education"))


def _figures(
    app: Flask, rule: stats.CountingRule = RULE, on: date = date(2026, 12, 1), **kw: Any
) -> stats.Figures:
    with new_session(app) as db:
        return stats.compute(db, 2569, on, rule, CODES, **kw)


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (date(2025, 9, 30), 2568),
        (date(2025, 10, 1), 2569),  # FY 2569 = 1 October 2025 - 30 September 2026
        (date(2026, 1, 1), 2569),
        (date(2026, 9, 30), 2569),
        (date(2026, 10, 1), 2570),
        (date(2026, 12, 31), 2570),
    ],
)
def test_a_day_belongs_to_the_fiscal_year_that_began_on_the_1st_of_october(
    day: date, fiscal_year: int
) -> None:
    from complaints.dates import fiscal_year_bounds, fiscal_year_of

    assert fiscal_year_of(day) == fiscal_year
    first, last = fiscal_year_bounds(fiscal_year)
    assert first <= day <= last
    assert (first.month, first.day, last.month, last.day) == (10, 1, 9, 30)


def test_the_fiscal_year_runs_october_to_september_by_month_quarter_and_half(app: Flask) -> None:
    with new_session(app) as db:
        metadata_case(db, date(2025, 9, 30))  # FY 2568: not counted
        metadata_case(db, date(2025, 10, 1))  # month 1, Q1, H1
        metadata_case(db, date(2025, 12, 31))  # month 3, Q1
        metadata_case(db, date(2026, 1, 1))  # month 4, Q2
        metadata_case(db, date(2026, 4, 1))  # month 7, Q3, H2
        metadata_case(db, date(2026, 9, 30))  # month 12, Q4
        metadata_case(db, date(2026, 10, 1))  # FY 2570
        db.commit()
    figures = _figures(app)
    assert [period.received for period in figures.periods["month"]] == [1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1]
    assert [period.received for period in figures.periods["quarter"]] == [2, 1, 1, 1]
    assert [period.received for period in figures.periods["half"]] == [3, 2]
    assert figures.total.received == 5
    months = figures.periods["month"]
    assert (months[0].start, months[0].end) == (date(2025, 10, 1), date(2025, 10, 31))
    assert (months[4].start, months[4].end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert figures.periods["half"][1].end == date(2026, 9, 30)


def test_completed_follows_the_counting_rule(app: Flask) -> None:
    with new_session(app) as db:
        metadata_case(db, date(2025, 10, 2), status="concluded", closed_on=date(2025, 10, 20))
        metadata_case(db, date(2025, 10, 3), status="not_accepted", closed_on=date(2025, 11, 5))
        metadata_case(db, date(2025, 10, 4), status="referred", closed_on=date(2026, 2, 1))
        metadata_case(db, date(2025, 10, 5), status="fact_finding")
        metadata_case(db, date(2025, 10, 6), status="penalty_ordered", closed_on=None)
        db.commit()
    today = _figures(app)
    october = today.periods["month"][0]
    assert (october.received, october.completed, october.in_progress) == (5, 3, 2)
    # As at each period's end, October's figures are those of 31 October and never change.
    frozen = _figures(app, stats.CountingRule(RULE.completed_statuses, stats.AS_AT_PERIOD_END))
    assert (frozen.periods["month"][0].completed, frozen.periods["quarter"][0].completed) == (1, 2)
    assert frozen.total.completed == 3
    # Counted on 1 November, nothing closed later counts yet.
    early = _figures(app, on=date(2025, 11, 1))
    assert early.total.completed == 1
    # The completed statuses are a setting.
    narrow = _figures(app, stats.CountingRule(frozenset({"concluded"})))
    assert narrow.total.completed == 1


def test_an_empty_year_says_so(app: Flask) -> None:
    figures = _figures(app)
    assert figures.empty
    assert figures.acknowledge == stats.Duration(count=0, median=None, p90=None)


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({"a": 0, "b": 10, "c": 20}, set()),
        ({"a": 3, "b": 10, "c": 20}, {"a", "b"}),  # one small cell drags the next smallest with it
        ({"a": 1, "b": 1, "c": 50, "d": 60}, {"a", "b", "c"}),  # two hidden ones summing to 2 are 1 and 1
        ({"a": 3, "b": 0, "c": 0, "d": 9}, {"a", "b", "c"}),  # every zero hides a lone 3
        ({"a": 4, "b": 4}, {"a", "b"}),  # both at the top of the range: all hidden, nothing better
        ({"a": 4, "b": 1, "c": 9}, {"a", "b"}),
        ({"a": 5, "b": 5}, set()),
    ],
)
def test_small_cells_are_hidden_with_enough_company(counts: dict[str, int], hidden: set[str]) -> None:
    decided = suppression.suppress_cells(counts, 5)
    assert {code for code, off in decided.items() if off} == hidden


def _possible_values(counts: dict[str, int], hidden: dict[str, bool], threshold: int) -> dict[str, set[int]]:
    """What an attacker who knows the exact total, every shown cell and the suppression rule itself
    can say of each hidden cell: every guess that the rule would have hidden the same way."""
    secret = [code for code, off in hidden.items() if off]
    remainder = sum(counts.values()) - sum(counts[code] for code in counts if not hidden[code])
    possible: dict[str, set[int]] = {code: set() for code in secret}
    for guess in itertools.product(range(remainder + 1), repeat=len(secret)):
        if sum(guess) != remainder:
            continue
        candidate = {**counts, **dict(zip(secret, guess, strict=True))}
        if suppression.suppress_cells(candidate, threshold) != hidden:
            continue
        for code, value in zip(secret, guess, strict=True):
            possible[code].add(value)
    return possible


@settings(max_examples=int(os.environ.get("COMPLAINTS_HYPOTHESIS_EXAMPLES", "400")), deadline=None)
@given(st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 12), min_size=2, max_size=5))
def test_no_hidden_cell_can_be_backed_out_of_the_total(counts: dict[str, int]) -> None:
    threshold = 5
    hidden = suppression.suppress_cells(counts, threshold)
    for code, number in counts.items():
        if 0 < number < threshold:
            assert hidden[code], "a small cell is shown"
    secret = [code for code, off in hidden.items() if off]
    if not secret:
        return
    if all(hidden.values()):
        return  # every cell hidden: the breakdown tells only the total, which is published anyway
    for code, values in _possible_values(counts, hidden, threshold).items():
        assert len(values) > 1, f"{code} can be backed out: {counts}"


def test_breakdowns_are_suppressed_in_public_and_whole_for_a_lead(app: Flask) -> None:
    with new_session(app) as db:
        for _ in range(7):
            metadata_case(db, date(2025, 11, 1), department="finance")
        metadata_case(db, date(2025, 11, 2), department="engineering")
        metadata_case(db, date(2025, 11, 3), department="engineering", channel="letter")
        db.commit()
    public = _figures(app).breakdowns["department"]
    shown = {cell.code: cell.shown(5) for cell in public.cells}
    assert shown == {"finance": "7", "engineering": "<5", "education": "<5"}
    assert public.total == 9
    whole = _figures(app, suppress=False).breakdowns["department"]
    assert {cell.code: cell.shown(5) for cell in whole.cells} == {
        "finance": "7",
        "engineering": "2",
        "education": "0",
    }


def test_durations_use_the_nearest_rank_and_hide_below_the_threshold(app: Flask) -> None:
    with new_session(app) as db:
        for days in (0, 1, 1, 2, 3, 5, 8, 13, 21, 34):
            metadata_case(
                db, date(2025, 10, 1), acknowledged_on=date.fromordinal(date(2025, 10, 1).toordinal() + days)
            )
        metadata_case(db, date(2025, 10, 1), status="concluded", closed_on=date(2025, 10, 11))
        db.commit()
    figures = _figures(app)
    assert figures.acknowledge == stats.Duration(count=10, median=3, p90=21)
    assert figures.conclude == stats.Duration(count=1, median=None, p90=None)  # one case: hidden
    assert _figures(app, suppress=False).conclude == stats.Duration(count=1, median=10, p90=10)
    assert stats.nearest_rank({1: 1, 2: 1}, 0.5) == 1
    assert stats.nearest_rank({1: 1, 2: 1}, 0.9) == 2


def test_clocks_met_missed_and_excused_are_shared_out(app: Flask) -> None:
    with new_session(app) as db:
        states = ("met", "met", "met", "missed", "excused", "running")
        for state in states:
            row = metadata_case(db, date(2025, 10, 1))
            db.flush()
            db.add(
                CaseClock(
                    case_id=row.id,
                    clock="acknowledge",
                    started_on=date(2025, 10, 1),
                    due_on=date(2025, 10, 8),
                    state=state,
                    fiscal_year=2569,
                )
            )
        db.commit()
    (clock,) = _figures(app).clocks
    assert (clock.clock, clock.met, clock.missed, clock.excused) == ("acknowledge", 3, 1, 1)
    assert clock.share_met == 0.75


def test_criminal_referrals_and_procedure_codes_are_counted(app: Flask) -> None:
    with new_session(app) as db:
        for _ in range(6):
            metadata_case(
                db, date(2025, 10, 1), status="penalty_ordered", finding="founded", penalty="probation"
            )
        metadata_case(db, date(2025, 10, 1), criminal_referral=True, criminal_body="nacc")
        db.commit()
    figures = _figures(app, suppress=False)
    assert figures.criminal_referrals == 1
    penalties = {cell.code: cell.count for cell in figures.breakdowns["penalty"].cells}
    assert penalties["probation"] == 6
    assert sum(penalties.values()) == 6
    assert {cell.code: cell.count for cell in figures.breakdowns["finding"].cells} == {
        "founded": 6,
        "unfounded": 0,
    }


def test_the_six_month_report_counts_october_to_march_only(app: Flask) -> None:
    with new_session(app) as db:
        metadata_case(db, date(2026, 3, 31), department="finance")
        metadata_case(db, date(2026, 4, 1), department="engineering")
        db.commit()
    with new_session(app) as db:
        half = stats.compute(db, 2569, date(2026, 12, 1), RULE, CODES, suppress=False, months=6)
    assert half.total.received == 1
    assert half.total.end == date(2026, 3, 31)
    assert half.counted_on == date(2026, 3, 31)
    assert {c.code: c.count for c in half.breakdowns["department"].cells}["engineering"] == 0
    assert _figures(app).total.received == 2
