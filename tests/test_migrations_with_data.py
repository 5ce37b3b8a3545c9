"""A database filled at the first migration upgrades to head with every case still readable.

The rows are written with SQL against the schema of revision 0001 only (reflected from the database,
so a column added later cannot slip in), with keys, an account, a grant and cases made by the same
crypto functions the app uses; then the chain runs to head and the case is read back with a
receipt, with the unit key through a staff log-in, and with the custodian key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import MetaData, Table, insert, select
from sqlalchemy.orm import Session

from complaints import cases, contexts, create_app, crypto, keys, migrations, settings
from complaints.dates import fiscal_year_of, today, utcnow
from complaints.db import engine_of, new_session
from complaints.models import Case, OrgKey, StaffUser
from tests.conftest import LEAD_PASSWORD, staff_login
from tests.test_status_counts import kept_counts

DESCRIPTION = "ข้อความจากรุ่นแรก-0001 ปลัดรับเงินผู้รับเหมา"


def _row(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """Only the columns revision 0001 has."""
    return {name: value for name, value in values.items() if name in table.c}


def _org_keys(db: Any, tables: dict[str, Table]) -> dict[str, tuple[int, bytes, OrgKey]]:
    made = {}
    for kind in keys.ORG_KEY_KINDS:
        private = crypto.generate_private_key()
        public = crypto.public_key_of(private)
        values = {"kind": kind, "public_key": public, "key_id": crypto.key_id(public), "active": True}
        inserted = db.execute(insert(tables["org_keys"]).values(**values, created_at=utcnow()))
        made[kind] = (int(inserted.inserted_primary_key[0]), private, OrgKey(**values))
    return made


def _lead(app: Flask, db: Any, tables: dict[str, Table], org: dict[str, tuple[int, bytes, OrgKey]]) -> bytes:
    created = keys.create_staff_user(
        Session(),  # never flushed: only the values are wanted
        "lead",
        frozenset({"officer", "lead", "custodian"}),
        LEAD_PASSWORD,
        settings.argon2_params(app),
        settings.server_secret(app),
        must_change_password=False,
    )
    user = created.user
    columns = {column.name: getattr(user, column.key) for column in StaffUser.__table__.columns}
    columns.update(id=None, display_name="หัวหน้านิติการ", email="")
    del columns["id"]
    user_id = db.execute(insert(tables["staff_users"]).values(**_row(tables["staff_users"], columns)))
    for kind in (keys.UNIT, keys.CUSTODIAN):
        org_id, private, org_key = org[kind]
        sealed = crypto.seal(
            private, user.public_key, contexts.org_key_grant(kind, org_key.key_id, user.key_id)
        )
        db.execute(
            insert(tables["key_grants"]).values(
                org_key_id=org_id,
                user_id=user_id.inserted_primary_key[0],
                recipient_key_id=user.key_id,
                sealed_ciphertext=sealed,
                created_at=utcnow(),
            )
        )
    return created.totp_secret


def _case(
    app: Flask, db: Any, tables: dict[str, Table], org: dict[str, tuple[int, bytes, OrgKey]], n: int
) -> str:
    recipients = keys.RecipientKeys(
        unit=org["unit"][2], custodian=org["custodian"][2], recovery=org["recovery"][2]
    )
    prepared = cases.prepare_case(
        cases.ReportContent(description=f"{DESCRIPTION} {n}", accused_name="นาย ก"),
        cases.ReporterIdentity(name="ผู้แจ้ง รุ่นแรก"),
        [],
        recipients,
        settings.lookup_secret(app),
        today(),
    )
    year = fiscal_year_of(today())
    values = {
        "uid": prepared.uid,
        "number": f"{year}-{n:04d}",
        "fiscal_year": year,
        "channel": "online",
        "category": "budget",
        "department": "finance",
        "disclosure": "confidential",
        "status": "received",
        "criminal_referral": False,
        "routed_outside": False,
        "reporter_protected": False,
        "identity_shared": False,
        "submitted_on": today(),
        "acknowledged_on": today(),
        "receipt_lookup": prepared.receipt_lookup,
        "reporter_salt": prepared.reporter_salt,
        "report_ciphertext": prepared.report_ciphertext,
        "identity_ciphertext": prepared.identity_ciphertext,
    }
    case_id = db.execute(
        insert(tables["cases"]).values(**_row(tables["cases"], values))
    ).inserted_primary_key[0]
    for key in prepared.case_keys:
        db.execute(
            insert(tables["case_keys"]).values(
                case_id=case_id,
                purpose=key.purpose,
                recipient=key.recipient,
                recipient_key_id=key.recipient_key_id,
                sealed_ciphertext=key.sealed_ciphertext,
            )
        )
    return prepared.receipt


def test_a_database_filled_at_revision_0001_upgrades_to_head_with_every_case_readable(
    app_config: dict[str, Any], empty_database_url: str, tmp_path: Path
) -> None:
    # Accounts of that time were wrapped at the configured cost, which 0003 recorded as the default.
    production_cost = {"ARGON2_MEMORY_KIB": 64 * 1024, "ARGON2_ITERATIONS": 3, "ARGON2_LANES": 1}
    app = create_app(
        {**app_config, **production_cost, "DATABASE_URL": empty_database_url},
        instance_path=str(tmp_path / "instance"),
    )
    migrations.upgrade(app, "0001")
    engine = engine_of(app)
    metadata = MetaData()
    metadata.reflect(engine)
    tables = dict(metadata.tables)
    assert "reporter_audit_events" not in tables  # really the first schema
    with app.app_context(), engine.begin() as db:
        org = _org_keys(db, tables)
        totp = _lead(app, db, tables, org)
        receipts = [_case(app, db, tables, org, n) for n in range(1, 4)]

    migrations.upgrade(app)
    # Cases filed before 0016 are counted by its upgrade, not by the triggers it adds.
    with engine.connect() as connection:
        assert kept_counts(connection) == {"received": 3}
    pinned = app.test_cli_runner().invoke(args=["keys", "pin"])  # the documented step after 0006
    assert pinned.exit_code == 0, pinned.output

    with app.app_context(), new_session(app) as session:
        for n, receipt in enumerate(receipts, start=1):
            case, reporter_keys = cases.unlock_by_receipt(session, receipt, settings.lookup_secret(app))
            assert cases.read_report(case, reporter_keys.content).description == f"{DESCRIPTION} {n}"
        lead = session.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        personal = keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params(app))
        custodian = keys.private_key_for(session, keys.CUSTODIAN, lead, personal)
        first = session.scalars(select(Case).order_by(Case.id)).first()
        assert first is not None
        identity = cases.read_identity(
            first, cases.open_with_org_key(session, first, cases.IDENTITY, custodian)
        )
        assert identity is not None
        assert identity.name == "ผู้แจ้ง รุ่นแรก"
        assert first.pepper_version == 1
        number = first.number
    client = app.test_client()
    assert staff_login(client, "lead", LEAD_PASSWORD, crypto.base32_secret(totp)).status_code == 302
    page = client.get(f"/staff/cases/{number}")
    assert page.status_code == 200
    assert re.search(f"{DESCRIPTION} 1", page.text)
    engine.dispose()
