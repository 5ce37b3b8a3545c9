"""Alerts the legal leads must see: a public key in the database whose pin does not verify.

An alert is kept as a setting row (read by primary key on the leads' queue page) and written once
to the audit chain; `flask --app wsgi keys check` lists what verifies and clears alerts that no
longer apply.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import audit
from complaints.dates import today
from complaints.models import Setting

PREFIX = "key-alert:"


def raise_key_alert(db: Session, kind: str, key_id: str) -> None:
    """Record (once) that a key of ``kind`` failed its pin; the caller's transaction commits it."""
    name = f"{PREFIX}{kind}:{key_id}"
    if db.get(Setting, name) is not None:
        return
    db.add(
        Setting(key=name, value_json=json.dumps({"kind": kind, "key_id": key_id, "on": today().isoformat()}))
    )
    audit.record(db, "key_pin_mismatch", audit.SYSTEM, None, None, f"kind={kind} key={key_id}")


def key_alerts(db: Session) -> list[dict[str, str]]:
    """The standing alerts (kind, key id, day), oldest first."""
    rows = db.scalars(select(Setting).where(Setting.key.startswith(PREFIX)).order_by(Setting.key))
    return [json.loads(row.value_json) for row in rows]


def clear_key_alerts(db: Session) -> int:
    """Drop every standing alert (after `keys check` found everything in use verifies)."""
    rows = list(db.scalars(select(Setting).where(Setting.key.startswith(PREFIX))))
    for row in rows:
        db.delete(row)
    return len(rows)
