"""The one intake path: every door (the citizen's form, the officer's offline intake, the reporter's
"add evidence") files through the same fields, evidence rule and file move, and a move that
fails or a process killed between move and commit leaves nothing half-stored."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import audit, cases, storage
from complaints.dates import today
from complaints.db import new_session
from complaints.models import Attachment, Case, Message
from complaints.public.forms import ReportForm
from complaints.reporting.evidence import safe_filename
from complaints.staff.forms import IntakeForm
from complaints.storage import PARTIAL_SUFFIX, EncryptedUpload
from tests.conftest import (
    all_files_under,
    csrf_token_from,
    file_case,
    log_in_reporter,
    stored_counts,
    submit_report,
)

NOTE_MARKER = "NOTE-หลักฐานเพิ่ม-5e1a"
# Runs in a child process: a file is moved into place, then the process dies before its commit.
KILLED_BETWEEN_MOVE_AND_COMMIT = """
import os, signal, sys
from pathlib import Path
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from complaints import storage

class KilledAtCommit(Session):
    def commit(self):
        os.kill(os.getpid(), signal.SIGKILL)

upload = storage.EncryptedUpload(Path(sys.argv[1]), 1024)
upload.write(b"never committed")
storage.commit_with_files(KilledAtCommit(create_engine(sys.argv[2])), [upload])
"""


def _refuse_to_move(monkeypatch: pytest.MonkeyPatch, after: int = 0) -> None:
    """Make the rename into place fail (a read-only or full disk), optionally after some succeed."""
    real_replace = os.replace
    moved: list[str] = []

    def replace(source: Any, target: Any) -> None:
        if str(source).endswith(PARTIAL_SUFFIX):
            if len(moved) >= after:
                raise OSError("read-only file system")
            moved.append(str(target))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)


def _intake(client: FlaskClient, files: list[tuple[bytes, str]]) -> int:
    token = csrf_token_from(client.get("/staff/intake").text)
    data: dict[str, Any] = {
        "csrf_token": token,
        "channel": "letter",
        "received_on": (today() - timedelta(days=1)).isoformat(),
        "category": "procurement",
        "department": "engineering",
        "description": "จดหมายร้องเรียน",
        "disclosure": "anonymous",
        "attachments": [(io.BytesIO(content), name, "application/pdf") for content, name in files],
    }
    return client.post("/staff/intake", data=data, content_type="multipart/form-data").status_code


def _audit_clean(app: Flask) -> None:
    with app.app_context(), new_session(app) as db:
        assert audit.verify(db) == []


def test_public_form_a_failed_second_move_stores_nothing(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _refuse_to_move(monkeypatch, after=1)  # the first file is already in place when the second fails
    response = submit_report(client, files=(("a.txt", b"evidence"), ("b.txt", b"more")))
    assert response.status_code == 503  # the form comes back with what was typed (issue 11)
    assert 'id="outage-notice"' in response.text
    assert 'id="receipt"' not in response.text
    assert stored_counts(app) == {name: 0 for name in stored_counts(app)}
    _audit_clean(app)
    monkeypatch.undo()
    assert submit_report(client).status_code == 200
    with new_session(app) as db:  # the rolled-back attempt left no gap in the numbers
        assert db.scalars(select(Case.number)).one().endswith("-0001")


def test_offline_intake_a_failed_move_stores_nothing(
    app: Flask, lead_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _refuse_to_move(monkeypatch)
    assert _intake(lead_client, [(b"%PDF scanned", "letter.pdf")]) == 500
    with new_session(app) as db:
        assert db.scalars(select(Case)).all() == []
        assert db.scalars(select(Attachment)).all() == []
    assert all_files_under(Path(app.config["UPLOAD_DIR"])) == []
    _audit_clean(app)


def test_add_evidence_a_failed_move_keeps_neither_the_files_nor_the_note(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    case_id, receipt = file_case(app, cases.ReportContent(description="รถของเทศบาล"))
    assert log_in_reporter(client, receipt).status_code == 302
    before = stored_counts(app)
    _refuse_to_move(monkeypatch)
    token = csrf_token_from(client.get("/follow-up/case").text)
    response = client.post(
        "/follow-up/evidence",
        data={"csrf_token": token, "note": NOTE_MARKER, "attachments": [(io.BytesIO(b"photo"), "p.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    assert NOTE_MARKER in response.text  # the note is kept on the page, not stored
    assert stored_counts(app) == before
    with new_session(app) as db:
        assert db.scalars(select(Message).where(Message.case_id == case_id)).all() == []
    _audit_clean(app)
    with app.app_context(), new_session(app) as db:
        assert "reporter_evidence_added" not in [entry.action for entry in audit.recent_reporter_days(db)]


def test_a_kill_between_move_and_commit_leaves_only_a_file_that_cleanup_removes(
    app: Flask, client: FlaskClient
) -> None:
    """The file is in place before the commit, so a committed row always has its file; a process
    killed before its commit leaves a file no row names, and only such files are cleaned up."""
    assert submit_report(client, files=(("kept.txt", b"committed evidence"),)).status_code == 200
    upload_dir = Path(app.config["UPLOAD_DIR"])
    killed = subprocess.run(  # our own interpreter running the script above
        [sys.executable, "-c", KILLED_BETWEEN_MOVE_AND_COMMIT, str(upload_dir), app.config["DATABASE_URL"]],
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL
    with new_session(app) as db:
        kept = db.scalars(select(Attachment.stored_name)).one()
    assert len(all_files_under(upload_dir)) == 2
    fresh = app.test_cli_runner().invoke(args=["storage", "cleanup"])
    assert "removed 0 " in fresh.output  # within the grace period nothing goes
    stale = time.time() - 3 * 24 * 3600
    for path in all_files_under(upload_dir):
        os.utime(path, (stale, stale))  # every file is old now, the committed one too
    result = app.test_cli_runner().invoke(args=["storage", "cleanup"])
    assert result.exit_code == 0, result.output
    assert "removed 1 " in result.output
    assert {path.name for path in all_files_under(upload_dir)} == {kept}
    assert client.get("/").status_code == 200


def test_commit_failure_removes_files_already_moved(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    upload_dir = Path(app.config["UPLOAD_DIR"])
    upload = EncryptedUpload(upload_dir, 1024)
    upload.write(b"data")

    def failing_commit(_db: Any) -> None:
        raise RuntimeError("database went away")

    with app.app_context(), new_session(app) as db:
        monkeypatch.setattr(type(db), "commit", failing_commit)
        with pytest.raises(RuntimeError):
            storage.commit_with_files(db, [upload])
    assert all_files_under(upload_dir) == []


def test_both_forms_share_the_field_definitions_and_checks(app: Flask) -> None:
    with app.test_request_context():
        citizen, officer = ReportForm(), IntakeForm()
    shared = [
        "category",
        "department",
        "accused_name",
        "accused_position",
        "incident_date",
        "location",
        "description",
        "amount",
        "witnesses",
        "reported_elsewhere",
        "desired_action",
        "attachments",
        "disclosure",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
    ]
    for name in shared:
        ours = [type(check) for check in citizen[name].validators]
        theirs = [type(check) for check in officer[name].validators]
        assert ours == theirs, name
    # The stricter of the two old rules won: 300 characters for a name, 200 for a date.
    with app.test_request_context(
        method="POST", data={"accused_name": "ก" * 301, "incident_date": "x" * 201}
    ):
        form = IntakeForm()
        form.channel.choices = [("letter", "letter")]
        form.validate()
        assert form.accused_name.errors
        assert form.incident_date.errors


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\Users\\somchai\\Desktop\\ใบเสร็จ.pdf", "ใบเสร็จ.pdf"),
        ("../../etc/passwd", "passwd"),
        ('bad"<name>:|?*.txt', "badname.txt"),
        ("\u202egpj.exe", "gpj.exe"),
        ("  ...  ", "evidence"),
        ("ก" * 400 + ".pdf", "ก" * 150),
    ],
)
def test_one_file_name_rule_for_every_door(sent: str, kept: str) -> None:
    assert safe_filename(sent) == kept


def test_an_empty_file_is_not_evidence_on_any_door(app: Flask, client: FlaskClient) -> None:
    assert submit_report(client, files=(("empty.txt", b""), ("real.txt", b"x"))).status_code == 200
    with new_session(app) as db:
        assert len(db.scalars(select(Attachment)).all()) == 1


@pytest.mark.parametrize(
    ("channel", "days"),
    [
        ("online", {}),
        ("letter", {}),
        ("online", {"first_feedback": 90, "final_feedback": 90}),  # a tie: the first started wins
        ("letter", {"acknowledge": 90, "first_feedback": 90, "final_feedback": 90}),
    ],
)
def test_a_new_case_gets_the_clocks_and_deadline_the_clock_rules_give(
    app: Flask, channel: str, days: dict[str, int]
) -> None:
    """store_case sets the first clocks without a query; the query-based rules agree with it."""
    from complaints import clocks

    app.config["DEADLINE_DAYS"] = {**app.config["DEADLINE_DAYS"], **days}
    case_id, _receipt = file_case(app, cases.ReportContent(description="x" * 40), channel=channel)
    with new_session(app) as db:
        case = db.get(Case, case_id)
        assert case is not None
        stored = [(row.clock, row.due_on, row.ended_on, row.state) for row in clocks.clocks_of(db, case)]
        filed_deadline = (case.next_deadline_on, case.next_deadline_kind)
        clocks.refresh_next_deadline(db, case)
        assert (case.next_deadline_on, case.next_deadline_kind) == filed_deadline
    calendar = clocks.Calendar(days=app.config["DEADLINE_DAYS"], is_holiday=lambda _day: False)
    acknowledged = channel == "online"
    assert stored == [
        (
            "acknowledge",
            calendar.due("acknowledge", today()),
            today() if acknowledged else None,
            "met" if acknowledged else "running",
        ),
        ("first_feedback", calendar.due("first_feedback", today()), None, "running"),
        ("final_feedback", calendar.due("final_feedback", today()), None, "running"),
    ]
