"""Which key each part of the audit chains is keyed with, across rotations of SERVER_DATA_SECRET.

A rotation appends an entry keyed with the old secret that names the new version; every later
entry of that chain is keyed with the new one. Versions only ever go up, and only to one the
config knows, so an entry cannot hand the chain back to a retired (perhaps stolen) key.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import settings
from complaints.models import AuditEvent, ReporterAuditEvent

KEY_ROTATED = "audit_key_rotated"


def rotated_to(event: AuditEvent | ReporterAuditEvent) -> int | None:
    """The key version a rotation entry hands over to (None for any other entry)."""
    if event.action != KEY_ROTATED:
        return None
    try:
        return int(event.detail.removeprefix("version="))
    except ValueError:
        return 0


def next_version(
    event: AuditEvent | ReporterAuditEvent, version: int, keys: dict[int, bytes]
) -> tuple[int, str | None]:
    """The key version after ``event`` and what is wrong with it, if anything: a rotation must go
    up, to a version the config knows."""
    handed = rotated_to(event)
    if handed is None:
        return version, None
    if handed <= version or handed not in keys:
        return version, f"a key rotation to an unknown or older version ({handed})"
    return handed, None


def version_at(db: Session, staff_hash: str) -> int:
    """The key version a witness taken when the staff chain ended at ``staff_hash`` was keyed with."""
    keys = settings.audit_keys()
    upto = db.scalar(select(AuditEvent.id).where(AuditEvent.entry_hash == staff_hash)) or 0
    version = min(keys)
    for marker in db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == KEY_ROTATED, AuditEvent.id <= upto)
        .order_by(AuditEvent.id)
    ):
        version = max(version, rotated_to(marker) or 0)
    return version
