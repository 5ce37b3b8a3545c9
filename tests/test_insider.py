"""An attacker who can write to the database but does not have the server config (issue 9,
finding 1): a key of theirs put in a row gets nothing sealed to it, the refusal is audited and the
leads are told, and no report is lost."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases, crypto, keys
from complaints.dates import utcnow
from complaints.db import new_session
from complaints.models import AuditEvent, Case, CaseKey, KeyGrant, OrgKey, StaffUser
from tests.conftest import csrf_token_from, receipt_from, submit_report


def _attacker_key() -> tuple[bytes, bytes]:
    private = crypto.generate_private_key()
    return private, crypto.public_key_of(private)


def _plant_org_key(app: Flask, kind: str, public_key: bytes) -> str:
    """What a database writer can do: add an active organisation key row (with a made-up pin)."""
    key_id = crypto.key_id(public_key)
    with new_session(app) as db:
        db.add(
            OrgKey(
                kind=kind,
                public_key=public_key,
                key_id=key_id,
                active=True,
                created_at=utcnow(),
                pin="0" * 64,
            )
        )
        db.commit()
    return key_id


def _alerts(app: Flask) -> list[str]:
    with new_session(app) as db:
        return [
            row.detail
            for row in db.scalars(select(AuditEvent).where(AuditEvent.action == "key_pin_mismatch"))
        ]


def test_a_planted_recovery_key_gets_no_new_report(
    app: Flask, client: FlaskClient, lead_client: FlaskClient
) -> None:
    attacker_private, attacker_public = _attacker_key()
    planted = _plant_org_key(app, keys.RECOVERY, attacker_public)
    response = submit_report(client, disclosure="confidential", reporter_name="นางผู้แจ้ง")
    assert response.status_code == 200
    with new_session(app) as db:
        case = db.scalars(select(Case)).one()
        sealed_to = {
            row.recipient_key_id for row in db.scalars(select(CaseKey).where(CaseKey.case_id == case.id))
        }
        assert planted not in sealed_to
        for row in db.scalars(select(CaseKey).where(CaseKey.case_id == case.id)):
            try:
                crypto.unseal(
                    row.sealed_ciphertext, attacker_private, f"{row.purpose}-key|case:{case.uid}|to:{planted}"
                )
            except crypto.CryptoError:
                continue
            raise AssertionError("the planted key opened a case key")
        recipients = {row.recipient for row in db.scalars(select(CaseKey).where(CaseKey.case_id == case.id))}
        assert {"unit", "recovery", "custodian", "reporter"} <= recipients  # the real keys still got it
    assert _alerts(app) == [f"kind=recovery key={planted}"]  # once, however often it is met
    submit_report(client)
    assert len(_alerts(app)) == 1
    queue = lead_client.get("/staff/").text
    assert 'id="key-alerts"' in queue
    assert planted in queue
    result = app.test_cli_runner().invoke(args=["keys", "check"])
    assert result.exit_code == 1
    assert planted in result.output


def test_a_tampered_unit_key_loses_no_report(app: Flask, client: FlaskClient) -> None:
    _attacker, attacker_public = _attacker_key()
    with new_session(app) as db:
        unit = db.scalars(select(OrgKey).where(OrgKey.kind == keys.UNIT)).one()
        unit.public_key = attacker_public  # the one unit key row, rewritten in place
        unit.key_id = crypto.key_id(attacker_public)
        db.commit()
    response = submit_report(client, description="รายงานที่ต้องไม่หายแม้กุญแจถูกสลับ")
    assert response.status_code == 200
    receipt = receipt_from(response.text).replace(" ", "")
    with app.app_context(), new_session(app) as db:
        case = db.scalars(select(Case)).one()
        recipients = {row.recipient for row in db.scalars(select(CaseKey).where(CaseKey.case_id == case.id))}
        assert "unit" not in recipients  # nothing sealed to the swapped key
        assert {"recovery", "reporter"} <= recipients  # ... and the report is kept all the same
        found, reporter_keys = cases.unlock_by_receipt(
            db, receipt, app.config["RECEIPT_LOOKUP_SECRET"].encode()
        )
        assert cases.read_report(found, reporter_keys.content).description == "รายงานที่ต้องไม่หายแม้กุญแจถูกสลับ"
    assert any(detail.startswith("kind=unit") for detail in _alerts(app))


def test_a_swapped_staff_key_is_refused_before_a_grant(
    app: Flask, lead_client: FlaskClient, officer: str
) -> None:
    del officer  # officer1 exists and holds the unit key
    _attacker, attacker_public = _attacker_key()
    with new_session(app) as db:
        target = db.scalars(select(StaffUser).where(StaffUser.username == "officer1")).one()
        target_id = target.id
        db.execute(KeyGrant.__table__.delete().where(KeyGrant.user_id == target_id))
        target.public_key, target.key_id = attacker_public, crypto.key_id(attacker_public)
        db.commit()
    page = lead_client.get("/staff/keys").text
    response = lead_client.post(
        "/staff/keys/grant",
        data={
            "csrf_token": csrf_token_from(page),
            "user_id": str(target_id),
            "kind": "unit",
            "compared": "y",
        },
    )
    assert response.status_code == 302
    assert "ตรวจสอบไม่ผ่าน" in lead_client.get(response.headers["Location"]).text
    with new_session(app) as db:
        assert db.scalars(select(KeyGrant).where(KeyGrant.user_id == target_id)).all() == []
    assert _alerts(app) == [f"kind=staff key={crypto.key_id(attacker_public)}"]


def test_keys_check_passes_on_a_clean_install_and_pin_pins_legacy_rows(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["keys", "check"]).exit_code == 0
    with new_session(app) as db:  # rows from before pins existed
        for org_key in db.scalars(select(OrgKey)):
            org_key.pin = None
        for user in db.scalars(select(StaffUser)):
            user.key_pin = None
        db.commit()
    assert runner.invoke(args=["keys", "check"]).exit_code == 1
    pinned = runner.invoke(args=["keys", "pin"])
    assert pinned.exit_code == 0
    assert "pinned: unit key" in pinned.output
    assert "pinned: account lead" in pinned.output
    assert runner.invoke(args=["keys", "check"]).exit_code == 0
