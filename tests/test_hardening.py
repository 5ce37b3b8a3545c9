"""Findings of the outside review that are not about keys: each test failed on the code before its
fix (issue 9, findings 6–10): 500s on odd input, an existence oracle, world-readable database
files, addresses in gunicorn's error log, and per-worker rate limits under gunicorn."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases
from complaints.dates import today
from complaints.db import new_session
from complaints.models import Case
from tests.conftest import (
    OFFICER_PASSWORD,
    POSTGRES_URL,
    create_staff,
    csrf_token_from,
    file_case,
    staff_login,
)

ROOT = Path(__file__).resolve().parent.parent


def test_a_newline_in_the_language_redirect_is_not_followed(client: FlaskClient) -> None:
    for target in ("/%0aX", "/%0d%0aSet-Cookie:%20x=1", "/\\evil.example"):
        response = client.get(f"/lang/en?next={target}")
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/", target


def test_a_twenty_digit_reveal_id_is_a_404(lead_client: FlaskClient) -> None:
    token = csrf_token_from(lead_client.get("/staff/reveals").text)
    for request_id in ("99999999999999999999", "๑๒", "-1"):
        for verb in ("approve", "decline"):
            response = lead_client.post(f"/staff/reveals/{request_id}/{verb}", data={"csrf_token": token})
            assert response.status_code == 404, (request_id, verb)


def test_an_offline_report_cannot_be_dated_to_year_one(app: Flask, lead_client: FlaskClient) -> None:
    form = lead_client.get("/staff/intake").text
    data = {
        "csrf_token": csrf_token_from(form),
        "channel": "letter",
        "category": "budget",
        "department": "finance",
        "description": "จดหมาย",
        "disclosure": "anonymous",
        "executive_subject": "no",
    }
    refused = {
        "0001-01-01": "กรุณาระบุวันที่",  # not a day anyone types for a letter received
        (today() - timedelta(days=6 * 365)).isoformat(): "ย้อนหลังเกินกำหนด",
    }
    for received_on, message in refused.items():
        response = lead_client.post("/staff/intake", data={**data, "received_on": received_on})
        assert response.status_code == 400, received_on
        assert message in response.text, received_on
    with new_session(app) as db:
        assert db.scalars(select(Case)).all() == []
    recent = (today() - timedelta(days=4 * 365)).isoformat()
    assert lead_client.post("/staff/intake", data={**data, "received_on": recent}).status_code == 200


def test_a_keyless_account_cannot_tell_which_case_numbers_exist(app: Flask) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description="มีอยู่จริง"))
    with new_session(app) as db:
        number = db.get_one(Case, case_id).number
    secret = create_staff(app, "newcomer", "officer")  # no unit key granted
    client = app.test_client()
    assert staff_login(client, "newcomer", OFFICER_PASSWORD, secret).status_code == 302
    token = csrf_token_from(client.get("/staff/").text)
    answers = {
        client.post(
            f"/staff/cases/{candidate}/conflict", data={"csrf_token": token, "confirm": "y"}
        ).status_code
        for candidate in (number, "2599-9999")
    }
    assert answers == {403}


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the SQLite file's permissions; PostgreSQL keeps its own")
def test_the_database_files_are_readable_by_the_app_only(app: Flask, client: FlaskClient) -> None:
    assert client.get("/report").status_code == 200
    database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    files = [database, *(Path(f"{database}{suffix}") for suffix in ("-wal", "-shm"))]
    assert any(path.exists() for path in files[1:])  # WAL mode is on
    for path in files:
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _gunicorn_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    instance = tmp_path / "gunicorn-instance"
    instance.mkdir()
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COMPLAINTS_INSTANCE": str(instance),
        "COMPLAINTS_DATABASE_URL": f"sqlite:///{instance / 'db.sqlite3'}",
        "COMPLAINTS_UPLOAD_DIR": str(instance / "uploads"),
        "COMPLAINTS_SECRET_KEY": "s" * 40,
        "COMPLAINTS_RECEIPT_LOOKUP_SECRET": "r" * 40,
        "COMPLAINTS_SERVER_DATA_SECRET": "d" * 40,
        **extra,
    }


def _gunicorn() -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", "python:complaints.gunicorn_conf", "wsgi:app"]


def test_gunicorns_error_log_names_no_client_address(tmp_path: Path) -> None:
    port = _free_port()
    env = _gunicorn_env(tmp_path, COMPLAINTS_BIND=f"127.0.0.1:{port}")
    process = subprocess.Popen(_gunicorn(), cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")  # line too long
                    answer = sock.recv(200)
                    sock.sendall(b"")
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"b" * 9000 + b"\r\n\r\n")
                    sock.recv(200)
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("gunicorn did not start")
        assert b" 414 " in answer or b"400" in answer
        time.sleep(0.5)
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)
    log = err.decode()
    assert "Invalid request" in log  # the errors were logged ...
    assert "127.0.0.1" not in log.replace(f"127.0.0.1:{port}", "")  # ... without the client's address


def test_gunicorn_refuses_several_workers_with_in_memory_limits(tmp_path: Path) -> None:
    env = _gunicorn_env(tmp_path, COMPLAINTS_WORKERS="3", COMPLAINTS_BIND=f"127.0.0.1:{_free_port()}")
    env.pop("COMPLAINTS_RATELIMIT_STORAGE_URI", None)
    refused = subprocess.run(_gunicorn(), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
    assert "Refusing to start several workers with in-memory rate limits" in refused.stdout + refused.stderr
    check = "import sys; sys.argv=['x']; import complaints.gunicorn_conf as c; print(c.workers, c.threads)"
    one = subprocess.run(
        [sys.executable, "-c", check],
        cwd=ROOT,
        env={**env, "COMPLAINTS_WORKERS": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert one.stdout.split() == ["1", "8"]
    default = {key: value for key, value in env.items() if key != "COMPLAINTS_WORKERS"}
    shared = subprocess.run(
        [sys.executable, "-c", check],
        cwd=ROOT,
        env={**default, "COMPLAINTS_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shared.stdout.split() == ["2", "4"]


def _start_gunicorn(tmp_path: Path, **extra: str) -> tuple[subprocess.Popen[bytes], int]:
    """The shipped gunicorn config on a free loopback port, with an initialised instance."""
    port = _free_port()
    env = _gunicorn_env(tmp_path, COMPLAINTS_BIND=f"127.0.0.1:{port}", **extra)
    init = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "init", "--lead", "lead", "--password-stdin"],
        cwd=ROOT,
        env={**env, "COMPLAINTS_ARGON2_MEMORY_KIB": "65536"},
        input=b"slow client test lead passphrase 2569\n",
        capture_output=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr.decode()
    process = subprocess.Popen(
        _gunicorn(), cwd=ROOT, env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("gunicorn did not start")


def _slow_post(port: int, source: str, path: str = "/staff/login") -> socket.socket:
    """Headers of a POST, then nothing: a client that trickles its body (bounded by the test)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 5000\r\n\r\nusername=".encode()
    )
    return sock


def _get(port: int, path: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        return int(sock.recv(64).split()[1])


def test_fifty_slow_posts_from_one_client_do_not_stop_a_citizen(tmp_path: Path) -> None:
    """Issue 9, finding 5: trickling bodies from one place take a few threads, not the service."""
    import urllib.parse
    import urllib.request

    process, port = _start_gunicorn(tmp_path)
    slow: list[socket.socket] = []
    try:
        slow = [_slow_post(port, "127.0.0.2") for _ in range(50)]
        time.sleep(1)
        started = time.monotonic()
        assert _get(port, "/healthz") == 200
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        form = opener.open(f"http://127.0.0.1:{port}/report", timeout=15).read().decode()
        fields = {
            "csrf_token": csrf_token_from(form),
            "category": "budget",
            "department": "finance",
            "description": "รายงานระหว่างมีผู้ส่งข้อมูลช้า",
            "disclosure": "anonymous",
            "executive_subject": "no",
            "consent": "y",
        }
        body = urllib.parse.urlencode(fields).encode()
        answer = opener.open(f"http://127.0.0.1:{port}/report", data=body, timeout=15).read().decode()
        assert 'id="receipt"' in answer
        assert time.monotonic() - started < 15
        refused = 0
        for sock in slow:
            sock.settimeout(0.5)
            try:
                refused += b" 429 " in sock.recv(64)
            except OSError:
                continue
        assert refused >= 40  # all but a few were turned away before their body was read
    finally:
        for sock in slow:
            sock.close()
        process.terminate()
        process.wait(timeout=30)


def test_a_body_that_stops_arriving_gets_a_timeout(tmp_path: Path) -> None:
    process, port = _start_gunicorn(
        tmp_path, COMPLAINTS_SLOW_CLIENT_GRACE_SECONDS="1", COMPLAINTS_SLOW_CLIENT_READ_TIMEOUT_SECONDS="2"
    )
    try:
        sock = _slow_post(port, "127.0.0.3", "/report")
        sock.settimeout(15)
        answer = sock.recv(64)
        sock.close()
        assert b" 408 " in answer
        assert _get(port, "/healthz") == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_worker_keeps_what_the_app_loaded_out_of_full_collections() -> None:
    """gunicorn calls post_worker_init once the worker has loaded the app: from then on those
    objects are frozen, so the collector's full passes no longer walk them."""
    check = (
        "import gc, sys; sys.argv=['x']; import complaints.gunicorn_conf as c; "
        "from complaints import create_app; before = gc.get_freeze_count(); "
        "c.post_worker_init(None); print(before, gc.get_freeze_count())"
    )
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=60)
    before, after = (int(word) for word in done.stdout.split())
    assert before == 0
    assert after > 10_000
