"""Fixtures: an app per test on SQLite (or PostgreSQL when COMPLAINTS_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

from complaints import cases, cli, create_app, crypto, keys
from complaints.dates import today
from complaints.db import engine_of, new_session

POSTGRES_URL = os.environ.get("COMPLAINTS_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("COMPLAINTS_TEST_REDIS_URL", "")
REQUIRE_SERVICES = os.environ.get("COMPLAINTS_TEST_REQUIRE_SERVICES") == "1"


def require_or_skip(available: bool, reason: str) -> None:
    """Skip a test whose service or tool is missing, unless CI demands it (then fail)."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required for CI but missing: {reason}")
    pytest.skip(reason)


FAST_ARGON2 = {
    "ARGON2_MEMORY_KIB": 1024,
    "ARGON2_ITERATIONS": 1,
    "RECEIPT_ARGON2_MEMORY_KIB": 1024,
    "RECEIPT_ARGON2_ITERATIONS": 1,
}
LEAD_PASSWORD = "correct horse battery staple"


def _fresh_postgres_database(base_url: str) -> tuple[str, str]:
    """Create a throwaway database on the server named by ``base_url``; returns its URL."""
    name = f"complaints_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name, name


def _drop_postgres_database(base_url: str, name: str) -> None:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """SQLite in the test's instance folder, or a fresh PostgreSQL database."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'instance' / 'complaints.sqlite3'}"
        return
    url, name = _fresh_postgres_database(POSTGRES_URL)
    try:
        yield url
    finally:
        _drop_postgres_database(POSTGRES_URL, name)


def make_config(tmp_path: Path, database_url: str, **overrides: Any) -> dict[str, Any]:
    """Test configuration: real secrets, fast Argon2, an instance folder of the test's own."""
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": crypto.random_token(32),
        "RECEIPT_LOOKUP_SECRET": crypto.random_token(32),
        "SERVER_DATA_SECRET": crypto.random_token(32),
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(instance / "uploads"),
        "RATELIMIT_STORAGE_URI": "memory://",
        **FAST_ARGON2,
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config(tmp_path: Path, database_url: str) -> dict[str, Any]:
    """The configuration the ``app`` fixture is built from; tests may change it first."""
    return make_config(tmp_path, database_url)


@pytest.fixture
def app(app_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    """An initialised app: schema, keys and a legal lead named ``lead``."""
    application = create_app(app_config, instance_path=str(tmp_path / "instance"))
    runner = application.test_cli_runner()
    result = runner.invoke(args=["init", "--lead", "lead", "--password-stdin"], input=LEAD_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    application.config["TEST_LEAD_TOTP_SECRET"] = re.search(r"totp-secret: (\S+)", result.output).group(1)  # type: ignore[union-attr]
    application.config["TEST_RECOVERY_CODE"] = re.search(r"recovery-code: (\S+)", result.output).group(1)  # type: ignore[union-attr]
    yield application
    engine_of(application).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form on a page, read the way a browser would submit it."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no csrf_token on the page"
    return match.group(1)


def all_files_under(root: Path) -> list[Path]:
    """Every regular file below ``root``."""
    return [path for path in root.rglob("*") if path.is_file()]


def file_case(
    app: Flask,
    content: cases.ReportContent,
    identity: cases.ReporterIdentity | None = None,
    category: str = "budget",
    department: str = "finance",
    channel: str = "online",
) -> tuple[int, str]:
    """File a report through the same service functions the form uses; returns (case id, receipt)."""
    with app.app_context(), new_session(app) as db:
        prepared = cases.prepare_case(
            content, identity, [], keys.recipient_keys(db), cli.lookup_secret(app), today()
        )
        case = cases.store_case(
            db, prepared, category, department, channel, today(), app.config["DEADLINE_DAYS"]
        )
        db.commit()
        return case.id, prepared.receipt
