"""Rotating SECRET_KEY, the receipt pepper and SERVER_DATA_SECRET locks nobody out, and the old
secret no longer pins keys or forges the audit chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from complaints import audit, cases, create_app, keys, pins, settings
from complaints.db import engine_of, new_session
from complaints.models import AuditEvent, Case, CaseReference, OrgKey, ReporterAuditEvent, StaffUser
from complaints.references import reference_digest
from tests.conftest import (
    LEAD_PASSWORD,
    file_case,
    log_in_reporter,
    receipt_from,
    staff_login,
    submit_report,
)


def _rotate(app: Flask, name: str) -> str:
    result = app.test_cli_runner().invoke(args=["secrets", "rotate", name])
    assert result.exit_code == 0, result.output
    return result.output


def _reopened(app: Flask, app_config: dict[str, Any], tmp_path: Path, *rotated: str) -> Flask:
    """The app restarted on instance/config.py: the rotated names come from the file now."""
    engine_of(app).dispose()
    kept = {name: value for name, value in app_config.items() if name not in rotated}
    return create_app(kept, instance_path=str(tmp_path / "instance"))


def _file(app: Flask) -> tuple[int, str]:
    return file_case(app, cases.ReportContent(description="เรื่องลับ-rotation"))


def test_a_data_secret_rotation_keeps_logins_pins_and_the_audit_chain(
    app: Flask, app_config: dict[str, Any], tmp_path: Path
) -> None:
    _file(app)
    with app.app_context(), new_session(app) as db:
        before = audit.witness(db).line()
    old_secret = str(app.config["SERVER_DATA_SECRET"]).encode()

    output = _rotate(app, "data")

    assert "re-pinned" in output
    renewed = _reopened(app, app_config, tmp_path, "SERVER_DATA_SECRET")
    assert settings.data_secret_version(renewed) == 2
    assert str(renewed.config["SERVER_DATA_SECRET"]).encode() != old_secret
    _file(renewed)  # new entries are keyed with the new secret
    with renewed.app_context(), new_session(renewed) as db:
        assert audit.verify(db) == []
        assert audit.check_witness(db, before)  # a witness written before still matches
        assert all(pins.org_key_verifies(row) for row in db.scalars(select(OrgKey)))
        markers = db.scalars(select(AuditEvent).where(AuditEvent.action == "audit_key_rotated")).all()
        assert [marker.detail for marker in markers] == ["version=2"]
    # the lead logs in with the same password and authenticator as before
    response = staff_login(renewed.test_client(), "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"])
    assert response.status_code == 302
    # a copy of the server from before the rotation cannot pin keys that this one accepts
    stale = create_app({**app_config}, instance_path=str(tmp_path / "stale"))
    with stale.app_context(), new_session(stale) as db:
        assert not any(pins.org_key_verifies(row) for row in db.scalars(select(OrgKey)))
    engine_of(stale).dispose()
    engine_of(renewed).dispose()


def test_the_old_data_secret_cannot_write_the_chain_after_the_rotation(
    app: Flask, app_config: dict[str, Any], tmp_path: Path
) -> None:
    _rotate(app, "data")
    renewed = _reopened(app, app_config, tmp_path, "SERVER_DATA_SECRET")
    _file(renewed)
    # An insider with the stolen old secret rewrites an entry made after the rotation.
    stale = create_app({**app_config}, instance_path=str(tmp_path / "stale"))
    with stale.app_context(), new_session(stale) as db:
        last = db.scalars(select(ReporterAuditEvent).order_by(ReporterAuditEvent.id.desc())).first()
        assert last is not None
        assert last.action == "case_submitted"
        last.detail = "channel=letter"
        last.entry_hash = audit._reporter_hash(last.previous_hash, last)  # keyed with the old secret
        db.commit()
    engine_of(stale).dispose()
    with renewed.app_context(), new_session(renewed) as db:
        assert any(problem.entry_id == last.id for problem in audit.verify(db))
    engine_of(renewed).dispose()


def test_a_chain_handed_to_an_older_version_is_refused(app: Flask) -> None:
    with app.app_context(), new_session(app) as db:
        audit.record(db, "audit_key_rotated", audit.SYSTEM, detail="version=1")
        db.commit()
        problems = audit.verify(db)
    assert any("version" in problem.reason for problem in problems)


@pytest.mark.parametrize(("detail", "named"), [("version=7", "7"), ("version=x", "0")])
def test_a_chain_handed_to_a_version_the_config_does_not_know_is_refused(
    app: Flask, detail: str, named: str
) -> None:
    """Someone keying a forged rotation entry to a key of their own is reported, and verification
    of the entries after it goes on with the key the chain really has."""
    with app.app_context(), new_session(app) as db:
        audit.record(db, "audit_key_rotated", audit.SYSTEM, detail=detail)
        audit.record(db, "case_viewed", audit.STAFF, actor_id=1, case_id=1)
        db.commit()
        problems = audit.verify(db)
    reasons = [problem.reason for problem in problems]
    assert reasons == [f"a key rotation to an unknown or older version ({named})"]


def test_a_receipt_pepper_rotation_keeps_every_receipt_working(
    app: Flask, app_config: dict[str, Any], tmp_path: Path
) -> None:
    old_case, old_receipt = _file(app)
    _rotate(app, "receipt-pepper")
    renewed = _reopened(app, app_config, tmp_path, "RECEIPT_LOOKUP_SECRET")
    assert settings.pepper_version(renewed) == 2
    new_receipt = receipt_from(submit_report(renewed.test_client()).text)
    for receipt in (old_receipt, new_receipt):
        assert log_in_reporter(renewed.test_client(), receipt).status_code == 302
    with renewed.app_context(), new_session(renewed) as db:
        versions = dict(db.execute(select(Case.id, Case.pepper_version)).all())
    assert versions[old_case] == 1
    assert sorted(versions.values()) == [1, 2]
    # Without the retired pepper, the old receipt opens nothing: it is what opens the old case.
    forgetful = create_app(
        {
            **{k: v for k, v in app_config.items() if k != "RECEIPT_LOOKUP_SECRET"},
            "RECEIPT_LOOKUP_SECRETS_RETIRED": {},
        },
        instance_path=str(tmp_path / "instance"),
    )
    with forgetful.app_context(), new_session(forgetful) as db, pytest.raises(cases.CaseNotFound):
        cases.unlock_by_receipt(db, old_receipt, settings.lookup_secret(forgetful))
    for each in (renewed, forgetful):
        engine_of(each).dispose()


def test_a_cookie_key_rotation_keeps_sessions_signed_with_the_old_key(
    app: Flask, app_config: dict[str, Any], tmp_path: Path, lead_client: Any
) -> None:
    cookie = lead_client.get_cookie("session")
    assert cookie is not None
    assert lead_client.get("/staff/").status_code == 200
    _rotate(app, "cookie")
    renewed = _reopened(app, app_config, tmp_path, "SECRET_KEY")
    assert renewed.config["SECRET_KEY"] != app_config["SECRET_KEY"]
    assert renewed.config["SECRET_KEY_FALLBACKS"] == [app_config["SECRET_KEY"]]
    client = renewed.test_client()
    client.set_cookie("session", cookie.value)
    assert client.get("/staff/").status_code == 200
    forged = renewed.test_client()
    tampered = (
        cookie.value[:6] + ("A" if cookie.value[6] != "A" else "B") + cookie.value[7:]
    )  # in the payload
    forged.set_cookie("session", tampered)
    assert forged.get("/staff/").status_code == 302
    engine_of(renewed).dispose()


def test_a_failed_database_step_leaves_the_config_as_it_was(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file = tmp_path / "instance" / "config.py"
    before = config_file.read_text()

    def broken(*_args: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr("complaints.secrets_cli.rotate_data_secret", broken)
    result = app.test_cli_runner().invoke(args=["secrets", "rotate", "data"])
    assert result.exit_code != 0
    assert config_file.read_text() == before
    assert not (tmp_path / "instance" / "config.py.rotating").exists()
    monkeypatch.setenv("COMPLAINTS_SECRET_KEY", "x" * 40)
    from_env = app.test_cli_runner().invoke(args=["secrets", "rotate", "cookie"])
    assert from_env.exit_code != 0
    assert "environment" in from_env.output
    assert (config_file.stat().st_mode & 0o777) == 0o600
    with app.app_context(), new_session(app) as db:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        assert keys.totp_secret_of(lead, settings.server_secret(app))  # untouched


def test_a_config_rotated_by_hand_without_the_database_step_is_reported(
    app: Flask, app_config: dict[str, Any], tmp_path: Path
) -> None:
    engine_of(app).dispose()
    edited = create_app(
        {
            **app_config,
            "SERVER_DATA_SECRET": "a-new-secret-typed-in-by-hand-0123456789",
            "SERVER_DATA_SECRET_VERSION": 2,
            "SERVER_DATA_SECRETS_RETIRED": {1: app_config["SERVER_DATA_SECRET"]},
        },
        instance_path=str(tmp_path / "instance"),
    )
    with edited.app_context(), new_session(edited) as db:
        assert any("version 1" in problem.reason for problem in audit.verify(db))
    engine_of(edited).dispose()


def test_a_number_recorded_before_a_data_rotation_is_still_found(
    app: Flask, app_config: dict[str, Any], tmp_path: Path
) -> None:
    case_id, _receipt = _file(app)
    with app.app_context(), new_session(app) as db:
        digest = reference_digest("นม 0023/2569", settings.reference_key(app))
        db.add(CaseReference(case_id=case_id, digest=digest))
        number = db.get_one(Case, case_id).number
        db.commit()
    _rotate(app, "data")
    renewed = _reopened(app, app_config, tmp_path, "SERVER_DATA_SECRET")
    assert settings.reference_key(renewed) != settings.reference_key(app)
    client = renewed.test_client()
    assert staff_login(client, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"]).status_code == 302
    found = client.get("/staff/", query_string={"number": "นม 0023/2569"}).text
    assert f"/staff/cases/{number}" in found
    engine_of(renewed).dispose()
