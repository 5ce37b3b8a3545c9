"""init, accounts and the key hierarchy end to end: who can read a case, and who cannot."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from complaints import cases, crypto, keys, receipts, settings
from complaints.dates import today
from complaints.db import new_session
from complaints.models import Case, CaseKey, KeyGrant, OrgKey, StaffUser
from tests.conftest import LEAD_PASSWORD, POSTGRES_URL
from tests.conftest import file_case as filed

MARKER = "MARKER-ลับมาก-7f3a"


def file_case(
    app: Flask, description: str = MARKER, identity: cases.ReporterIdentity | None = None
) -> tuple[int, str]:
    """File a report with the marker in its description and accused name."""
    return filed(app, cases.ReportContent(description=description, accused_name=MARKER), identity)


def test_init_creates_keys_and_lead(app: Flask) -> None:
    with app.app_context(), new_session(app) as db:
        kinds = sorted(key.kind for key in db.scalars(select(OrgKey)))
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        grants = db.scalars(select(KeyGrant).where(KeyGrant.user_id == lead.id)).all()
    assert kinds == ["custodian", "recovery", "unit"]
    assert lead.role_set == {"lead", "officer", "custodian"}
    assert not lead.must_change_password
    assert {grant.org_key.kind for grant in grants} == {"unit", "custodian"}


def test_init_twice_changes_nothing(app: Flask) -> None:
    with app.app_context(), new_session(app) as db:
        before = [key.key_id for key in db.scalars(select(OrgKey).order_by(OrgKey.id))]
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0
    assert "Already initialised" in result.output
    assert "recovery-code" not in result.output
    with app.app_context(), new_session(app) as db:
        assert [key.key_id for key in db.scalars(select(OrgKey).order_by(OrgKey.id))] == before


def test_init_writes_secrets_once(app: Flask) -> None:
    path = Path(app.instance_path) / "config.py"
    first = path.read_text()
    assert re.search(r"SECRET_KEY = '.{40,}'", first)
    app.test_cli_runner().invoke(args=["init"])
    assert path.read_text() == first
    assert path.stat().st_mode & 0o077 == 0


def test_users_create_prints_totp_secret(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "somchai", "--role", "officer", "--role", "admin", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"^totp-secret: [A-Z2-7]{32}$", result.output, re.M)
    again = app.test_cli_runner().invoke(args=["users", "create", "somchai", "--role", "officer"])
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_users_create_rejects_unknown_role(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["users", "create", "x", "--role", "mayor"])
    assert result.exit_code != 0


def test_lead_reads_case_through_password_derived_key(app: Flask) -> None:
    case_id, _ = file_case(app)
    with app.app_context(), new_session(app) as db:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        personal = keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params(app))
        unit_private = keys.private_key_for(db, keys.UNIT, lead, personal)
        case = db.get_one(Case, case_id)
        content_key = cases.open_with_org_key(db, case, cases.CONTENT, unit_private)
        assert cases.read_report(case, content_key).description == MARKER
        with pytest.raises(keys.WrongPassword):
            keys.unlock_personal_key(lead, "wrong password", settings.argon2_params(app))


def test_new_officer_reads_only_after_a_lead_grants_the_unit_key(app: Flask) -> None:
    case_id, _ = file_case(app)
    app.test_cli_runner().invoke(
        args=["users", "create", "officer1", "--role", "officer", "--password-stdin"],
        input="officer password 1\n",
    )
    params = settings.argon2_params(app)
    with app.app_context(), new_session(app) as db:
        officer = db.scalars(select(StaffUser).where(StaffUser.username == "officer1")).one()
        officer_personal = keys.unlock_personal_key(officer, "officer password 1", params)
        with pytest.raises(keys.KeyringError):
            keys.private_key_for(db, keys.UNIT, officer, officer_personal)
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        unit_private = keys.private_key_for(
            db, keys.UNIT, lead, keys.unlock_personal_key(lead, LEAD_PASSWORD, params)
        )
        unit = keys.active_org_key(db, keys.UNIT)
        assert unit is not None
        keys.grant_org_key(db, unit, unit_private, officer, lead)
        db.commit()
        granted = keys.private_key_for(db, keys.UNIT, officer, officer_personal)
        content_key = cases.open_with_org_key(db, db.get_one(Case, case_id), cases.CONTENT, granted)
        assert cases.read_report(db.get_one(Case, case_id), content_key).description == MARKER


def test_unit_key_cannot_open_identity(app: Flask) -> None:
    case_id, receipt = file_case(app, identity=cases.ReporterIdentity(name="นางสาว ผู้แจ้ง", phone="0812345678"))
    params = settings.argon2_params(app)
    with app.app_context(), new_session(app) as db:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        personal = keys.unlock_personal_key(lead, LEAD_PASSWORD, params)
        case = db.get_one(Case, case_id)
        unit_private = keys.private_key_for(db, keys.UNIT, lead, personal)
        with pytest.raises(keys.KeyringError):
            cases.open_with_org_key(db, case, cases.IDENTITY, unit_private)
        custodian_private = keys.private_key_for(db, keys.CUSTODIAN, lead, personal)
        identity_key = cases.open_with_org_key(db, case, cases.IDENTITY, custodian_private)
        identity = cases.read_identity(case, identity_key)
        assert identity is not None
        assert identity.name == "นางสาว ผู้แจ้ง"
        _, reporter = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
        assert reporter.identity == identity_key
        recipients = {row.recipient for row in db.scalars(select(CaseKey).where(CaseKey.case_id == case_id))}
        assert recipients == {"unit", "custodian", "recovery", "reporter"}


def test_database_copy_without_passwords_cannot_read(app: Flask, tmp_path: Path) -> None:
    """A stolen database plus instance folder: every private key it holds is still wrapped."""
    if POSTGRES_URL:
        pytest.skip("the stolen-file scenario copies the SQLite file; PostgreSQL runs the rest")
    case_id, _ = file_case(app)
    stolen_instance = tmp_path / "stolen"
    shutil.copytree(Path(app.instance_path), stolen_instance)  # database, WAL, uploads, config.py
    stolen = stolen_instance / Path(app.config["DATABASE_URL"]).name
    for path in Path(app.instance_path).rglob("*"):
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes()
    engine = create_engine(f"sqlite:///{stolen}")
    with Session(engine) as db:
        case = db.get_one(Case, case_id)
        sealed = db.scalars(select(CaseKey).where(CaseKey.case_id == case_id)).all()
        # The attacker tries every key material present in the copy as a private key.
        candidates = [user.private_key_ciphertext for user in db.scalars(select(StaffUser))]
        candidates += [grant.sealed_ciphertext for grant in db.scalars(select(KeyGrant))]
        for candidate in candidates:
            for row in sealed:
                with pytest.raises(crypto.CryptoError):
                    crypto.unseal(row.sealed_ciphertext, candidate[: crypto.PRIVATE_KEY_BYTES], "x")
        assert MARKER.encode() not in case.report_ciphertext
    engine.dispose()


def test_recovery_code_restores_access_for_a_new_holder(app: Flask) -> None:
    case_id, _ = file_case(app, identity=cases.ReporterIdentity(name="ผู้แจ้ง"))
    runner = app.test_cli_runner()
    runner.invoke(
        args=["users", "create", "newlead", "--role", "lead", "--password-stdin"],
        input="incoming lead passphrase 2569\n",
    )
    bad = runner.invoke(args=["keys", "recover", "newlead"], input="AAAA-BBBB\n")
    assert bad.exit_code != 0
    result = runner.invoke(args=["keys", "recover", "newlead"], input=app.config["TEST_RECOVERY_CODE"] + "\n")
    assert result.exit_code == 0, result.output
    with app.app_context(), new_session(app) as db:
        newlead = db.scalars(select(StaffUser).where(StaffUser.username == "newlead")).one()
        personal = keys.unlock_personal_key(
            newlead, "incoming lead passphrase 2569", settings.argon2_params(app)
        )
        case = db.get_one(Case, case_id)
        unit_private = keys.private_key_for(db, keys.UNIT, newlead, personal)
        content_key = cases.open_with_org_key(db, case, cases.CONTENT, unit_private)
        assert cases.read_report(case, content_key).description == MARKER
        custodian_private = keys.private_key_for(db, keys.CUSTODIAN, newlead, personal)
        assert cases.open_with_org_key(db, case, cases.IDENTITY, custodian_private)


def test_case_numbers_are_sequential_per_fiscal_year(app: Flask) -> None:
    for _ in range(3):
        file_case(app)
    with app.app_context(), new_session(app) as db:
        numbers = sorted(db.scalars(select(Case.number)))
        assert len(set(numbers)) == 3
        assert numbers[-1].endswith("-0003")
        assert db.scalar(select(func.count()).select_from(Case)) == 3


def test_reporter_opens_case_with_receipt_only(app: Flask) -> None:
    case_id, receipt = file_case(app)
    with app.app_context(), new_session(app) as db:
        case, reporter = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
        assert case.id == case_id
        assert cases.read_report(case, reporter.content).description == MARKER
        with pytest.raises(cases.CaseNotFound):
            cases.unlock_by_receipt(db, receipts.new_receipt(), settings.lookup_secret(app))
        assert receipt.encode() not in case.receipt_lookup


def test_grant_refused_while_recipient_has_a_password_set_by_someone_else(app: Flask) -> None:
    app.test_cli_runner().invoke(args=["users", "create", "fresh", "--role", "officer"])
    params = settings.argon2_params(app)
    with app.app_context(), new_session(app) as db:
        fresh = db.scalars(select(StaffUser).where(StaffUser.username == "fresh")).one()
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        unit_private = keys.private_key_for(
            db, keys.UNIT, lead, keys.unlock_personal_key(lead, LEAD_PASSWORD, params)
        )
        unit = keys.active_org_key(db, keys.UNIT)
        assert unit is not None
        with pytest.raises(keys.KeyringError, match="own password"):
            keys.grant_org_key(db, unit, unit_private, fresh, lead)
        with pytest.raises(keys.KeyringError):
            keys.grant_org_key(db, unit, crypto.generate_private_key(), lead, lead)


def test_swapped_public_key_is_detected_at_unlock(app: Flask) -> None:
    params = settings.argon2_params(app)
    with app.app_context(), new_session(app) as db:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        attacker_public = crypto.public_key_of(crypto.generate_private_key())
        lead.public_key, lead.key_id = attacker_public, crypto.key_id(attacker_public)
        with pytest.raises(keys.KeyringError):
            keys.unlock_personal_key(lead, LEAD_PASSWORD, params)


def test_message_author_is_bound_to_its_ciphertext(app: Flask) -> None:
    case_id, receipt = file_case(app)
    with app.app_context(), new_session(app) as db:
        case, reporter = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
        content_key = reporter.content
        message = cases.add_message(db, case, content_key, cases.REPORTER, "ข้อความ", today())
        db.commit()
        assert cases.read_message(case, message, content_key) == "ข้อความ"
        message.author = cases.STAFF
        with pytest.raises(crypto.CryptoError):
            cases.read_message(case, message, content_key)


def test_secrets_stay_out_of_reprs(app: Flask) -> None:
    with app.app_context(), new_session(app) as db:
        prepared = cases.prepare_case(
            cases.ReportContent(description="x"), None, [], keys.recipient_keys(db), b"s", today()
        )
    assert prepared.receipt not in repr(prepared)


def test_first_password_change_rotates_the_personal_key_and_keeps_grants(app: Flask) -> None:
    """The person who ran `init` knew the one-time password: after the change it opens nothing."""
    result = app.test_cli_runner().invoke(args=["users", "create", "somsri", "--role", "lead"])
    one_time = re.search(r"one-time-password: (\S+)", result.output).group(1)  # type: ignore[union-attr]  # init always prints it
    params = settings.argon2_params(app)
    case_id, _ = file_case(app)
    with app.app_context(), new_session(app) as db:
        somsri = db.scalars(select(StaffUser).where(StaffUser.username == "somsri")).one()
        old_private = keys.unlock_personal_key(somsri, one_time, params)
        old_wrapped, old_key_id = somsri.private_key_ciphertext, somsri.key_id
        new_private = keys.change_password(db, somsri, old_private, "somsri's own password", params)
        db.commit()
        assert somsri.key_id != old_key_id
        assert not somsri.must_change_password
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        lead_private = keys.unlock_personal_key(lead, LEAD_PASSWORD, params)
        unit = keys.active_org_key(db, keys.UNIT)
        assert unit is not None
        keys.grant_org_key(db, unit, keys.private_key_for(db, keys.UNIT, lead, lead_private), somsri, lead)
        db.commit()
        unit_private = keys.private_key_for(db, keys.UNIT, somsri, new_private)
        case = db.get_one(Case, case_id)
        assert cases.read_report(case, cases.open_with_org_key(db, case, cases.CONTENT, unit_private))
        # The old key, recovered from the one-time password and a backup, opens no current grant.
        grant = db.scalars(select(KeyGrant).where(KeyGrant.user_id == somsri.id)).one()
        with pytest.raises(crypto.CryptoError):
            keys.open_grant(grant, old_private)
        assert old_wrapped != somsri.private_key_ciphertext
        again = keys.change_password(db, somsri, new_private, "a later password change", params)
        assert again == new_private
        assert keys.unlock_personal_key(somsri, "a later password change", params) == new_private


def test_interactive_init_lead_keys_are_rotated_at_first_login(tmp_path: Path, database_url: str) -> None:
    from complaints import create_app
    from tests.conftest import make_config

    app = create_app(make_config(tmp_path, database_url), instance_path=str(tmp_path / "instance"))
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    passwords = re.findall(r"one-time-password: (\S+)", result.output)
    assert len(passwords) == 3  # admin, lead, custodian
    params = settings.argon2_params(app)
    with app.app_context(), new_session(app) as db:
        admin = db.scalars(select(StaffUser).where(StaffUser.username == "admin")).one()
        assert not db.scalars(select(KeyGrant).where(KeyGrant.user_id == admin.id)).all()
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        old_private = keys.unlock_personal_key(lead, passwords[1], params)
        unit_before = keys.private_key_for(db, keys.UNIT, lead, old_private)
        new_private = keys.change_password(db, lead, old_private, "the lead's own password", params)
        db.commit()
        assert keys.private_key_for(db, keys.UNIT, lead, new_private) == unit_before
        assert keys.held_org_keys(db, lead, new_private).keys() == {"unit"}
        custodian = db.scalars(select(StaffUser).where(StaffUser.username == "custodian")).one()
        assert custodian.role_set == {"custodian"}
        custodian_private = keys.unlock_personal_key(custodian, passwords[2], params)
        assert keys.held_org_keys(db, custodian, custodian_private).keys() == {"custodian"}
        for grant in db.scalars(select(KeyGrant).where(KeyGrant.user_id == lead.id)):
            with pytest.raises(crypto.CryptoError):
                keys.open_grant(grant, old_private)
    from complaints.db import engine_of

    engine_of(app).dispose()
