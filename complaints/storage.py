"""Encrypted evidence files on disk: encrypted from the first uploaded byte, moved in with the commit.

Each file gets its own random key. The upload stream encrypts into ``<name>.partial`` while the
request is still being parsed, so Werkzeug never spools plaintext to a temp file; the file key
is stored encrypted under the case key, and :func:`commit_with_files` — the one place files move
into place — renames the files and commits the rows that name them as one step.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from complaints import contexts, crypto

PARTIAL_SUFFIX = ".partial"


class TooManyFiles(RequestEntityTooLarge):
    """More files were sent than the settings allow."""

    description = "too_many_files"


class FileTooLarge(RequestEntityTooLarge):
    """One file is larger than the settings allow."""

    description = "file_too_large"


@dataclass
class SurplusFile:
    """A file part beyond the number allowed: read and dropped, only its size counted."""

    sent_bytes: int = 0

    def write(self, data: bytes) -> int:
        self.sent_bytes += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def tell(self) -> int:
        return self.sent_bytes

    def read(self, *_args: Any) -> bytes:
        return b""

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    @property
    def closed(self) -> bool:
        return False


def file_context(stored_name: str) -> str:
    """The associated-data prefix of a stored file's chunks."""
    return contexts.stored_file(stored_name)


DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


@dataclass
class EncryptedUpload:
    """A file being written encrypted under its own key; behaves like a writable stream."""

    directory: Path
    max_bytes: int
    key: bytes = field(default_factory=crypto.new_data_key)
    stored_name: str = field(default_factory=lambda: crypto.random_token(24))
    finished: bool = False
    # The disk refused a write (ENOSPC, EDQUOT): the rest of the file is dropped, the part deleted.
    failed: bool = False
    # The file is larger than ``max_bytes``: the part is deleted at once and the rest of the file is
    # read and dropped, so the text fields sent with it still arrive and the form can come back.
    too_large: bool = False
    # Every byte the browser sent for this file, kept or not (to say how big a refused file was).
    sent_bytes: int = 0
    _rewritten_size: int | None = field(default=None, init=False, repr=False)
    _handle: IO[bytes] = field(init=False, repr=False)
    _encryptor: crypto.FileEncryptor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.partial_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._handle = os.fdopen(fd, "wb")
        self._encryptor = crypto.FileEncryptor(self.key, file_context(self.stored_name), self._handle)

    @property
    def partial_path(self) -> Path:
        return self.directory / (self.stored_name + PARTIAL_SUFFIX)

    @property
    def final_path(self) -> Path:
        return self.directory / self.stored_name

    @property
    def size(self) -> int:
        if self._rewritten_size is not None:
            return self._rewritten_size
        return self._encryptor.plaintext_bytes

    def write(self, data: bytes) -> int:
        self.sent_bytes += len(data)
        if self.failed or self.too_large:
            return len(data)  # keep reading the body, so the text fields after the file arrive
        if self._encryptor.plaintext_bytes + len(data) > self.max_bytes:
            self.too_large = True
            self._drop_the_part()
            return len(data)
        try:
            return self._encryptor.write(bytes(data))
        except OSError as error:
            if error.errno not in DISK_FULL:
                raise
            self._give_up()
            return len(data)

    def _give_up(self) -> None:
        """The disk is full: close and delete the part now, so nothing half-written stays."""
        self.failed = True
        self._drop_the_part()

    def _drop_the_part(self) -> None:
        self.finished = True
        with contextlib.suppress(OSError):
            self._handle.close()
        self.partial_path.unlink(missing_ok=True)

    def seek(self, offset: int, whence: int = 0) -> int:
        """Werkzeug rewinds a part when it ends: that is the moment to seal the last chunk."""
        self.finish()
        return 0

    def tell(self) -> int:
        return self.size

    def read(self, *_args: Any) -> bytes:
        return b""  # plaintext is never read back from an upload in flight

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self.finish()

    @property
    def closed(self) -> bool:
        return self.finished

    def finish(self) -> None:
        """Encrypt the last chunk and close the partial file (a full disk marks it failed)."""
        if self.finished:
            return
        try:
            self._encryptor.finish()
            self._handle.close()
        except OSError as error:
            if error.errno not in DISK_FULL:
                raise
            self._give_up()
            return
        self.finished = True

    def discard(self) -> None:
        """Remove the partial file (the submission failed or was invalid), even on a full disk."""
        try:
            self.finish()
        except OSError:  # the disk refused the last chunk: close what is open and drop it all
            self.finished = True
            with contextlib.suppress(OSError):
                self._handle.close()
        finally:
            self.partial_path.unlink(missing_ok=True)

    def rewrite(self, wanted: Callable[[bytes], bool], transform: Callable[[bytes], bytes]) -> bool:
        """Replace the finished file's plaintext by ``transform(plaintext)`` when ``wanted`` says
        so from its first bytes; returns whether it changed. The new contents are encrypted
        under a fresh key into a second partial file that then replaces the first, so a failure
        at any point leaves one whole partial file (which the caller discards as usual)."""
        self.finish()
        with self.partial_path.open("rb") as handle:
            chunks = crypto.decrypt_stream(self.key, file_context(self.stored_name), handle)
            first = next(chunks, b"")
            if not wanted(first):
                return False
            plaintext = first + b"".join(chunks)
        changed = transform(plaintext)
        if changed == plaintext:
            return False
        key = crypto.new_data_key()
        staging = self.directory / (self.stored_name + ".rewrite" + PARTIAL_SUFFIX)
        try:
            fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as sink:
                crypto.encrypt_stream(key, file_context(self.stored_name), [changed], sink)
            os.replace(staging, self.partial_path)
        except BaseException:
            staging.unlink(missing_ok=True)
            raise
        self.key = key
        self._rewritten_size = len(changed)
        return True

    def promote(self) -> None:
        """Move the finished file into place (only :func:`commit_with_files` calls this)."""
        self.finish()
        os.replace(self.partial_path, self.final_path)


def commit_with_files(db: Session, uploads: Sequence[EncryptedUpload]) -> None:
    """Move every file into place, then commit the rows that name them: both or neither.

    Files go in first, so a committed row always has its file. If a move or the commit fails,
    the transaction is rolled back, the files already moved are removed again, and the error is
    raised for the caller's error page. A process killed between the moves and the commit leaves
    files that no row names: ``flask storage cleanup`` removes those (:func:`remove_orphans`).
    """
    placed: list[EncryptedUpload] = []
    try:
        for upload in uploads:
            upload.promote()
            placed.append(upload)
        db.commit()
    except BaseException:
        db.rollback()
        for upload in placed:
            upload.final_path.unlink(missing_ok=True)
        for upload in uploads:
            upload.discard()
        raise


def open_plaintext(directory: Path, stored_name: str, key: bytes) -> Iterator[bytes]:
    """Stream a stored file's plaintext, chunk by chunk, checking every chunk."""
    with (directory / stored_name).open("rb") as handle:
        yield from crypto.decrypt_stream(key, file_context(stored_name), handle)


def remove(directory: Path, stored_name: str) -> None:
    """Delete a stored file (retention, or a rolled-back attachment)."""
    (directory / stored_name).unlink(missing_ok=True)


def remove_orphans(
    directory: Path, is_referenced: Callable[[str], bool], older_than_seconds: float, now: float
) -> int:
    """Delete files older than the grace period that no attachment row names; returns how many.

    These are ``.partial`` uploads of requests that broke off, and files moved into place by a
    process killed before its commit. A file a row names is never touched, however old.
    """
    removed = 0
    if not directory.exists():
        return 0
    for path in directory.iterdir():
        if not path.is_file() or now - path.stat().st_mtime <= older_than_seconds:
            continue
        if path.name.endswith(PARTIAL_SUFFIX) or not is_referenced(path.name):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
