"""The tamper-evident audit log: two keyed hash chains, one for staff and one for reporters.

Entries say who did what to which case and when; never content, identities, receipts or
addresses. Reporters' actions go to a chain of their own, dated to the day only: in one shared
sequence, an entry between two staff entries stamped 09:14 and 09:16 would date the reporter's
action to the minute, which the day-only submission date is there to prevent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import crypto, plain_rows, settings
from complaints.audit_keys import KEY_ROTATED, next_version, version_at
from complaints.dates import local_day, today, utcnow
from complaints.models import AuditEvent, AuditHead, Case, ReporterAuditEvent, StaffUser
from complaints.plain_rows import Writer

GENESIS = "0" * 64
REPORTER = "reporter"
STAFF = "staff"
SYSTEM = "system"
STAFF_CHAIN = 1
REPORTER_CHAIN = 2
# Words of an entry's detail whose value may be a staff account's id (``user=12``).
ACCOUNT_FIELDS = ("user", "requester", "to")


@dataclass(frozen=True)
class AuditProblem:
    """Where verification found a chain broken."""

    entry_id: int
    reason: str
    chain: str = "staff"


def _audit_key() -> bytes:
    """The chains are keyed: a database writer without the server config cannot re-forge them."""
    return settings.audit_key()


def _mac(fields: list[Any], key: bytes | None = None) -> str:
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return crypto.mac_hex(key or _audit_key(), body.encode())


def _staff_hash(previous_hash: str, event: AuditEvent, key: bytes | None = None) -> str:
    return _mac(
        [
            previous_hash,
            event.occurred_at.isoformat(),
            event.actor_kind,
            event.actor_id,
            event.action,
            event.case_id,
            event.detail,
        ],
        key,
    )


def _reporter_hash(previous_hash: str, event: ReporterAuditEvent, key: bytes | None = None) -> str:
    return _mac(
        ["reporter", previous_hash, event.occurred_on.isoformat(), event.action, event.case_id, event.detail],
        key,
    )


def head_mac(chain: int, entries: int, last_hash: str, key: bytes | None = None) -> str:
    """The head is authenticated too: without the key, cutting entries off the end and rewriting
    the head to match is detected."""
    return _mac(["head", chain, entries, last_hash], key)


HEAD_MISSING = "chain_head_missing"
RESTORED = "restored_from_backup"


def open_chains(db: Session) -> None:
    """Create both chains' heads (at `init`): from then on a missing head means deleted entries."""
    for chain in (STAFF_CHAIN, REPORTER_CHAIN):
        if db.get(AuditHead, chain) is None:
            db.add(AuditHead(id=chain, last_hash=GENESIS, entries=0, mac=head_mac(chain, 0, GENESIS)))
    db.flush()


def _append(db: Session, head: AuditHead, event: AuditEvent | ReporterAuditEvent, write: Writer) -> None:
    """Write the entry and move the (locked) head on to it, at once and as plain statements."""
    entries, last_hash = head.entries + 1, event.entry_hash
    write(db, event, head, last_hash=last_hash, entries=entries, mac=head_mac(head.id, entries, last_hash))


def _locked_head(db: Session, chain: int) -> AuditHead:
    # Pending rows are not flushed first (the read does not depend on them). A head this session
    # held since before a commit is read again, or another writer's entries would be chained over.
    with db.no_autoflush:
        locked = select(AuditHead).where(AuditHead.id == chain).with_for_update()
        head = db.scalars(locked.execution_options(populate_existing=True)).first()
    if head is not None:
        return head
    # Someone deleted the head (and so, most likely, the log). Keep recording, and say so first.
    head = AuditHead(id=chain, last_hash=GENESIS, entries=0, mac=head_mac(chain, 0, GENESIS))
    db.add(head)
    db.flush()
    if chain == STAFF_CHAIN:
        _append_staff(db, head, HEAD_MISSING, SYSTEM, None, None, "")
    else:
        _append_reporter(db, head, HEAD_MISSING, None, "", plain_rows.insert_row_and_update)
    return head


def record(
    db: Session,
    action: str,
    actor_kind: str,
    actor_id: int | None = None,
    case_id: int | None = None,
    detail: str = "",
    write: Writer = plain_rows.insert_row_and_update,
) -> AuditEvent | ReporterAuditEvent:
    """Append an entry in the caller's transaction (the chain's head row serialises writers);
    ``write`` puts the entry and the head's new values in (a caller may add its own statement)."""
    if actor_kind == REPORTER:
        return _append_reporter(db, _locked_head(db, REPORTER_CHAIN), action, case_id, detail, write)
    head = _locked_head(db, STAFF_CHAIN)
    return _append_staff(db, head, action, actor_kind, actor_id, case_id, detail, write)


def _append_staff(
    db: Session,
    head: AuditHead,
    action: str,
    actor_kind: str,
    actor_id: int | None,
    case_id: int | None,
    detail: str,
    write: Writer = plain_rows.insert_row_and_update,
) -> AuditEvent:
    event = AuditEvent(
        occurred_at=utcnow().replace(microsecond=0),
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        case_id=case_id,
        detail=detail[:400],
        previous_hash=head.last_hash,
    )
    event.entry_hash = _staff_hash(head.last_hash, event)
    _append(db, head, event, write)
    return event


def _append_reporter(
    db: Session, head: AuditHead, action: str, case_id: int | None, detail: str, write: Writer
) -> ReporterAuditEvent:
    event = ReporterAuditEvent(
        occurred_on=today(), action=action, case_id=case_id, detail=detail[:400], previous_hash=head.last_hash
    )
    event.entry_hash = _reporter_hash(head.last_hash, event)
    _append(db, head, event, write)
    return event


Entry = TypeVar("Entry", AuditEvent, ReporterAuditEvent)


def _entries(db: Session, model: type[Entry], batch: int) -> Iterator[Entry]:
    last_id = 0
    while events := db.scalars(select(model).where(model.id > last_id).order_by(model.id).limit(batch)).all():
        yield from events
        last_id = events[-1].id


def _expected_hash(event: AuditEvent | ReporterAuditEvent, key: bytes) -> str:
    if isinstance(event, ReporterAuditEvent):
        return _reporter_hash(event.previous_hash, event, key)
    return _staff_hash(event.previous_hash, event, key)


def _verify_chain(db: Session, model: type[Entry], chain: int, batch: int) -> list[AuditProblem]:
    name = "reporter" if chain == REPORTER_CHAIN else "staff"
    problems: list[AuditProblem] = []
    keys = settings.audit_keys()
    previous, count, last_id, version = GENESIS, 0, 0, min(keys)
    for event in _entries(db, model, batch):
        count += 1
        if event.previous_hash != previous:
            problems.append(AuditProblem(event.id, "previous hash does not match", name))
        if _expected_hash(event, keys[version]) != event.entry_hash:
            problems.append(AuditProblem(event.id, "entry was altered", name))
        if event.action == HEAD_MISSING:
            problems.append(
                AuditProblem(event.id, "the log's head had been deleted; the chain restarts here", name)
            )
        version, wrong = next_version(event, version, keys)
        if wrong:
            problems.append(AuditProblem(event.id, wrong, name))
        previous, last_id = event.entry_hash, event.id
    head = db.get(AuditHead, chain)
    if head is None:
        problems.append(AuditProblem(last_id, "the log's head is missing: entries were deleted", name))
    elif version != settings.data_secret_version():
        problems.append(
            AuditProblem(last_id, f"the chain is keyed with version {version}, not the config's", name)
        )
    elif not crypto.same_secret(
        head_mac(chain, head.entries, head.last_hash).encode(), str(head.mac).encode()
    ):
        problems.append(AuditProblem(last_id, "the log's head was rewritten", name))
    elif head.last_hash != previous or head.entries != count:
        problems.append(AuditProblem(last_id, "entries were removed from the end", name))
    return problems


def verify(db: Session, batch: int = 1000) -> list[AuditProblem]:
    """Walk both chains in id order; return every break (empty when intact)."""
    return _verify_chain(db, AuditEvent, STAFF_CHAIN, batch) + _verify_chain(
        db, ReporterAuditEvent, REPORTER_CHAIN, batch
    )


def hand_over_key(db: Session, version: int, new_key: bytes) -> None:
    """A data-secret rotation: each chain gets an entry, keyed with the old key, naming the new
    version; the heads are then keyed with the new one (caller commits, then installs the config)."""
    for chain in (STAFF_CHAIN, REPORTER_CHAIN):
        record(db, KEY_ROTATED, REPORTER if chain == REPORTER_CHAIN else SYSTEM, detail=f"version={version}")
        head = _locked_head(db, chain)
        head.mac = head_mac(chain, head.entries, head.last_hash, new_key)


def recent(db: Session, limit: int = 100, before_id: int | None = None) -> list[AuditEvent]:
    """The newest staff and system entries, for the admin's audit page."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(db.scalars(query).all())


def recent_reporter_days(db: Session, limit: int = 100) -> list[ReporterAuditEvent]:
    """The newest reporter entries, newest day first (within a day, in no telling order)."""
    query = (
        select(ReporterAuditEvent)
        .order_by(
            ReporterAuditEvent.occurred_on.desc(), ReporterAuditEvent.action, ReporterAuditEvent.case_id
        )
        .limit(limit)
    )
    return list(db.scalars(query).all())


def detail_fields(detail: str) -> list[tuple[str, str]]:
    """The ``name=value`` words of an entry's detail, in order (a bare word has no value)."""
    fields: list[tuple[str, str]] = []
    for word in detail.split():
        name, _, value = word.partition("=")
        fields.append((name, value))
    return fields


def accounts_in(detail: str) -> set[int]:
    """The staff accounts an entry's detail names by id."""
    return {int(value) for name, value in detail_fields(detail) if name in ACCOUNT_FIELDS and value.isdigit()}


@dataclass(frozen=True)
class AuditPage:
    """One page of the log for the administrator: entries with the names and numbers they refer to
    (``actors`` names the people who acted and the accounts their details name)."""

    entries: list[AuditEvent]
    reporter_entries: list[ReporterAuditEvent]
    actors: dict[int, str] = field(default_factory=dict)
    numbers: dict[int, str] = field(default_factory=dict)
    older: int | None = None


def page(db: Session, limit: int, before_id: int | None = None) -> AuditPage:
    """The newest staff entries (older than ``before_id``), the newest reporter days on the first
    page, and the usernames and case numbers they name; verification is a separate step."""
    entries = recent(db, limit, before_id)
    reporter_entries = recent_reporter_days(db, limit) if before_id is None else []
    actor_ids = {entry.actor_id for entry in entries if entry.actor_kind == STAFF and entry.actor_id}
    actor_ids |= {account for entry in entries for account in accounts_in(entry.detail)}
    case_ids = {entry.case_id for entry in entries if entry.case_id}
    case_ids |= {entry.case_id for entry in reporter_entries if entry.case_id}
    actors = db.execute(select(StaffUser.id, StaffUser.username).where(StaffUser.id.in_(actor_ids)))
    numbers = db.execute(select(Case.id, Case.number).where(Case.id.in_(case_ids)))
    return AuditPage(
        entries=entries,
        reporter_entries=reporter_entries,
        actors={row.id: row.username for row in actors},
        numbers={row.id: row.number for row in numbers},
        older=entries[-1].id if len(entries) == limit else None,
    )


# --- witnessing the head outside the server -------------------------------------------------------


@dataclass(frozen=True)
class Witness:
    """The log's length and a short fingerprint of its head, to write down or remember: if the
    history before it is ever rewritten — even by someone with the config — it no longer matches."""

    staff_entries: int
    reporter_entries: int
    fingerprint: str

    def line(self) -> str:
        return f"staff={self.staff_entries} reporters={self.reporter_entries} fingerprint={self.fingerprint}"


def _fingerprint(
    staff_hash: str, staff_entries: int, reporter_hash: str, reporter_entries: int, key: bytes | None = None
) -> str:
    digest = _mac(["witness", staff_entries, staff_hash, reporter_entries, reporter_hash], key).upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def _nth_hash(db: Session, model: type[Entry], count: int) -> str | None:
    if count == 0:
        return GENESIS
    return db.scalars(select(model.entry_hash).order_by(model.id).offset(count - 1).limit(1)).first()


def witness(db: Session) -> Witness:
    """The fingerprint of the log as it stands now."""
    staff, reporters = db.get(AuditHead, STAFF_CHAIN), db.get(AuditHead, REPORTER_CHAIN)
    staff_entries = staff.entries if staff else 0
    reporter_entries = reporters.entries if reporters else 0
    return Witness(
        staff_entries,
        reporter_entries,
        _fingerprint(
            staff.last_hash if staff else GENESIS,
            staff_entries,
            reporters.last_hash if reporters else GENESIS,
            reporter_entries,
        ),
    )


def check_witness(db: Session, line: str) -> bool:
    """Whether the log still has, at the lengths a witness wrote down, the fingerprint they saw."""
    try:
        fields = _witness_fields(line)
        staff_entries, reporter_entries = int(fields["staff"]), int(fields["reporters"])
    except (KeyError, ValueError):
        return False
    staff_hash = _nth_hash(db, AuditEvent, staff_entries)
    reporter_hash = _nth_hash(db, ReporterAuditEvent, reporter_entries)
    if staff_hash is None or reporter_hash is None:
        return False
    key = settings.audit_keys().get(version_at(db, staff_hash))
    if key is None:
        return False
    expected = _fingerprint(staff_hash, staff_entries, reporter_hash, reporter_entries, key)
    return crypto.same_secret(expected.encode(), fields.get("fingerprint", "").encode())


def record_restore(db: Session) -> AuditEvent | ReporterAuditEvent:
    """Say in the chain that the database was just restored from a backup: the entry keeps the
    lengths the restored chains had, so a witness taken after the backup was made, whose entries
    the restore lost, is explained instead of looking like truncation (it still does not match:
    a marker only annotates, since whoever can write one could also use it to hide a rewrite)."""
    staff, reporters = db.get(AuditHead, STAFF_CHAIN), db.get(AuditHead, REPORTER_CHAIN)
    lengths = f"staff={staff.entries if staff else 0} reporters={reporters.entries if reporters else 0}"
    return record(db, RESTORED, SYSTEM, detail=lengths)


def _witness_fields(line: str) -> dict[str, str]:
    """``name=value`` parts of a witness line; other words (the date `audit witness` prints) skipped."""
    return dict(part.split("=", 1) for part in line.split() if "=" in part)


def restore_explaining(db: Session, line: str) -> AuditEvent | None:
    """The restore marker that explains why a dated witness line no longer matches: one recorded
    on or after the witness's date, restoring to a chain no longer than the witness saw."""
    fields = _witness_fields(line)
    try:
        seen_on = date.fromisoformat(line.split()[0])
        staff_entries = int(fields["staff"])
    except (IndexError, KeyError, ValueError):
        return None
    for marker in db.scalars(
        select(AuditEvent).where(AuditEvent.action == RESTORED).order_by(AuditEvent.id.desc())
    ):
        restored = _witness_fields(marker.detail)
        if local_day(marker.occurred_at) >= seen_on and int(restored.get("staff", "0")) <= staff_entries:
            return marker
    return None
