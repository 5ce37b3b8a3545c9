"""The SQL scans behind :func:`complaints.stats.compute`: each groups one fiscal year's rows inside
one covering index (``ix_cases_stats_*``, ``ix_case_clocks_stats``) and returns counts only; the
four run on their own read-only connections, two at a time."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Integer, cast, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from complaints.db import READ_ONLY
from complaints.models import Case, CaseClock
from complaints.stats_model import ClockShare, CountingRule, Duration, MonthCounts

# --- the scans, two at a time ---------------------------------------------------------------------

SCANS_AT_ONCE = 2


def side_by_side(
    engine: Engine,
    durations: Callable[[Connection], tuple[Duration, Duration]],
    months: Callable[[Connection], MonthCounts],
    coded: Callable[[Connection], dict[str, Counter[str]]],
    clocks: Callable[[Connection], tuple[ClockShare, ...]],
) -> tuple[MonthCounts, dict[str, Counter[str]], tuple[Duration, Duration], tuple[ClockShare, ...]]:
    """Run the four scans on their own read-only connections, :data:`SCANS_AT_ONCE` at a time
    (the database does the work, so the threads do not wait on each other)."""

    def on_connection(scan: Callable[[Connection], Any]) -> Any:
        with engine.connect() as connection:
            return scan(connection.execution_options(**{READ_ONLY: True}))

    with ThreadPoolExecutor(max_workers=SCANS_AT_ONCE, thread_name_prefix="stats") as pool:
        futures = [pool.submit(on_connection, scan) for scan in (durations, months, coded, clocks)]
        ack_close, month_counts, codes, shares = (future.result() for future in futures)
    return month_counts, codes, ack_close, shares


def scope(fiscal_year: int, last_day: date, partial: bool) -> tuple[ColumnElement[bool], ...]:
    """The cases counted: the fiscal year's, received up to ``last_day`` when only part of the
    year is counted (the whole year needs no date test, so every scan stays inside one index)."""
    if partial:
        return (Case.fiscal_year == fiscal_year, Case.submitted_on <= last_day)
    return (Case.fiscal_year == fiscal_year,)


def month_counts(
    read: Connection, scope: tuple[ColumnElement[bool], ...], rule: CountingRule, counted_on: date
) -> MonthCounts:
    """Cases by day received (index order: no sorting, no date function per row), and those
    completed by the counting day by day received and month closed."""
    received = read.execute(select(Case.submitted_on, func.count()).where(*scope).group_by(Case.submitted_on))
    counts: MonthCounts = {}
    for day, number in received:
        key: tuple[int, int | None, bool] = (fiscal_month_of(day), None, False)
        counts[key] = counts.get(key, 0) + int(number)
    done = read.execute(
        select(Case.submitted_on, Case.closed_on, func.count())
        .where(*scope, Case.status.in_(sorted(rule.completed_statuses)), Case.closed_on <= counted_on)
        .group_by(Case.submitted_on, Case.closed_on)
    )
    for day, closed, number in done:  # moved from "received only" to completed, by month closed
        if closed is None:
            continue
        month = fiscal_month_of(day)
        counts[(month, None, False)] -= int(number)
        key = (month, closed.year * 100 + closed.month, True)
        counts[key] = counts.get(key, 0) + int(number)
    return counts


def fiscal_month_of(day: date) -> int:
    """October → 1 … September → 12."""
    return day.month - 9 if day.month >= 10 else day.month + 3


def coded_counts(read: Connection, scope: tuple[ColumnElement[bool], ...]) -> dict[str, Counter[str]]:
    """Per breakdown, cases by code: two grouped scans, each inside one covering index."""
    found: dict[str, Counter[str]] = {}
    groups: tuple[dict[str, Any], ...] = (
        {"category": Case.category, "department": Case.department, "channel": Case.channel},
        {
            "status": Case.status,
            "not_accepted_reason": Case.not_accepted_reason,
            "referred_to": Case.referred_to,
            "finding": Case.finding,
            "penalty": Case.penalty,
            "criminal_body": Case.criminal_body,
            "appeal_result": Case.appeal_result,
            "criminal_referral": Case.criminal_referral,
        },
    )
    for columns in groups:
        rows = read.execute(select(*columns.values(), func.count()).where(*scope).group_by(*columns.values()))
        for *codes, number in rows:
            for name, code in zip(columns, codes, strict=True):
                if code is None or code is False or code == 0:
                    continue
                found.setdefault(name, Counter())[str(code)] += int(number)
    return found


# --- durations and clocks ------------------------------------------------------------------------


def _days_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return cast(later - earlier, Integer)


def nearest_rank(histogram: Mapping[int, int], share: float) -> int | None:
    """The smallest value whose cumulative count reaches ``share`` of all (nearest-rank rule)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    needed = max(1, math.ceil(round(share * total, 6)))
    running = 0
    for value in sorted(histogram):
        running += histogram[value]
        if running >= needed:
            return value
    return max(histogram)


def durations(
    read: Connection, scope: tuple[ColumnElement[bool], ...], dialect: str, threshold: int, suppress: bool
) -> tuple[Duration, Duration]:
    """Days from receipt to acknowledgement and to closure, in one scan of the dates index."""
    acknowledged = _days_between(Case.acknowledged_on, Case.submitted_on, dialect)
    closed = _days_between(Case.closed_on, Case.submitted_on, dialect)
    rows = read.execute(
        select(acknowledged, closed, func.count())
        .where(*scope, or_(Case.acknowledged_on.is_not(None), Case.closed_on.is_not(None)))
        .group_by(acknowledged, closed)
    )
    to_acknowledge: Counter[int] = Counter()
    to_close: Counter[int] = Counter()
    for ack_days, close_days, number in rows:
        if ack_days is not None:
            to_acknowledge[int(ack_days)] += int(number)
        if close_days is not None:
            to_close[int(close_days)] += int(number)
    return one_duration(to_acknowledge, threshold, suppress), one_duration(to_close, threshold, suppress)


def one_duration(histogram: Counter[int], threshold: int, suppress: bool) -> Duration:
    count = sum(histogram.values())
    if suppress and count < threshold:
        return Duration(count=count, median=None, p90=None)
    return Duration(count=count, median=nearest_rank(histogram, 0.5), p90=nearest_rank(histogram, 0.9))


def clock_shares(read: Connection, fiscal_year: int, last_day: date) -> tuple[ClockShare, ...]:
    """How the year's deadlines ended, from the clocks' own fiscal year (no join: one index)."""
    rows = read.execute(
        select(CaseClock.clock, CaseClock.state, func.count())
        .where(
            CaseClock.fiscal_year == fiscal_year,
            CaseClock.started_on <= last_day,
            CaseClock.state != "running",
        )
        .group_by(CaseClock.clock, CaseClock.state)
    )
    by_clock: dict[str, Counter[str]] = {}
    for clock, state, number in rows:
        by_clock.setdefault(str(clock), Counter())[str(state)] += int(number)
    return tuple(
        ClockShare(clock=clock, met=states["met"], missed=states["missed"], excused=states["excused"])
        for clock, states in sorted(by_clock.items())
    )
