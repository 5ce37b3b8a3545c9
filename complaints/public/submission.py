"""Filing a citizen's report: one short transaction, files moved into place only after commit.

The slow part (keys, sealing, encryption in :func:`cases.prepare_case`) runs with no database
transaction open, so concurrent submissions never wait on each other for long; the insert
itself takes a fresh case number from the atomic counter.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from complaints import audit, cases, crypto, keys
from complaints.models import Case
from complaints.storage import EncryptedUpload

log = logging.getLogger(__name__)

ONLINE = "online"
FILENAME_MAX = 200
CONTENT_TYPE_MAX = 100
SPENT_FORM_DIGEST_CHARS = 16


@dataclass(frozen=True)
class Submission:
    """What the form yields, checked: plaintext metadata, the report, and maybe an identity."""

    category: str
    department: str
    content: cases.ReportContent
    identity: cases.ReporterIdentity | None


@dataclass(frozen=True)
class Filed:
    """What the receipt page shows; the receipt exists only in this object and the response."""

    case_number: str
    receipt: str
    submitted_on: date
    files: int

    @property
    def formatted_receipt(self) -> str:
        return crypto.format_receipt(self.receipt)


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


def safe_filename(name: str) -> str:
    """The last path component only (old browsers send ``C:\\Users\\<name>\\…``), no controls."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    return cleaned[:FILENAME_MAX] or "file"


def evidence_from(files: Iterable[FileStorage]) -> list[cases.EvidenceFile]:
    """The uploads that really carry a file, already encrypted on disk by the request stream."""
    evidence = []
    for item in files:
        upload = item.stream
        if not item.filename or not isinstance(upload, EncryptedUpload):
            continue
        upload.finish()
        if upload.size == 0:
            continue  # an empty file carries nothing; the teardown removes it
        content_type = (item.mimetype or "application/octet-stream")[:CONTENT_TYPE_MAX]
        evidence.append(cases.EvidenceFile(upload, safe_filename(item.filename), content_type))
    return evidence


def submission_from(data: dict[str, Any]) -> Submission:
    """Build the submission from validated form data (field names as in DESIGN §6)."""
    content = cases.ReportContent(
        description=data["description"],
        **{
            name: data.get(name) or ""
            for name in cases.ReportContent.__dataclass_fields__
            if name != "description"
        },
    )
    identity = None
    if data.get("disclosure") == "confidential":
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
    lookup_secret: bytes,
    today: date,
    deadline_days: dict[str, Any],
) -> Filed:
    """Encrypt, insert in one transaction, commit, then move the files into place."""
    recipients = keys.recipient_keys(db)
    db.commit()  # end the read transaction before the slow work (SQLite holds a write lock)
    prepared = cases.prepare_case(
        submission.content, submission.identity, evidence, recipients, lookup_secret, today
    )
    try:
        case = cases.store_case(
            db, prepared, submission.category, submission.department, ONLINE, today, deadline_days
        )
        db.commit()
    except BaseException:
        db.rollback()
        raise
    promote_or_withdraw(db, case, prepared.uploads)
    return Filed(case.number, prepared.receipt, case.submitted_on, len(prepared.uploads))


def promote_or_withdraw(db: Session, case: Case, uploads: list[EncryptedUpload]) -> None:
    """Move files into place; if the disk refuses, remove the case again so nothing is half-stored."""
    try:
        for upload in uploads:
            upload.promote()
    except OSError:
        log.exception("could not move an evidence file into place; withdrawing case %s", case.id)
        withdraw(db, case.id, uploads)
        raise


def withdraw(db: Session, case_id: int, uploads: list[EncryptedUpload]) -> None:
    """Delete a just-committed case and its files (its keys and attachment rows cascade)."""
    db.rollback()
    db.execute(delete(Case).where(Case.id == case_id))
    audit.record(db, "case_withdrawn", audit.SYSTEM, None, case_id, "reason=storage_failure")
    db.commit()
    for upload in uploads:
        upload.discard()
        upload.final_path.unlink(missing_ok=True)
