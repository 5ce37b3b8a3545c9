"""What the statistics are made of: the counting rule and the figures every output prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

AS_AT_TODAY = "today"
AS_AT_PERIOD_END = "period_end"
# (fiscal month 1–12, closed month key YYYYMM or None, completed?) -> cases
MonthCounts = dict[tuple[int, int | None, bool], int]


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
