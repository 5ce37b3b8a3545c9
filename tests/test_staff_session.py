"""The two-halved staff session: idle and absolute expiry, and proof that the database plus the
instance folder, with every session row, cannot decrypt a case without a live cookie."""

from __future__ import annotations

import base64
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from complaints import cases, crypto, keys, settings
from complaints.dates import utcnow
from complaints.db import new_session
from complaints.models import Case, CaseKey, KeyGrant, StaffSession, StaffUser
from tests.conftest import LEAD_PASSWORD, POSTGRES_URL, all_files_under, file_case, staff_login

MARKER = "MARKER-เซสชัน-9c1d"


def _cookie_half(app: Flask, client: FlaskClient) -> dict[str, Any]:
    """What the browser holds: the signed Flask session cookie, decoded."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]  # the default session interface has it
    data: dict[str, Any] = serializer.loads(cookie.value)
    return data


def _age_session(app: Flask, **ago: timedelta) -> None:
    with new_session(app) as db:
        now = utcnow()
        db.execute(update(StaffSession).values({name: now - delta for name, delta in ago.items()}))
        db.commit()


def _session_rows(app: Flask) -> int:
    with new_session(app) as db:
        return len(db.scalars(select(StaffSession)).all())


def test_idle_session_expires(app: Flask, lead_client: FlaskClient) -> None:
    assert lead_client.get("/staff/").status_code == 200
    _age_session(app, last_seen_at=timedelta(minutes=app.config["STAFF_IDLE_MINUTES"] - 1))
    assert lead_client.get("/staff/").status_code == 200  # still inside the idle window
    _age_session(app, last_seen_at=timedelta(minutes=app.config["STAFF_IDLE_MINUTES"] + 1))
    response = lead_client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")
    assert _session_rows(app) == 0  # expiry deletes the server half
    assert "การเข้าใช้งานของคุณสิ้นสุดแล้ว" in lead_client.get(response.headers["Location"]).text


def test_absolute_session_limit_ends_an_active_session(app: Flask, lead_client: FlaskClient) -> None:
    hours = app.config["STAFF_ABSOLUTE_HOURS"]
    _age_session(app, created_at=timedelta(hours=hours - 1), last_seen_at=timedelta(minutes=1))
    assert lead_client.get("/staff/").status_code == 200
    _age_session(app, created_at=timedelta(hours=hours, minutes=1), last_seen_at=timedelta(minutes=1))
    assert lead_client.get("/staff/").status_code == 302
    assert _session_rows(app) == 0


def test_activity_keeps_an_idle_session_alive(app: Flask, lead_client: FlaskClient) -> None:
    _age_session(app, last_seen_at=timedelta(minutes=20))
    assert lead_client.get("/staff/").status_code == 200
    with new_session(app) as db:
        row = db.scalars(select(StaffSession)).one()
        assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_a_forged_session_key_in_the_cookie_reads_nothing(app: Flask, lead_client: FlaskClient) -> None:
    half = _cookie_half(app, lead_client)
    half["staff_key"] = base64.urlsafe_b64encode(crypto.new_data_key()).decode()
    forged = app.session_interface.get_signing_serializer(app).dumps(half)  # type: ignore[attr-defined]  # as above
    other = app.test_client()
    other.set_cookie("session", forged)
    assert other.get("/staff/").status_code == 302


def test_expired_sessions_are_purged_at_the_next_login(app: Flask, lead_client: FlaskClient) -> None:
    _age_session(app, last_seen_at=timedelta(hours=2))
    other = app.test_client()
    assert (
        staff_login(other, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"], 1).status_code == 302
    )
    assert _session_rows(app) == 1  # only the new one is left


def _key_material_on_the_server(app: Flask, db: Session, instance: Path) -> list[bytes]:
    """Everything an attacker holding the database, the instance folder and the config could try
    as a 256-bit key: the config secrets (raw and derived) and every stored blob."""
    material = [
        str(app.config[name]).encode()
        for name in ("SECRET_KEY", "RECEIPT_LOOKUP_SECRET", "SERVER_DATA_SECRET")
    ]
    material.append(settings.server_secret(app))
    for row in db.scalars(select(StaffSession)):
        material += [row.id.encode(), row.private_key_ciphertext]
    for user in db.scalars(select(StaffUser)):
        material += [user.private_key_ciphertext, user.password_verifier, user.totp_secret_ciphertext]
    material += [grant.sealed_ciphertext for grant in db.scalars(select(KeyGrant))]
    material += [path.read_bytes() for path in all_files_under(instance)]
    return material


def _as_key(material: bytes) -> bytes:
    return material[:32].ljust(32, b"\0")


def test_database_and_instance_with_session_rows_cannot_decrypt_without_the_cookie(
    app: Flask, lead_client: FlaskClient, tmp_path: Path
) -> None:
    case_id, _ = file_case(app, cases.ReportContent(description=MARKER))
    with new_session(app) as db:
        number = db.get_one(Case, case_id).number
    assert MARKER in lead_client.get(f"/staff/cases/{number}").text  # a live session reads it
    half = _cookie_half(app, lead_client)
    token, session_key = half["staff_token"], base64.urlsafe_b64decode(half["staff_key"])

    stolen = tmp_path / "stolen"
    shutil.copytree(Path(app.instance_path), stolen)  # database (SQLite, WAL), uploads, config
    for path in all_files_under(stolen):
        data = path.read_bytes()
        assert token.encode() not in data  # the server keeps only the token's digest
        assert session_key not in data
        assert MARKER.encode() not in data

    url = app.config["DATABASE_URL"]
    if not POSTGRES_URL:
        url = "sqlite:///" + str(stolen / Path(url.removeprefix("sqlite:///")).name)
    engine = create_engine(url)
    with Session(engine) as db:
        row = db.scalars(select(StaffSession)).one()
        assert row.id == crypto.token_digest(token)
        context = f"staff-session|session:{row.id}|user:{row.user_id}|key:{row.user.key_id}"
        candidates = _key_material_on_the_server(app, db, stolen)
        for material in candidates:
            with pytest.raises(crypto.CryptoError):
                crypto.decrypt_bytes(_as_key(material), row.private_key_ciphertext, context)
        sealed = db.scalars(select(CaseKey).where(CaseKey.case_id == case_id)).all()
        for material in candidates:
            if len(material) >= crypto.PRIVATE_KEY_BYTES:
                for key_row in sealed:
                    with pytest.raises(crypto.CryptoError):
                        crypto.unseal(key_row.sealed_ciphertext, material[: crypto.PRIVATE_KEY_BYTES], "any")
        # The control: with the cookie's half, the very same rows open the case.
        personal = crypto.decrypt_bytes(session_key, row.private_key_ciphertext, context)
        with app.app_context():  # the pins are checked against the server config, as in the app
            unit_private = keys.private_key_for(db, keys.UNIT, row.user, personal)
        case = db.get_one(Case, case_id)
        content_key = cases.open_with_org_key(db, case, cases.CONTENT, unit_private)
        assert cases.read_report(case, content_key).description == MARKER
    engine.dispose()
