"""The durable outbox of content-free notices (issue 11, finding 6).

A notice is a row — its kind and one address, nothing about any case — written in its own short
transaction after the change it tells of. One sender thread per process (never one per notice)
drains the rows that are due, over one SMTP connection at a time, each with the configured
timeout; a notice that fails is tried again after 1, 5, 30, 120 and then every 720 minutes, so a
mail server that is down or slow costs a retry, never a lost notice. ``flask notify send`` (cron)
drains it too, and the administrator's settings page shows how many wait.

Two senders (two workers, or cron beside a worker) never send the same row: each claims a row by
moving its next attempt past a lease in one conditional UPDATE, and only the one whose UPDATE
changed the row sends it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from complaints.dates import utcnow
from complaints.db import new_session
from complaints.models import OutboxNotice

BACKOFF_MINUTES = (1, 5, 30, 120, 720)
LEASE = timedelta(minutes=5)
BATCH = 50

Sender = Callable[[Flask, str, list[str]], dict[str, str | None]]

_drain_lock = threading.Lock()
_drainers: dict[int, threading.Thread] = {}
_again: set[int] = set()


def enqueue(db: Session, kind: str, recipients: Iterable[str], now: datetime) -> int:
    """A row per distinct address (the caller commits); returns how many."""
    addresses = list(dict.fromkeys(address.strip() for address in recipients if address and address.strip()))
    for address in addresses:
        db.add(OutboxNotice(kind=kind, recipient=address, created_at=now, attempts=0, next_attempt_at=now))
    return len(addresses)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure."""
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def _claim(db: Session, now: datetime) -> list[OutboxNotice]:
    """The due rows this sender won (a conditional UPDATE each: a concurrent sender loses it)."""
    due = db.scalars(
        select(OutboxNotice.id)
        .where(OutboxNotice.sent_at.is_(None), OutboxNotice.next_attempt_at <= now)
        .order_by(OutboxNotice.id)
        .limit(BATCH)
    ).all()
    won = []
    for row_id in due:
        claimed = db.execute(
            update(OutboxNotice)
            .where(
                OutboxNotice.id == row_id, OutboxNotice.sent_at.is_(None), OutboxNotice.next_attempt_at <= now
            )
            .values(next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount:  # type: ignore[attr-defined]  # an UPDATE returns a CursorResult
            won.append(row_id)
    db.commit()
    return list(db.scalars(select(OutboxNotice).where(OutboxNotice.id.in_(won)).order_by(OutboxNotice.id)))


def send_due(app: Flask, send: Sender, now: Callable[[], datetime] = utcnow) -> tuple[int, int]:
    """Send every notice that is due, batch by batch; returns (sent, failed this time)."""
    sent = failed = 0
    while True:
        with new_session(app) as db:
            rows = _claim(db, now())
            if not rows:
                return sent, failed
            by_kind: dict[str, list[OutboxNotice]] = {}
            for row in rows:
                by_kind.setdefault(row.kind, []).append(row)
            for kind, group in by_kind.items():
                errors = send(app, kind, [row.recipient for row in group])
                for row in group:
                    error = errors.get(row.recipient, "NotSent")
                    if error is None:
                        row.sent_at, row.last_error = now(), None
                        sent += 1
                    else:
                        row.attempts += 1
                        row.last_error = error[:64]
                        row.next_attempt_at = now() + backoff(row.attempts)
                        failed += 1
            db.commit()
        if failed:
            return sent, failed  # the rest waits for its backoff, not for this loop


def waiting(db: Session) -> tuple[int, datetime | None]:
    """How many notices are not sent yet, and since when the oldest waits."""
    count, oldest = db.execute(
        select(func.count(), func.min(OutboxNotice.created_at)).where(OutboxNotice.sent_at.is_(None))
    ).one()
    return int(count), oldest


def _drain(app: Flask, send: Sender) -> None:
    key = id(app)
    while True:
        try:
            send_due(app, send)
        except Exception as error:  # a sender must never take the process down; cron retries
            app.logger.warning("notice outbox: %s", type(error).__name__)
        with _drain_lock:
            if key not in _again:
                _drainers.pop(key, None)
                return
            _again.discard(key)


def wake(app: Flask, send: Sender) -> threading.Thread:
    """Start this process's sender if it is idle, or have it look again; returns the thread."""
    key = id(app)
    with _drain_lock:
        running = _drainers.get(key)
        if running is not None and running.is_alive():
            _again.add(key)
            return running
        thread = threading.Thread(target=_drain, args=(app, send), name="notice-outbox", daemon=True)
        _drainers[key] = thread
        thread.start()
        return thread
