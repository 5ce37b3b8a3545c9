"""One time zone for every day and time people see: the ``TIMEZONE`` setting (Asia/Bangkok by
default). Stored times are UTC; 2026-12-01 18:30 UTC is 2 December 01:30 in Bangkok, so a note,
a message, a reporter's action and the staff audit log of that minute all show 2 December — and
all show 1 December when the setting says UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases, dates
from complaints.db import new_session
from complaints.models import Case, ReporterAuditEvent
from tests.conftest import csrf_token_from, file_case, log_in_reporter

INSTANT = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)  # 01:30 on 2 December in Bangkok
# (setting, the day shown in Thai, in English, in the log's short form, and the time of day)
ZONES = {
    None: ("2 ธันวาคม 2569", "2 December 2026", "2 ธ.ค. 2569 01:30", date(2026, 12, 2)),
    "UTC": ("1 ธันวาคม 2569", "1 December 2026", "1 ธ.ค. 2569 18:30", date(2026, 12, 1)),
    "America/New_York": ("1 ธันวาคม 2569", "1 December 2026", "1 ธ.ค. 2569 13:30", date(2026, 12, 1)),
}


@pytest.fixture
def zone(request: pytest.FixtureRequest) -> str | None:
    """The TIMEZONE setting of the test's app (None: the default), when the test names one."""
    return getattr(request, "param", None)


@pytest.fixture
def app_config(app_config: dict[str, Any], zone: str | None) -> dict[str, Any]:
    if zone is not None:
        app_config["TIMEZONE"] = zone
    return app_config


@pytest.fixture
def at_the_instant(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Every clock of the app reads INSTANT (log-in sessions too, so they stay valid)."""
    monkeypatch.setattr(dates, "current_instant", lambda: INSTANT)
    return INSTANT


def _section(html: str, section: str) -> str:
    found = re.search(rf'<section[^>]*id="{section}".*?</section>', html, re.S)
    assert found, section
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def _post(client: FlaskClient, page: str, path: str, **fields: str) -> None:
    response = client.post(path, data={"csrf_token": csrf_token_from(page), **fields})
    assert response.status_code in (302, 303), response.text


@pytest.mark.parametrize("zone", list(ZONES), indirect=True, ids=lambda zone: zone or "default")
def test_a_note_a_message_and_the_audit_log_of_one_minute_show_one_day(
    at_the_instant: datetime,
    zone: str | None,
    app: Flask,
    lead_client: FlaskClient,
    admin_client: FlaskClient,
) -> None:
    thai_day, english_day, logged, stored_day = ZONES[zone]
    case_id, receipt = file_case(app, cases.ReportContent(description="เบิกค่าซ่อมถนนที่ไม่ได้ซ่อม"))
    with new_session(app) as db:
        number = db.get_one(Case, case_id).number
    page = lead_client.get(f"/staff/cases/{number}").text
    _post(lead_client, page, f"/staff/cases/{number}/reply", body="ขอเอกสารเพิ่มเติม")
    _post(lead_client, page, f"/staff/cases/{number}/notes", body="โทรสอบถามกองคลังแล้ว")
    reporter = app.test_client()
    followup = log_in_reporter(reporter, receipt)
    assert followup.status_code in (302, 303)
    case_page = reporter.get("/follow-up/case").text
    _post(reporter, case_page, "/follow-up/reply", body="ส่งเอกสารให้แล้วค่ะ")

    html = lead_client.get(f"/staff/cases/{number}").text
    assert _section(html, "thread").count(thai_day) == 2  # the officer's message and the reply
    assert f"{thai_day} {logged[-5:]}" in _section(html, "notes")
    other_days = {text for text, *_ in ZONES.values()} - {thai_day}
    assert not any(day in _section(html, "thread") + _section(html, "notes") for day in other_days)
    lead_client.set_cookie("lang", "en")
    english = lead_client.get(f"/staff/cases/{number}").text
    assert english_day in _section(english, "thread")
    assert english_day in _section(english, "notes")

    log = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", admin_client.get("/admin/audit").text))
    assert f"{logged} lead {number} เพิ่มบันทึกภายใน note_added" in log  # the staff chain, to the minute
    reporters = log.split("การดำเนินการของผู้ร้องเรียน")[-1]
    assert f"{logged[:-6]} {number} ผู้ร้องเรียนส่งข้อความ reporter_message" in reporters  # theirs, to the day
    with new_session(app) as db:
        reporter_days = set(db.scalars(select(ReporterAuditEvent.occurred_on)).all())
        assert reporter_days == {stored_day}  # the reporter's chain: the same day as the staff one


def test_a_time_zone_no_system_knows_stops_the_start(tmp_path: Any, database_url: str) -> None:
    from complaints import create_app
    from complaints.dates import UnknownTimezone
    from tests.conftest import make_config

    with pytest.raises(UnknownTimezone):
        create_app(make_config(tmp_path, database_url, TIMEZONE="Asia/Bankok"), instance_path=str(tmp_path))


def test_days_outside_an_app_are_bangkok_days(at_the_instant: datetime) -> None:
    assert dates.today() == date(2026, 12, 2)
    assert dates.local_day(INSTANT.replace(tzinfo=None)) == date(2026, 12, 2)
    assert dates.format_time(INSTANT.replace(tzinfo=None)) == "01:30"
    assert dates.format_day(INSTANT.replace(tzinfo=None), "en") == "2 December 2026"
