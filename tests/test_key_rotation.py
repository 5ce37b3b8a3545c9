"""A holder rotates the unit or the custodian key: every case re-sealed, resumable, old key dead."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from complaints import audit, cases, contexts, crypto, keys, settings
from complaints.cases import rotation
from complaints.dates import today
from complaints.db import new_session
from complaints.models import Case, CaseKey, KeyGrant, KeyRotation, OrgKey, ProtectionCheck, StaffUser
from tests.conftest import LEAD_PASSWORD, create_staff, file_case, grant_unit_key

SECRET = "ข้อความลับ-rotation-41"


def _file(app: Flask, named: bool = False) -> tuple[int, str]:
    identity = cases.ReporterIdentity(name="ผู้แจ้ง ทดสอบ") if named else None
    return file_case(app, cases.ReportContent(description=SECRET, accused_name="นาย ก"), identity)


def _lead(db: Session, app: Flask) -> tuple[StaffUser, bytes]:
    lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
    return lead, keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params(app))


def _held(app: Flask, kind: str) -> bytes:
    with app.app_context(), new_session(app) as db:
        lead, personal = _lead(db, app)
        return keys.private_key_for(db, kind, lead, personal)


def _opens(app: Flask, case_id: int, purpose: str, private: bytes) -> bool:
    with app.app_context(), new_session(app) as db:
        try:
            cases.open_with_org_key(db, db.get_one(Case, case_id), purpose, private)
        except keys.KeyringError:
            return False
        return True


def _rotate(app: Flask, kind: str, username: str = "lead", password: str = LEAD_PASSWORD) -> str:
    result = app.test_cli_runner().invoke(
        args=["keys", "rotate", kind, username, "--grace", "0", "--batch", "2"], input=password + "\n"
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_a_holder_rotates_the_unit_key_and_the_old_key_opens_nothing(app: Flask) -> None:
    filed = [_file(app, named=index == 0) for index in range(5)]
    old_private = _held(app, keys.UNIT)
    old_id = crypto.key_id(crypto.public_key_of(old_private))
    custodian_before = _held(app, keys.CUSTODIAN)

    output = _rotate(app, keys.UNIT)

    new_private = _held(app, keys.UNIT)
    assert crypto.key_id(crypto.public_key_of(new_private)) != old_id
    assert "5 case keys" in output
    for case_id, receipt in filed:
        assert not _opens(app, case_id, cases.CONTENT, old_private)
        with app.app_context(), new_session(app) as db:
            case = db.get_one(Case, case_id)
            content_key = cases.open_with_org_key(db, case, cases.CONTENT, new_private)
            assert cases.read_report(case, content_key).description == SECRET
            # the reporter is not touched: the receipt still opens the case
            _case, reporter_keys = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
            assert cases.read_report(case, reporter_keys.content).description == SECRET
    assert _opens(app, filed[0][0], cases.IDENTITY, custodian_before)  # the other key is untouched
    with app.app_context(), new_session(app) as db:
        assert db.scalar(select(func.count()).where(CaseKey.recipient_key_id == old_id)) == 0
        old = db.scalars(select(OrgKey).where(OrgKey.key_id == old_id)).one()
        assert not old.active
        assert db.scalar(select(func.count()).where(KeyGrant.org_key_id == old.id)) == 0
        new_copies = db.scalar(
            select(func.count()).where(
                CaseKey.recipient_key_id == crypto.key_id(crypto.public_key_of(new_private))
            )
        )
        assert new_copies == 5  # one content copy per case, none twice
        rotated = db.scalars(select(KeyRotation)).one()
        assert rotated.finished_at is not None
        assert rotated.resealed == 5
        assert audit.verify(db) == []
        actions = list(db.scalars(select(audit.AuditEvent.action)))
        assert "key_rotation_started" in actions
        assert "key_rotated" in actions


def test_an_interrupted_rotation_resumes_and_takes_in_cases_filed_meanwhile(app: Flask) -> None:
    first = [_file(app) for _ in range(3)]
    with app.app_context(), new_session(app) as db:
        lead, personal = _lead(db, app)
        started = rotation.start(db, keys.UNIT, lead, personal)
        rotation._reseal_case_keys(db, started, 1)  # one case re-sealed, then the process dies
        db.commit()
        old_private, new_key_id = started.old_private, started.new.key_id
    # Until the switch the old key stays the active one: reading and filing go on as before.
    assert _opens(app, first[2][0], cases.CONTENT, old_private)
    during = _file(app)
    output = _rotate(app, keys.UNIT)
    assert "3 case keys" in output  # the two left over and the one filed meanwhile
    new_private = _held(app, keys.UNIT)
    assert crypto.key_id(crypto.public_key_of(new_private)) == new_key_id  # resumed, not restarted
    for case_id, _receipt in [*first, during]:
        assert _opens(app, case_id, cases.CONTENT, new_private)
        assert not _opens(app, case_id, cases.CONTENT, old_private)


def test_a_case_sealed_to_the_old_key_across_the_switch_is_swept_up(app: Flask) -> None:
    _file(app)
    with app.app_context(), new_session(app) as db:
        lead, personal = _lead(db, app)
        started = rotation.start(db, keys.UNIT, lead, personal)
        rotation.reseal_batches(db, started)
        old_recipients = keys.recipient_keys(db)  # a request that read the keys before the switch
        rotation.switch(db, started, lead)
        prepared = cases.prepare_case(
            cases.ReportContent(description=SECRET),
            None,
            [],
            old_recipients,
            settings.lookup_secret(app),
            today(),
        )
        late = cases.store_case(
            db, prepared, "budget", "finance", "online", today(), app.config["DEADLINE_DAYS"]
        )
        db.commit()
        late_id = late.id
        assert rotation.sweep(db, started) == 1
        old_private = started.old_private
    assert _opens(app, late_id, cases.CONTENT, _held(app, keys.UNIT))
    assert not _opens(app, late_id, cases.CONTENT, old_private)


def test_the_custodian_rotation_reseals_the_sealed_references(app: Flask) -> None:
    case_id, _ = _file(app, named=True)
    old_custodian = _held(app, keys.CUSTODIAN)
    with app.app_context(), new_session(app) as db:
        case = db.get_one(Case, case_id)
        lead, _personal = _lead(db, app)
        custodian = keys.active_org_key(db, keys.CUSTODIAN)
        assert custodian is not None
        context = contexts.protection_subject(case.uid, "check-uid-1")
        db.add(
            ProtectionCheck(
                uid="check-uid-1",
                case_id=case.id,
                requested_by_id=lead.id,
                requested_on=today(),
                subject_ciphertext=crypto.seal("นาย ข".encode(), custodian.public_key, context),
            )
        )
        db.commit()
    _rotate(app, keys.CUSTODIAN)
    new_custodian = _held(app, keys.CUSTODIAN)
    assert _opens(app, case_id, cases.IDENTITY, new_custodian)
    assert not _opens(app, case_id, cases.IDENTITY, old_custodian)
    with app.app_context(), new_session(app) as db:
        check = db.scalars(select(ProtectionCheck)).one()
        assert crypto.unseal(check.subject_ciphertext, new_custodian, context).decode() == "นาย ข"
        try:
            crypto.unseal(check.subject_ciphertext, old_custodian, context)
        except crypto.CryptoError:
            pass
        else:
            raise AssertionError("the old custodian key still opens the protection check")


def test_only_a_holder_with_the_right_password_rotates_and_other_holders_are_named(app: Flask) -> None:
    _file(app)
    create_staff(app, "clerk", "officer")
    runner = app.test_cli_runner()
    not_holder = runner.invoke(args=["keys", "rotate", "unit", "clerk"], input="officer passphrase 2569 x\n")
    assert not_holder.exit_code != 0
    wrong = runner.invoke(args=["keys", "rotate", "unit", "lead"], input="not the password at all\n")
    assert wrong.exit_code != 0
    assert "password is wrong" in wrong.output
    recovery = runner.invoke(args=["keys", "rotate", "recovery", "lead"], input=LEAD_PASSWORD + "\n")
    assert recovery.exit_code != 0
    with app.app_context(), new_session(app) as db:
        assert db.scalar(select(func.count()).select_from(KeyRotation)) == 0
    grant_unit_key(app, "clerk")
    output = _rotate(app, keys.UNIT)
    assert "clerk" in output  # told to grant the new key in person
    with app.app_context(), new_session(app) as db:
        clerk = db.scalars(select(StaffUser).where(StaffUser.username == "clerk")).one()
        assert keys.UNIT not in keys.held_kinds(db).get(clerk.id, set())
