"""Rate limits kept in Redis are shared by every app process, and Redis never holds an address.

The limiter is one object per process, so two apps in one process would share its storage
whatever it is; the second worker therefore runs in a real second process, as under gunicorn.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from complaints import create_app, receipts
from complaints.db import engine_of
from tests.conftest import REDIS_URL, csrf_token_from, make_config, require_or_skip

ADDRESS = "198.51.100.23"
LIMIT = 5
ROOT = Path(__file__).resolve().parent.parent

# The second worker: builds its own app from the same settings and makes some guesses.
SECOND_WORKER = f"""
import json, sys
from complaints import create_app, receipts
from tests.conftest import csrf_token_from
settings = json.loads(sys.stdin.read())
guesses = settings.pop("GUESSES")
app = create_app(settings, instance_path=settings.pop("INSTANCE"))
client = app.test_client()
client.environ_base["REMOTE_ADDR"] = "{ADDRESS}"
statuses = []
for _ in range(guesses):
    data = {{"csrf_token": csrf_token_from(client.get("/follow-up").text), "receipt": receipts.new_receipt()}}
    statuses.append(client.post("/follow-up", data=data).status_code)
print(json.dumps(statuses))
"""


@pytest.fixture
def redis_server() -> Iterator[Any]:
    require_or_skip(bool(REDIS_URL), "COMPLAINTS_TEST_REDIS_URL is not set")
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.RedisError:
        server.close()
        require_or_skip(False, f"Redis at {REDIS_URL} is unreachable")
    yield server
    for key in server.scan_iter("LIMITS:LIMITER/complaints/*"):
        server.delete(key)
    server.close()


def _first_worker(tmp_path: Path, database_url: str, storage: str) -> tuple[Flask, dict[str, Any]]:
    """An initialised app, and the settings a second process of the same deployment would use."""
    settings = make_config(
        tmp_path, database_url, RATELIMIT_STORAGE_URI=storage, RATELIMIT_FOLLOWUP=f"{LIMIT} per hour"
    )
    app = create_app(settings, instance_path=str(tmp_path / "instance"))
    result = app.test_cli_runner().invoke(
        args=["init", "--lead", "lead", "--password-stdin"], input="rate limit test lead passphrase 2569\n"
    )
    assert result.exit_code == 0, result.output
    secrets = {
        name: app.config[name] for name in ("SECRET_KEY", "RECEIPT_LOOKUP_SECRET", "SERVER_DATA_SECRET")
    }
    return app, {**settings, **secrets, "INSTANCE": str(tmp_path / "worker-2")}


def _guess(client: FlaskClient) -> int:
    token = csrf_token_from(client.get("/follow-up").text)
    response = client.post("/follow-up", data={"csrf_token": token, "receipt": receipts.new_receipt()})
    if response.status_code == 429:
        assert "มีการลองมากเกินไป" in response.text
    return response.status_code


def _second_worker_guesses(settings: dict[str, Any], guesses: int) -> list[int]:
    completed = subprocess.run(
        [sys.executable, "-c", SECOND_WORKER],
        input=json.dumps({**settings, "GUESSES": guesses}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    statuses: list[int] = json.loads(completed.stdout.strip().splitlines()[-1])
    return statuses


def _client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    return client


@pytest.mark.redis
def test_limit_is_shared_across_two_processes_through_redis(
    redis_server: Any, tmp_path: Path, database_url: str
) -> None:
    app, settings = _first_worker(tmp_path, database_url, REDIS_URL)
    first = _client(app)
    assert [_guess(first) for _ in range(3)] == [422] * 3
    assert _second_worker_guesses(settings, 3) == [422, 422, 429]
    assert _guess(first) == 429
    keys = [key.decode() for key in redis_server.keys("*")]
    assert any(key.startswith("LIMITS:LIMITER/complaints/") for key in keys)
    assert not [key for key in keys if "198.51.100" in key or "127.0.0.1" in key]
    engine_of(app).dispose()


def test_without_shared_storage_each_process_counts_alone(tmp_path: Path, database_url: str) -> None:
    """The control that shows the test above can fail: in-memory limits are per process."""
    app, settings = _first_worker(tmp_path, database_url, "memory://")
    first = _client(app)
    assert [_guess(first) for _ in range(LIMIT + 1)] == [422] * LIMIT + [429]
    assert _second_worker_guesses(settings, 1) == [422]
    engine_of(app).dispose()
