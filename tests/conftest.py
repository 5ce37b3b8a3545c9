"""Fixtures: an app per test on SQLite (or PostgreSQL when COMPLAINTS_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import atexit
import io
import itertools
import os
import re
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from werkzeug.test import TestResponse

from complaints import cases, create_app, crypto, keys, settings
from complaints.dates import today
from complaints.db import engine_of, new_session
from complaints.models import Case

# tests/mutation/ holds the mutation runner and its table, run by hand, never collected.
collect_ignore = ["mutation"]

POSTGRES_URL = os.environ.get("COMPLAINTS_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("COMPLAINTS_TEST_REDIS_URL", "")
REQUIRE_SERVICES = os.environ.get("COMPLAINTS_TEST_REQUIRE_SERVICES") == "1"

# Property tests are reproducible in CI (derandomized, no example database written into the
# repository); COMPLAINTS_FUZZ=long explores fresh random examples, tests/fuzz.py scales their count.
hypothesis.settings.register_profile(
    "ci",
    database=None,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
)
hypothesis.settings.register_profile("long", parent=hypothesis.settings.get_profile("ci"), derandomize=False)
# tests/mutation/run.py only asks whether a test fails: shrinking a failure against the database can
# take minutes, so it is skipped there.
hypothesis.settings.register_profile(
    "mutation",
    parent=hypothesis.settings.get_profile("ci"),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.reuse, hypothesis.Phase.generate],
)
hypothesis.settings.load_profile(
    {"long": "long", "mutation": "mutation"}.get(os.environ.get("COMPLAINTS_FUZZ", ""), "ci")
)


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
    # What the tests' receipts were stretched with before cases recorded their cost (migrations).
    "RECEIPT_ARGON2_LEGACY_MEMORY_KIB": 1024,
    "RECEIPT_ARGON2_LEGACY_ITERATIONS": 1,
}
LEAD_PASSWORD = "correct horse battery staple"


_TEMPLATE: dict[str, str] = {}


def _migrated_template(base_url: str) -> str:
    """A database migrated to head once per test run, copied for each test: every test still gets
    a schema made by the migrations, without running the whole chain again (minutes on PostgreSQL)."""
    if "name" in _TEMPLATE:
        return _TEMPLATE["name"]
    from alembic import command
    from alembic.config import Config

    from complaints.migrations import HERE

    name = f"complaints_template_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(base_url.rsplit("/", 1)[0] + "/" + name)
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    command.upgrade(config, "head")
    engine.dispose()
    _TEMPLATE["name"] = name
    atexit.register(_drop_postgres_database, base_url, name)
    return name


def _fresh_postgres_database(base_url: str) -> tuple[str, str]:
    """Create a throwaway database on the server named by ``base_url``, already at the migrations'
    head (copied from a template migrated once); returns its URL."""
    name = f"complaints_test_{uuid.uuid4().hex[:12]}"
    template = _migrated_template(base_url)
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name, name


def _empty_postgres_database(base_url: str) -> tuple[str, str]:
    """A throwaway database with no schema at all (for tests of the migration chain itself)."""
    name = f"complaints_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name, name


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """Like ``database_url``, but empty: no migration has run on it."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    url, name = _empty_postgres_database(POSTGRES_URL)
    try:
        yield url
    finally:
        _drop_postgres_database(POSTGRES_URL, name)


def _drop_postgres_database(base_url: str, name: str) -> None:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def throwaway_database(folder: Path) -> Iterator[str]:
    """A migrated database: SQLite in ``folder``, or a fresh PostgreSQL one dropped afterwards."""
    if not POSTGRES_URL:
        yield f"sqlite:///{folder / 'complaints.sqlite3'}"
        return
    url, name = _fresh_postgres_database(POSTGRES_URL)
    try:
        yield url
    finally:
        _drop_postgres_database(POSTGRES_URL, name)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """SQLite in the test's instance folder, or a fresh PostgreSQL database."""
    with throwaway_database(tmp_path / "instance") as url:
        yield url


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
    application.config["TEST_LEAD_TOTP_SECRET"] = re.search(r"totp-secret: (\S+)", result.output).group(1)  # type: ignore[union-attr]  # init always prints it
    application.config["TEST_RECOVERY_CODE"] = re.search(r"recovery-code: (\S+)", result.output).group(1)  # type: ignore[union-attr]  # init always prints it
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
            content, identity, [], keys.recipient_keys(db), settings.lookup_secret(app), today()
        )
        case = cases.store_case(
            db, prepared, category, department, channel, today(), app.config["DEADLINE_DAYS"]
        )
        db.commit()
        return case.id, prepared.receipt


# --- the citizen's channel: form helpers and a real server ------------------------------------

RECEIPT_IN_PAGE = re.compile(r'id="receipt">\s*([0-9 ]+?)\s*<')


def report_fields(**overrides: Any) -> dict[str, Any]:
    """A valid anonymous report with the DESIGN §6 field names; an override of None drops a field."""
    fields: dict[str, Any] = {
        "category": "budget",
        "department": "finance",
        "accused_name": "นายสมมติ ตัวอย่าง",
        "accused_position": "เจ้าพนักงานพัสดุ",
        "incident_date": "มีนาคม 2568",
        "location": "สำนักงานเทศบาล",
        "description": "เบิกค่าซ่อมถนนที่ไม่ได้ซ่อมจริง",
        "amount": "50,000 บาท",
        "witnesses": "",
        "reported_elsewhere": "",
        "desired_action": "ตรวจสอบและลงโทษ",
        "disclosure": "anonymous",
        "reporter_name": "",
        "reporter_phone": "",
        "reporter_email": "",
        "consent": "y",
    }
    fields.update(overrides)
    return {name: value for name, value in fields.items() if value is not None}


def submit_report(
    client: FlaskClient, files: tuple[tuple[str, bytes], ...] = (), **overrides: Any
) -> TestResponse:
    """Open the form like a browser, then post it (multipart) with optional evidence files."""
    token = csrf_token_from(client.get("/report").text)
    data: dict[str, Any] = {"csrf_token": token, **report_fields(**overrides)}
    if files:
        data["attachments"] = [
            (io.BytesIO(content), name, "application/octet-stream") for name, content in files
        ]
    return client.post("/report", data=data, content_type="multipart/form-data")


def receipt_from(html: str) -> str:
    """The grouped receipt shown in the element with id="receipt"."""
    match = RECEIPT_IN_PAGE.search(html)
    assert match, "no receipt on the page"
    return match.group(1)


def log_in_reporter(client: FlaskClient, receipt: str) -> TestResponse:
    """Enter a receipt on the follow-up page like a browser."""
    token = csrf_token_from(client.get("/follow-up").text)
    return client.post("/follow-up", data={"csrf_token": token, "receipt": receipt})


def stored_counts(app: Flask) -> dict[str, int]:
    """Rows that a submission or follow-up action creates, and the files in the upload folder."""
    from sqlalchemy import func, select

    from complaints.models import Attachment, Case, CaseKey, Message, ReporterSession

    with new_session(app) as db:
        counts = {
            model.__tablename__: int(db.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Case, CaseKey, Attachment, Message, ReporterSession)
        }
    upload_dir = Path(app.config["UPLOAD_DIR"])
    counts["files"] = len(all_files_under(upload_dir)) if upload_dir.exists() else 0
    return counts


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app behind a real threaded HTTP server on 127.0.0.1 (port chosen by the OS)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


class HttpBrowser:
    """A minimal cookie-keeping HTTP client over urllib (no third-party package), one per 'user'."""

    def __init__(self, base_url: str) -> None:
        import http.cookiejar
        import urllib.request

        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path: str, body: bytes | None = None, content_type: str = "") -> tuple[int, str]:
        import urllib.error
        import urllib.request

        headers = {"Content-Type": content_type} if content_type else {}
        # Only ever the http:// URL of the test server.
        req = urllib.request.Request(self.base_url + path, data=body, headers=headers)  # noqa: S310 - http to our own loopback server
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_multipart(
        self, path: str, fields: dict[str, str], files: list[tuple[str, str, bytes]]
    ) -> tuple[int, str]:
        content_type, body = encode_multipart(fields, files)
        return self.request(path, body, content_type)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def encode_multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[str, bytes]:
    """A multipart/form-data body: text fields, then (field name, file name, content) parts."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        parts.append(value.encode() + b"\r\n")
    for name, filename, content in files:
        header = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(header.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


# --- the legal unit's workspace: staff accounts and log-in through /staff/login -------------------

OFFICER_PASSWORD = "officer password for tests"


def totp_now(secret_base32: str, offset_steps: int = 0) -> str:
    """The code an authenticator app shows now (or ``offset_steps`` 30-second steps away)."""
    import base64
    import time

    at = int(time.time()) + offset_steps * crypto.TOTP_STEP_SECONDS
    return crypto.totp_code(base64.b32decode(secret_base32), at)


def staff_login(
    client: FlaskClient, username: str, password: str, totp_secret: str, offset_steps: int = 0
) -> Any:
    """Log in through /staff/login with a fresh CSRF token and the current TOTP code."""
    page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token_from(page.text),
            "username": username,
            "password": password,
            "totp": totp_now(totp_secret, offset_steps),
        },
    )


def create_staff(app: Flask, username: str, *roles: str, password: str = OFFICER_PASSWORD) -> str:
    """Create an account with its own password (no forced change); returns its TOTP secret."""
    role_args = [arg for role in roles for arg in ("--role", role)]
    result = app.test_cli_runner().invoke(
        args=["users", "create", username, *role_args, "--password-stdin"], input=password + "\n"
    )
    assert result.exit_code == 0, result.output
    found = re.search(r"totp-secret: (\S+)", result.output)
    assert found
    return found.group(1)


def forget_used_totp(app: Flask, username: str) -> None:
    """Let a test log the same person in again within one 30-second step."""
    from sqlalchemy import update

    from complaints.models import StaffUser

    with new_session(app) as db:
        db.execute(update(StaffUser).where(StaffUser.username == username).values(last_totp_step=0))
        db.commit()


def grant_key(app: Flask, username: str, kind: str) -> None:
    """The lead grants an organisation key (unit or custodian) to ``username``, as the key page does."""
    from sqlalchemy import select

    from complaints.models import StaffUser

    with app.app_context(), new_session(app) as db:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        personal = keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params(app))
        org_private = keys.private_key_for(db, kind, lead, personal)
        org_key = keys.active_org_key(db, kind)
        assert org_key is not None
        user = db.scalars(select(StaffUser).where(StaffUser.username == username)).one()
        keys.grant_org_key(db, org_key, org_private, user, lead)
        db.commit()


def grant_unit_key(app: Flask, username: str) -> None:
    """The lead grants the legal unit key to ``username`` (as the key-access page does)."""
    grant_key(app, username, keys.UNIT)


def create_custodian(app: Flask, username: str) -> str:
    """An identity custodian holding the custodian key only (no unit key); returns its TOTP secret."""
    secret = create_staff(app, username, "custodian")
    grant_key(app, username, keys.CUSTODIAN)
    return secret


def custodian_client(app: Flask, username: str = "keeper") -> FlaskClient:
    """A client logged in as a new identity custodian holding only the custodian key."""
    secret = create_custodian(app, username)
    client = app.test_client()
    response = staff_login(client, username, OFFICER_PASSWORD, secret)
    assert response.status_code == 302, response.text
    return client


def approve_pending_reveals(app: Flask, client: FlaskClient) -> int:
    """A custodian approves every reveal request their page offers; returns how many."""
    page = client.get("/staff/reveals").text
    actions = re.findall(r'action="(/staff/reveals/\d+/approve)[#"]', page)
    for action in actions:
        response = client.post(action, data={"csrf_token": csrf_token_from(page), "because": "basis_checked"})
        assert response.status_code == 302, response.text
    return len(actions)


@pytest.fixture
def lead_client(app: Flask) -> FlaskClient:
    """A client logged in as the legal lead (officer, lead and custodian; holds both keys)."""
    client = app.test_client()
    response = staff_login(client, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"])
    assert response.status_code == 302, response.text
    return client


@pytest.fixture
def officer(app: Flask) -> str:
    """An officer account ``officer1`` holding the unit key; returns its TOTP secret."""
    secret = create_staff(app, "officer1", "officer")
    grant_unit_key(app, "officer1")
    return secret


@pytest.fixture
def officer_client(app: Flask, officer: str) -> FlaskClient:
    """A client logged in as ``officer1``."""
    client = app.test_client()
    response = staff_login(client, "officer1", OFFICER_PASSWORD, officer)
    assert response.status_code == 302, response.text
    return client


def file_case_with_files(
    app: Flask,
    content: cases.ReportContent,
    files: list[tuple[str, bytes]],
    identity: cases.ReporterIdentity | None = None,
) -> tuple[int, str]:
    """File a report with evidence files encrypted on disk, as the report form does."""
    from complaints.storage import EncryptedUpload

    evidence = []
    for filename, data in files:
        upload = EncryptedUpload(Path(app.config["UPLOAD_DIR"]), int(app.config["MAX_ATTACHMENT_BYTES"]))
        upload.write(data)
        upload.finish()
        evidence.append(cases.EvidenceFile(upload=upload, filename=filename, content_type="application/pdf"))
    with app.app_context(), new_session(app) as db:
        prepared = cases.prepare_case(
            content, identity, evidence, keys.recipient_keys(db), settings.lookup_secret(app), today()
        )
        case = cases.store_case(
            db, prepared, "budget", "finance", "online", today(), app.config["DEADLINE_DAYS"]
        )
        db.commit()
        for upload in prepared.uploads:
            upload.promote()
        return case.id, prepared.receipt


def invitation_from(html: str) -> str:
    """The invitation code on the printable page an administrator is shown once."""
    found = re.search(r'id="invitation-code"[^>]*>([A-Z0-9-]+)<', html)
    assert found, html
    return found.group(1)


def step_token_from(html: str) -> str:
    """The token that carries an invited person from one page of the set-up to the next."""
    found = re.search(r'name="token" type="hidden" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def use_invitation(
    client: FlaskClient, username: str, code: str, password: str = OFFICER_PASSWORD, current: bool = False
) -> str | None:
    """Walk the invitation pages as the person would; returns the new TOTP secret when one is set.

    ``current``: only the authenticator is reset, so ``password`` is the current password.
    """
    page = client.get("/staff/welcome")
    opened = client.post(
        "/staff/welcome", data={"csrf_token": csrf_token_from(page.text), "username": username, "code": code}
    )
    assert opened.status_code == 200, opened.text
    token = step_token_from(opened.text)
    data = {"csrf_token": csrf_token_from(opened.text), "token": token}
    if current:
        data["current_password"] = password
    else:
        data.update(new_password=password, confirm=password)
    answered = client.post("/staff/welcome/password", data=data)
    if answered.status_code == 302:
        return None
    assert answered.status_code == 200, answered.text
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', answered.text)
    assert found, answered.text
    secret = found.group(1).replace(" ", "")
    confirmed = client.post(
        "/staff/welcome/authenticator",
        data={
            "csrf_token": csrf_token_from(answered.text),
            "token": step_token_from(answered.text),
            "totp": totp_now(secret),
        },
    )
    assert confirmed.status_code == 302, confirmed.text
    return secret


# --- statistics: cases with metadata only --------------------------------------------------------

_serial = itertools.count(1)


def metadata_case(db: Any, submitted_on: date, **fields: Any) -> Case:
    """A case row with only its metadata filled in (the statistics read nothing else)."""
    serial = next(_serial)
    values: dict[str, Any] = {
        "uid": f"stats-{serial}-{os.getpid()}",
        "number": f"S{serial:07d}",
        "fiscal_year": submitted_on.year + 543 + (1 if submitted_on.month >= 10 else 0),
        "channel": "online",
        "category": "budget",
        "department": "finance",
        "disclosure": "anonymous",
        "status": "received",
        "submitted_on": submitted_on,
        "receipt_lookup": serial.to_bytes(32, "big"),
        "reporter_salt": b"s",
        "report_ciphertext": b"c",
    }
    values.update(fields)
    row = Case(**values)
    db.add(row)
    return row


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    """A client logged in as an administrator ``admin1`` (holds no key)."""
    secret = create_staff(app, "admin1", "admin")
    client = app.test_client()
    assert staff_login(client, "admin1", OFFICER_PASSWORD, secret).status_code == 302
    return client
