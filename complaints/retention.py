"""Retention (DOMAIN C5): a concluded file is kept for its period, then destroyed the way Thai
official records are — a destruction list drawn up, approved by a committee, then carried out.

* Periods by final status are a setting (``RETENTION_YEARS``, default 10 years from the day the
  case was closed [V: to confirm with the legal unit]). Open cases are never eligible.
* A **legal hold** keeps a case whatever its age: an appeal still open, or a criminal referral
  whose outcome is not yet recorded.
* Purging destroys everything anyone wrote or sent — the report, the identity, messages, notes,
  files on disk, the procedure's details and references, every sealed key — and keeps only the
  case row's plaintext metadata and its deadline clocks, which past years' published figures are
  counted from, so those figures do not change. The audit log keeps its entries (it never held
  content). Every step is audited.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import and_, delete, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from complaints import audit, crypto, storage
from complaints.models import (
    Attachment,
    Case,
    CaseExclusion,
    CaseKey,
    CaseReference,
    DestructionList,
    InternalNote,
    Message,
    ProcedureEvent,
    ProtectionCheck,
    ProtectionRecord,
    ReporterSession,
    RevealRequest,
)

# Every table that holds something of a case beyond its metadata (its clocks stay: they are counted).
_CONTENT_TABLES = (
    CaseKey,
    Message,
    InternalNote,
    Attachment,
    ReporterSession,
    RevealRequest,
    ProcedureEvent,
    CaseReference,
    ProtectionRecord,
    ProtectionCheck,
    CaseExclusion,
)


class RetentionRefused(Exception):
    """The list cannot be approved or does not exist; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Purged:
    """What one purge did (or, in a dry run, would do)."""

    list_id: int
    numbers: tuple[str, ...]
    held: tuple[str, ...]
    files: int


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def on_hold() -> ColumnElement[bool]:
    """An appeal still open, or a criminal referral without a recorded outcome."""
    return or_(
        Case.status == "appeal", and_(Case.criminal_referral.is_(True), Case.criminal_outcome.is_(None))
    )


def _eligible(today: date, years_by_status: dict[str, int]) -> ColumnElement[bool]:
    """Closed long enough ago for its final status, not on hold, not purged yet (all in SQL)."""
    by_status = [
        and_(Case.status == status, Case.closed_on <= years_before(today, years))
        for status, years in sorted(years_by_status.items())
    ]
    return and_(or_(*by_status), Case.closed_on.is_not(None), Case.purged_on.is_(None), not_(on_hold()))


def due_cases(db: Session, today: date, years_by_status: dict[str, int]) -> list[Case]:
    """The cases whose retention period has ended, oldest closure first."""
    return list(
        db.scalars(select(Case).where(_eligible(today, years_by_status)).order_by(Case.closed_on, Case.id))
    )


def draw_list(
    db: Session, today: date, years_by_status: dict[str, int]
) -> tuple[DestructionList, list[Case]]:
    """A new destruction list of every case now due, for the committee; the caller commits."""
    due = due_cases(db, today, years_by_status)
    drawn = DestructionList(
        drawn_on=today, case_ids_json=json.dumps([case.id for case in due]), cases=len(due)
    )
    db.add(drawn)
    db.flush()
    audit.record(db, "destruction_list_drawn", audit.STAFF, None, None, f"list={drawn.id} cases={len(due)}")
    return drawn, due


def approve(db: Session, list_id: int, reference: str, now: datetime) -> DestructionList:
    """Record the committee's approval of a list (its order or minutes reference)."""
    drawn = db.get(DestructionList, list_id)
    if drawn is None:
        raise RetentionRefused("no_such_list")
    if drawn.purged_at is not None or drawn.approved_at is not None:
        raise RetentionRefused("already_done")
    drawn.approved_at, drawn.approval_reference = now, reference.strip()[:120]
    audit.record(db, "destruction_list_approved", audit.STAFF, None, None, f"list={drawn.id}")
    return drawn


def _approved_lists(db: Session) -> Sequence[DestructionList]:
    return db.scalars(
        select(DestructionList)
        .where(DestructionList.approved_at.is_not(None), DestructionList.purged_at.is_(None))
        .order_by(DestructionList.id)
    ).all()


def purge(
    db: Session, upload_dir: Path, today: date, now: datetime, years_by_status: dict[str, int], dry_run: bool
) -> list[Purged]:
    """Carry out every approved list: each case still due is destroyed; one on hold since, or
    reopened, is skipped and named. Commits per list, then removes its files from disk."""
    done = []
    for drawn in _approved_lists(db):
        ids = json.loads(drawn.case_ids_json)
        still_due = set(
            db.scalars(select(Case.id).where(Case.id.in_(ids), _eligible(today, years_by_status)))
        )
        listed = db.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id)).all()
        held = tuple(case.number for case in listed if case.id not in still_due and case.purged_on is None)
        purge_now = [case for case in listed if case.id in still_due]
        stored = _stored_names(db, [case.id for case in purge_now])
        done.append(Purged(drawn.id, tuple(case.number for case in purge_now), held, len(stored)))
        if dry_run:
            continue
        for case in purge_now:
            _destroy(db, case, today)
        drawn.purged_at = now
        audit.record(
            db, "destruction_list_purged", audit.STAFF, None, None, f"list={drawn.id} cases={len(purge_now)}"
        )
        db.commit()
        for name in stored:  # after the commit: a file whose row is gone is only ciphertext, and
            storage.remove(upload_dir, name)  # `storage cleanup` takes any left by a crash
    if dry_run:
        db.rollback()
    return done


def _stored_names(db: Session, case_ids: Iterable[int]) -> list[str]:
    return list(db.scalars(select(Attachment.stored_name).where(Attachment.case_id.in_(list(case_ids)))))


def _destroy(db: Session, case: Case, today: date) -> None:
    """Everything of the case but its metadata and clocks; the receipt finds nothing any more."""
    for table in _CONTENT_TABLES:
        db.execute(delete(table).where(table.case_id == case.id))
    case.report_ciphertext = b""
    case.identity_ciphertext = None
    case.reporter_salt = b""
    case.receipt_lookup = crypto.random_token(24).encode()[:32]
    case.assigned_to_id = None
    case.next_deadline_on = None
    case.next_deadline_kind = None
    case.purged_on = today
    audit.record(db, "case_purged", audit.STAFF, None, case.id, f"list_purge status={case.status}")
