"""The key checks as plain functions: a swapped public key, a pin copied to another account or
another kind of key, a retired organisation key and a recovery code of the wrong length are all
refused, whoever wrote them into the database."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from complaints import crypto, keys, pins, settings
from complaints.db import new_session
from complaints.models import OrgKey, StaffUser
from tests.conftest import LEAD_PASSWORD, create_staff


def _user(db: object, username: str) -> StaffUser:
    return db.scalars(select(StaffUser).where(StaffUser.username == username)).one()  # type: ignore[attr-defined]


def test_a_log_in_refuses_an_account_whose_public_key_was_swapped(app: Flask) -> None:
    with app.app_context(), new_session(app) as db:
        lead = _user(db, "lead")
        assert keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params())
        planted = crypto.public_key_of(crypto.generate_private_key())
        lead.public_key, lead.key_id = planted, crypto.key_id(planted)  # grants would go to the planter
        with pytest.raises(keys.KeyringError, match="does not match"):
            keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params())


def test_a_pin_copied_with_its_key_to_another_account_does_not_verify(app: Flask) -> None:
    create_staff(app, "officer1", "officer")
    with app.app_context(), new_session(app) as db:
        lead, officer = _user(db, "lead"), _user(db, "officer1")
        assert pins.staff_key_verifies(lead)
        assert pins.staff_key_verifies(officer)
        officer.public_key, officer.key_id, officer.key_pin = lead.public_key, lead.key_id, lead.key_pin
        assert not pins.staff_key_verifies(officer)
        with pytest.raises(pins.UnpinnedKey):
            pins.require_staff_key(officer)


def test_an_organisation_key_relabelled_as_another_kind_does_not_verify(app: Flask) -> None:
    with app.app_context(), new_session(app) as db:
        unit = keys.active_org_key(db, keys.UNIT)
        assert unit is not None
        assert pins.org_key_verifies(unit)
        unit.kind = keys.RECOVERY  # a key the unit holds would receive every report as "recovery"
        assert not pins.org_key_verifies(unit)
        db.rollback()


def test_a_retired_organisation_key_is_no_longer_held(app: Flask) -> None:
    with app.app_context(), new_session(app) as db:
        lead = _user(db, "lead")
        personal = keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params())
        assert set(keys.held_org_keys(db, lead, personal)) == {keys.UNIT, keys.CUSTODIAN}
        unit = db.scalars(select(OrgKey).where(OrgKey.kind == keys.UNIT)).one()
        unit.active = False  # replaced by a rotation
        assert set(keys.held_org_keys(db, lead, personal)) == {keys.CUSTODIAN}
        db.rollback()


def test_a_recovery_code_of_the_wrong_length_is_refused() -> None:
    code, private_key = keys.new_recovery_code()
    assert keys.recovery_private_key(code) == private_key
    assert keys.recovery_private_key(code.lower().replace("-", " ")) == private_key
    groups = code.split("-")
    for wrong in ("-".join(groups[:-1]), code + "-AAAA", "-".join(groups[:2]), "AAAAAAAA"):
        with pytest.raises(keys.KeyringError):
            keys.recovery_private_key(wrong)


def test_no_key_is_granted_to_a_password_someone_else_set(app: Flask) -> None:
    """Whoever set the one-time password could unwrap the personal key, and with it the grant."""
    with app.app_context(), new_session(app) as db:
        lead = _user(db, "lead")
        personal = keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params())
        unit = keys.active_org_key(db, keys.UNIT)
        assert unit is not None
        unit_private = keys.private_key_for(db, keys.UNIT, lead, personal)
        fresh = keys.create_staff_user(
            db,
            "newcomer",
            frozenset({"officer"}),
            "one-time password 1",
            settings.argon2_params(),
            settings.server_secret(),
        ).user
        db.flush()
        assert fresh.must_change_password
        with pytest.raises(keys.KeyringError, match="own password"):
            keys.grant_org_key(db, unit, unit_private, fresh, lead)
        assert keys.grant_org_key(db, unit, unit_private, fresh, None, first_holder=True)  # init only
        db.rollback()
