"""Load without loss (issue 13): the shipped gunicorn (two workers, Redis-counted limits) on a
throwaway PostgreSQL database, driven by citizens, reporters following up and legal officers in
threads; then everything sent is checked back: every receipt shown opens on exactly what was sent,
every message appears once, every file hashes the same, case numbers have no gap, the audit chain
verifies, and no plaintext is in the database dump or the upload folder. A second phase kills one
worker with SIGKILL under load and checks the same (a request cut off may fail on the client, but
nothing may be half-stored).

Production key-derivation costs (Argon2id 64 MiB for staff, 4 MiB per receipt): gunicorn runs
without test settings, as deployed, so each submission and receipt log-in spends what it spends in
production and eight threads hold their Argon2 buffers at once. The figures are printed (``-s``).

``COMPLAINTS_LOAD_SECONDS`` sets the first phase's length (default 15; e.g. 600 for a long run).
Runs on the PostgreSQL pass only: it is one test of production's database, not of SQLite.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, make_url, select

from complaints import create_app
from complaints.db import engine_of, new_session
from complaints.models import Attachment, Case
from tests.conftest import (
    LEAD_PASSWORD,
    OFFICER_PASSWORD,
    POSTGRES_URL,
    REDIS_URL,
    all_files_under,
    create_staff,
    grant_unit_key,
    require_or_skip,
)
from tests.gunicorn_server import ROOT, VENV_BIN, Server, serve
from tests.load_flows import (
    FILE_LINK,
    Crowd,
    file_report,
    follow_up,
    keep_going,
    log_in_reporter,
    log_in_staff,
    staff_turn,
)
from tests.load_users import FILE_MAGIC, MARKER, Browser, Ledger, Recorder, SentReport, dd_with

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

LOAD_SECONDS = float(os.environ.get("COMPLAINTS_LOAD_SECONDS", "15"))
KILL_PHASE_SECONDS = max(10.0, LOAD_SECONDS / 5)
LIMITS = (
    "REPORT",
    "REPORT_POSTS",
    "FOLLOWUP",
    "FOLLOWUP_POSTS",
    "STAFF_LOGIN",
    "STAFF_LOGIN_PER_CLIENT",
    "REPORTER_ACTIONS",
    "REPORTER_POSTS",
)


@dataclass
class Deployment:
    """The running server, an in-process app on the same instance (for checks), its database URL."""

    server: Server
    app: Flask
    database_url: str
    env: dict[str, str]
    officer_totp: str


@pytest.fixture
def deployment(tmp_path: Path, database_url: str) -> Iterator[Deployment]:
    if not POSTGRES_URL:
        pytest.skip("the load test runs once, in the PostgreSQL pass (COMPLAINTS_TEST_DATABASE_URL)")
    require_or_skip(bool(REDIS_URL), "COMPLAINTS_TEST_REDIS_URL is not set")
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {
        "COMPLAINTS_DATABASE_URL": database_url,
        "COMPLAINTS_RATELIMIT_STORAGE_URI": REDIS_URL,
        **{f"COMPLAINTS_RATELIMIT_{name}": "100000 per hour" for name in LIMITS},
    }
    with serve(instance, LEAD_PASSWORD, env, workers=2, threads=4) as server:
        app = create_app(
            {"DATABASE_URL": database_url, "UPLOAD_DIR": str(instance / "uploads")},
            instance_path=str(instance),
        )
        officer_totp = create_staff(app, "officer1", "officer")
        grant_unit_key(app, "officer1")
        full_env = {**os.environ, **env, "INSTANCE_FOR_WSGI": str(instance)}
        yield Deployment(server, app, database_url, full_env, officer_totp)
        engine_of(app).dispose()


Person = tuple[str, Callable[[], None], random.Random]


def _people(crowd: Crowd, deployment: Deployment) -> tuple[list[Person], list[Browser]]:
    """Three citizens, two reporters following up, the lead and an officer: each a loop of turns.
    Also returns the two logged-in staff browsers."""
    people: list[Person] = []
    staff: list[Browser] = []
    for index in range(3):
        rng, browser = random.Random(index), crowd.browser(f"127.0.0.{10 + index}")
        people.append((f"citizen {index}", partial(file_report, crowd, browser, rng), rng))
    for index in range(2):
        rng, browser = random.Random(100 + index), crowd.browser(f"127.0.0.{20 + index}")
        people.append((f"reporter {index}", partial(follow_up, crowd, browser, rng), rng))
    officers = [
        ("lead", LEAD_PASSWORD, deployment.server.lead_totp_secret),
        ("officer1", OFFICER_PASSWORD, deployment.officer_totp),
    ]
    for index, (username, password, secret) in enumerate(officers):
        rng, browser = random.Random(200 + index), crowd.browser(f"127.0.0.{30 + index}")
        assert log_in_staff(crowd, browser, username, password, secret), crowd.recorder.problems
        people.append((username, partial(staff_turn, crowd, browser, rng), rng))
        staff.append(browser)
    return people, staff


def _run_phase(
    crowd: Crowd, people: list[Person], seconds: float, meanwhile: Callable[[], None] | None = None
) -> None:
    """Everyone takes turns for ``seconds``; ``meanwhile`` runs in this thread during the phase."""
    crowd.stop.clear()
    threads = [
        threading.Thread(target=keep_going, args=(crowd, name, turn, rng)) for name, turn, rng in people
    ]
    for thread in threads:
        thread.start()
    ends = time.monotonic() + seconds
    try:
        if meanwhile is not None:
            meanwhile()
        time.sleep(max(0.0, ends - time.monotonic()))
    finally:  # a failure in ``meanwhile`` still stops everyone
        crowd.stop.set()
        for thread in threads:
            thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)


def _kill_a_worker(server: Server, after: float) -> Callable[[], None]:
    """SIGKILL one worker ``after`` seconds in, then wait for the master to fork its replacement."""

    def kill() -> None:
        time.sleep(after)
        workers = server.worker_pids()
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = server.worker_pids()
            if len(now) == 2 and workers[0] not in now:
                return
            time.sleep(0.2)
        pytest.fail("gunicorn did not replace the killed worker")

    return kill


def _marker(text: str) -> str:
    return text.split()[0]


def _shown_once(crowd: Crowd, page: str, where: str, certain: list[str], maybe: list[str]) -> None:
    """Each text answered as sent is on the page exactly once and intact; a text whose answer was
    cut off is there at most once."""
    for text in certain:
        if dd_with(page, _marker(text)) != [text]:
            crowd.recorder.problem(
                f"{where}: {_marker(text)} shown {len(dd_with(page, _marker(text)))} times"
            )
    for text in maybe:
        if len(dd_with(page, _marker(text))) > 1:
            crowd.recorder.problem(f"{where}: {_marker(text)} (answer cut off) shown more than once")


def _check_as_reporter(crowd: Crowd, report: SentReport, source: str) -> None:
    """The receipt opens; the report, every message and every reply are there as sent."""
    browser = crowd.browser(source)
    page = log_in_reporter(crowd, browser, report, kind="check")
    if not page:
        return
    where = f"reporter page of {report.number}"
    _shown_once(crowd, page, where, [report.description], [])
    _shown_once(
        crowd, page, where, report.messages + report.replies, report.maybe_messages + report.maybe_replies
    )
    browser.post("check logout", "/follow-up/logout", {})


def _check_as_staff(crowd: Crowd, browser: Browser, number: str, attachments: int) -> None:
    """The case opens whole on the staff side and every file it names downloads as it was sent."""
    page = browser.get("check staff case", f"/staff/cases/{number}")
    if page.status != 200:
        crowd.recorder.problem(f"staff page of {number}: {page.status}")
        return
    links = FILE_LINK.findall(page.text)
    if len(links) != attachments:
        crowd.recorder.problem(f"{number}: {attachments} attachment rows, {len(links)} files on the page")
    digests = Counter(hashlib.sha256(browser.get("check download", link).body).hexdigest() for link in links)
    report = crowd.ledger.reports.get(number)
    if report is None:  # filed, but its answer was cut off by the kill: complete all the same
        if not set(digests) <= crowd.ledger.every_file:
            crowd.recorder.problem(f"{number} (receipt never shown): a file that was never sent")
        return
    if not Counter(report.files) <= digests <= Counter(report.files + report.maybe_files):
        crowd.recorder.problem(f"{number}: the files downloaded are not the files sent")
    where = f"staff page of {number}"
    _shown_once(crowd, page.text, where, [report.description], [])
    _shown_once(
        crowd,
        page.text,
        where,
        report.messages + report.replies,
        report.maybe_messages + report.maybe_replies,
    )


def _stored_cases(app: Flask) -> list[tuple[str, int]]:
    """Every case in the database: its number and its number of attachment rows."""
    with new_session(app) as db:
        rows = db.execute(
            select(Case.number, func.count(Attachment.id))
            .outerjoin(Attachment, Attachment.case_id == Case.id)
            .group_by(Case.id, Case.number)
        ).all()
    return [(number, int(count)) for number, count in rows]


def _gap_free(numbers: list[str]) -> bool:
    """Each fiscal year's numbers run 1, 2, 3 … with none missing or repeated."""
    by_year: dict[str, list[int]] = {}
    for number in numbers:
        year, serial = number.split("-")
        by_year.setdefault(year, []).append(int(serial))
    return all(sorted(serials) == list(range(1, len(serials) + 1)) for serials in by_year.values())


def _plaintext_found(deployment: Deployment) -> list[str]:
    """Where a marker of the texts or files sent shows up: the database dump, uploads, the log."""
    url = make_url(deployment.database_url)
    dump = subprocess.run(
        [
            "pg_dump",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            url.database or "",
        ],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    needles = [MARKER.encode(), MARKER.encode().hex().encode(), FILE_MAGIC, FILE_MAGIC.hex().encode()]
    found = [f"database dump: {needle!r}" for needle in needles if needle in dump]
    uploads = Path(deployment.app.config["UPLOAD_DIR"])
    for path in [*all_files_under(uploads), deployment.server.log_path]:
        content = path.read_bytes()
        found += [f"{path.name}: {needle!r}" for needle in needles[::2] if needle in content]
    return found


def _flask(deployment: Deployment, *args: str) -> subprocess.CompletedProcess[str]:
    """A ``flask --app …`` command on the deployment's instance, as an operator runs it."""
    return subprocess.run(
        [str(VENV_BIN / "flask"), "--app", str(deployment.server.instance / "instance_wsgi.py"), *args],
        env=deployment.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _check_everything(crowd: Crowd, staff: list[Browser], stored: list[tuple[str, int]]) -> None:
    """Every receipt shown, as its reporter; every stored case, as the unit (side by side)."""
    with ThreadPoolExecutor(6) as pool:
        checks = [
            pool.submit(_check_as_reporter, crowd, report, f"127.0.0.{40 + index % 4}")
            for index, report in enumerate(crowd.ledger.reports.values())
        ]
        checks += [
            pool.submit(_check_as_staff, crowd, staff[index % 2], number, files)
            for index, (number, files) in enumerate(stored)
        ]
        for check in checks:
            check.result()


def test_load_without_loss(deployment: Deployment) -> None:
    crowd = Crowd(deployment.server.port, Recorder(), Ledger(), threading.Event())
    people, staff = _people(crowd, deployment)
    started = time.monotonic()
    _run_phase(crowd, people, LOAD_SECONDS)
    first_phase = len(crowd.recorder.samples)
    print(
        "\n"
        + crowd.recorder.summary(
            f"phase 1: {LOAD_SECONDS:.0f} s of load, {len(crowd.ledger.reports)} reports"
        )
    )
    _run_phase(crowd, people, KILL_PHASE_SECONDS, _kill_a_worker(deployment.server, KILL_PHASE_SECONDS / 3))
    load_seconds = time.monotonic() - started
    checking = time.monotonic()
    # What the killed worker left (an upload cut off, a file moved in before its commit) goes now;
    # every file a case names must still download afterwards.
    cleanup = _flask(deployment, "storage", "cleanup", "--older-than-hours", "0")
    stored = _stored_cases(deployment.app)
    _check_everything(crowd, staff, stored)
    verified = _flask(deployment, "audit", "verify")
    plaintext = _plaintext_found(deployment)
    print(
        crowd.recorder.summary(
            f"all: {load_seconds:.0f} s of load (a worker killed in the last {KILL_PHASE_SECONDS:.0f} s), "
            f"checked in {time.monotonic() - checking:.0f} s; {len(stored)} cases, "
            f"{sum(n for _, n in stored)} files, {crowd.ledger.unanswered_reports} report answers cut off; "
            f"storage cleanup: {cleanup.stdout.strip()}"
        )
    )
    statuses = crowd.recorder.statuses()
    assert not [code for code in statuses if code >= 500], statuses
    assert all(sample.status != 0 for sample in crowd.recorder.samples[:first_phase])
    assert crowd.recorder.problems == []
    numbers = [number for number, _ in stored]
    assert set(crowd.ledger.reports) <= set(numbers)
    assert len(numbers) - len(crowd.ledger.reports) <= crowd.ledger.unanswered_reports
    assert len(set(numbers)) == len(numbers), sorted(numbers)
    assert _gap_free(numbers), sorted(numbers)
    assert cleanup.returncode == 0, cleanup.stderr
    assert verified.returncode == 0, verified.stderr
    assert "audit log intact" in verified.stdout
    assert plaintext == []
    assert "Traceback" not in deployment.server.log_path.read_text(errors="replace")
