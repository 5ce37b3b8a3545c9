"""Evidence files for the legal unit: a decrypting download stream (audited) and a safe
``Content-Disposition`` (always an attachment, never rendered inline; RFC 5987 for Thai names)."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import audit, cases, crypto, storage
from complaints.models import Attachment, Case, StaffUser
from complaints.reporting.evidence import safe_filename


class AttachmentUnavailable(Exception):
    """The evidence file is missing on disk or does not decrypt (it was altered)."""


def open_attachment(
    db: Session, case: Case, content_key: bytes, attachment_uid: str, upload_dir: Path, reader: StaffUser
) -> tuple[cases.AttachmentMeta, Iterator[bytes]]:
    """An evidence file's name and a stream of its plaintext; the download is audited.

    The first chunk is decrypted here, so a missing or altered file is a clear error before
    any byte is sent.
    """
    attachment = db.scalars(
        select(Attachment).where(Attachment.case_id == case.id, Attachment.uid == attachment_uid)
    ).first()
    if attachment is None:
        raise cases.CaseNotFound
    try:
        meta = cases.read_attachment_meta(case, attachment, content_key)
        stream = storage.open_plaintext(upload_dir, attachment.stored_name, meta.file_key)
        first = next(stream)
    except (OSError, crypto.CryptoError, StopIteration) as error:
        raise AttachmentUnavailable from error
    audit.record(db, "attachment_downloaded", audit.STAFF, reader.id, case.id, f"file={attachment.uid}")
    return meta, itertools.chain([first], stream)


_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")


def _ascii_part(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _UNSAFE_ASCII.sub("_", plain).strip("._-")


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the real name as RFC 5987 ``filename*``."""
    clean = safe_filename(name)
    stem, dot, extension = clean.rpartition(".")
    if not dot:
        stem, extension = clean, ""
    ascii_extension = _ascii_part(extension)
    ascii_name = (_ascii_part(stem) or "evidence") + (f".{ascii_extension}" if ascii_extension else "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(clean, safe='')}"
