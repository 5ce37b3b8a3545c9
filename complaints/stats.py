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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Integer, and_, case, cast, extract, func, select
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
    month_counts = _month_counts(db, fiscal_year, last, rule, counted_on)
    periods = {kind: tuple(_periods(kind, first, month_counts, rule, counted_on)) for kind in PERIOD_KINDS}
    whole = _sum_periods("year", 1, first, last, month_counts, rule, counted_on)
    coded = _coded_counts(db, fiscal_year, last)
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
        acknowledge=_duration(db, fiscal_year, last, Case.acknowledged_on, rule.threshold, suppress),
        conclude=_duration(db, fiscal_year, last, Case.closed_on, rule.threshold, suppress),
        clocks=_clock_shares(db, fiscal_year, last),
        criminal_referrals=sum(coded.get("criminal_referral", Counter()).values()),
        suppressed=suppress,
    )


# --- the ITA totals -----------------------------------------------------------------------------


def _scope(fiscal_year: int, last_day: date) -> tuple[ColumnElement[bool], ...]:
    """The cases counted: the fiscal year's, received up to ``last_day`` (its end, or March's)."""
    return (Case.fiscal_year == fiscal_year, Case.submitted_on <= last_day)


# (fiscal month 1–12, closed month key or None, completed status?) -> cases
MonthCounts = dict[tuple[int, int | None, bool], int]


def _fiscal_month(month: Any) -> ColumnElement[Any]:
    """October → 1 … September → 12, computed in SQL from a date's month."""
    return case((month >= 10, month - 9), else_=month + 3)


def _month_counts(
    db: Session, fiscal_year: int, last_day: date, rule: CountingRule, counted_on: date
) -> MonthCounts:
    received = _fiscal_month(extract("month", Case.submitted_on))
    closed_key = extract("year", Case.closed_on) * 100 + extract("month", Case.closed_on)
    is_completed = and_(
        Case.status.in_(sorted(rule.completed_statuses)),
        Case.closed_on.is_not(None),
        Case.closed_on <= counted_on,
    )
    completed = case((is_completed, 1), else_=0)
    rows = db.execute(
        select(received, case((is_completed, closed_key), else_=None), completed, func.count())
        .where(*_scope(fiscal_year, last_day))
        .group_by(received, case((is_completed, closed_key), else_=None), completed)
    )
    counts: MonthCounts = {}
    for month, closed, done, number in rows:
        key = (int(month), None if closed is None else int(closed), bool(done))
        counts[key] = counts.get(key, 0) + int(number)
    return counts


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


def _coded_counts(db: Session, fiscal_year: int, last_day: date) -> dict[str, Counter[str]]:
    """Per breakdown, cases by code: two grouped scans (intake codes; procedure codes)."""
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
            "criminal_referral": cast(Case.criminal_referral, Integer),
        },
    )
    for columns in groups:
        rows = db.execute(
            select(*columns.values(), func.count())
            .where(*_scope(fiscal_year, last_day))
            .group_by(*columns.values())
        )
        for *codes, number in rows:
            for name, code in zip(columns, codes, strict=True):
                if code is None or code == 0:
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


def nearest_rank(histogram: dict[int, int], share: float) -> int | None:
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


def _duration(
    db: Session, fiscal_year: int, last_day: date, event: Any, threshold: int, suppress: bool
) -> Duration:
    days = _days_between(event, Case.submitted_on, db.get_bind().dialect.name)
    rows = db.execute(
        select(days, func.count()).where(*_scope(fiscal_year, last_day), event.is_not(None)).group_by(days)
    )
    histogram = {int(value): int(number) for value, number in rows}
    count = sum(histogram.values())
    if suppress and count < threshold:
        return Duration(count=count, median=None, p90=None)
    return Duration(count=count, median=nearest_rank(histogram, 0.5), p90=nearest_rank(histogram, 0.9))


def _clock_shares(db: Session, fiscal_year: int, last_day: date) -> tuple[ClockShare, ...]:
    rows = db.execute(
        select(CaseClock.clock, CaseClock.state, func.count())
        .join(Case, Case.id == CaseClock.case_id)
        .where(*_scope(fiscal_year, last_day), CaseClock.state != "running")
        .group_by(CaseClock.clock, CaseClock.state)
    )
    by_clock: dict[str, Counter[str]] = {}
    for clock, state, number in rows:
        by_clock.setdefault(str(clock), Counter())[str(state)] += int(number)
    return tuple(
        ClockShare(clock=clock, met=states["met"], missed=states["missed"], excused=states["excused"])
        for clock, states in sorted(by_clock.items())
    )
