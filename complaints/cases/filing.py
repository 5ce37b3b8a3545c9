"""Filing a case: keys, receipt and encryption in memory first, then one short insert.

Slow work (key generation, sealing, encryption) happens in :func:`prepare_case` before any
database transaction; :func:`store_case` only inserts rows, so concurrent submissions never
hold a transaction open for long. Case numbers come from an atomic counter update.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Any, cast

from sqlalchemy import String, Update, bindparam, func, select, update
from sqlalchemy import cast as cast_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from complaints import audit, clocks, contexts, crypto, keys, plain_rows, receipts, settings
from complaints.cases.values import (
    CONTENT,
    IDENTITY,
    REPORTER,
    AttachmentMeta,
    EvidenceFile,
    PreparedCase,
    ReportContent,
    ReporterIdentity,
)
from complaints.dates import fiscal_year_of
from complaints.models import Attachment, Base, Case, CaseClock, CaseCounter, CaseKey
from complaints.models.base import CASE_NUMBER_MAX
from complaints.procedure import Status


def seal_case_key(uid: str, purpose: str, secret: bytes, recipient: str, public_key: bytes) -> CaseKey:
    """A case key sealed to one public key, as a row still to be attached to its case."""
    recipient_key_id = crypto.key_id(public_key)
    return CaseKey(
        purpose=purpose,
        recipient=recipient,
        recipient_key_id=recipient_key_id,
        sealed_ciphertext=crypto.seal(
            secret, public_key, contexts.sealed_case_key(purpose, uid, recipient_key_id)
        ),
    )


def seal_attachment(
    uid: str, content_key: bytes, evidence: EvidenceFile, added_by: str, on: date
) -> Attachment:
    """The database row for an encrypted upload, its name and key under the case key."""
    attachment_uid = crypto.random_token(16)
    meta = AttachmentMeta(
        filename=evidence.filename,
        content_type=evidence.content_type,
        size=evidence.upload.size,
        file_key_hex=evidence.upload.key.hex(),
        cleaned=evidence.cleaned,
    )
    return Attachment(
        uid=attachment_uid,
        stored_name=evidence.upload.stored_name,
        meta_ciphertext=crypto.encrypt_text(
            content_key,
            json.dumps(asdict(meta), ensure_ascii=False),
            contexts.attachment_meta(uid, attachment_uid),
        ),
        added_by=added_by,
        added_on=on,
    )


def _sealed_keys(
    uid: str, content_key: bytes, identity_key: bytes | None, recipients: keys.RecipientKeys, reporter: bytes
) -> list[CaseKey]:
    """The content key to the unit, recovery and reporter keys; the identity key to the custodian,
    recovery and reporter keys — each organisation key only if its pin verified."""
    content_to = [(keys.UNIT, recipients.unit), (keys.RECOVERY, recipients.recovery)]
    identity_to = [(keys.CUSTODIAN, recipients.custodian), (keys.RECOVERY, recipients.recovery)]
    sealed = [
        seal_case_key(uid, CONTENT, content_key, recipient, org_key.public_key)
        for recipient, org_key in content_to
        if org_key is not None
    ]
    sealed.append(seal_case_key(uid, CONTENT, content_key, REPORTER, reporter))
    if identity_key is not None:
        sealed += [
            seal_case_key(uid, IDENTITY, identity_key, recipient, org_key.public_key)
            for recipient, org_key in identity_to
            if org_key is not None
        ]
        sealed.append(seal_case_key(uid, IDENTITY, identity_key, REPORTER, reporter))
    return sealed


def prepare_case(
    content: ReportContent,
    identity: ReporterIdentity | None,
    evidence: list[EvidenceFile],
    recipients: keys.RecipientKeys,
    lookup_secret: bytes,
    today: date,
) -> PreparedCase:
    """Generate the case's keys and receipt and encrypt everything; no database access."""
    uid = crypto.random_token(24)
    receipt = receipts.new_receipt()
    receipt_cost = settings.receipt_params()
    stretched = crypto.stretch_receipt(receipt, lookup_secret, receipt_cost)
    reporter_salt = crypto.new_salt()
    reporter_public = crypto.public_key_of(crypto.reporter_private_key(stretched, reporter_salt))
    content_key = crypto.new_data_key()
    identity_key = crypto.new_data_key() if identity is not None else None
    identity_ciphertext = None
    if identity is not None and identity_key is not None:
        identity_ciphertext = crypto.encrypt_text(
            identity_key, identity.to_json(), contexts.case_field(uid, IDENTITY)
        )
    return PreparedCase(
        uid=uid,
        receipt=receipt,
        receipt_lookup=crypto.receipt_lookup(stretched, lookup_secret),
        reporter_salt=reporter_salt,
        report_ciphertext=crypto.encrypt_text(
            content_key, content.to_json(), contexts.case_field(uid, "report")
        ),
        identity_ciphertext=identity_ciphertext,
        case_keys=_sealed_keys(uid, content_key, identity_key, recipients, reporter_public),
        attachments=[seal_attachment(uid, content_key, item, REPORTER, today) for item in evidence],
        uploads=[item.upload for item in evidence],
        receipt_cost=receipt_cost,
        pepper_version=settings.pepper_version(),
    )


# The number a new case holds until its real one is allocated, just before the commit: never seen
# outside the inserting transaction (unique, and unlike any "2569-0007").
PROVISIONAL = "~"


def allocate_case_number(db: Session, fiscal_year: int) -> str:
    """The next case number of a fiscal year, e.g. ``2569-0007``, without a read-then-write race."""
    number = db.connection().execute(_BUMP, {"year": fiscal_year}).scalar()
    if number is None:
        number = _first_of_year(db, fiscal_year)
    return case_number(fiscal_year, number)


def case_number(fiscal_year: int, sequence: int) -> str:
    """``2569-0007``: the year, then the sequence in at least four digits."""
    return f"{fiscal_year}-{sequence:04d}"


def _bump_counter() -> Update:
    # A plain table update (the ORM's bulk-update bookkeeping, matching rows in the session, would
    # cost more than the statement itself), built once.
    counters = plain_rows.table_of(CaseCounter).c
    return (
        update(plain_rows.table_of(CaseCounter))
        .where(counters.fiscal_year == bindparam("year"))
        .values(last_number=counters.last_number + 1)
        .returning(counters.last_number)
    )


def _number_from_counter() -> Update:
    # PostgreSQL: the counter's bump as a data-modifying WITH of the case's update, the number
    # formatted as case_number() does (at least four digits); no row is updated if the year has no
    # counter yet.
    bumped = _bump_counter().cte("bumped")
    digits = cast_(select(bumped.c.last_number).scalar_subquery(), String)
    cases = plain_rows.table_of(Case)
    return (
        update(cases)
        .where(cases.c.id == bindparam("case_id"), select(bumped.c.last_number).exists())
        .values(
            number=bindparam("prefix", type_=String)
            + func.lpad(digits, func.greatest(4, func.length(digits)), "0")
        )
        .returning(cases.c.number)
        .add_cte(bumped)
    )


_BUMP = _bump_counter()
_NUMBER_FROM_COUNTER = _number_from_counter()


def _first_of_year(db: Session, fiscal_year: int) -> int:
    """Number 1 of a year that has no counter yet, or the next one if another request made it."""
    try:
        with db.begin_nested():
            db.add(CaseCounter(fiscal_year=fiscal_year, last_number=1))
        return 1
    except IntegrityError:  # another request created the year's counter first
        return int(db.connection().execute(_BUMP, {"year": fiscal_year}).scalar_one())


def _record_and_number(db: Session, case: Case, actor_kind: str, actor_id: int | None) -> None:
    """The audit entry, then the case's number from its year's counter. On PostgreSQL the entry,
    the head's move and the number are one statement: every concurrent submission waits on the
    head's row and then the counter's until its commit, so each round trip less here is one less
    for all of them. A year without a counter yet (or SQLite) takes the general way."""
    detail = f"channel={case.channel}"
    if db.get_bind().dialect.name != "postgresql":
        audit.record(db, "case_submitted", actor_kind, actor_id, case.id, detail)
        plain_rows.update_row(db, case, number=allocate_case_number(db, case.fiscal_year))
        return
    numbered: list[str | None] = []
    parameters = {"year": case.fiscal_year, "case_id": case.id, "prefix": f"{case.fiscal_year}-"}

    def write_and_number(db: Session, new: Base, loaded: Base, **values: Any) -> int:
        numbered.append(
            plain_rows.insert_update_and_run(db, new, loaded, values, _NUMBER_FROM_COUNTER, parameters)
        )
        return int(cast(Any, new).id)

    audit.record(db, "case_submitted", actor_kind, actor_id, case.id, detail, write=write_and_number)
    if numbered[0] is not None:
        set_committed_value(case, "number", numbered[0])
    else:
        plain_rows.update_row(db, case, number=allocate_case_number(db, case.fiscal_year))


def store_case(
    db: Session,
    prepared: PreparedCase,
    category: str,
    department: str,
    channel: str,
    received_on: date,
    deadline_days: dict[str, int],
    actor_kind: str = audit.REPORTER,
    actor_id: int | None = None,
    acknowledged_on: date | None = None,
    routed_outside: bool = False,
) -> Case:
    """Insert a prepared case in the caller's transaction (the caller moves files in and commits).

    Online reports are acknowledged by the receipt page itself (DOMAIN B1); an offline one on the
    day it is recorded. Its first clocks start on the day it was received. The rows go in as plain
    inserts under a provisional number; what every submission waits for — the audit chain's head,
    then the fiscal year's counter, whose number replaces the provisional one — is locked last,
    just before the caller's commit (and on PostgreSQL the status counts at the commit itself), so
    concurrent submissions wait on each other for a few statements, not for the whole insert.
    """
    fiscal_year = fiscal_year_of(received_on)
    case = Case(
        uid=prepared.uid,
        number=PROVISIONAL + prepared.uid[: CASE_NUMBER_MAX - len(PROVISIONAL)],
        fiscal_year=fiscal_year,
        channel=channel,
        category=category,
        department=department,
        disclosure="confidential" if prepared.identity_ciphertext else "anonymous",
        status=Status.RECEIVED.value,
        submitted_on=received_on,
        acknowledged_on=acknowledged_on or (received_on if channel == "online" else None),
        receipt_lookup=prepared.receipt_lookup,
        pepper_version=prepared.pepper_version,
        receipt_memory_kib=prepared.receipt_cost.memory_kib,
        receipt_iterations=prepared.receipt_cost.iterations,
        reporter_salt=prepared.reporter_salt,
        report_ciphertext=prepared.report_ciphertext,
        identity_ciphertext=prepared.identity_ciphertext,
        routed_outside=routed_outside,
    )
    _insert_new_case(db, case, prepared, clocks.Calendar(days=deadline_days, is_holiday=lambda _day: False))
    _record_and_number(db, case, actor_kind, actor_id)
    return case


def _insert_new_case(db: Session, case: Case, prepared: PreparedCase, calendar: clocks.Calendar) -> None:
    """The case row, then its keys, first clocks and files, as plain inserts; the session then
    holds the case as if it had loaded it."""
    children: list[CaseKey | CaseClock | Attachment] = [
        *prepared.case_keys,
        *_first_clocks(case, calendar),
        *prepared.attachments,
    ]
    plain_rows.insert_with_children(db, case, children, "case_id")


def _first_clocks(case: Case, calendar: clocks.Calendar) -> list[CaseClock]:
    """Acknowledgement, first feedback and final feedback run from the day the report arrived (a
    new case has no clock yet to stop, so nothing is queried); the case's next deadline is set."""
    rows = [
        clocks.opened(case, clock, case.submitted_on, calendar)
        for clock in ("acknowledge", "first_feedback", "final_feedback")
    ]
    if case.acknowledged_on is not None:
        clocks.end(rows[0], case.acknowledged_on)
    clocks.set_next_deadline(case, rows)
    return rows
