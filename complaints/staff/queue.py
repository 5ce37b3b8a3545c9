"""The triage queue: plaintext metadata only, filtered, ordered and paginated in SQL.

Nothing here decrypts. Cases a user is excluded from (subject, declared conflict) never appear
in the rows or the counts.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session

from complaints.clocks import DeadlineState, DeadlineWindow, deadline_state
from complaints.models import (
    Case,
    CaseCounter,
    CaseExclusion,
    CaseReference,
    CaseStatusCount,
    Message,
    StaffUser,
)
from complaints.numbers import whole_number
from complaints.procedure import COMPLETED_STATUSES, OPEN_STATUSES, Status, public_status
from complaints.references import reference_digest
from complaints.staff import queue_keyset
from complaints.staff.queue_search import normalise_case_number, search_words

PAGE_SIZE = 25
STATUS_GROUPS = {
    "open": frozenset(OPEN_STATUSES),
    "closed": frozenset(COMPLETED_STATUSES),
    "all": frozenset(Status),
}
DEADLINE_FILTERS = (DeadlineState.OVERDUE, DeadlineState.DUE_SOON, DeadlineState.ON_TIME)
SORTS = ("urgent", "newest")
# A cursor is a date and a case id (queue_keyset); anything longer is not one.
CURSOR_MAX = 40
# Exclusions per person are a handful; beyond this a NOT EXISTS subquery is used instead of a list.
EXCLUSION_LIST_MAX = 500


@dataclass(frozen=True)
class QueueFilters:
    """What the officer asked to see; every value has already been checked."""

    status: str = "open"
    category: str = ""
    department: str = ""
    deadline: str = ""
    fiscal_year: int | None = None
    mine: bool = False
    number: str = ""
    # An order or letter number typed in the search box; found by its keyed hash, never stored.
    reference: str = ""
    # What was typed in the search box, as typed (shown back in it, kept in links).
    searched: str = ""
    sort: str = "urgent"
    page: int = 1
    # Keyset page links (queue_keyset): the page after or before a listed case, or the last page.
    after: str = ""
    before: str = ""
    last: bool = False

    def statuses(self) -> frozenset[str]:
        """The statuses the status filter covers."""
        group = STATUS_GROUPS.get(self.status)
        return group if group is not None else frozenset({self.status})

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """URL parameters for this view with some values changed (links keep the other filters;
        a page cursor only when given: a link to another filter starts at its first page)."""
        cursor = {name: changes.pop(name) for name in ("after", "before", "last") if name in changes}
        merged = replace(self, **changes)
        args: dict[str, Any] = {
            "status": merged.status,
            "category": merged.category,
            "department": merged.department,
            "deadline": merged.deadline,
            "fy": merged.fiscal_year or "",
            "mine": "1" if merged.mine else "",
            "number": merged.searched,
            "sort": merged.sort,
            "page": merged.page,
        }
        if merged.page == 1:
            del args["page"]
        args.update({name: "1" if value is True else value for name, value in cursor.items()})
        return {name: value for name, value in args.items() if value not in ("", None, False)}


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue."""

    number: str
    category: str
    department: str
    channel: str
    status: str
    public_status: str
    submitted_on: date
    days_open: int
    next_deadline_on: date | None
    next_deadline_kind: str | None
    deadline_state: DeadlineState
    assignee: str | None
    unread_messages: int


@dataclass(frozen=True)
class QueuePage:
    """A page of the queue, the per-status counts and where the page sits."""

    rows: list[QueueRow]
    counts: dict[str, int]
    total: int
    page: int
    pages: int
    filters: QueueFilters
    # The cursors of the pager's "previous" and "next" links ('' when there is no such page).
    previous_cursor: str = ""
    next_cursor: str = ""
    # The page link followed was forged or out of date: the first page is shown instead.
    stale_link: bool = False
    # The person's excluded cases as read for this page (the notices above it reuse the list).
    excluded: tuple[int, ...] = ()

    def count_of(self, group: str) -> int:
        """Cases in a status or status group, under the other filters."""
        statuses = STATUS_GROUPS.get(group, frozenset({group}))
        return sum(self.counts.get(status, 0) for status in statuses)


def _one_of(value: str | None, allowed: Collection[str]) -> str:
    return value if isinstance(value, str) and value in allowed else ""


def _int_in(value: str | None, low: int, high: int) -> int | None:
    number = whole_number(value, max_digits=7)
    return number if number is not None and low <= number <= high else None


def parse_filters(args: Mapping[str, str], categories: list[str], departments: list[str]) -> QueueFilters:
    """Filters from URL parameters; anything unknown or malformed falls back to the default.

    A search (a case, order or letter number) looks through every case the person may see,
    whatever the other filters say: a number names one case, and a filter left set from before
    would otherwise hide it and answer "not found".
    """
    typed = search_words(args.get("number"))
    sort = _one_of(args.get("sort"), SORTS) or "urgent"
    page = _int_in(args.get("page"), 1, 1_000_000) or 1
    position: dict[str, Any] = {
        "page": page,
        "after": (args.get("after") or "")[:CURSOR_MAX],
        "before": (args.get("before") or "")[:CURSOR_MAX],
        "last": args.get("last", "") == "1",
    }
    if typed:
        # Digits only may also be a letter number: both are looked for.
        number = normalise_case_number(typed)
        reference = typed if not number or typed.isdigit() else ""
        return QueueFilters(
            status="all", number=number, reference=reference, searched=typed, sort=sort, **position
        )
    statuses = set(STATUS_GROUPS) | {status.value for status in Status}
    return QueueFilters(
        status=_one_of(args.get("status"), statuses) or "open",
        category=_one_of(args.get("category"), categories),
        department=_one_of(args.get("department"), departments),
        deadline=_one_of(args.get("deadline"), {state.value for state in DEADLINE_FILTERS}),
        fiscal_year=_int_in(args.get("fy"), 2400, 2800),
        mine=args.get("mine", "") in ("1", "y", "on", "true"),
        sort=sort,
        **position,
    )


def excluded_case_ids(db: Session, user_id: int) -> list[int]:
    """The cases this person must never see (indexed by user)."""
    return list(
        db.scalars(
            select(CaseExclusion.case_id)
            .where(CaseExclusion.user_id == user_id)
            .limit(EXCLUSION_LIST_MAX + 1)
        ).all()
    )


def visible_to(user_id: int, excluded: list[int]) -> list[ColumnElement[bool]]:
    """The condition that hides excluded cases (none when the person has no exclusions)."""
    if not excluded:
        return []
    if len(excluded) <= EXCLUSION_LIST_MAX:
        return [Case.id.not_in(excluded)]
    return [
        ~select(CaseExclusion.case_id)
        .where(CaseExclusion.case_id == Case.id, CaseExclusion.user_id == user_id)
        .exists()
    ]


def _deadline_condition(state: str, today: date, due_soon_days: int) -> list[ColumnElement[bool]]:
    """The SQL form of :class:`procedure.DeadlineWindow` (the same bounds as the marks shown)."""
    if state not in {filter_state.value for filter_state in DEADLINE_FILTERS}:
        return []
    first, last = DeadlineWindow(today, due_soon_days).bounds(DeadlineState(state))
    conditions: list[ColumnElement[bool]] = []
    if first is not None:
        conditions.append(Case.next_deadline_on >= first)
    if last is not None:
        conditions.append(Case.next_deadline_on <= last)
    return conditions


def cases_with_reference(db: Session, reference: str, reference_keys: Sequence[bytes]) -> list[int]:
    """The cases an order or letter number was recorded for (by its keyed hash under the current
    and every retired data-secret version's key; a handful)."""
    if not reference or not reference_keys:
        return []
    digests = [reference_digest(reference, key) for key in reference_keys]
    return list(
        db.scalars(
            select(CaseReference.case_id).where(CaseReference.digest.in_(digests)).distinct().limit(100)
        )
    )


def _conditions(
    filters: QueueFilters, user_id: int, today: date, due_soon_days: int, referenced: list[int]
) -> list[ColumnElement[bool]]:
    """Every filter except the status one (the counts are per status) and the exclusions.

    A search matches the case number or the cases ``referenced`` by the number typed: both are
    index look-ups (a subquery inside the OR would make PostgreSQL read every case)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.category:
        conditions.append(Case.category == filters.category)
    if filters.department:
        conditions.append(Case.department == filters.department)
    if filters.fiscal_year is not None:
        conditions.append(Case.fiscal_year == filters.fiscal_year)
    if filters.mine:
        conditions.append(Case.assigned_to_id == user_id)
    matches: list[ColumnElement[bool]] = []
    if filters.number:
        matches.append(Case.number == filters.number)
    if referenced:
        matches.append(Case.id.in_(referenced))
    if matches:
        conditions.append(or_(*matches))
    elif filters.reference:
        conditions.append(false())  # a number nobody recorded: nothing matches
    conditions += _deadline_condition(filters.deadline, today, due_soon_days)
    return conditions


def _count_by_status(db: Session, conditions: list[ColumnElement[bool]]) -> dict[str, int]:
    """Cases per status under the conditions; with none, the dozen rows the triggers keep."""
    if not conditions:
        kept = select(CaseStatusCount.status, CaseStatusCount.cases)
        return {status: int(count) for status, count in db.execute(kept).all()}
    query = select(Case.status, func.count()).where(*conditions).group_by(Case.status)
    return {status: int(count) for status, count in db.execute(query).all()}


def status_counts(
    db: Session, conditions: list[ColumnElement[bool]], user_id: int, excluded: list[int]
) -> dict[str, int]:
    """Cases per status under the conditions, leaving out the person's excluded cases.

    Everything is counted from an index, then the handful of excluded cases is subtracted:
    a filter on ``id`` would force PostgreSQL to read every table row instead.
    """
    if len(excluded) > EXCLUSION_LIST_MAX:
        return _count_by_status(db, conditions + visible_to(user_id, excluded))
    counts = _count_by_status(db, conditions)
    if excluded:
        for status, hidden in _count_by_status(db, [*conditions, Case.id.in_(excluded)]).items():
            counts[status] -= hidden
    return {status: count for status, count in counts.items() if count > 0}


def _page_query(conditions: list[ColumnElement[bool]]) -> Select[*tuple[Any, ...]]:
    """The listed columns under the conditions; queue_keyset orders and bounds it."""
    return (
        select(
            Case.id,
            Case.number,
            Case.category,
            Case.department,
            Case.channel,
            Case.status,
            Case.submitted_on,
            Case.closed_on,
            Case.next_deadline_on,
            Case.next_deadline_kind,
            StaffUser.username,
            StaffUser.display_name,
        )
        .outerjoin(StaffUser, StaffUser.id == Case.assigned_to_id)
        .where(*conditions)
    )


def unread_reporter_messages(db: Session, case_ids: list[int]) -> dict[int, int]:
    """Reporter messages no one in the legal unit has opened yet, per case."""
    if not case_ids:
        return {}
    query = (
        select(Message.case_id, func.count())
        .where(Message.case_id.in_(case_ids), Message.author == "reporter", Message.read_by_staff.is_(False))
        .group_by(Message.case_id)
    )
    return {case_id: int(count) for case_id, count in db.execute(query).all()}


def triage_queue(
    db: Session,
    user_id: int,
    filters: QueueFilters,
    today: date,
    due_soon_days: int,
    page_size: int = PAGE_SIZE,
    reference_keys: Sequence[bytes] = (),
) -> QueuePage:
    """The page of cases this person may see, most urgent (or newest) first."""
    excluded = excluded_case_ids(db, user_id)
    referenced = cases_with_reference(db, filters.reference, reference_keys)
    conditions = _conditions(filters, user_id, today, due_soon_days, referenced)
    counts = status_counts(db, conditions, user_id, excluded)
    total = sum(counts.get(status, 0) for status in filters.statuses())
    query = _page_query(conditions + visible_to(user_id, excluded))
    position = (filters.after, filters.before, filters.last, filters.page)
    statuses = filters.statuses()
    listing = queue_keyset.Listing(
        query,
        filters.sort,
        statuses <= OPEN_STATUSES,
        not statuses & OPEN_STATUSES,
        total,
        statuses=() if filters.status == "all" else tuple(sorted(statuses)),
    )
    window = queue_keyset.choose_page(db, listing, position, total, page_size)
    unread = unread_reporter_messages(db, [row.id for row in window.rows])
    rows = [_queue_row(row, today, due_soon_days, unread.get(row.id, 0)) for row in window.rows]
    ends = (window.rows[0], window.rows[-1]) if window.rows else None
    return QueuePage(
        rows=rows,
        counts=counts,
        total=total,
        page=window.page,
        pages=max(1, -(-total // page_size)),
        filters=replace(filters, page=window.page, after="", before="", last=False),
        previous_cursor=queue_keyset.cursor_of(ends[0], filters.sort) if ends and window.has_previous else "",
        next_cursor=queue_keyset.cursor_of(ends[1], filters.sort) if ends and window.has_next else "",
        stale_link=window.stale,
        excluded=tuple(excluded),
    )


def _queue_row(row: Any, today: date, due_soon_days: int, unread: int) -> QueueRow:
    return QueueRow(
        number=row.number,
        category=row.category,
        department=row.department,
        channel=row.channel,
        status=row.status,
        public_status=public_status(row.status).value,
        submitted_on=row.submitted_on,
        days_open=((row.closed_on or today) - row.submitted_on).days,
        next_deadline_on=row.next_deadline_on,
        next_deadline_kind=row.next_deadline_kind,
        deadline_state=deadline_state(row.next_deadline_on, today, due_soon_days),
        assignee=(row.display_name or row.username) if row.username else None,
        unread_messages=unread,
    )


def fiscal_years(db: Session) -> list[int]:
    """Fiscal years that have cases, newest first (from the tiny counter table)."""
    return list(db.scalars(select(CaseCounter.fiscal_year).order_by(CaseCounter.fiscal_year.desc())).all())
