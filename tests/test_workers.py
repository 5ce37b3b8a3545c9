"""Several workers for real (issue 11): the shipped gunicorn config with three workers on
PostgreSQL and Redis on loopback — a limit holds across all of them, and a staff session works on
whichever worker answers (keep-alive is off, so every request is a new connection)."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import POSTGRES_URL, REDIS_URL, csrf_token_from, require_or_skip, totp_now
from tests.test_hardening import _free_port, _gunicorn, _gunicorn_env

LEAD_PASSPHRASE = "three workers share one lock-step lead 2569"
pytestmark = pytest.mark.redis


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
    )


def _call(
    opener: urllib.request.OpenerDirector, url: str, form: dict[str, str] | None = None
) -> tuple[int, str]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with opener.open(url, data=data, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _answers(url: str) -> bool:
    try:
        return _call(_opener(), url)[0] == 200
    except (urllib.error.URLError, OSError):
        return False


def test_three_workers_share_limits_and_sessions(tmp_path: Path, database_url: str) -> None:
    if not POSTGRES_URL:
        pytest.skip("runs in the PostgreSQL pass (production's database), not on SQLite")
    require_or_skip(REDIS_URL != "", "COMPLAINTS_TEST_REDIS_URL is not set")
    port = _free_port()
    env = _gunicorn_env(
        tmp_path,
        COMPLAINTS_BIND=f"127.0.0.1:{port}",
        COMPLAINTS_WORKERS="3",
        COMPLAINTS_THREADS="2",
        COMPLAINTS_DATABASE_URL=database_url,
        COMPLAINTS_RATELIMIT_STORAGE_URI=REDIS_URL,
        COMPLAINTS_RATELIMIT_FOLLOWUP="6 per hour",
    )
    init = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "init", "--lead", "lead", "--password-stdin"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        input=(LEAD_PASSPHRASE + "\n").encode(),
        capture_output=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr.decode()
    secret = re.search(rb"totp-secret: (\S+)", init.stdout).group(1).decode()  # type: ignore[union-attr]  # init prints it
    process = subprocess.Popen(
        _gunicorn(), cwd=env["PYTHONPATH"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _answers(base + "/healthz"):
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        guesser = _opener()
        statuses = []
        for _ in range(12):
            _, page = _call(guesser, base + "/follow-up")
            form = {"csrf_token": csrf_token_from(page), "receipt": "1234 5678 9012 3456 7890"}
            statuses.append(_call(guesser, base + "/follow-up", form)[0])
        assert statuses.count(429) == 6  # six allowed in all, across three workers
        assert 429 not in statuses[:6]

        lead = _opener()
        _, page = _call(lead, base + "/staff/login")
        form = {
            "csrf_token": csrf_token_from(page),
            "username": "lead",
            "password": LEAD_PASSPHRASE,
            "totp": totp_now(secret),
        }
        assert _call(lead, base + "/staff/login", form)[0] == 302
        answers = [_call(lead, base + "/staff/")[0] for _ in range(15)]
        assert answers == [200] * 15
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)
    booted = err.decode().count("Booting worker")
    assert booted >= 3, err.decode()[-2000:]
