"""Which uploaded files count as evidence, and the names they keep.

The request's stream factory (:class:`complaints.security.UploadRequest`) has already encrypted
every file part to disk; here the parts that carry nothing are dropped, photos lose their
metadata (:mod:`.metadata`) and the rest are named.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from werkzeug.datastructures import FileStorage

from complaints.cases import EvidenceFile
from complaints.reporting import metadata
from complaints.storage import EncryptedUpload

FILENAME_MAX = 150
CONTENT_TYPE_MAX = 100
_FORBIDDEN_IN_NAMES = set('"<>:|?*')


def safe_filename(name: str) -> str:
    """The last path component only (old browsers send ``C:\\Users\\<name>\\…``), without control
    characters, quotes or characters Windows refuses; kept in Thai if it is Thai."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(
        ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in _FORBIDDEN_IN_NAMES
    )
    return cleaned.strip(" .")[:FILENAME_MAX] or "evidence"


def _carrying_a_file(files: Iterable[FileStorage]) -> list[tuple[FileStorage, EncryptedUpload]]:
    """The uploads that really carry a file (an empty file input or a 0-byte file carries nothing;
    the request's teardown removes its encrypted stub)."""
    carrying: list[tuple[FileStorage, EncryptedUpload]] = []
    for item in files:
        upload = item.stream
        if not item.filename or not isinstance(upload, EncryptedUpload):
            continue
        upload.finish()
        if upload.size > 0 and not upload.failed:
            carrying.append((item, upload))
    return carrying


def disk_refused(files: Iterable[FileStorage]) -> bool:
    """Whether the server's disk had no room for one of the files (the text is kept, the page says so)."""
    return any(isinstance(item.stream, EncryptedUpload) and item.stream.failed for item in files)


def any_file_sent(files: Iterable[FileStorage]) -> bool:
    """Whether a refused form came with files (they are dropped: the page says to attach again)."""
    return bool(_carrying_a_file(files))


def evidence_from(files: Iterable[FileStorage]) -> list[EvidenceFile]:
    """The files to file as evidence: cleaned of their maker's metadata, safely named."""
    evidence = []
    for item, upload in _carrying_a_file(files):
        cleaned = upload.rewrite(metadata.is_cleanable, metadata.strip)
        content_type = (item.mimetype or "application/octet-stream")[:CONTENT_TYPE_MAX]
        evidence.append(EvidenceFile(upload, safe_filename(item.filename or ""), content_type, cleaned))
    return evidence
