"""Faults end in a clear page and lose nothing (issue 11, findings 1, 4, 5): a full disk, a
database that refuses connections, a Redis that is gone. Each is injected for real in-process."""

from __future__ import annotations

import errno
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from complaints import crypto
from complaints.db import engine_of, new_session
from complaints.models import Case
from tests.conftest import (
    LEAD_PASSWORD,
    RECEIPT_IN_PAGE,
    all_files_under,
    csrf_token_from,
    make_config,
    report_fields,
    staff_login,
    submit_report,
)

TYPED = "ปลัดเทศบาลสั่งให้แก้ใบเสร็จ ข้อความที่ต้องไม่หาย 7f3a"
DEAD_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


def _cases(app: Flask) -> int:
    with new_session(app) as db:
        return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def test_a_full_disk_keeps_the_text_says_why_and_the_next_upload_works(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = crypto.FileEncryptor.write

    def disk_full(self: Any, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(crypto.FileEncryptor, "write", disk_full)
    refused = submit_report(client, files=(("letter.pdf", b"%PDF-1.4 " + b"x" * 200_000),), description=TYPED)
    assert refused.status_code == 507
    assert 'id="outage-notice"' in refused.text
    assert TYPED in refused.text  # every word typed is on the page again
    assert _cases(app) == 0
    assert [p for p in all_files_under(Path(app.config["UPLOAD_DIR"])) if p.suffix == ".partial"] == []
    monkeypatch.setattr(crypto.FileEncryptor, "write", real_write)
    accepted = submit_report(client, files=(("small.pdf", b"%PDF-1.4 small"),), description=TYPED)
    assert accepted.status_code == 200
    assert RECEIPT_IN_PAGE.search(accepted.text)
    assert _cases(app) == 1


def test_a_database_that_refuses_connections_gets_a_503_that_keeps_the_report(
    app: Flask, client: FlaskClient
) -> None:
    form = client.get("/report")
    factory = app.extensions["complaints.db"]
    dead = create_engine(DEAD_POSTGRES)
    app.extensions["complaints.db"] = sessionmaker(bind=dead, expire_on_commit=False)
    try:
        data = {"csrf_token": csrf_token_from(form.text), **report_fields(description=TYPED)}
        refused = client.post("/report", data=data, content_type="multipart/form-data")
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "30"
        assert TYPED in refused.text
        assert "ระบบขัดข้องชั่วคราว" in refused.text
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json == {"database": "unavailable", "rate_limits": "ok", "uploads": "ok"}
        assert client.get("/healthz").status_code == 503
        staff = client.get("/staff/login")
        assert staff.status_code in (200, 503)
        assert "Traceback" not in staff.text
        queue = app.test_client().get("/follow-up")
        assert queue.status_code in (200, 503)
    finally:
        app.extensions["complaints.db"] = factory
        dead.dispose()
    again = client.post(
        "/report",
        data={"csrf_token": csrf_token_from(client.get("/report").text), **report_fields(description=TYPED)},
        content_type="multipart/form-data",
    )
    assert again.status_code == 200  # back by itself once the database answers
    assert client.get("/readyz").json == {"database": "ok", "rate_limits": "ok", "uploads": "ok"}


@pytest.fixture
def redis_gone(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    from complaints import create_app

    config = make_config(
        tmp_path, database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", RATELIMIT_REPORT="2 per hour"
    )
    application = create_app(config, instance_path=str(tmp_path / "instance"))
    result = application.test_cli_runner().invoke(
        args=["init", "--lead", "lead", "--password-stdin"], input=LEAD_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    application.config["TEST_LEAD_TOTP_SECRET"] = result.output.split("totp-secret: ")[1].split()[0]
    yield application
    engine_of(application).dispose()


def test_without_redis_reports_are_still_accepted_and_limits_still_count(redis_gone: Flask) -> None:
    client = redis_gone.test_client()
    answers = [submit_report(client, description=TYPED).status_code for _ in range(3)]
    assert answers == [200, 200, 429]  # counted in the process instead of refused
    assert _cases(redis_gone) == 2
    lead = redis_gone.test_client()
    assert (
        staff_login(lead, "lead", LEAD_PASSWORD, redis_gone.config["TEST_LEAD_TOTP_SECRET"]).status_code
        == 302
    )
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["rate_limits"] == "unavailable"
    assert client.get("/healthz").status_code == 200  # liveness: the app itself answers


def test_without_redis_mistakes_still_do_not_spend_the_limit(redis_gone: Flask) -> None:
    """The in-process fallback keeps both buckets: corrected mistakes cost nothing there either."""
    client = redis_gone.test_client()
    mistakes = [submit_report(client, description="สั้น").status_code for _ in range(4)]
    answers = [submit_report(client, description=TYPED).status_code for _ in range(3)]
    assert mistakes == [422] * 4
    assert answers == [200, 200, 429]
    assert _cases(redis_gone) == 2


def test_follow_up_files_that_cannot_be_stored_add_nothing_and_keep_the_note(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from complaints import cases
    from complaints.models import Attachment, AuditEvent, Message, ReporterAuditEvent
    from complaints.storage import EncryptedUpload
    from tests.conftest import file_case, log_in_reporter

    case_id, receipt = file_case(app, cases.ReportContent(description="x"))
    assert log_in_reporter(client, receipt).status_code == 302
    page = client.get("/follow-up/case")

    def refuse(_self: EncryptedUpload) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(EncryptedUpload, "promote", refuse)
    note = "หมายเหตุที่ต้องไม่หาย 44d1"
    response = client.post(
        "/follow-up/evidence",
        data={
            "csrf_token": csrf_token_from(page.text),
            "note": note,
            "attachments": [(io.BytesIO(b"%PDF-1.4 x"), "more.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    assert 'id="files-not-stored"' in response.text
    assert note in response.text
    with new_session(app) as db:
        for table in (Attachment, Message):
            assert db.scalar(select(func.count()).select_from(table).where(table.case_id == case_id)) == 0
        added = (
            select(func.count())
            .select_from(ReporterAuditEvent)
            .where(ReporterAuditEvent.action == "reporter_evidence_added")
        )
        assert db.scalar(added) == 0
        assert (
            db.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "reporter_evidence_added")
            )
            == 0
        )
    assert [p for p in all_files_under(Path(app.config["UPLOAD_DIR"])) if p.suffix == ".partial"] == []
