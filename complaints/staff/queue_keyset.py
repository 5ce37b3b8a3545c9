"""Keyset pages of the triage queue: a page starts after (or ends before) the sort key of a case
the person saw, so page 100 costs what page 1 costs (OFFSET would read every row before it).

A sort is a list of segments, each one an index range read in order: "most urgent first" is the
cases with a deadline by (deadline, id), then those without one by id; "newest first" is every
case by id, downwards. A cursor names a segment and the key of one case in it, as plain text in
the URL (``d2570-01-05.812``, ``n812``, ``i812``): it shows nothing the page did not, and one that
was tampered with can only start the same person's list elsewhere (the filters and exclusions
still apply), or is refused and the first page shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, nulls_last, text, tuple_
from sqlalchemy.orm import Session

from complaints.models import Case

CASE_ID_MAX = 2**31 - 1
# From this many cases listed, PostgreSQL reads a page by walking the index in order (see below).
WALK_MIN = 2_000
_CURSOR = re.compile(r"^(?:d(\d{4}-\d{2}-\d{2})\.|([ni]))(\d{1,12})$")


@dataclass(frozen=True)
class Segment:
    """One index range of a sort: the cases it holds, in the order of its key."""

    tag: str
    condition: tuple[ColumnElement[bool], ...]
    keys: tuple[Any, ...]
    descending: bool


@dataclass(frozen=True)
class Cursor:
    """The sort key of one case: which segment, and the key's values in it."""

    tag: str
    deadline: date | None
    case_id: int


def segments(sort: str) -> list[Segment]:
    """The segments of a sort, in the order the queue shows them."""
    if sort == "newest":
        return [Segment("i", (), (Case.id,), descending=True)]
    return [
        Segment(
            "d", (Case.next_deadline_on.is_not(None),), (Case.next_deadline_on, Case.id), descending=False
        ),
        Segment("n", (Case.next_deadline_on.is_(None),), (Case.id,), descending=False),
    ]


def parse_cursor(text: str | None, sort: str) -> Cursor | None:
    """A cursor of this sort from the URL, or None for anything else (forged, another sort's)."""
    found = _CURSOR.match(text or "")
    if found is None:
        return None
    day, tag, case_id = found.groups()
    tag = tag or "d"
    # Case ids are 32-bit integers on PostgreSQL: a larger one is forged, and would be refused
    # by the database itself ("integer out of range").
    if tag not in {segment.tag for segment in segments(sort)} or int(case_id) > CASE_ID_MAX:
        return None
    try:
        deadline = date.fromisoformat(day) if day else None
    except ValueError:
        return None
    return Cursor(tag, deadline, int(case_id))


def cursor_of(row: Any, sort: str) -> str:
    """The cursor text of a listed row (its segment and key)."""
    if sort == "newest":
        return f"i{row.id}"
    if row.next_deadline_on is None:
        return f"n{row.id}"
    return f"d{row.next_deadline_on.isoformat()}.{row.id}"


def _values(cursor: Cursor) -> tuple[Any, ...]:
    return (cursor.deadline, cursor.case_id) if cursor.tag == "d" else (cursor.case_id,)


def _keys(segment: Segment, sparse: bool) -> tuple[Any, ...]:
    # ``id + 0`` is still the id and ``coalesce(day, day)`` the day, but no index orders them: the
    # planner then reads the filter's index range and sorts the few rows, instead of walking the
    # (deadline, id) index through every open case to find the few closed ones with a deadline
    # (16 ms at 100 000 cases for "status: completed", which has none).
    if not sparse:
        return segment.keys
    if segment.tag == "d":
        return (func.coalesce(Case.next_deadline_on, Case.next_deadline_on), Case.id + 0)
    return (Case.id + 0,)


def _beyond(segment: Segment, cursor: Cursor, forward: bool, sparse: bool) -> ColumnElement[bool]:
    """Rows of the segment past the cursor in the direction read."""
    keys, values = _keys(segment, sparse), _values(cursor)
    left: Any = keys[0] if len(keys) == 1 else tuple_(*keys)
    right: Any = values[0] if len(values) == 1 else tuple_(*values)
    return left > right if forward != segment.descending else left < right  # type: ignore[no-any-return]


def _ordered(segment: Segment, forward: bool, sparse: bool) -> list[Any]:
    ascending = forward != segment.descending
    return [key.asc() if ascending else key.desc() for key in _keys(segment, sparse)]


@dataclass(frozen=True)
class Listing:
    """What a page is read from: the filtered query, its sort, and whether the cases without a
    deadline are few under it (only open statuses listed: open cases nearly all carry one, so
    walking every deadline-less case by id to find them would read the closed ones too, 86 000
    of 100 000, while the status index finds them at once)."""

    query: Select[Any]
    sort: str
    undated_few: bool = False
    # Only closed statuses listed: the cases with a deadline are few (closing clears it).
    dated_few: bool = False
    # The cases the listing holds (from the counts): a long list is walked in index order.
    total: int = 0
    # The statuses listed (none: every status).
    statuses: tuple[str, ...] = ()

    def status_condition(self, walk: bool) -> list[ColumnElement[bool]]:
        """The status filter; for a walk in id order, written so that no index serves it: SQLite
        would otherwise read a status's index range (28 000 concluded cases) and sort it by id,
        where walking by id finds a long list's page within a few hundred rows."""
        if not self.statuses:
            return []
        status: Any = Case.status.concat("") if walk else Case.status
        return [status.in_(self.statuses)]


def read(db: Session, listing: Listing, cursor: Cursor | None, forward: bool, limit: int) -> list[Row[Any]]:
    """Up to ``limit`` rows from the cursor on (or from the start / the end without one), in the
    direction read: forward in the queue's order, backward in reverse. One query per segment
    reached, each an index range that stops at the limit."""
    query, sort = listing.query, listing.sort
    parts = segments(sort) if forward else segments(sort)[::-1]
    start = 0
    if cursor is not None:
        start = next(index for index, segment in enumerate(parts) if segment.tag == cursor.tag)
    rows: list[Row[Any]] = []
    for index, segment in enumerate(parts[start:], start):
        conditions: Sequence[ColumnElement[bool]] = segment.condition
        sparse = listing.undated_few if segment.tag == "n" else listing.dated_few and segment.tag == "d"
        if cursor is not None and index == start:
            conditions = [*conditions, _beyond(segment, cursor, forward, sparse)]
        walk = not sparse and listing.total >= WALK_MIN
        conditions = [*conditions, *listing.status_condition(walk and segment.tag != "d")]
        ordered = query.where(*conditions).order_by(*_ordered(segment, forward, sparse))
        with _ordered_walks(db, walk):
            rows += db.execute(ordered.limit(limit - len(rows))).all()
        if len(rows) >= limit:
            break
    return rows


@dataclass(frozen=True)
class Window:
    """The rows of one page and where it sits; ``stale`` when the link asked for could not be
    followed (forged, or the list changed so that nothing is left past it): the first page then."""

    rows: list[Row[Any]]
    page: int
    has_previous: bool
    has_next: bool
    stale: bool = False


def _first(db: Session, listing: Listing, size: int, stale: bool = False) -> Window:
    rows = read(db, listing, None, True, size + 1)
    return Window(rows[:size], 1, False, len(rows) > size, stale)


def _offset(db: Session, listing: Listing, page: int, size: int) -> Window:
    """A page asked for by number alone (a typed or bookmarked URL): OFFSET, in the same order."""
    query, sort = listing.query, listing.sort
    order = [Case.id.desc()] if sort == "newest" else [nulls_last(Case.next_deadline_on.asc()), Case.id.asc()]
    query = query.where(*listing.status_condition(False))
    rows = list(db.execute(query.order_by(*order).limit(size + 1).offset((page - 1) * size)).all())
    return Window(rows[:size], page, page > 1, len(rows) > size)


WALK = (
    "SELECT set_config('enable_sort', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)"
)
PLAN_AS_BEFORE = (
    "SELECT set_config('enable_sort', 'on', true), set_config('max_parallel_workers_per_gather', "
    "(SELECT reset_val FROM pg_settings WHERE name = 'max_parallel_workers_per_gather'), true)"
)


@contextmanager
def _ordered_walks(db: Session, walk: bool) -> Iterator[None]:
    """On PostgreSQL, while a long list is read: no plan that sorts, and no parallel workers.

    The planner takes status and deadline as independent, while only open cases carry a deadline,
    so it expects a seventh of the rows a page range holds and sorts them all (35 ms at page 100
    of 100 000 cases) instead of walking the index in order and stopping at the page's end. With
    thousands of cases listed that walk is always short; a short list is left to the planner, and
    so is a read that must sort (the few deadline-less open cases): a disabled sort costs 10^10,
    which would also set off PostgreSQL's JIT compiler (300 ms). That cost also makes it plan two
    parallel workers, whose start-up alone (15-20 ms) is twenty times the walk they split."""
    if not walk or db.get_bind().dialect.name != "postgresql":
        yield
        return
    db.execute(text(WALK))
    try:
        yield
    finally:
        db.execute(text(PLAN_AS_BEFORE))


def choose_page(
    db: Session, listing: Listing, position: tuple[str, str, bool, int], total: int, size: int
) -> Window:
    """The page the link asked for: after a case, before one, the last, or a page number.

    ``position`` is (after, before, last, page) from the URL; ``total`` is the count of rows the
    listing holds, which places the last page's boundary where counting from the first puts it."""
    after, before, last, page = position
    pages = max(1, -(-total // size))
    if last and total:
        rows = read(db, listing, None, False, total - (pages - 1) * size)[::-1]
        return Window(rows, pages, pages > 1, False)
    if after or before:
        cursor = parse_cursor(after or before, listing.sort)
        if cursor is None:
            return _first(db, listing, size, stale=True)
        rows = read(db, listing, cursor, bool(after), size + 1)
        more = len(rows) > size
        rows = rows[:size] if after else rows[:size][::-1]
        if not rows:
            return _first(db, listing, size, stale=True)
        if after:
            number = pages if not more else min(max(2, page), max(2, pages - 1))
            return Window(rows, number, True, more)
        if not more:  # back at the start: the first page, full, as it is read forward
            return _first(db, listing, size)
        return Window(rows, min(max(2, page), max(2, pages - 1)), True, True)
    if page > 1:
        return _offset(db, listing, min(page, pages), size)
    return _first(db, listing, size)
