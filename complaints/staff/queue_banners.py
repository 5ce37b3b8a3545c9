"""The notices at the top of the queue: reports about an executive still to be routed outside,
and reported retaliation still to be referred to the NACC. Case numbers only, nothing decrypted,
and never a case the person is excluded from."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from complaints.models import Case, CaseClock
from complaints.procedure import Status
from complaints.staff.queue import EXCLUSION_LIST_MAX, excluded_case_ids, visible_to


def _visible_numbers(
    db: Session, query: Select[int, str], user_id: int, excluded: list[int] | None, limit: int
) -> list[str]:
    """The first ``limit`` case numbers of ``query`` the person may see.

    The handful of excluded cases is dropped here rather than in SQL: an ``id NOT IN (...)`` next
    to ``ORDER BY id`` makes SQLite walk the whole table by id instead of the small index range."""
    hidden = excluded_case_ids(db, user_id) if excluded is None else excluded
    if len(hidden) > EXCLUSION_LIST_MAX:
        return [number for _id, number in db.execute(query.where(*visible_to(user_id, hidden)).limit(limit))]
    skip = set(hidden)
    rows = db.execute(query.limit(limit + len(skip))).all()
    return [number for case_id, number in rows if case_id not in skip][:limit]


def to_route_outside(
    db: Session, user_id: int, limit: int = 20, excluded: list[int] | None = None
) -> list[str]:
    """Numbers of reports about an executive not yet routed outside, oldest first (indexed)."""
    query = (
        select(Case.id, Case.number)
        .where(
            Case.routed_outside.is_(True),
            Case.status.in_([Status.RECEIVED.value, Status.SCREENING.value]),
        )
        # ``id + 0``: the few matching rows are found by ix_cases_routed_status and sorted; ordering
        # by the bare id lets SQLite walk the whole table by id hoping to meet 20 of them early.
        .order_by(Case.id + 0)
    )
    return _visible_numbers(db, query, user_id, excluded, limit)


def retaliation_to_refer(
    db: Session, user_id: int, limit: int = 20, excluded: list[int] | None = None
) -> list[str]:
    """Numbers of cases whose reporter reported retaliation not yet referred to the NACC (urgent)."""
    query = (
        select(Case.id, Case.number)
        .join(CaseClock, CaseClock.case_id == Case.id)
        .where(CaseClock.state == "running", CaseClock.clock == "retaliation_referral")
        .order_by(CaseClock.due_on, Case.id)
    )
    return _visible_numbers(db, query, user_id, excluded, limit)
