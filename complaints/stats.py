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

from collections import Counter
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from complaints import procedure
from complaints import stats_queries as queries
from complaints.dates import fiscal_year_bounds, fiscal_year_of
from complaints.models import Case
from complaints.numbers import whole_number
from complaints.stats_model import (
    AS_AT_PERIOD_END,
    AS_AT_TODAY,
    Breakdown,
    Cell,
    ClockShare,
    CountingRule,
    Duration,
    Figures,
    MonthCounts,
    Period,
)
from complaints.stats_queries import nearest_rank
from complaints.suppression import suppress_cells

__all__ = [
    "AS_AT_PERIOD_END",
    "AS_AT_TODAY",
    "BREAKDOWNS",
    "PERIOD_KINDS",
    "Breakdown",
    "Cell",
    "ClockShare",
    "CountingRule",
    "Duration",
    "Figures",
    "Period",
    "chosen_year",
    "compute",
    "fiscal_years",
    "known_codes",
    "nearest_rank",
    "suppress_cells",
]

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


def chosen_year(choices: list[int], asked: str) -> int:
    """The fiscal year a page was asked for (ASCII digits), if there is anything for it; else the newest."""
    year = whole_number(asked)
    return year if year in choices else choices[0]


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
    scope = queries.scope(fiscal_year, last, months < 12)
    dialect = db.get_bind().dialect.name
    month_counts, coded, (acknowledge, conclude), clocks = queries.side_by_side(
        db.get_bind().engine,
        lambda read: queries.durations(read, scope, dialect, rule.threshold, suppress),
        lambda read: queries.month_counts(read, scope, rule, counted_on),
        lambda read: queries.coded_counts(read, scope),
        lambda read: queries.clock_shares(read, fiscal_year, last),
    )
    periods = {kind: tuple(_periods(kind, first, month_counts, rule, counted_on)) for kind in PERIOD_KINDS}
    whole = _sum_periods("year", 1, first, last, month_counts, rule, counted_on)
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
        clocks=clocks,
        criminal_referrals=sum(coded.get("criminal_referral", Counter()).values()),
        suppressed=suppress,
    )


# --- the ITA totals -----------------------------------------------------------------------------


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


def _with_zeros(known: Iterable[str], counted: Counter[str]) -> Counter[str]:
    cells: Counter[str] = Counter(dict.fromkeys(known, 0))
    cells.update(counted)
    return cells


def _breakdown(name: str, counts: Counter[str], threshold: int, suppress: bool) -> Breakdown:
    """Every known code of the breakdown is a cell, zeros included (see :func:`suppress_cells`)."""
    hidden = suppress_cells(dict(counts), threshold) if suppress else dict.fromkeys(counts, False)
    cells = tuple(Cell(code, number, hidden[code]) for code, number in sorted(counts.items()))
    return Breakdown(name=name, cells=cells, total=sum(counts.values()))
