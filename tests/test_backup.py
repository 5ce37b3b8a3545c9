"""Backup and restore (DESIGN §6): one archive of ciphertext and metadata only, brought up on a
fresh install that has only the old config — a staff member and a reporter then read as before."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from complaints import cases, create_app
from complaints.db import engine_of
from tests.conftest import (
    LEAD_PASSWORD,
    POSTGRES_URL,
    _drop_postgres_database,
    _fresh_postgres_database,
    file_case_with_files,
    log_in_reporter,
    staff_login,
)
from tests.test_status_counts import counted, kept_counts

MARKER = "MARKER-สำรอง-2e"
EVIDENCE = b"%PDF-1.4 evidence kept across a restore " * 50


@pytest.fixture
def second_database(tmp_path: Path) -> Iterator[str]:
    """An empty database for the restored install: SQLite beside it, or a fresh PostgreSQL one."""
    if not POSTGRES_URL:
        (tmp_path / "restored").mkdir()
        yield f"sqlite:///{tmp_path / 'restored' / 'complaints.sqlite3'}"
        return
    url, name = _fresh_postgres_database(POSTGRES_URL)
    try:
        yield url
    finally:
        _drop_postgres_database(POSTGRES_URL, name)


def _restored_app(app: Flask, database: str, tmp_path: Path) -> Flask:
    """The same config.py put back (its secrets), a new database and upload folder, no init."""
    config: dict[str, Any] = {
        key: app.config[key]
        for key in ("SECRET_KEY", "RECEIPT_LOOKUP_SECRET", "SERVER_DATA_SECRET", "TESTING")
    }
    config.update(
        DATABASE_URL=database,
        UPLOAD_DIR=str(tmp_path / "restored" / "uploads"),
        RATELIMIT_STORAGE_URI="memory://",
        **{key: app.config[key] for key in app.config if key.startswith(("ARGON2_", "RECEIPT_ARGON2_"))},
    )
    (tmp_path / "restored").mkdir(exist_ok=True)
    return create_app(config, instance_path=str(tmp_path / "restored"))


def test_a_backup_restores_on_a_fresh_install_and_everything_still_opens(
    app: Flask, tmp_path: Path, second_database: str
) -> None:
    _, receipt = file_case_with_files(app, cases.ReportContent(description=MARKER), [("proof.pdf", EVIDENCE)])
    archive = tmp_path / "backup.tar.gz"
    made = app.test_cli_runner().invoke(args=["backup", "create", str(archive)])
    assert made.exit_code == 0, made.output
    assert "1 cases, 1 files" in made.output
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as opened:
        everything = b"".join(
            opened.extractfile(member).read()  # type: ignore[union-attr]  # every member is a file
            for member in opened.getmembers()
        )
    for secret in ("SECRET_KEY", "RECEIPT_LOOKUP_SECRET", "SERVER_DATA_SECRET"):
        assert str(app.config[secret]).encode() not in everything
    assert MARKER.encode() not in everything  # only ciphertext
    assert EVIDENCE[:40] not in everything
    assert app.config["TEST_RECOVERY_CODE"].encode() not in everything
    assert (
        app.test_cli_runner().invoke(args=["backup", "create", str(archive)]).exit_code == 1
    )  # no overwrite

    restored = _restored_app(app, second_database, tmp_path)
    try:
        result = restored.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "says so" in result.output
        with engine_of(restored).connect() as connection:  # rebuilt by the triggers, not doubled
            assert kept_counts(connection) == counted(connection) == {"received": 1}
        lead = restored.test_client()
        assert (
            staff_login(lead, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"]).status_code == 302
        )
        queue = lead.get("/staff/")
        number = queue.text.split('href="/staff/cases/')[1].split('"')[0]
        page = lead.get(f"/staff/cases/{number}")
        assert MARKER in page.text
        uid = page.text.split(f"/staff/cases/{number}/files/")[1].split('"')[0]
        assert lead.get(f"/staff/cases/{number}/files/{uid}").data == EVIDENCE
        reporter = restored.test_client()
        assert log_in_reporter(reporter, receipt).status_code == 302
        assert MARKER in reporter.get("/follow-up/case").text
        verified = restored.test_cli_runner().invoke(args=["audit", "verify"])
        assert verified.exit_code == 0, verified.output
        again = restored.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert again.exit_code == 1
        assert "already holds" in again.output
    finally:
        engine_of(restored).dispose()


def test_a_file_that_is_not_a_backup_is_refused(app: Flask, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as archive:
        info = tarfile.TarInfo("manifest.json")
        data = b'{"format": "something-else"}'
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    empty = tmp_path / "empty"
    empty.mkdir()
    fresh = create_app(
        {
            **{
                k: app.config[k]
                for k in ("SECRET_KEY", "RECEIPT_LOOKUP_SECRET", "SERVER_DATA_SECRET", "TESTING")
            },
            "DATABASE_URL": f"sqlite:///{empty / 'db.sqlite3'}",
            "UPLOAD_DIR": str(empty / "uploads"),
        },
        instance_path=str(empty),
    )
    result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(bogus)])
    assert result.exit_code == 1
    assert "unknown backup format" in result.output
