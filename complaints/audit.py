"""The tamper-evident audit log: each entry is an HMAC over the one before it.

Entries say who did what to which case and when; never content, identities, receipts or
addresses. Events a reporter causes are stamped to the day only, like the submission itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import crypto
from complaints.dates import utcnow
from complaints.models import AuditEvent, AuditHead

GENESIS = "0" * 64
REPORTER = "reporter"
STAFF = "staff"
SYSTEM = "system"


@dataclass(frozen=True)
class AuditProblem:
    """Where verification found the chain broken."""

    entry_id: int
    reason: str


def _audit_key() -> bytes:
    """The chain is keyed: a database writer without the server config cannot re-forge it."""
    return crypto.derive_key(str(current_app.config["SERVER_DATA_SECRET"]).encode(), "audit chain key")


def _entry_hash(previous_hash: str, event: AuditEvent) -> str:
    body = json.dumps(
        [
            previous_hash,
            event.occurred_at.isoformat(),
            event.actor_kind,
            event.actor_id,
            event.action,
            event.case_id,
            event.detail,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return crypto.mac_hex(_audit_key(), body.encode())


def _locked_head(db: Session) -> AuditHead:
    head = db.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS, entries=0)
        db.add(head)
        db.flush()
    return head


def record(
    db: Session,
    action: str,
    actor_kind: str,
    actor_id: int | None = None,
    case_id: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Append an entry in the caller's transaction (the head row serialises writers)."""
    now = utcnow()
    occurred_at = now.replace(hour=0, minute=0, second=0, microsecond=0) if actor_kind == REPORTER else now
    head = _locked_head(db)
    event = AuditEvent(
        occurred_at=occurred_at.replace(microsecond=0),
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        case_id=case_id,
        detail=detail[:400],
        previous_hash=head.last_hash,
    )
    event.entry_hash = _entry_hash(head.last_hash, event)
    head.last_hash = event.entry_hash
    head.entries += 1
    db.add(event)
    return event


def verify(db: Session, batch: int = 1000) -> list[AuditProblem]:
    """Walk the chain in id order; return every break (empty when intact)."""
    problems: list[AuditProblem] = []
    previous = GENESIS
    count = 0
    last_id = 0
    while True:
        events = db.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not events:
            break
        for event in events:
            count += 1
            if event.previous_hash != previous:
                problems.append(AuditProblem(event.id, "previous hash does not match"))
            if _entry_hash(event.previous_hash, event) != event.entry_hash:
                problems.append(AuditProblem(event.id, "entry was altered"))
            previous = event.entry_hash
            last_id = event.id
    head = db.get(AuditHead, 1)
    if head is not None and (head.last_hash != previous or head.entries != count):
        problems.append(AuditProblem(last_id, "entries were removed from the end"))
    return problems


def recent(db: Session, limit: int = 100, before_id: int | None = None) -> list[AuditEvent]:
    """The newest entries, for the admin's audit page."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(db.scalars(query).all())


def day_of(moment: datetime) -> str:
    """ISO day of a timestamp (for display of reporter events)."""
    return moment.date().isoformat()
