"""Who may see a case: only holders of a usable legal unit key who are not excluded from it;
exclusions never leave a case without a reader, and a lead may lift one for a recorded reason."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases
from complaints.db import new_session
from complaints.models import AuditEvent, Case, CaseExclusion, StaffSession, StaffUser
from complaints.staff import assignment
from complaints.staff.refusals import CaseActionRefused
from complaints.workspace.sessions import StaffContext
from tests.conftest import (
    OFFICER_PASSWORD,
    create_staff,
    csrf_token_from,
    file_case,
    grant_unit_key,
    staff_login,
)

ACCUSED = "นายผู้ถูกร้อง ทดสอบ"
DEPARTMENT_TH = "กองช่าง"


def _user_id(app: Flask, username: str) -> int:
    with new_session(app) as db:
        return db.scalars(select(StaffUser.id).where(StaffUser.username == username)).one()


def _number(app: Flask, case_id: int) -> str:
    with new_session(app) as db:
        return db.get_one(Case, case_id).number


def _exclusions(app: Flask, case_id: int) -> dict[int, str]:
    with new_session(app) as db:
        rows = db.scalars(select(CaseExclusion).where(CaseExclusion.case_id == case_id))
        return {row.user_id: row.reason for row in rows}


def _audit(app: Flask, action: str) -> list[AuditEvent]:
    with new_session(app) as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _token(client: FlaskClient) -> str:
    return csrf_token_from(client.get("/staff/password").text)


def _logged_in(app: Flask, username: str, *roles: str) -> FlaskClient:
    secret = create_staff(app, username, *roles)
    client = app.test_client()
    assert staff_login(client, username, OFFICER_PASSWORD, secret).status_code == 302
    return client


@pytest.fixture
def case_id(app: Flask) -> int:
    content = cases.ReportContent(description="เบิกเงินเท็จ", accused_name=ACCUSED)
    return file_case(app, content, department="engineering")[0]


def test_a_lead_without_the_unit_key_sees_nothing_and_excludes_no_one(
    app: Flask, case_id: int, officer: str
) -> None:
    """The finding: a lead just created by an admin, holding no grant, could hide a case for good."""
    newcomer = _logged_in(app, "lead2", "lead", "officer")
    number = _number(app, case_id)
    page = newcomer.get(f"/staff/cases/{number}")
    assert page.status_code == 403
    for hidden in (ACCUSED, DEPARTMENT_TH, "officer1", "ผลประโยชน์ทับซ้อน", f"เรื่องเลขที่ {number}"):
        assert hidden not in page.text, hidden
    assert "คุณยังไม่มีกุญแจงานนิติการ" in page.text
    # A number that does not exist answers the same: no way to probe which cases exist.
    assert newcomer.get("/staff/cases/2400-9999").status_code == 403
    token = _token(newcomer)
    officer_id, lead_id = _user_id(app, "officer1"), _user_id(app, "lead")
    for action, data in [
        ("exclude", {"user": str(officer_id)}),
        ("exclude", {"user": str(lead_id)}),
        ("assign", {"assignee": str(lead_id)}),
        ("exclusions/lift", {"user": str(officer_id), "reason": "mistaken"}),
    ]:
        response = newcomer.post(f"/staff/cases/{number}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 403, action
    assert _exclusions(app, case_id) == {}
    with new_session(app) as db:
        assert db.get_one(Case, case_id).assigned_to_id is None


def test_the_queue_lists_nothing_without_the_unit_key(app: Flask, case_id: int) -> None:
    for username, roles in (("fresh", ("officer",)), ("lead2", ("lead",)), ("keeper", ("custodian",))):
        client = _logged_in(app, username, *roles)
        for query in ("", "?status=all", f"?number={_number(app, case_id)}", "?page=2"):
            queue = client.get(f"/staff/{query}")
            if username == "keeper":  # the custodian never holds the unit key: sent to their own page
                assert (queue.status_code, queue.headers["Location"]) == (302, "/staff/reveals")
            else:
                assert queue.status_code == 200
                assert "คุณยังไม่มีกุญแจงานนิติการ" in queue.text
            assert f"/staff/cases/{_number(app, case_id)}" not in queue.text, (username, query)
            assert DEPARTMENT_TH not in queue.text


def test_a_key_holder_sees_the_queue_once_granted(app: Flask, case_id: int) -> None:
    client = _logged_in(app, "fresh", "officer")
    assert f"/staff/cases/{_number(app, case_id)}" not in client.get("/staff/").text
    grant_unit_key(app, "fresh")
    queue = client.get("/staff/").text  # no new log-in needed
    assert f"/staff/cases/{_number(app, case_id)}" in queue
    assert "คุณยังไม่มีกุญแจงานนิติการ" not in queue


def test_the_last_reader_cannot_declare_a_conflict(
    app: Flask, lead_client: FlaskClient, case_id: int
) -> None:
    page = f"/staff/cases/{_number(app, case_id)}"
    token = csrf_token_from(lead_client.get(page).text)
    refused = lead_client.post(f"{page}/conflict", data={"csrf_token": token, "confirm": "y"})
    assert refused.status_code == 400
    assert "จะไม่เหลือผู้ถือกุญแจงานนิติการคนใดที่เห็นเรื่องนี้ได้" in refused.text
    assert _exclusions(app, case_id) == {}
    # A second key holder makes the declaration possible.
    create_staff(app, "officer1", "officer")
    grant_unit_key(app, "officer1")
    assert lead_client.post(f"{page}/conflict", data={"csrf_token": token, "confirm": "y"}).status_code == 302
    assert _exclusions(app, case_id) == {_user_id(app, "lead"): "conflict"}


def _context(app: Flask, username: str) -> StaffContext:
    with new_session(app) as db:
        user = db.scalars(select(StaffUser).where(StaffUser.username == username)).one()
        db.expunge(user)
    return StaffContext(user=user, row=StaffSession(), session_key=b"", personal_key=b"")


def test_only_active_unexcluded_holders_of_a_current_grant_count_as_readers(
    app: Flask, case_id: int, officer: str
) -> None:
    create_staff(app, "keyless", "officer")
    lead_id, officer_id = _user_id(app, "lead"), _user_id(app, "officer1")
    lead, officer1 = _context(app, "lead"), _context(app, "officer1")
    with new_session(app) as db:
        case = db.get_one(Case, case_id)
        assert assignment.readers_besides(db, case, lead_id) == 1  # officer1; "keyless" holds no key
        db.get_one(StaffUser, officer_id).disabled = True
        db.flush()
        assert assignment.readers_besides(db, case, lead_id) == 0
        db.get_one(StaffUser, officer_id).disabled = False
        db.get_one(StaffUser, officer_id).key_id = "0" * 16  # as after a password reset
        db.flush()
        assert assignment.readers_besides(db, case, lead_id) == 0  # a stale grant reads nothing
        db.rollback()
        db.add(CaseExclusion(case_id=case_id, user_id=officer_id, reason="subject"))
        db.flush()
        assert assignment.readers_besides(db, case, lead_id) == 0
        with pytest.raises(CaseActionRefused) as refused:
            assignment.exclude_subject(db, case, officer1, lead_id)
        assert refused.value.reason == "lead_only"
        with pytest.raises(CaseActionRefused) as refused:
            assignment.declare_conflict(db, case, lead)
        assert refused.value.reason == "last_reader"


def test_a_lead_lifts_an_exclusion_with_a_recorded_reason(
    app: Flask, lead_client: FlaskClient, officer_client: FlaskClient, case_id: int
) -> None:
    page = f"/staff/cases/{_number(app, case_id)}"
    officer_id = _user_id(app, "officer1")
    token = csrf_token_from(lead_client.get(page).text)
    assert (
        lead_client.post(f"{page}/exclude", data={"csrf_token": token, "user": str(officer_id)}).status_code
        == 302
    )
    assert officer_client.get(page).status_code == 404
    lead_page = lead_client.get(page).text
    assert f'action="{page}/exclusions/lift#exclusions"' in lead_page
    assert "ยกเลิกการกันบัญชีออก" in lead_page
    # An officer may not lift it; a reason outside the list is refused.
    officer_token = _token(officer_client)
    assert (
        officer_client.post(
            f"{page}/exclusions/lift",
            data={"csrf_token": officer_token, "user": str(officer_id), "reason": "mistaken"},
        ).status_code
        == 403
    )
    bad = lead_client.post(
        f"{page}/exclusions/lift", data={"csrf_token": token, "user": str(officer_id), "reason": "because"}
    )
    assert bad.status_code == 400
    assert _exclusions(app, case_id) == {officer_id: "subject"}
    done = lead_client.post(
        f"{page}/exclusions/lift", data={"csrf_token": token, "user": str(officer_id), "reason": "mistaken"}
    )
    assert done.status_code == 302
    assert _exclusions(app, case_id) == {}
    assert officer_client.get(page).status_code == 200
    lifted = _audit(app, "exclusion_lifted")
    assert [(event.case_id, event.detail) for event in lifted] == [
        (case_id, f"user={officer_id} was=subject reason=mistaken")
    ]
    assert lifted[0].actor_id == _user_id(app, "lead")


def test_nobody_lifts_their_own_exclusion(app: Flask, lead_client: FlaskClient, case_id: int) -> None:
    lead2 = _logged_in(app, "lead2", "lead", "officer")
    grant_unit_key(app, "lead2")
    page = f"/staff/cases/{_number(app, case_id)}"
    token = csrf_token_from(lead2.get(page).text)
    assert lead2.post(f"{page}/conflict", data={"csrf_token": token, "confirm": "y"}).status_code == 302
    lead2_id = _user_id(app, "lead2")
    own = lead2.post(
        f"{page}/exclusions/lift", data={"csrf_token": token, "user": str(lead2_id), "reason": "mistaken"}
    )
    assert own.status_code == 404  # the case no longer exists for them
    assert _exclusions(app, case_id) == {lead2_id: "conflict"}
    context = _context(app, "lead2")
    with new_session(app) as db:
        case = db.get_one(Case, case_id)
        with pytest.raises(CaseActionRefused) as refused:
            assignment.lift_exclusion(db, case, context, lead2_id, "mistaken")
        assert refused.value.reason == "own_exclusion"
    # Another lead who holds the key may lift it.
    lead_token = csrf_token_from(lead_client.get(page).text)
    assert (
        lead_client.post(
            f"{page}/exclusions/lift",
            data={"csrf_token": lead_token, "user": str(lead2_id), "reason": "conflict_ended"},
        ).status_code
        == 302
    )
    assert _exclusions(app, case_id) == {}
