"""Which uploaded files count as evidence, and the names they keep.

The request's stream factory (:class:`complaints.security.UploadRequest`) has already encrypted
every file part to disk; here the parts that carry nothing are dropped, photos lose their
metadata (:mod:`.metadata`) and the rest are named.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from complaints import settings
from complaints.cases import EvidenceFile
from complaints.i18n import gettext as _
from complaints.reporting import metadata, salvage
from complaints.storage import EncryptedUpload, FileTooLarge, SurplusFile, TooManyFiles

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


@dataclass(frozen=True)
class RefusedFiles:
    """Files the limits refused while they streamed in. None of the form's files are kept then;
    the form comes back with its text, naming what was too big or saying how many were chosen."""

    chosen: int
    # (safe name, bytes sent) of each file over the size limit, in the order they were chosen.
    too_large: tuple[tuple[str, int], ...] = ()
    too_many: bool = False
    # The whole request was over ``MAX_CONTENT_LENGTH`` (its size): refused before it was read.
    too_much_in_all: int = 0


def refused_files(files: Iterable[FileStorage]) -> RefusedFiles | None:
    """What the limits refused among the uploaded files, or None when they all fit."""
    chosen = [item for item in files if item.filename]
    too_large = tuple(
        (safe_filename(item.filename or ""), item.stream.sent_bytes)
        for item in chosen
        if isinstance(item.stream, EncryptedUpload) and item.stream.too_large
    )
    too_many = any(isinstance(item.stream, SurplusFile) for item in chosen)
    if not too_large and not too_many:
        return None
    return RefusedFiles(chosen=len(chosen), too_large=too_large, too_many=too_many)


def read_back_too_large(environ: dict[str, Any], declared: int) -> tuple[MultiDict[str, str], RefusedFiles]:
    """A request over ``MAX_CONTENT_LENGTH``, refused unread: its text read back, and at most one
    file's worth more, to name a file that is over the limit on its own."""
    limit = settings.max_attachment_bytes()
    salvaged = salvage.salvage_form(environ, read_cap=salvage.TEXT_BYTES_CAP + limit + 1)
    refused = RefusedFiles(
        chosen=len(salvaged.files),
        too_large=tuple((safe_filename(name), 0) for name, size in salvaged.files if size > limit),
        too_much_in_all=declared,
    )
    return salvaged.fields, refused


def megabytes(size: int) -> str:
    """A size in MB with one decimal, rounded up (so a file just over 20 MB never shows "20.0")."""
    return f"{math.ceil(size * 10 / 1048576) / 10:.1f}"


def limit_megabytes(size: int) -> str:
    """A configured limit in MB: whole when it is (20), else with one decimal (0.5)."""
    return str(size // 1048576) if size % 1048576 == 0 else f"{size / 1048576:.1f}"


def refusal_messages(refused: RefusedFiles) -> list[str]:
    """What to change, said at the file input: which file was too big, or how many were chosen."""
    limit = limit_megabytes(settings.max_attachment_bytes())
    messages = [
        _(
            "“%(name)s” is %(size)s MB: each file may be at most %(max)s MB.",
            name=name,
            size=megabytes(size),
            max=limit,
        )
        if size
        else _("“%(name)s” is larger than %(max)s MB, the most one file may be.", name=name, max=limit)
        for name, size in refused.too_large
    ]
    if refused.too_many:
        messages.append(
            _(
                "You chose %(count)s files: at most %(max)s can be sent at once.",
                count=refused.chosen,
                max=settings.max_attachments(),
            )
        )
    if refused.too_much_in_all:
        messages.append(
            _(
                "Altogether %(size)s MB was sent: at most %(max)s MB can be sent at once.",
                size=megabytes(refused.too_much_in_all),
                max=limit_megabytes(settings.max_request_bytes()),
            )
        )
    messages.append(_("Please choose the files again: a form that comes back keeps no files."))
    return messages


def disk_refused(files: Iterable[FileStorage]) -> bool:
    """Whether the server's disk had no room for one of the files (the text is kept, the page says so)."""
    return any(isinstance(item.stream, EncryptedUpload) and item.stream.failed for item in files)


def any_file_sent(files: Iterable[FileStorage]) -> bool:
    """Whether a refused form came with files (they are dropped: the page says to attach again)."""
    return bool(_carrying_a_file(files))


def evidence_from(files: Iterable[FileStorage]) -> list[EvidenceFile]:
    """The files to file as evidence: cleaned of their maker's metadata, safely named. A form that
    did not look at :func:`refused_files` gets the plain 413 page rather than a file dropped."""
    files = list(files)
    refused = refused_files(files)
    if refused is not None:
        raise TooManyFiles if refused.too_many else FileTooLarge
    evidence = []
    for item, upload in _carrying_a_file(files):
        cleaned = upload.rewrite(metadata.is_cleanable, metadata.strip)
        content_type = (item.mimetype or "application/octet-stream")[:CONTENT_TYPE_MAX]
        evidence.append(EvidenceFile(upload, safe_filename(item.filename or ""), content_type, cleaned))
    return evidence
