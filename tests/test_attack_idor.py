"""IDOR and privilege escalation: one case's files, messages, notes and steps reached through the
other case (by URL, by a forged form field, or moved there in the database), guessed and
sequential ids, the excluded officer walking the case numbers, role fields slipped into forms,
and an administrator who takes over a key holder's account — 404/403 or nothing, never the
other case's data."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, update

from complaints.db import new_session
from complaints.models import (
    Attachment,
    Case,
    InternalNote,
    Message,
    ProcedureEvent,
    ProtectionCheck,
    StaffUser,
)
from tests.attack_world import MARK, World, fingerprint, shared_world
from tests.conftest import (
    OFFICER_PASSWORD,
    csrf_token_from,
    forget_used_totp,
    invitation_from,
    log_in_reporter,
    staff_login,
    use_invitation,
)

ALTERED_TH = "รายการนี้เปิดอ่านในเรื่องนี้ไม่ได้"  # the altered-row notice, in Thai
B_TEXT = "เรื่องที่สอง"  # case B's description: seen only by those who may open case B
VOLATILE = {"audit_events", "audit_head", "staff_sessions", "reporter_sessions"}
# URL parameters the app takes; any other (a message, note or step id) would need its own IDOR test.
KNOWN_PARAMETERS = {"number", "uid", "action", "user_id", "fmt", "request_id", "case_id", "check_id"}
KNOWN_PARAMETERS |= {"name", "filename", "code"}  # static files and the language switch


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with shared_world(tmp_path_factory.mktemp("idor")) as built:
        yield built


def _unchanged(world: World, before: dict[str, list[str]], what: object) -> None:
    changed = {name for name, rows in fingerprint(world.app).items() if rows != before[name]} - VOLATILE
    assert not changed, (what, changed)


def test_no_route_takes_a_message_note_or_step_id(world: World) -> None:
    """Messages, notes and procedure steps are reached only through their case's number (so the
    case's access check guards them); a new id in a URL must get an IDOR test here first."""
    taken = {argument for rule in world.app.url_map.iter_rules() for argument in rule.arguments}
    assert taken <= KNOWN_PARAMETERS, taken - KNOWN_PARAMETERS


def test_a_file_is_found_only_under_its_own_case(world: World) -> None:
    lead = world.client("lead")
    for number, uid in ((world.number_a, world.file_b), (world.number_b, world.file_a)):
        response = lead.get(f"/staff/cases/{number}/files/{uid}")
        assert response.status_code == 404, (number, uid)
        assert b"evidence" not in response.data
        assert b"b-data" not in response.data
    assert lead.get(f"/staff/cases/{world.number_b}/files/{world.file_b}").data == b"b-data"


def test_the_excluded_officer_gets_case_b_by_no_door(world: World) -> None:
    """Case B's file under case A's URL, case B itself, its record and PDF, its file directly."""
    officer2 = world.client("officer2")
    a, b = world.number_a, world.number_b
    for url in (
        f"/staff/cases/{a}/files/{world.file_b}",
        f"/staff/cases/{b}",
        f"/staff/cases/{b}/record",
        f"/staff/cases/{b}/record.pdf",
        f"/staff/cases/{b}/files/{world.file_b}",
    ):
        response = officer2.get(url)
        assert response.status_code == 404, url
        assert b"b-data" not in response.data
        assert B_TEXT not in response.text
    assert officer2.get(f"/staff/cases/{a}/files/{world.file_a}").status_code == 200  # A is theirs


def test_walking_the_case_numbers_tells_excluded_from_missing_by_nothing(world: World) -> None:
    """Sequential numbers around the real ones: the excluded case answers exactly like one that
    does not exist (the same status and the same page but for the number typed)."""
    officer2 = world.client("officer2")
    year, serial = world.number_b.split("-")
    answers: dict[str, tuple[int, str]] = {}
    for guess in range(1, 12):
        number = f"{year}-{guess:04d}"
        response = officer2.get(f"/staff/cases/{number}")
        page = re.sub(r'name="csrf_token"[^>]*>', "", response.text).replace(number, "N")
        answers[number] = (response.status_code, page)
        assert B_TEXT not in response.text
    missing = answers[f"{year}-0011"]
    assert answers[world.number_b] == missing
    assert answers[world.number_a][0] == 200


def test_guessed_attachment_ids_find_nothing(world: World) -> None:
    lead = world.client("lead")
    real = world.file_a
    guesses = ["1", "2", "0", real[:-1], real.upper() if real.upper() != real else real.lower(), real + "x"]
    guesses += [world.file_b[:8], "%", "*", "..", f"../{real}"]
    for guess in guesses:
        response = lead.get(f"/staff/cases/{world.number_a}/files/{guess}")
        assert response.status_code == 404, guess
        assert response.data != b"evidence"


def test_guessed_reveal_check_and_consent_ids_are_404_and_change_nothing(world: World) -> None:
    token = world.token("custodian")  # before the fork, so the copy holds the token's session
    custodian = world.fork("custodian")
    with new_session(world.app) as db:
        check = db.scalars(select(func.max(ProtectionCheck.id))).one() or 0
    reveal = world.ids["reveal"]
    before = fingerprint(world.app)
    for guess in (reveal + 1, reveal + 2, reveal + 1000, 0):
        for action, because in (("approve", "basis_checked"), ("decline", "not_needed")):
            url = f"/staff/reveals/{guess}/{action}"
            response = custodian.post(url, data={"csrf_token": token, "because": because})
            assert response.status_code == 404, (url, re.findall(r"error[^<]*<[^<]*", response.text))
    for guess in (check + 1, check + 50, 0):
        response = custodian.post(
            f"/staff/protection/checks/{guess}", data={"csrf_token": token, "answer": "not_protected"}
        )
        assert response.status_code == 404, guess
    # Case B's reporter never agreed to share an identity: nothing to seal, whatever the id says.
    for case_id in (world.ids["case_b"], world.ids["case_b"] + 100):
        response = custodian.post(f"/staff/reveals/consents/{case_id}", data={"csrf_token": token})
        assert response.status_code in (400, 404), case_id
    _unchanged(world, before, "guessed ids")


def test_forms_of_case_a_cannot_act_on_case_b(world: World) -> None:
    """Forged fields naming case B (its id, number, another case's file) in case A's forms, and
    case B's excluded officer offered as A's or B's assignee: case B stays exactly as it was."""
    token = world.token("lead")
    lead = world.fork("lead")
    a, b = world.number_a, world.number_b
    forged = {"case_id": str(world.ids["case_b"]), "number": b, "case": b, "uid": world.file_b}
    with new_session(world.app) as db:
        before_b = {
            model.__tablename__: db.scalar(
                select(func.count()).select_from(model).where(model.case_id == world.ids["case_b"])
            )
            for model in (Message, InternalNote, ProcedureEvent, Attachment)
        }
    for action, data in (
        ("reply", {"body": "ตอบเรื่อง A"}),
        ("notes", {"body": "บันทึกเรื่อง A"}),
    ):
        response = lead.post(f"/staff/cases/{a}/{action}", data={"csrf_token": token, **data, **forged})
        assert response.status_code == 302, action
    officer2 = str(world.ids["officer2"])
    assert (
        lead.post(f"/staff/cases/{b}/assign", data={"csrf_token": token, "assignee": officer2}).status_code
        == 400
    )
    with new_session(world.app) as db:
        after_b = {
            model.__tablename__: db.scalar(
                select(func.count()).select_from(model).where(model.case_id == world.ids["case_b"])
            )
            for model in (Message, InternalNote, ProcedureEvent, Attachment)
        }
        assert db.get_one(Case, world.ids["case_b"]).assigned_to_id != world.ids["officer2"]
    assert after_b == before_b


def test_the_reporter_of_case_a_cannot_write_to_case_b(world: World) -> None:
    token = world.token("reporter")
    reporter = world.fork("reporter")
    forged = {"case_id": str(world.ids["case_b"]), "number": world.number_b}
    with new_session(world.app) as db:
        before = db.scalar(
            select(func.count()).select_from(Message).where(Message.case_id == world.ids["case_b"])
        )
    response = reporter.post("/follow-up/reply", data={"csrf_token": token, "body": "ข้อความ", **forged})
    assert response.status_code == 303
    with new_session(world.app) as db:
        after = db.scalar(
            select(func.count()).select_from(Message).where(Message.case_id == world.ids["case_b"])
        )
    assert after == before
    assert B_TEXT not in reporter.get("/follow-up/case").text


@pytest.mark.parametrize("model", [Message, InternalNote, ProcedureEvent, Attachment])
def test_a_row_moved_to_the_other_case_in_the_database_is_never_shown_there(
    world: World, model: type[Message | InternalNote | ProcedureEvent | Attachment]
) -> None:
    """An insider who can write the database moves one of case A's rows to case B: its ciphertext
    names case A, so it does not open under case B."""
    with new_session(world.app) as db:
        row_id = db.scalars(select(model.id).where(model.case_id == world.ids["case_a"])).first()
        assert row_id is not None
        db.execute(update(model).where(model.id == row_id).values(case_id=world.ids["case_b"]))
        db.commit()
    try:
        # The page still opens, lists the row as altered and never shows case A's text there.
        response = world.client("lead").get(f"/staff/cases/{world.number_b}")
        assert response.status_code == 200
        assert MARK not in response.text.replace(f"{MARK}.pdf", "")  # case B's own file name
        if model is not ProcedureEvent:  # a step's codes stay readable; its words are left out
            assert ALTERED_TH in response.text
        if model in (Message, Attachment):  # case B's reporter sees the same
            reporter = world.app.test_client()
            assert log_in_reporter(reporter, world.receipt_b).status_code == 302
            page = reporter.get("/follow-up/case")
            assert page.status_code == 200
            assert ALTERED_TH in page.text
            assert MARK not in page.text.replace(f"{MARK}.pdf", "")
    finally:
        with new_session(world.app) as db:
            db.execute(update(model).where(model.id == row_id).values(case_id=world.ids["case_a"]))
            db.commit()


# --- privilege escalation ---------------------------------------------------------------------


def _roles(world: World, username: str) -> str:
    with new_session(world.app) as db:
        return db.scalars(select(StaffUser.roles).where(StaffUser.username == username)).one()


def test_role_fields_slipped_into_the_own_password_form_change_no_role(world: World) -> None:
    officer = world.fork("officer")
    page = officer.get("/staff/password").text
    injected = {"role": "admin", "roles": "admin,lead", "role_admin": "y", "role_lead": "y", "is_admin": "1"}
    before = _roles(world, "officer1")
    response = officer.post(
        "/staff/password",
        data={"csrf_token": csrf_token_from(page), "current_password": "wrong", **injected},
    )
    assert response.status_code == 400
    assert _roles(world, "officer1") == before == "officer"


def test_role_fields_slipped_into_the_login_form_change_no_role(world: World) -> None:
    client = world.app.test_client()
    page = client.get("/staff/login").text
    forget_used_totp(world.app, "officer1")
    data = {"csrf_token": csrf_token_from(page), "username": "officer1", "password": OFFICER_PASSWORD}
    response = client.post("/staff/login", data={**data, "totp": "000000", "role": "admin", "roles": "lead"})
    assert response.status_code == 400
    assert _roles(world, "officer1") == "officer"


def test_an_admin_who_gives_themself_every_role_reads_no_case(world: World) -> None:
    """The admin ticks officer, lead and custodian on their own account: the role alone opens
    nothing (no key can be given to an administrator), and a lead cannot grant one either."""
    admin = world.fork("admin")
    me = world.ids["admin1"]
    page = admin.get(f"/admin/users/{me}").text
    data = {"csrf_token": csrf_token_from(page), "role_admin": "y", "role_officer": "y", "role_lead": "y"}
    assert admin.post(f"/admin/users/{me}/roles", data={**data, "role_custodian": "y"}).status_code == 302
    try:
        for url in (
            "/staff/",
            f"/staff/cases/{world.number_a}",
            f"/staff/cases/{world.number_a}/record",
            f"/staff/cases/{world.number_a}/files/{world.file_a}",
            "/staff/reveals",
            "/staff/protection",
            "/staff/statistics",
        ):
            response = admin.get(url)
            assert MARK not in response.text, url
            assert response.data != b"evidence", url
            assert world.number_a not in response.text or url.startswith(f"/staff/cases/{world.number_a}"), (
                url
            )
        grant = {"csrf_token": world.token("lead"), "user_id": str(me), "kind": "unit", "compared": "y"}
        lead = world.fork("lead")
        lead.post("/staff/keys/grant", data=grant)
        assert MARK not in admin.get(f"/staff/cases/{world.number_a}").text
    finally:
        page = admin.get(f"/admin/users/{me}").text
        admin.post(f"/admin/users/{me}/roles", data={"csrf_token": csrf_token_from(page), "role_admin": "y"})
    assert _roles(world, "admin1") == "admin"


def test_an_admin_who_takes_over_a_key_holders_account_reads_nothing(world: World) -> None:
    """Last in the module (officer1 is changed for good): the admin resets officer1's password and
    authenticator, uses the printed invitation as officer1 and logs in. The new password makes a
    new personal key, so the unit key granted to the old one does not open: no case content."""
    admin = world.fork("admin")
    target = world.ids["officer1"]
    token = csrf_token_from(admin.get(f"/admin/users/{target}").text)
    admin.post(f"/admin/users/{target}/reset-password", data={"csrf_token": token})
    token = csrf_token_from(admin.get(f"/admin/users/{target}").text)
    issued = admin.post(f"/admin/users/{target}/reset-totp", data={"csrf_token": token})
    assert issued.status_code == 200, issued.text[:300]
    code = invitation_from(issued.text)
    thief = world.app.test_client()
    new_password = "the administrator's own passphrase"
    secret = use_invitation(thief, "officer1", code, password=new_password)
    assert secret is not None
    forget_used_totp(world.app, "officer1")
    assert staff_login(thief, "officer1", new_password, secret).status_code == 302
    for url in (
        "/staff/",
        f"/staff/cases/{world.number_a}",
        f"/staff/cases/{world.number_a}/files/{world.file_a}",
        f"/staff/cases/{world.number_a}/record.pdf",
    ):
        response = thief.get(url)
        assert response.status_code < 500, url
        assert MARK not in response.text, url
        assert response.data != b"evidence", url
        assert response.mimetype != "application/pdf", url
    # The officer's old session died with the reset: the stolen account is the only one left.
    assert world.client("officer").get(f"/staff/cases/{world.number_a}").status_code == 302
