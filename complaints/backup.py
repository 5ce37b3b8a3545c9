"""Backup and restore: one archive with a consistent copy of the database and the encrypted uploads.

The archive (a tar file) holds ``manifest.json``, one JSON-lines file per table (binary columns
in base64) and ``uploads/<name>`` for every stored file — nothing that is not already ciphertext
or public metadata: no secret from ``instance/config.py``, no recovery code. The rows are read in
one repeatable-read transaction (PostgreSQL) or one read transaction (SQLite, whose WAL keeps the
snapshot), so they agree with each other; a file added during the backup and not yet named by a
row is simply not in it.

``restore`` brings an archive up on a fresh install that has only the old ``instance/config.py``
put back (no ``init``): it creates the schema, loads the rows, puts the files in place, sets the
identity sequences, and writes into the audit chain that a restore happened. It refuses a database
that already holds anything. The same archive restores into SQLite or PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, DateTime, LargeBinary, MetaData, Table, func, insert, select, text
from sqlalchemy.engine import Engine

from complaints.models import Base

FORMAT = "complaints-backup/1"
_BATCH = 1000


class BackupRefused(Exception):
    """The archive cannot be made or restored here; the message says why."""


@dataclass(frozen=True)
class BackupSummary:
    """What an archive holds."""

    path: Path
    tables: dict[str, int]
    files: int
    size: int
    seconds: float


# Kept by database triggers from the cases: restoring the cases rebuilds it.
DERIVED_TABLES = frozenset({"case_status_counts"})


def _tables(metadata: MetaData) -> list[Table]:
    """Every table but the derived ones, in dependency order (parents before children)."""
    return [table for table in metadata.sorted_tables if table.name not in DERIVED_TABLES]


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decode(value: Any, column_type: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value["b64"])
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    return value


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> str:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
    archive.addfile(info, io.BytesIO(data))
    return hashlib.sha256(data).hexdigest()


def _rows(connection: Connection, table: Table) -> Iterator[bytes]:
    for row in connection.execute(select(table).order_by(*table.primary_key.columns)).mappings():
        yield (
            json.dumps({key: _encode(value) for key, value in row.items()}, ensure_ascii=False).encode()
            + b"\n"
        )


def _snapshot(engine: Engine) -> Connection:
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    connection.begin()
    return connection


def create(engine: Engine, upload_dir: Path, path: Path) -> BackupSummary:
    """Write the archive to ``path`` (created 0600; refused if it exists)."""
    started = time.perf_counter()
    if path.exists():
        raise BackupRefused(f"{path} exists already")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    counts: dict[str, int] = {}
    digests: dict[str, str] = {}
    with os.fdopen(fd, "wb") as sink, tarfile.open(fileobj=sink, mode="w:gz") as archive:
        connection = _snapshot(engine)
        try:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            names = set()
            for table in _tables(Base.metadata):
                lines = list(_rows(connection, table))
                counts[table.name] = len(lines)
                digests[f"tables/{table.name}.jsonl"] = _add(
                    archive, f"tables/{table.name}.jsonl", b"".join(lines)
                )
                if table.name == "attachments":
                    names = {json.loads(line)["stored_name"] for line in lines}
        finally:
            connection.rollback()
            connection.close()
        for name in sorted(names):
            stored = upload_dir / name
            if stored.is_file():
                digests[f"uploads/{name}"] = _add(archive, f"uploads/{name}", stored.read_bytes())
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "alembic_revision": revision,
            "tables": counts,
            "sha256": digests,
        }
        _add(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
    files = sum(1 for key in digests if key.startswith("uploads/"))
    return BackupSummary(path, counts, files, path.stat().st_size, time.perf_counter() - started)


def read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    """The archive's manifest, checked for its format."""
    member = archive.extractfile("manifest.json")
    if member is None:
        raise BackupRefused("not a backup archive (no manifest)")
    manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupRefused(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _member(archive: tarfile.TarFile, name: str, manifest: dict[str, Any]) -> bytes:
    extracted = archive.extractfile(name)
    if extracted is None:
        raise BackupRefused(f"{name} is missing from the archive")
    data = extracted.read()
    if hashlib.sha256(data).hexdigest() != manifest["sha256"].get(name):
        raise BackupRefused(f"{name} is damaged (its checksum does not match)")
    return data


def is_empty(engine: Engine) -> bool:
    """Whether the database holds no staff account and no case (a fresh install, before init)."""
    with engine.connect() as connection:
        for table in ("staff_users", "cases"):
            try:
                if connection.execute(select(func.count()).select_from(text(table))).scalar_one():
                    return False
            except Exception:  # the table does not exist yet: empty
                connection.rollback()
    return True


def load(engine: Engine, upload_dir: Path, path: Path) -> dict[str, Any]:
    """Load an archive into an empty database whose schema is at the archive's revision."""
    with tarfile.open(path, mode="r:gz") as archive:
        manifest = read_manifest(archive)
        with engine.begin() as connection:
            for table in _tables(Base.metadata):
                name = f"tables/{table.name}.jsonl"
                if name not in manifest["sha256"]:
                    continue
                types = {column.name: column.type for column in table.columns}
                batch = []
                for line in _member(archive, name, manifest).splitlines():
                    raw = json.loads(line)
                    batch.append(
                        {key: _decode(value, types[key]) for key, value in raw.items() if key in types}
                    )
                    if len(batch) == _BATCH:
                        connection.execute(insert(table), batch)
                        batch = []
                if batch:
                    connection.execute(insert(table), batch)
            _reset_sequences(connection)
        upload_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name in manifest["sha256"]:
            if name.startswith("uploads/"):
                target = upload_dir / Path(name).name
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as sink:
                    sink.write(_member(archive, name, manifest))
    return manifest


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL's identity sequences continue after the highest restored id."""
    if connection.dialect.name != "postgresql":
        return
    for table in _tables(Base.metadata):
        if "id" not in table.columns or [column.name for column in table.primary_key.columns] != ["id"]:
            continue
        if table.columns["id"].type.python_type is not int:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - names from our own metadata
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )
