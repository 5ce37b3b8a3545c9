"""The clocks of a case on the database: one running clock per kind, the case's next deadline and
the reporter's "check back by" are the earliest due, and the marks at the edges of a due day."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask

from complaints import clocks, settings
from complaints.config import DEFAULTS
from complaints.db import new_session
from complaints.models import Case
from tests.conftest import metadata_case

MONDAY = date(2026, 11, 30)
CALENDAR = clocks.Calendar(days=dict(DEFAULTS["DEADLINE_DAYS"]), is_holiday=lambda _day: False)


def _case(db: object) -> Case:
    case = metadata_case(db, MONDAY)
    db.flush()  # type: ignore[attr-defined]  # a Session; metadata_case takes any
    return case


def test_starting_a_running_clock_again_ends_the_first_one(app: Flask) -> None:
    with new_session(app) as db:
        case = _case(db)
        first = clocks.start(db, case, "progress_feedback", MONDAY, CALENDAR)
        second = clocks.start(db, case, "progress_feedback", MONDAY + timedelta(days=40), CALENDAR)
        assert first.state == "missed"  # 30 days allowed, restarted after 40
        assert first.ended_on == MONDAY + timedelta(days=40)
        running = [row for row in clocks.clocks_of(db, case) if row.state == "running"]
        assert running == [second]


def test_the_next_deadline_and_the_check_back_day_are_the_earliest_due(app: Flask) -> None:
    with new_session(app) as db:
        case = _case(db)
        clocks.start(db, case, "final_feedback", MONDAY, CALENDAR)  # due in 90 days, started first
        clocks.start(db, case, "fact_finding", MONDAY, CALENDAR)  # 60 days
        clocks.start(db, case, "first_feedback", MONDAY, CALENDAR)  # 15 days
        clocks.refresh_next_deadline(db, case)
        assert (case.next_deadline_on, case.next_deadline_kind) == (
            MONDAY + timedelta(days=15),
            "first_feedback",
        )
        assert clocks.check_back_by(db, case) == MONDAY + timedelta(days=15)
        clocks.stop(db, case, "first_feedback", MONDAY)
        clocks.refresh_next_deadline(db, case)
        assert (case.next_deadline_on, case.next_deadline_kind) == (
            MONDAY + timedelta(days=60),
            "fact_finding",
        )
        assert clocks.check_back_by(db, case) == MONDAY + timedelta(days=90)  # fact-finding is internal


def test_the_case_page_marks_a_clock_overdue_only_after_its_due_day(app: Flask) -> None:
    with new_session(app) as db:
        case = _case(db)
        row = clocks.start(db, case, "first_feedback", MONDAY, CALENDAR)
        assert [view.overdue for view in clocks.views(db, case, row.due_on)] == [False]
        assert [view.overdue for view in clocks.views(db, case, row.due_on + timedelta(days=1))] == [True]


def test_the_reply_window_skips_the_configured_public_holidays(app: Flask) -> None:
    """B3: seven working days. From Friday 2 April 2027: 6 April (Chakri day) and 13–15 April
    (Songkran) are recurring holidays, so the window ends on Monday 19 April, not 13 April."""
    calendar = settings.calendar(app)
    friday = date(2027, 4, 2)
    assert calendar.due("awaiting_information", friday) == date(2027, 4, 19)
    app.config["PUBLIC_HOLIDAYS"] = ["2027-04-19"]  # a one-off substitution day from the cabinet
    assert settings.calendar(app).due("awaiting_information", friday) == date(2027, 4, 20)
    assert settings.calendar(app).due("fact_finding", friday) == friday + timedelta(days=60)
