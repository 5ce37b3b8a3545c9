"""The two-step identity reveal: the case's handler asks (and the reporter is told at once), an
identity custodian who is not the asker approves or declines, and only the asker then sees it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases, keys, settings
from complaints.dates import format_day, today
from complaints.db import new_session
from complaints.models import (
    AuditEvent,
    Case,
    CaseExclusion,
    CaseKey,
    KeyGrant,
    Message,
    RevealRequest,
    StaffUser,
)
from tests.conftest import (
    OFFICER_PASSWORD,
    approve_pending_reveals,
    create_custodian,
    create_staff,
    csrf_token_from,
    custodian_client,
    file_case,
    forget_used_totp,
    log_in_reporter,
    staff_login,
)
from tests.test_staff_security import fingerprint

MARKER = "MARKER-เปิดเผย-77c1"
NAME = "นางสาวผู้แจ้ง ลับเฉพาะ"
PHONE = "0811112222"
REFERENCE = "คำสั่งศาล ที่ 45/2569"


@pytest.fixture
def case_id(app: Flask) -> int:
    identity = cases.ReporterIdentity(name=NAME, phone=PHONE)
    return file_case(app, cases.ReportContent(description=MARKER), identity=identity)[0]


@pytest.fixture
def keeper(app: Flask) -> FlaskClient:
    """An identity custodian holding only the custodian key."""
    return custodian_client(app)


def _page(app: Flask, case_id: int) -> str:
    with new_session(app) as db:
        return f"/staff/cases/{db.get_one(Case, case_id).number}"


def _user_id(app: Flask, username: str) -> int:
    with new_session(app) as db:
        return db.scalars(select(StaffUser.id).where(StaffUser.username == username)).one()


def _ask(client: FlaskClient, page: str, reason: str = "court_order", reference: str = REFERENCE) -> int:
    token = csrf_token_from(client.get(page).text)
    response = client.post(
        f"{page}/reveal", data={"csrf_token": token, "reason": reason, "reference": reference}
    )
    return response.status_code


def _requests(app: Flask) -> list[RevealRequest]:
    with new_session(app) as db:
        return list(db.scalars(select(RevealRequest).order_by(RevealRequest.id)))


REASON_FOR = {"approve": "basis_checked", "decline": "reason_insufficient"}


def _decide(
    client: FlaskClient, request_id: int, decision: str, because: str | None = None
) -> tuple[int, str]:
    token = csrf_token_from(client.get("/staff/password").text)
    data = {"csrf_token": token, "because": because if because is not None else REASON_FOR[decision]}
    response = client.post(f"/staff/reveals/{request_id}/{decision}", data=data)
    return response.status_code, response.text


def _staff_identity_keys(app: Flask, case_id: int) -> list[CaseKey]:
    with new_session(app) as db:
        return list(
            db.scalars(select(CaseKey).where(CaseKey.case_id == case_id, CaseKey.recipient == cases.STAFF))
        )


def _audit(app: Flask) -> list[AuditEvent]:
    with new_session(app) as db:
        return list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_asking_tells_the_reporter_at_once_and_shows_nothing_yet(
    app: Flask, lead_client: FlaskClient
) -> None:
    identity = cases.ReporterIdentity(name=NAME, phone=PHONE)
    case_id, receipt = file_case(app, cases.ReportContent(description=MARKER), identity=identity)
    page = _page(app, case_id)
    assert _ask(lead_client, page) == 302
    (asked,) = _requests(app)
    assert (asked.requester_id, asked.reason, asked.reference, asked.decision) == (
        _user_id(app, "lead"),
        "court_order",
        None,  # never stored in the clear: a copy of the database does not name the order
        None,
    )
    assert asked.reference_ciphertext is not None
    assert asked.reference_sealed is not None
    for stored_form in (asked.reference_ciphertext, asked.reference_sealed):
        assert REFERENCE.encode() not in stored_form
        assert b"45/2569" not in stored_form
    # The reporter reads the notice with their own keys, before anyone approved anything.
    with app.app_context(), new_session(app) as db:
        case, reporter_keys = cases.unlock_by_receipt(db, receipt, settings.lookup_secret(app))
        (message,) = cases.thread(db, case)
        assert message.author == cases.SYSTEM
        stored = cases.read_message(case, message, reporter_keys.content)
    assert '"notice": "reveal_requested"' in stored  # a code and values, not one language's words
    assert "ถูกเปิดเผย" not in stored
    reporter = app.test_client()
    assert log_in_reporter(reporter, receipt).status_code == 302
    notice = reporter.get("/follow-up/case").text
    assert "แจ้งให้ทราบ" in notice  # in the reporter's language
    assert "ถูกเปิดเผยต่อเจ้าหน้าที่ผู้นั้น" in notice
    assert "คำสั่งศาลหรือหน่วยงานผู้มีอำนาจสอบสวน" in notice  # the legal reason
    assert format_day(today(), "th") in notice
    reporter.get("/lang/en")
    in_english = reporter.get("/follow-up/case").text
    assert "asked for your identity as the reporter to be disclosed" in in_english
    assert "ถูกเปิดเผยต่อเจ้าหน้าที่ผู้นั้น" not in in_english
    for secret in (NAME, PHONE, "45/2569"):
        assert secret not in stored
    assert "45/2569" not in notice  # the order number is the legal unit's, not the reporter's
    view = lead_client.get(page).text
    assert NAME not in view
    assert PHONE not in view
    assert "รอผู้เก็บรักษาข้อมูลตัวตนพิจารณา" in view  # the request, waiting
    assert "ถูกเปิดเผยต่อเจ้าหน้าที่ผู้นั้น" in view  # the notice in the thread
    assert _ask(lead_client, page) == 400  # one pending request at a time
    assert len(_requests(app)) == 1
    assert [e.detail for e in _audit(app) if e.action == "identity_reveal_requested"] == [
        "reason=court_order"
    ]


def test_a_custodian_with_only_the_custodian_key_approves_for_the_asker_alone(
    app: Flask, lead_client: FlaskClient, officer_client: FlaskClient, keeper: FlaskClient, case_id: int
) -> None:
    page = _page(app, case_id)
    assert keeper.get(page).status_code == 403  # no unit key: the custodian never sees the case
    officer_id = _user_id(app, "officer1")
    assert _ask(officer_client, page) == 400  # not the handler of this case
    assert _requests(app) == []
    with new_session(app) as db:
        db.get_one(Case, case_id).assigned_to_id = officer_id
        db.commit()
    assert _ask(officer_client, page, reason="protection", reference="") == 302
    assert NAME not in officer_client.get(page).text  # not before the approval
    listing = keeper.get("/staff/reveals")
    assert listing.status_code == 200
    number = page.rsplit("/", 1)[1]
    assert number in listing.text
    assert "officer1" in listing.text
    assert "จำเป็นเพื่อคุ้มครองผู้ร้องเรียน" in listing.text  # the reason's label
    for hidden in (NAME, PHONE, MARKER):
        assert hidden not in listing.text
    (asked,) = _requests(app)
    status, body = _decide(keeper, asked.id, "approve")
    assert status == 302, body
    assert NAME not in keeper.get("/staff/reveals").text
    (sealed,) = _staff_identity_keys(app, case_id)
    keeper_id = _user_id(app, "keeper")
    with new_session(app) as db:
        officer = db.get_one(StaffUser, officer_id)
        assert (sealed.purpose, sealed.recipient_key_id) == (cases.IDENTITY, officer.key_id)
        decided = db.get_one(RevealRequest, asked.id)
        assert (decided.decision, decided.decided_by_id) == ("approved", keeper_id)
    shown = officer_client.get(page).text
    assert NAME in shown
    assert PHONE in shown
    assert NAME in officer_client.get(page).text  # still there on the next visit
    views = [e for e in _audit(app) if e.action == "identity_viewed"]
    assert [(e.actor_id, e.detail) for e in views] == [(officer_id, "via=reveal")] * 2
    assert NAME not in lead_client.get(page).text  # another unit-key holder sees nothing
    details = " ".join(f"{e.action} {e.detail}" for e in _audit(app))
    assert "identity_reveal_approved reason=protection" in details
    for secret in (NAME, PHONE, MARKER):
        assert secret not in details


def test_the_audit_log_keeps_the_reason_code_never_the_order_number(
    app: Flask, lead_client: FlaskClient, keeper: FlaskClient, case_id: int
) -> None:
    page = _page(app, case_id)
    for bad in ("<b>1</b>", "12/2569; DROP", "x" * 81, "เลข\n2"):
        assert _ask(lead_client, page, reference=bad) == 400, bad
    assert _requests(app) == []
    with new_session(app) as db:
        assert db.scalars(select(Message).where(Message.case_id == case_id)).all() == []
    assert _ask(lead_client, page) == 302
    assert approve_pending_reveals(app, keeper) == 1
    assert NAME in lead_client.get(page).text
    events = [e for e in _audit(app) if e.action.startswith("identity_")]
    assert [e.action for e in events] == [
        "identity_reveal_requested",
        "identity_reveal_approved",
        "identity_viewed",
    ]
    for event in events:
        for secret in (NAME, PHONE, "45/2569", "คำสั่งศาล"):
            assert secret not in event.detail
    assert events[0].detail == "reason=court_order"


def test_a_custodian_cannot_approve_their_own_request(
    app: Flask, lead_client: FlaskClient, case_id: int
) -> None:
    page = _page(app, case_id)
    assert _ask(lead_client, page) == 302  # the lead is also a custodian holding the key
    listing = lead_client.get("/staff/reveals").text
    assert "คำขอของคุณเอง" in listing
    assert "/approve" not in listing
    (asked,) = _requests(app)
    status, body = _decide(lead_client, asked.id, "approve")
    assert status == 400
    assert "คุณไม่สามารถพิจารณาคำขอของตนเองได้" in body
    assert _staff_identity_keys(app, case_id) == []
    assert _requests(app)[0].decision is None
    assert NAME not in lead_client.get(page).text


def test_a_declined_request_reveals_nothing(
    app: Flask, lead_client: FlaskClient, keeper: FlaskClient, case_id: int
) -> None:
    page = _page(app, case_id)
    assert _ask(lead_client, page) == 302
    (asked,) = _requests(app)
    assert _decide(keeper, asked.id, "decline")[0] == 302
    assert _staff_identity_keys(app, case_id) == []
    decided = _requests(app)[0]
    assert (decided.decision, decided.decided_by_id, decided.decided_on) == (
        "declined",
        _user_id(app, "keeper"),
        today(),
    )
    view = lead_client.get(page).text
    assert NAME not in view
    assert "ไม่อนุมัติเมื่อ" in view
    status, body = _decide(keeper, asked.id, "approve")  # a decision stands
    assert status == 400
    assert "คำขอนี้ได้รับการพิจารณาแล้ว" in body
    assert _staff_identity_keys(app, case_id) == []
    assert [e.detail for e in _audit(app) if e.action == "identity_reveal_declined"] == [
        f"reason=court_order requester={_user_id(app, 'lead')} request={asked.id} because=reason_insufficient"
    ]


def test_an_excluded_custodian_cannot_approve(
    app: Flask, lead_client: FlaskClient, keeper: FlaskClient, case_id: int
) -> None:
    page = _page(app, case_id)
    assert _ask(lead_client, page) == 302
    with new_session(app) as db:
        db.add(CaseExclusion(case_id=case_id, user_id=_user_id(app, "keeper"), reason="conflict"))
        db.commit()
    assert page.rsplit("/", 1)[1] not in keeper.get("/staff/reveals").text
    (asked,) = _requests(app)
    assert _decide(keeper, asked.id, "approve")[0] == 404
    assert _staff_identity_keys(app, case_id) == []
    assert _requests(app)[0].decision is None
    assert NAME not in lead_client.get(page).text


def test_a_requester_excluded_after_asking_gets_nothing(
    app: Flask, lead_client: FlaskClient, officer_client: FlaskClient, keeper: FlaskClient, case_id: int
) -> None:
    page = _page(app, case_id)
    with new_session(app) as db:
        db.get_one(Case, case_id).assigned_to_id = _user_id(app, "officer1")
        db.commit()
    assert _ask(officer_client, page) == 302
    token = csrf_token_from(lead_client.get(page).text)
    excluded = lead_client.post(
        f"{page}/exclude", data={"csrf_token": token, "user": _user_id(app, "officer1")}
    )
    assert excluded.status_code == 302
    (asked,) = _requests(app)
    status, body = _decide(keeper, asked.id, "approve")
    assert status == 400
    assert "ผู้ยื่นคำขอไม่สามารถเห็นเรื่องนี้ได้อีกแล้ว" in body
    assert _staff_identity_keys(app, case_id) == []


def test_a_replaced_personal_key_no_longer_opens_the_grant(
    app: Flask, lead_client: FlaskClient, keeper: FlaskClient, case_id: int
) -> None:
    page = _page(app, case_id)
    assert _ask(lead_client, page) == 302
    assert approve_pending_reveals(app, keeper) == 1
    assert NAME in lead_client.get(page).text
    with app.app_context(), new_session(app) as db:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        fresh = keys.replace_personal_key(lead, "another long password", settings.argon2_params(app))
        assert cases.identity_key_for_staff(db, db.get_one(Case, case_id), fresh) is None


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_the_decision_forms_refuse_a_post_without_its_csrf_token(
    app: Flask, lead_client: FlaskClient, case_id: int, decision: str
) -> None:
    secret = create_custodian(app, "keeper")
    assert _ask(lead_client, _page(app, case_id)) == 302
    (asked,) = _requests(app)
    keeper = app.test_client()
    assert staff_login(keeper, "keeper", OFFICER_PASSWORD, secret).status_code == 302
    before = fingerprint(app)
    refused = keeper.post(f"/staff/reveals/{asked.id}/{decision}", data={})
    assert refused.status_code == 400
    assert "แบบฟอร์มหมดอายุ" in refused.text  # the CSRF page (which also ends the session)
    assert fingerprint(app) == before
    # The control: logged in again, the same request with the token from a page is decided.
    forget_used_totp(app, "keeper")
    assert staff_login(keeper, "keeper", OFFICER_PASSWORD, secret).status_code == 302
    assert _decide(keeper, asked.id, decision)[0] == 302
    assert fingerprint(app) != before


def test_handlers_and_officers_cannot_open_the_custodian_page(
    officer_client: FlaskClient, app: Flask, case_id: int, lead_client: FlaskClient
) -> None:
    assert officer_client.get("/staff/reveals").status_code == 403
    assert _ask(lead_client, _page(app, case_id)) == 302
    (asked,) = _requests(app)
    assert _decide(officer_client, asked.id, "approve")[0] == 403
    assert _staff_identity_keys(app, case_id) == []


def test_the_order_number_reaches_the_handlers_and_the_custodian_and_no_other_request(
    app: Flask, lead_client: FlaskClient, keeper: FlaskClient, case_id: int
) -> None:
    page = _page(app, case_id)
    identity = cases.ReporterIdentity(name="ผู้แจ้ง อีกคน", phone="0822223333")
    other = file_case(app, cases.ReportContent(description="อีกเรื่อง"), identity=identity)[0]
    other_page = _page(app, other)
    assert _ask(lead_client, page) == 302  # one open request per case: a second case asks too
    assert _ask(lead_client, other_page, reference="หนังสือ ปปช. ที่ 9/2569") == 302
    assert REFERENCE in lead_client.get(page).text  # the handlers read it with the case key
    assert REFERENCE in keeper.get("/staff/reveals").text  # the custodian with the custodian key
    # Someone who can write to the database moves one request's sealed number onto the other:
    # it is bound to its own request, so the page shows nothing rather than the wrong order.
    first, second = _requests(app)
    with new_session(app) as db:
        target = db.get_one(RevealRequest, second.id)
        target.reference_ciphertext = first.reference_ciphertext
        target.reference_sealed = first.reference_sealed
        db.commit()
    assert REFERENCE not in lead_client.get(other_page).text
    assert lead_client.get(page).text.count(REFERENCE) == 1
    assert keeper.get("/staff/reveals").text.count(REFERENCE) == 1
    assert "9/2569" not in keeper.get("/staff/reveals").text


def test_order_numbers_of_requests_stored_before_sealing_are_sealed_by_the_cli(
    app: Flask, lead_client: FlaskClient, keeper: FlaskClient, case_id: int
) -> None:
    from tests.conftest import LEAD_PASSWORD

    page = _page(app, case_id)
    assert _ask(lead_client, page) == 302
    with new_session(app) as db:  # as a request recorded by an older version kept it
        old = db.scalars(select(RevealRequest)).one()
        old.reference, old.reference_ciphertext, old.reference_sealed = REFERENCE, None, None
        db.commit()
    assert REFERENCE in keeper.get("/staff/reveals").text
    runner = app.test_cli_runner()
    result = runner.invoke(args=["procedure", "seal-references", "lead"], input=LEAD_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "1 reveal references sealed" in result.output
    (converted,) = _requests(app)
    assert converted.reference is None
    assert converted.reference_ciphertext is not None
    assert converted.reference_sealed is not None
    assert REFERENCE in lead_client.get(page).text
    assert REFERENCE in keeper.get("/staff/reveals").text
    again = runner.invoke(args=["procedure", "seal-references", "lead"], input=LEAD_PASSWORD + "\n")
    assert "0 reveal references sealed" in again.output


# --- one request at a time, and the custodian's page as their home --------------------------------


def _assign(app: Flask, case_id: int, username: str) -> None:
    user_id = _user_id(app, username)
    with new_session(app) as db:
        db.get_one(Case, case_id).assigned_to_id = user_id
        db.commit()


def test_a_pending_request_shows_its_state_instead_of_the_form_and_a_second_is_refused(
    app: Flask, lead_client: FlaskClient, officer_client: FlaskClient, case_id: int
) -> None:
    page = _page(app, case_id)
    _assign(app, case_id, "officer1")
    before = officer_client.get(page).text
    assert f'action="{page}/reveal' in before
    assert 'id="reveal-pending"' not in before
    assert _ask(lead_client, page) == 302
    shown = officer_client.get(page).text
    assert 'id="reveal-pending"' in shown
    assert f"ตั้งแต่ {format_day(today(), 'th')}" in shown  # pending since …
    assert "ผู้ยื่นคำขอ: lead" in shown  # … by whom
    assert f'action="{page}/reveal' not in shown  # no second request form
    assert f'action="{page}/reveal' not in lead_client.get(page).text
    # Posted anyway (an old tab, a double click): refused, and nothing is told to the reporter twice.
    refused = officer_client.post(
        f"{page}/reveal",
        data={"csrf_token": csrf_token_from(shown), "reason": "protection", "reference": ""},
    )
    assert refused.status_code == 400
    assert "คำขอเปิดเผยข้อมูลตัวตนของเรื่องนี้จากเพื่อนร่วมงานรอ" in refused.text
    assert _ask(lead_client, page) == 400  # the asker's own second request
    assert len(_requests(app)) == 1
    with new_session(app) as db:
        assert len(db.scalars(select(Message).where(Message.case_id == case_id)).all()) == 1
    assert [e.action for e in _audit(app)].count("identity_reveal_requested") == 1


def test_once_decided_a_new_request_can_be_made(
    app: Flask, lead_client: FlaskClient, officer_client: FlaskClient, keeper: FlaskClient, case_id: int
) -> None:
    page = _page(app, case_id)
    _assign(app, case_id, "officer1")
    assert _ask(lead_client, page) == 302
    (asked,) = _requests(app)
    assert _decide(keeper, asked.id, "decline", "not_needed")[0] == 302
    shown = officer_client.get(page).text
    assert 'id="reveal-pending"' not in shown
    assert "ดำเนินเรื่องต่อได้โดยไม่ต้องทราบตัวตน" in shown  # the custodian's reason, for the handlers
    assert _ask(officer_client, page, reason="protection") == 302
    assert len(_requests(app)) == 2


@pytest.mark.parametrize(
    ("decision", "because"),
    [("approve", ""), ("approve", "not_needed"), ("decline", "basis_checked"), ("decline", "made_up")],
)
def test_a_decision_needs_a_reason_that_fits_it(
    app: Flask, lead_client: FlaskClient, keeper: FlaskClient, case_id: int, decision: str, because: str
) -> None:
    assert _ask(lead_client, _page(app, case_id)) == 302
    (asked,) = _requests(app)
    status, body = _decide(keeper, asked.id, decision, because)
    assert status == 400
    # Shown at the request it was about, with the reasons to choose from.
    card = body.split(f'id="reveal-{asked.id}"')[1].split("</article>")[0]
    assert 'class="error"' in card
    assert "ไม่มีคำสั่งหรือหนังสือที่ถูกต้องรองรับคำขอ" in card
    assert _requests(app)[0].decision is None
    assert _staff_identity_keys(app, case_id) == []


def test_the_custodian_sees_past_decisions_with_who_and_why(
    app: Flask, lead_client: FlaskClient, keeper: FlaskClient, case_id: int
) -> None:
    assert "ยังไม่มีคำขอที่พิจารณาแล้ว" in keeper.get("/staff/reveals").text
    page = _page(app, case_id)
    assert _ask(lead_client, page) == 302
    (asked,) = _requests(app)
    assert _decide(keeper, asked.id, "approve", "basis_checked")[0] == 302
    listing = keeper.get("/staff/reveals").text
    decided = listing.split('id="decided"')[1]
    assert f'id="decided-{asked.id}"' in decided
    assert page.rsplit("/", 1)[1] in decided
    assert f"อนุมัติเมื่อ {format_day(today(), 'th', short=True)}" in decided
    assert "โดย keeper" in decided
    assert "ตรวจสอบเหตุผลทางกฎหมายและคำสั่งหรือหนังสือที่อ้างถึงแล้ว" in decided
    assert "ยื่นคำขอโดย lead" in decided
    assert "ไม่มีคำขอที่รอการพิจารณา" in listing
    for hidden in (NAME, PHONE, MARKER):
        assert hidden not in listing
    (entry,) = [e for e in _audit(app) if e.action == "identity_reveal_approved"]
    assert entry.detail.endswith(f"request={asked.id} because=basis_checked")
    assert _requests(app)[0].decision_reason == "basis_checked"


def test_migration_0013_copies_the_reasons_recorded_before_the_column(
    app: Flask, lead_client: FlaskClient, keeper: FlaskClient, case_id: int
) -> None:
    from alembic import command

    from complaints import migrations

    assert _ask(lead_client, _page(app, case_id)) == 302
    (asked,) = _requests(app)
    assert _decide(keeper, asked.id, "decline", "not_needed")[0] == 302
    command.downgrade(migrations.alembic_config(app), "0012")  # as a database from before 0013
    migrations.upgrade(app)
    assert _requests(app)[0].decision_reason == "not_needed"
    assert "ดำเนินเรื่องต่อได้โดยไม่ต้องทราบตัวตน" in keeper.get("/staff/reveals").text.split('id="decided"')[1]


def test_the_custodian_lands_on_the_reveal_requests_without_the_queue_in_the_menu(app: Flask) -> None:
    secret = create_custodian(app, "keeper")
    client = app.test_client()
    response = staff_login(client, "keeper", OFFICER_PASSWORD, secret)
    assert response.headers["Location"] == "/staff/reveals"
    home = client.get("/staff/")  # the workspace's home address
    assert (home.status_code, home.headers["Location"]) == (302, "/staff/reveals")
    page = client.get("/staff/reveals").text
    assert "คุณยังไม่มีกุญแจงานนิติการ" not in page
    assert 'href="/staff/"' not in page  # no case queue it could not use
    assert 'href="/staff/intake"' not in page
    for usable in ('href="/staff/reveals"', 'href="/staff/protection"', 'href="/staff/keys"'):
        assert usable in page, usable
    officer = app.test_client()
    officer_secret = create_staff(app, "officer2", "officer")
    assert staff_login(officer, "officer2", OFFICER_PASSWORD, officer_secret).headers["Location"] == "/staff/"
    assert 'href="/staff/"' in officer.get("/staff/").text


def test_a_custodian_without_the_key_is_told_who_to_ask_or_how_to_recover(app: Flask) -> None:
    secret = create_staff(app, "keeper2", "custodian")
    client = app.test_client()
    assert staff_login(client, "keeper2", OFFICER_PASSWORD, secret).status_code == 302
    page = client.get("/staff/reveals").text
    assert 'id="custodian-key-missing"' in page
    assert "ขอให้ผู้เก็บรักษาข้อมูลตัวตนผู้ร้องเรียนอีกคนหนึ่งมอบกุญแจให้" in page  # the lead holds it
    assert "flask --app wsgi keys recover" not in page
    with new_session(app) as db:  # the only holder's grant is gone (say, their password was reset)
        lead_id = db.scalars(select(StaffUser.id).where(StaffUser.username == "lead")).one()
        for grant in db.scalars(select(KeyGrant).where(KeyGrant.user_id == lead_id)):
            db.delete(grant)
        db.commit()
    page = client.get("/staff/reveals").text
    assert "ไม่มีผู้ที่จะขอกุญแจได้" in page
    assert "flask --app wsgi keys recover keeper2" in page
