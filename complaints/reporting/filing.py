"""From checked form data to a stored case: one builder and one filing path for every door.

The slow part (keys, sealing, encryption in :func:`cases.prepare_case`) runs with no database
transaction open, so concurrent submissions never wait on each other for long; the insert
takes a fresh case number from the atomic counter, and :func:`storage.commit_with_files` moves
the evidence in and commits as one step. These functions commit: filing is one unit of work.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from complaints import audit, cases, keys, receipts, storage
from complaints.labels import EXECUTIVES
from complaints.models import Attachment, Case, CaseReference
from complaints.reporting.fields import CONFIDENTIAL

ONLINE = "online"
SPENT_FORM_DIGEST_CHARS = 16


@dataclass(frozen=True)
class Submission:
    """What a report form yields, checked: plaintext metadata, the report, and maybe an identity."""

    category: str
    department: str
    content: cases.ReportContent
    identity: cases.ReporterIdentity | None

    @property
    def about_an_executive(self) -> bool:
        """The reporter says the subject is the mayor, a deputy or the clerk: routed outside."""
        return self.content.executive_subject in EXECUTIVES


@dataclass(frozen=True)
class Arrival:
    """How a report came in: its channel, the day it arrived and was acknowledged, who typed it."""

    channel: str
    received_on: date
    acknowledged_on: date
    actor_kind: str = audit.REPORTER
    actor_id: int | None = None
    # Keyed hashes of numbers the case is found by in the queue (an incoming letter's number).
    reference_digests: tuple[str, ...] = ()


@dataclass(frozen=True)
class Filed:
    """What the receipt page shows; the receipt exists only in this object and the response."""

    case: Case
    receipt: str
    files: int
    # How many of the files had hidden details (place, camera, author names) removed.
    cleaned: int = 0

    @property
    def case_number(self) -> str:
        return self.case.number

    @property
    def submitted_on(self) -> date:
        return self.case.submitted_on

    @property
    def check_back_by(self) -> date | None:
        """When the first answer to the reporter is due."""
        return self.case.next_deadline_on

    @property
    def formatted_receipt(self) -> str:
        return receipts.format_receipt(self.receipt)


def submission_from(data: dict[str, Any]) -> Submission:
    """Build the submission from a validated report form's data (field names as in DESIGN §6)."""
    content = cases.ReportContent(
        description=data["description"],
        **{
            name: data.get(name) or ""
            for name in cases.ReportContent.__dataclass_fields__
            if name != "description"
        },
    )
    identity = None
    if data.get("disclosure") == CONFIDENTIAL:
        identity = cases.ReporterIdentity(
            name=data.get("reporter_name") or "",
            phone=data.get("reporter_phone") or "",
            email=data.get("reporter_email") or "",
        )
    return Submission(data["category"], data["department"], content, identity)


def file_report(
    db: Session,
    submission: Submission,
    evidence: list[cases.EvidenceFile],
    arrival: Arrival,
    lookup_secret: bytes,
    deadline_days: dict[str, int],
) -> Filed:
    """Encrypt, insert, move the files in and commit — all of it, or (raising) none of it."""
    recipients = keys.recipient_keys(db)
    _end_read_before_slow_work(db)
    prepared = cases.prepare_case(
        submission.content, submission.identity, evidence, recipients, lookup_secret, arrival.received_on
    )
    case = cases.store_case(
        db,
        prepared,
        submission.category,
        submission.department,
        arrival.channel,
        arrival.received_on,
        deadline_days,
        actor_kind=arrival.actor_kind,
        actor_id=arrival.actor_id,
        acknowledged_on=arrival.acknowledged_on,
        routed_outside=submission.about_an_executive,
    )
    db.add_all(CaseReference(case_id=case.id, digest=digest) for digest in set(arrival.reference_digests))
    storage.commit_with_files(db, prepared.uploads)
    return Filed(case, prepared.receipt, len(prepared.uploads), sum(item.cleaned for item in evidence))


def _end_read_before_slow_work(db: Session) -> None:
    """Commit what the keys' read wrote (a key alert must stay even if filing fails), and on
    SQLite release the write lock every transaction takes at its start (complaints/db.py), so
    other requests are not kept waiting through the slow work. On PostgreSQL a read-only start
    simply carries on into the write: one commit, one connection."""
    if db.new or db.dirty or db.get_bind().dialect.name != "postgresql":
        db.commit()


def add_evidence(
    db: Session,
    case: Case,
    content_key: bytes,
    evidence: list[cases.EvidenceFile],
    note: str,
    today: date,
) -> list[Attachment]:
    """The reporter's further evidence (and the note sent with it, as a message): all or nothing."""
    attachments = []
    for item in evidence:
        attachment = cases.seal_attachment(case.uid, content_key, item, cases.REPORTER, today)
        attachment.case_id = case.id
        db.add(attachment)
        attachments.append(attachment)
    if note.strip():
        cases.add_message(db, case, content_key, cases.REPORTER, note, today)
    audit.record(db, "reporter_evidence_added", audit.REPORTER, None, case.id, f"files={len(evidence)}")
    storage.commit_with_files(db, [item.upload for item in evidence])
    return attachments


# --- a reload of the receipt page must not file the report twice ----------------------------------


def spent_form_digest(csrf_token: str) -> str:
    """A short digest of the token of a form just filed: it recognises a reload of that very form,
    and says nothing about the report (no case number, no receipt)."""
    return hashlib.sha256(csrf_token.encode()).hexdigest()[:SPENT_FORM_DIGEST_CHARS]


def is_resubmission(posted_token: str, remembered_digest: object) -> bool:
    """Whether a refused form is one already filed, re-posted by a reload of the receipt page."""
    return (
        bool(posted_token)
        and isinstance(remembered_digest, str)
        and hmac.compare_digest(remembered_digest, spent_form_digest(posted_token))
    )
