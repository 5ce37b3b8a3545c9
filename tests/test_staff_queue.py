"""The triage queue: metadata only, filters and pages in SQL, counts per status, urgency order,
deadline marks, and cases a person is excluded from never counted or listed."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from complaints import cases
from complaints.dates import add_days, today
from complaints.db import new_session
from complaints.models import Case, CaseExclusion, StaffUser
from complaints.staff import queue
from tests.conftest import file_case

NUMBER = re.compile(r'href="/staff/cases/([0-9]{4}-[0-9]{4})"')


def _file(app: Flask, count: int, **metadata: object) -> list[int]:
    ids = [file_case(app, cases.ReportContent(description=f"case {index}"))[0] for index in range(count)]
    if metadata:
        with new_session(app) as db:
            db.execute(update(Case).where(Case.id.in_(ids)).values(**metadata))
            db.commit()
    return ids


def _numbers(html: str) -> list[str]:
    return NUMBER.findall(html)


def _number_of(app: Flask, case_id: int) -> str:
    with new_session(app) as db:
        return db.get_one(Case, case_id).number


def test_queue_lists_metadata_with_deadline_marks(app: Flask, lead_client: FlaskClient) -> None:
    overdue, soon, later = (_file(app, 1)[0] for _ in range(3))
    with new_session(app) as db:
        db.get_one(Case, overdue).next_deadline_on = today() - timedelta(days=2)
        db.get_one(Case, soon).next_deadline_on = today() + timedelta(days=1)
        db.get_one(Case, later).next_deadline_on = today() + timedelta(days=20)
        db.get_one(Case, overdue).submitted_on = today() - timedelta(days=17)
        db.commit()
    page = lead_client.get("/staff/")
    assert page.status_code == 200
    assert _numbers(page.text) == [_number_of(app, overdue), _number_of(app, soon), _number_of(app, later)]
    for mark in ("เกินกำหนด", "ใกล้ครบกำหนด", "ภายในกำหนด"):
        assert mark in page.text
    assert "การใช้งบประมาณโดยมิชอบ" in page.text  # the category's Thai label
    assert "กองคลัง" in page.text
    assert "<td>17</td>" in page.text  # days open


def test_queue_never_decrypts(app: Flask, lead_client: FlaskClient) -> None:
    """Ciphertext that does not open at all does not disturb the queue: it reads metadata only."""
    (case_id,) = _file(app, 1, report_ciphertext=b"\x01 not a ciphertext")
    page = lead_client.get("/staff/")
    assert page.status_code == 200
    assert _number_of(app, case_id) in page.text


def test_counts_per_status_and_status_filters(app: Flask, lead_client: FlaskClient) -> None:
    _file(app, 2)
    _file(app, 3, status="fact_finding")
    _file(app, 1, status="concluded", next_deadline_on=None, closed_on=today())
    result = _page(app, queue.QueueFilters())
    assert result.counts == {"received": 2, "fact_finding": 3, "concluded": 1}
    assert (result.total, result.count_of("open"), result.count_of("closed"), result.count_of("all")) == (
        5,
        5,
        1,
        6,
    )
    assert len(_numbers(lead_client.get("/staff/?status=fact_finding").text)) == 3
    assert len(_numbers(lead_client.get("/staff/?status=closed").text)) == 1
    assert len(_numbers(lead_client.get("/staff/?status=all").text)) == 6


def _page(
    app: Flask, filters: queue.QueueFilters, user: str = "lead", page_size: int = 25
) -> queue.QueuePage:
    with new_session(app) as db:
        user_id = db.scalars(select(StaffUser.id).where(StaffUser.username == user)).one()
        return queue.triage_queue(db, user_id, filters, today(), app.config["DUE_SOON_DAYS"], page_size)


def test_filters_by_category_department_deadline_fiscal_year_and_assignee(
    app: Flask, lead_client: FlaskClient
) -> None:
    budget = _file(app, 2)
    bribery = _file(app, 1, category="bribery", department="engineering")
    old = _file(app, 1, fiscal_year=2560, next_deadline_on=today() - timedelta(days=1))
    assert sorted(_page(app, queue.QueueFilters(category="bribery")).counts.values()) == [1]
    assert len(_numbers(lead_client.get("/staff/?category=bribery").text)) == 1
    assert len(_numbers(lead_client.get("/staff/?department=engineering").text)) == 1
    assert len(_numbers(lead_client.get("/staff/?department=finance").text)) == 3
    assert _numbers(lead_client.get("/staff/?deadline=overdue").text) == [_number_of(app, old[0])]
    assert _numbers(lead_client.get("/staff/?fy=2560").text) == [_number_of(app, old[0])]
    assert len(_numbers(lead_client.get("/staff/?deadline=on_time").text)) == 3
    with new_session(app) as db:
        lead_id = db.scalars(select(StaffUser.id).where(StaffUser.username == "lead")).one()
        db.get_one(Case, bribery[0]).assigned_to_id = lead_id
        db.commit()
    assert _numbers(lead_client.get("/staff/?mine=1").text) == [_number_of(app, bribery[0])]
    assert len(budget) == 2


def test_newest_first_and_pagination(app: Flask, lead_client: FlaskClient) -> None:
    ids = _file(app, 7)
    result = _page(app, queue.QueueFilters(sort="newest", page=2), page_size=3)
    assert (result.page, result.pages, result.total) == (2, 3, 7)
    assert [row.number for row in result.rows] == [_number_of(app, case_id) for case_id in ids[::-1][3:6]]
    beyond = _page(app, queue.QueueFilters(sort="newest", page=99), page_size=3)
    assert beyond.page == 3
    assert len(beyond.rows) == 1
    html = lead_client.get("/staff/?sort=newest").text
    assert _numbers(html)[0] == _number_of(app, ids[-1])


def test_bad_parameters_fall_back_to_defaults(lead_client: FlaskClient, app: Flask) -> None:
    _file(app, 1)
    for query in (
        "status=nonsense",
        "category=%3Cscript%3E",
        "fy=abc",
        "fy=99999999999999",
        "page=-4",
        "page=1e9",
        "deadline=whenever",
        "sort=random",
        "mine=%00",
    ):
        response = lead_client.get(f"/staff/?{query}")
        assert response.status_code == 200, query
        assert len(_numbers(response.text)) == 1, query
        assert "<script>" not in response.text


def test_excluded_cases_are_never_listed_or_counted(app: Flask, lead_client: FlaskClient) -> None:
    hidden, shown = _file(app, 2)
    with new_session(app) as db:
        lead_id = db.scalars(select(StaffUser.id).where(StaffUser.username == "lead")).one()
        db.add(CaseExclusion(case_id=hidden, user_id=lead_id, reason="subject"))
        db.commit()
    for query in ("", "?status=all", "?status=received", "?sort=newest", "?category=budget"):
        html = lead_client.get(f"/staff/{query}").text
        assert _number_of(app, hidden) not in html, query
        assert _number_of(app, shown) in html, query
    assert _page(app, queue.QueueFilters(status="all")).counts == {"received": 1}


def test_many_exclusions_switch_to_a_subquery(app: Flask) -> None:
    """Beyond the list limit the NOT EXISTS form is used; both hide the same cases."""
    ids = _file(app, 3)
    with new_session(app) as db:
        lead_id = db.scalars(select(StaffUser.id).where(StaffUser.username == "lead")).one()
        db.add(CaseExclusion(case_id=ids[0], user_id=lead_id, reason="conflict"))
        db.commit()
        as_list = queue.visible_to(lead_id, [ids[0]])
        # A list longer than the limit: the subquery reads the real exclusions from the table.
        as_subquery = queue.visible_to(lead_id, list(range(-600, 0)))
        assert "NOT IN" in str(as_list[0]).upper()
        assert "EXISTS" in str(as_subquery[0]).upper()
        for condition in (as_list, as_subquery):
            assert db.scalars(select(Case.id).where(*condition).order_by(Case.id)).all() == ids[1:]


def test_days_open_stops_at_closing(app: Flask) -> None:
    (case_id,) = _file(app, 1)
    with new_session(app) as db:
        case = db.get_one(Case, case_id)
        case.submitted_on = date(2025, 10, 1)
        case.closed_on = date(2025, 10, 11)
        case.status = "concluded"
        case.next_deadline_on = None
        db.commit()
    (row,) = _page(app, queue.QueueFilters(status="closed")).rows
    assert row.days_open == 10
    assert row.deadline_state == "none"
    assert add_days(row.submitted_on, 10) == date(2025, 10, 11)


def test_counts_subtract_only_excluded_cases_that_match_the_filters(app: Flask) -> None:
    _file(app, 2)
    (hidden,) = _file(app, 1, category="bribery")
    with new_session(app) as db:
        lead_id = db.scalars(select(StaffUser.id).where(StaffUser.username == "lead")).one()
        db.add(CaseExclusion(case_id=hidden, user_id=lead_id, reason="subject"))
        db.commit()
        conditions = [Case.category == "budget"]
        assert queue.status_counts(db, conditions, lead_id, [hidden]) == {"received": 2}
        assert queue.status_counts(db, [], lead_id, [hidden]) == {"received": 2}
        assert queue.status_counts(db, [Case.category == "bribery"], lead_id, [hidden]) == {}
        many = [hidden, *range(-600, 0)]  # past the list limit: the NOT EXISTS form, same answer
        assert queue.status_counts(db, [], lead_id, many) == {"received": 2}


def test_search_by_case_number_respects_exclusions(
    app: Flask, lead_client: FlaskClient, officer_client: FlaskClient
) -> None:
    _, second = _file(app, 2, status="concluded", next_deadline_on=None)
    number = _number_of(app, second)
    year, serial = number.split("-")
    thai_digits = "".join("๐๑๒๓๔๕๖๗๘๙"[int(digit)] for digit in year)
    for typed in (number, f"{year}/{int(serial)}", f" {thai_digits}-{int(serial)} "):
        found = _numbers(officer_client.get("/staff/", query_string={"number": typed}).text)
        assert found == [number], typed
    assert (
        _numbers(officer_client.get("/staff/?number=not-a-number").text) == []
    )  # closed cases, default view
    with new_session(app) as db:
        officer_id = db.scalars(select(StaffUser.id).where(StaffUser.username == "officer1")).one()
        db.add(CaseExclusion(case_id=second, user_id=officer_id, reason="conflict"))
        db.commit()
    assert _numbers(officer_client.get("/staff/", query_string={"number": number}).text) == []
    assert _numbers(lead_client.get("/staff/", query_string={"number": number, "status": "open"}).text) == [
        number
    ]
