"""Keyset pages of the triage queue: following "next" (or "previous" back from the last page)
lists every case the person may see exactly once, in the queue's order, even when many cases share
a deadline; a forged or out-of-date page link shows the first page with a notice, never a 500."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, insert, select, text

from complaints.dates import today
from complaints.db import engine_of, new_session
from complaints.models import Case, CaseExclusion, StaffUser
from complaints.staff import queue, queue_keyset

NUMBER = re.compile(r'href="/staff/cases/(Q-[0-9]{4})"')
LINK = re.compile(r'<a href="([^"]+)" rel="(first|prev|next|last)"')
STALE_TH = "ลิงก์หน้านี้ไม่ตรงกับรายการเรื่องในขณะนี้แล้ว"
STALE_EN = "That page link no longer fits the queue"


def _seed(app: Flask, deadlines: list[date | None], status: str = "received") -> list[int]:
    """Metadata-only cases (the queue never decrypts), one per deadline given, in id order."""
    first = today() - timedelta(days=3)
    with new_session(app) as db:
        start = db.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) or 0
        rows = [
            {
                "uid": f"page-{start + index}",
                "number": f"Q-{start + index:04d}",
                "fiscal_year": 2570,
                "channel": "online",
                "category": "budget",
                "department": "finance",
                "disclosure": "anonymous",
                "status": status,
                "submitted_on": first,
                "next_deadline_on": deadline,
                "next_deadline_kind": "first_feedback" if deadline else None,
                "receipt_lookup": os.urandom(32),
                "reporter_salt": os.urandom(16),
                "report_ciphertext": b"\x00 metadata only",
            }
            for index, deadline in enumerate(deadlines, 1)
        ]
        db.execute(insert(Case), rows)
        db.commit()
        return sorted(db.scalars(select(Case.id).where(Case.uid.in_([row["uid"] for row in rows]))))


def _mixed_deadlines() -> list[date | None]:
    """Ties on purpose: most cases share one of three deadlines; some have none."""
    day = today()
    shared = [day - timedelta(days=1), day + timedelta(days=2), day + timedelta(days=30)]
    return [None if index % 5 == 0 else shared[index % 3] for index in range(23)]


def _lead_id(app: Flask) -> int:
    with new_session(app) as db:
        return db.scalars(select(StaffUser.id).where(StaffUser.username == "lead")).one()


def _page(app: Flask, filters: queue.QueueFilters, size: int = 4) -> queue.QueuePage:
    with new_session(app) as db:
        return queue.triage_queue(db, _lead_id(app), filters, today(), app.config["DUE_SOON_DAYS"], size)


def _expected(app: Flask, sort: str, hidden: set[int]) -> list[str]:
    """The order the queue promises, computed here from the rows themselves."""
    with new_session(app) as db:
        rows = db.execute(select(Case.id, Case.number, Case.next_deadline_on)).all()
    visible = [row for row in rows if row.id not in hidden]
    if sort == "newest":
        visible.sort(key=lambda row: -row.id)
    else:
        visible.sort(key=lambda row: (row.next_deadline_on is None, row.next_deadline_on or date.min, row.id))
    return [row.number for row in visible]


@pytest.mark.parametrize("sort", ["urgent", "newest"])
def test_next_and_previous_list_every_case_once_in_order(app: Flask, sort: str) -> None:
    ids = _seed(app, _mixed_deadlines())
    hidden = {ids[6], ids[13]}
    with new_session(app) as db:
        db.add_all(
            CaseExclusion(case_id=case_id, user_id=_lead_id(app), reason="conflict") for case_id in hidden
        )
        db.commit()
    expected = _expected(app, sort, hidden)
    assert len(expected) == 21

    seen, page = [], _page(app, queue.QueueFilters(sort=sort))
    numbers = [page.page]
    while True:
        seen += [row.number for row in page.rows]
        if not page.next_cursor:
            break
        page = _page(app, queue.QueueFilters(sort=sort, after=page.next_cursor, page=page.page + 1))
        numbers.append(page.page)
    assert seen == expected  # no case skipped, none repeated, ties kept in id order
    assert numbers == [1, 2, 3, 4, 5, 6]
    assert page.pages == 6

    last = _page(app, queue.QueueFilters(sort=sort, last=True))
    assert (last.page, [row.number for row in last.rows]) == (6, expected[20:])
    backwards, page = [], last
    while True:
        backwards = [row.number for row in page.rows] + backwards
        if not page.previous_cursor:
            break
        page = _page(app, queue.QueueFilters(sort=sort, before=page.previous_cursor, page=page.page - 1))
        assert [row.number for row in page.rows] == expected[(page.page - 1) * 4 : page.page * 4]
    assert backwards == expected
    assert page.page == 1


@pytest.mark.parametrize(
    ("listed", "status"), [("all", "received"), ("open", "received"), ("closed", "concluded")]
)
def test_a_long_run_of_one_deadline_is_paged_by_case_id(app: Flask, listed: str, status: str) -> None:
    """Thirty cases due the same day across eight pages, then ten with none: the id breaks the
    tie both ways (open and closed listings read the rarer half through another index)."""
    _seed(app, [today() + timedelta(days=5)] * 30 + [None] * 10, status=status)
    expected = _expected(app, "urgent", set())
    page, seen = _page(app, queue.QueueFilters(status=listed)), []
    while True:
        seen += [row.number for row in page.rows]
        if not page.next_cursor:
            break
        after = queue.QueueFilters(status=listed, after=page.next_cursor, page=page.page + 1)
        page = _page(app, after)
        again = _page(app, queue.QueueFilters(status=listed, before=page.previous_cursor, page=page.page - 1))
        assert [row.number for row in again.rows] == seen[-4:]  # "previous" is the page just left
    assert seen == expected


def test_the_pager_links_walk_the_queue(app: Flask, lead_client: FlaskClient) -> None:
    _seed(app, _mixed_deadlines() + _mixed_deadlines())  # 46 cases: two pages of 25
    expected = _expected(app, "urgent", set())
    first = lead_client.get("/staff/?status=all")
    links = dict((rel, href.replace("&amp;", "&")) for href, rel in LINK.findall(first.text))
    assert set(links) == {"next", "last"}
    assert "หน้า 1 จาก 2" in first.text
    second = lead_client.get(links["next"])
    assert second.status_code == 200
    assert NUMBER.findall(first.text) + NUMBER.findall(second.text) == expected
    assert "หน้า 2 จาก 2" in second.text
    back = dict((rel, href.replace("&amp;", "&")) for href, rel in LINK.findall(second.text))
    assert set(back) == {"first", "prev"}
    assert NUMBER.findall(lead_client.get(back["prev"]).text) == expected[:25]
    assert NUMBER.findall(lead_client.get(links["last"]).text) == expected[25:]
    # The status and filter links start the other view at its first page (no cursor carried).
    assert "after=" not in second.text.split('class="pager"')[0]


@pytest.mark.parametrize(
    "link",
    [
        "after=garbage",
        "after=d2570-13-45.3",
        "after=d2026-02-30.3",
        "before=i99999999999999",
        "after=n2147483648",  # past the 32-bit ids of PostgreSQL
        "after=%00",
        "after=n-1",
        "after=i3",  # a "newest first" cursor on "most urgent first"
        "before=d" + "9" * 60,
        "after=n999999999999",  # past every case: nothing is left after it
        "before=i999999999999&sort=newest",  # newest first: nothing is newer than it
    ],
)
def test_a_forged_or_stale_page_link_shows_the_first_page(
    app: Flask, lead_client: FlaskClient, link: str
) -> None:
    _seed(app, _mixed_deadlines())
    sort = "newest" if "sort=newest" in link else "urgent"
    response = lead_client.get(f"/staff/?status=all&{link}")
    assert response.status_code == 200
    assert NUMBER.findall(response.text) == _expected(app, sort, set())[:23]
    assert STALE_TH in response.text
    assert "หน้า 1 จาก" not in response.text  # 23 cases, a single page: no pager
    lead_client.get("/lang/en?next=/staff/")
    assert STALE_EN in lead_client.get(f"/staff/?status=all&{link}").text


def test_a_page_link_kept_from_before_still_follows_on(app: Flask) -> None:
    """Cases closed since a page was shown: its "next" link lists what comes after, not a gap."""
    ids = _seed(app, [today() + timedelta(days=day) for day in range(12)])
    first = _page(app, queue.QueueFilters())
    with new_session(app) as db:
        for case_id in ids[2:6]:  # two on the page shown, two on the next one
            db.get_one(Case, case_id).status = "concluded"
        db.commit()
    following = _page(app, queue.QueueFilters(after=first.next_cursor, page=2))
    assert [row.number for row in following.rows] == [f"Q-{case_id:04d}" for case_id in ids[6:10]]
    assert not following.stale_link


def test_a_long_walk_plans_without_sorts_or_workers_and_puts_the_planner_back(app: Flask) -> None:
    """PostgreSQL only: the settings change for the walk alone, inside its transaction."""
    if engine_of(app).dialect.name != "postgresql":
        pytest.skip("the planner settings are PostgreSQL's")
    settings = "SELECT current_setting('enable_sort'), current_setting('max_parallel_workers_per_gather')"
    with app.app_context(), new_session(app) as db:
        before = tuple(db.execute(text(settings)).one())
        with queue_keyset._ordered_walks(db, walk=False):
            assert tuple(db.execute(text(settings)).one()) == before
        with queue_keyset._ordered_walks(db, walk=True):
            assert tuple(db.execute(text(settings)).one()) == ("off", "0")
        assert tuple(db.execute(text(settings)).one()) == before == ("on", before[1])
        assert before[1] != "0"


def test_closed_cases_with_a_deadline_are_found_by_status_not_by_walking_every_deadline(app: Flask) -> None:
    """The few closed cases that still carry a deadline come in deadline order, read by an order no
    index provides, so the planner takes the status index and sorts them: walking the (deadline,
    id) index instead passed every open case's deadline to find none (16 ms a page on PostgreSQL
    at 100 000 cases; bench/triage_queue.py, "status: completed")."""
    _seed(app, [today() + timedelta(days=day) for day in range(40)])  # open, all with a deadline
    closed = _seed(app, [today() + timedelta(days=9), today() + timedelta(days=2), None], "concluded")
    engine, statements = engine_of(app), []

    def keep(_connection: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "next_deadline_on IS NOT NULL" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        page = _page(app, queue.QueueFilters(status="closed"), size=10)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert [row.number for row in page.rows] == [
        f"Q-{closed[1]:04d}",
        f"Q-{closed[0]:04d}",
        f"Q-{closed[2]:04d}",
    ]
    assert statements
    assert all(
        "ORDER BY coalesce(cases.next_deadline_on, cases.next_deadline_on)" in sql for sql in statements
    )
