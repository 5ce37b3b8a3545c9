"""The figures of a fiscal year, by SQL aggregation over plaintext metadata only.

Nothing here loads a case into Python or opens a key: every number comes from ``GROUP BY`` over
the case and clock columns the procedure records (status, dates, codes), a handful of scans of
one fiscal year's rows. One function, :func:`compute`, feeds every output — the public page,
the admin's CSV, JSON and Excel, the signed report and ``flask stats export``.

Counting rule (DOMAIN D6, settings ``STATS_COMPLETED_STATUSES`` and ``STATS_COUNT_AS_AT``): a
case counts in the period in which it was received; it counts as *completed* when its status is
one of the completed statuses (concluded, not accepted with a reason, referred out) and it was
closed on or before the day the figures are counted at — today, or with ``period_end`` the last
day of each period, so a past period's figures never change; *in progress* is the rest.

Small cells (DOMAIN D7): in every *breakdown* a count from 1 to ``threshold − 1`` is shown as
``<threshold``; then more cells are hidden, smallest first, until the total (which is exact) minus
the shown cells pins no hidden cell to a single value. The ITA totals per period are exact: they
single out no one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Integer, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from complaints import procedure
from complaints.dates import fiscal_year_bounds, fiscal_year_of
from complaints.models import Case, CaseClock
from complaints.suppression import suppress_cells

PERIOD_KINDS = ("month", "quarter", "half")
BREAKDOWNS = (
    "category",
    "department",
    "channel",
    "status",
    "not_accepted_reason",
    "referred_to",
    "finding",
    "penalty",
    "criminal_body",
    "appeal_result",
)
AS_AT_TODAY = "today"
AS_AT_PERIOD_END = "period_end"


def known_codes(categories: Iterable[str], departments: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Every code each breakdown can take: the configured lists and the procedure's tables."""
    return {
        "category": tuple(categories),
        "department": tuple(departments),
        "channel": procedure.CHANNELS,
        "status": tuple(status.value for status in procedure.Status),
        "not_accepted_reason": procedure.NOT_ACCEPTED_REASONS,
        "referred_to": procedure.REFERRAL_BODIES,
        "finding": ("founded", "unfounded"),
        "penalty": procedure.PENALTIES,
        "criminal_body": procedure.CRIMINAL_BODIES,
        "appeal_result": procedure.APPEAL_RESULTS,
    }


@dataclass(frozen=True)
class CountingRule:
    """What counts as completed, and on which day it is counted."""

    completed_statuses: frozenset[str]
    as_at: str = AS_AT_TODAY
    threshold: int = 5


@dataclass(frozen=True)
class Period:
    """One month, quarter or half-year of a fiscal year and its three ITA figures (exact)."""

    kind: str
    index: int  # 1-based within the fiscal year: month 1 is October
    start: date
    end: date
    received: int
    completed: int

    @property
    def in_progress(self) -> int:
        return self.received - self.completed


@dataclass(frozen=True)
class Cell:
    """One cell of a breakdown; ``hidden`` when it is suppressed (its count is then not shown)."""

    code: str
    count: int = field(repr=False)
    hidden: bool

    def shown(self, threshold: int) -> str:
        """The cell as published: the count, or ``<threshold`` when hidden."""
        return f"<{threshold}" if self.hidden else str(self.count)


@dataclass(frozen=True)
class Breakdown:
    """A breakdown of the year's cases by one code; its total is the number of coded cases."""

    name: str
    cells: tuple[Cell, ...]
    total: int


@dataclass(frozen=True)
class Duration:
    """Days from receipt to an event: how many cases, median and 90th percentile (nearest rank)."""

    count: int
    median: int | None
    p90: int | None


@dataclass(frozen=True)
class ClockShare:
    """How one kind of deadline ended in the year's cases: met, missed, excused."""

    clock: str
    met: int
    missed: int
    excused: int

    @property
    def share_met(self) -> float | None:
        decided = self.met + self.missed
        return None if decided == 0 else self.met / decided


@dataclass(frozen=True)
class Figures:
    """Everything published or exported about one fiscal year."""

    fiscal_year: int
    counted_on: date
    rule: CountingRule
    periods: dict[str, tuple[Period, ...]]
    total: Period
    breakdowns: dict[str, Breakdown]
    acknowledge: Duration
    conclude: Duration
    clocks: tuple[ClockShare, ...]
    criminal_referrals: int
    suppressed: bool

    @property
    def empty(self) -> bool:
        return self.total.received == 0


def fiscal_years(db: Session, today: date) -> list[int]:
    """The fiscal years there is anything to show for: the first case's to this one, newest first."""
    current = fiscal_year_of(today)
    first = db.scalar(select(func.min(Case.fiscal_year))) or current
    return list(range(current, min(first, current) - 1, -1))


def compute(
    db: Session,
    fiscal_year: int,
    today: date,
    rule: CountingRule,
    codes: dict[str, tuple[str, ...]],
    suppress: bool = True,
    months: int = 12,
) -> Figures:
    """The fiscal year's figures as counted on ``today``; ``codes`` lists each breakdown's known
    codes (its zero cells); ``suppress=False`` only for a key-holding lead; ``months=6`` counts
    the first half only (the six-month report)."""
    first, _last = fiscal_year_bounds(fiscal_year)
    last = date.fromordinal(_month_start(first, months + 1).toordinal() - 1)
    counted_on = min(today, last)
    scope = _scope(fiscal_year, last, months < 12)
    dialect = db.get_bind().dialect.name
    month_counts = _month_counts(db, scope, dialect, rule, counted_on)
    periods = {kind: tuple(_periods(kind, first, month_counts, rule, counted_on)) for kind in PERIOD_KINDS}
    whole = _sum_periods("year", 1, first, last, month_counts, rule, counted_on)
    coded = _coded_counts(db, scope)
    acknowledge, conclude = _durations(db, scope, dialect, rule.threshold, suppress)
    breakdowns = {
        name: _breakdown(
            name, _with_zeros(codes.get(name, ()), coded.get(name, Counter())), rule.threshold, suppress
        )
        for name in BREAKDOWNS
    }
    return Figures(
        fiscal_year=fiscal_year,
        counted_on=counted_on,
        rule=rule,
        periods=periods,
        total=whole,
        breakdowns=breakdowns,
        acknowledge=acknowledge,
        conclude=conclude,
        clocks=_clock_shares(db, fiscal_year, last),
        criminal_referrals=sum(coded.get("criminal_referral", Counter()).values()),
        suppressed=suppress,
    )


# --- the ITA totals -----------------------------------------------------------------------------


def _scope(fiscal_year: int, last_day: date, partial: bool) -> tuple[ColumnElement[bool], ...]:
    """The cases counted: the fiscal year's, received up to ``last_day`` when only part of the
    year is counted (the whole year needs no date test, so every scan stays inside one index)."""
    if partial:
        return (Case.fiscal_year == fiscal_year, Case.submitted_on <= last_day)
    return (Case.fiscal_year == fiscal_year,)


# (fiscal month 1–12, closed month key YYYYMM or None, completed?) -> cases
MonthCounts = dict[tuple[int, int | None, bool], int]


def _month_key(day: Any, dialect: str) -> ColumnElement[Any]:
    """A date's month as text, ``YYYY-MM``: cheap in SQL (SQLite keeps dates as ISO text)."""
    if dialect == "sqlite":
        return func.substr(day, 1, 7)
    return func.to_char(day, "YYYY-MM")


def _month_counts(
    db: Session, scope: tuple[ColumnElement[bool], ...], dialect: str, rule: CountingRule, counted_on: date
) -> MonthCounts:
    """One index-only scan: cases by month received, status and month closed."""
    received, closed = _month_key(Case.submitted_on, dialect), _month_key(Case.closed_on, dialect)
    rows = db.execute(
        select(received, Case.status, closed, func.count())
        .where(*scope, or_(Case.closed_on.is_(None), Case.closed_on <= counted_on))
        .group_by(received, Case.status, closed)
    )
    counts: MonthCounts = {}
    late = db.execute(
        select(received, func.count()).where(*scope, Case.closed_on > counted_on).group_by(received)
    )
    for month_text, number in late:  # closed after the counting day: received, still in progress
        late_key: tuple[int, int | None, bool] = (_fiscal_month_of(str(month_text)), None, False)
        counts[late_key] = counts.get(late_key, 0) + int(number)
    for month_text, status, closed_text, number in rows:
        done = status in rule.completed_statuses and closed_text is not None
        closed_key = int(str(closed_text).replace("-", "")) if done else None
        key = (_fiscal_month_of(str(month_text)), closed_key, done)
        counts[key] = counts.get(key, 0) + int(number)
    return counts


def _fiscal_month_of(month_text: str) -> int:
    """``2025-10`` → 1 … ``2026-09`` → 12."""
    month = int(month_text[5:7])
    return month - 9 if month >= 10 else month + 3


def _month_start(first: date, month_index: int) -> date:
    year, month = divmod(first.month - 1 + month_index - 1, 12)
    return date(first.year + year, month + 1, 1)


def _periods(kind: str, first: date, months: MonthCounts, rule: CountingRule, on: date) -> Iterable[Period]:
    size = {"month": 1, "quarter": 3, "half": 6}[kind]
    for index in range(1, 12 // size + 1):
        start = _month_start(first, (index - 1) * size + 1)
        following = _month_start(first, index * size + 1)
        end = date.fromordinal(following.toordinal() - 1)
        yield _sum_periods(
            kind, index, start, end, months, rule, on, range((index - 1) * size + 1, index * size + 1)
        )


def _sum_periods(
    kind: str,
    index: int,
    start: date,
    end: date,
    months: MonthCounts,
    rule: CountingRule,
    on: date,
    included: range = range(1, 13),
) -> Period:
    """Received in the months of the period; completed as at ``on`` (or the period's end)."""
    as_at = min(end, on) if rule.as_at == AS_AT_PERIOD_END else on
    limit = as_at.year * 100 + as_at.month
    received = completed = 0
    for (month, closed, done), number in months.items():
        if month not in included:
            continue
        received += number
        if done and closed is not None and closed <= limit:
            completed += number
    return Period(kind=kind, index=index, start=start, end=end, received=received, completed=completed)


# --- breakdowns and their suppression ------------------------------------------------------------


def _coded_counts(db: Session, scope: tuple[ColumnElement[bool], ...]) -> dict[str, Counter[str]]:
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
        rows = db.execute(select(*columns.values(), func.count()).where(*scope).group_by(*columns.values()))
        for *codes, number in rows:
            for name, code in zip(columns, codes, strict=True):
                if code is None or code is False or code == 0:
                    continue
                found.setdefault(name, Counter())[str(code)] += int(number)
    return found


def _with_zeros(known: Iterable[str], counted: Counter[str]) -> Counter[str]:
    cells: Counter[str] = Counter(dict.fromkeys(known, 0))
    cells.update(counted)
    return cells


def _breakdown(name: str, counts: Counter[str], threshold: int, suppress: bool) -> Breakdown:
    """Every known code of the breakdown is a cell, zeros included (see :func:`suppress_cells`)."""
    hidden = suppress_cells(dict(counts), threshold) if suppress else dict.fromkeys(counts, False)
    cells = tuple(Cell(code, number, hidden[code]) for code, number in sorted(counts.items()))
    return Breakdown(name=name, cells=cells, total=sum(counts.values()))


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


def _durations(
    db: Session, scope: tuple[ColumnElement[bool], ...], dialect: str, threshold: int, suppress: bool
) -> tuple[Duration, Duration]:
    """Days from receipt to acknowledgement and to closure, in one scan of the dates index."""
    acknowledged = _days_between(Case.acknowledged_on, Case.submitted_on, dialect)
    closed = _days_between(Case.closed_on, Case.submitted_on, dialect)
    rows = db.execute(
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
    return _duration(to_acknowledge, threshold, suppress), _duration(to_close, threshold, suppress)


def _duration(histogram: Counter[int], threshold: int, suppress: bool) -> Duration:
    count = sum(histogram.values())
    if suppress and count < threshold:
        return Duration(count=count, median=None, p90=None)
    return Duration(count=count, median=nearest_rank(histogram, 0.5), p90=nearest_rank(histogram, 0.9))


def _clock_shares(db: Session, fiscal_year: int, last_day: date) -> tuple[ClockShare, ...]:
    """How the year's deadlines ended, from the clocks' own fiscal year (no join: one index)."""
    rows = db.execute(
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
