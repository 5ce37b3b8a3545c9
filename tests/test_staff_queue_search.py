"""The queue's search box: case numbers in every form people type them, order and letter numbers
by their keyed hash, and a plain "not found" (never the whole list) for anything else."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from complaints import cases
from complaints.dates import fiscal_year_of, today
from complaints.db import new_session
from complaints.models import Case
from complaints.staff.queue_search import normalise_case_number, suggested_number
from tests.conftest import file_case

NUMBER = re.compile(r'href="/staff/cases/([0-9]{4}-[0-9]{4})"')


@pytest.mark.parametrize(
    "typed",
    [
        "2570-2",
        "2570/0002",
        "2570-0002",
        "25700002",
        "2570 0002",
        " 2570.2 ",
        "๒๕๗๐-๒",
        "๒๕๗๐๐๐๐๒",
        "2570002",
    ],
)
def test_the_forms_people_type_a_case_number_in(typed: str) -> None:
    assert normalise_case_number(typed) == "2570-0002"


@pytest.mark.parametrize("typed", ["0002", "2", "", "นายสมมติ", "12345678", "1999-0002x", "2570-", "25700000"])
def test_what_is_not_a_case_number(typed: str) -> None:
    assert normalise_case_number(typed) == ""


def test_a_bare_serial_suggests_this_years_case() -> None:
    assert suggested_number("0002", 2570) == "2570-0002"
    assert suggested_number("๒", 2570) == "2570-0002"
    assert suggested_number("นายสมมติ", 2570) == ""
    assert suggested_number("0", 2570) == ""


def _two_cases(app: Flask) -> list[str]:
    ids = [file_case(app, cases.ReportContent(description=f"case {n}"))[0] for n in range(2)]
    with new_session(app) as db:
        return [db.get_one(Case, case_id).number for case_id in ids]


def test_every_typed_form_finds_the_case_and_nothing_else(app: Flask, lead_client: FlaskClient) -> None:
    _first, second = _two_cases(app)
    year, serial = second.split("-")
    for typed in (second, f"{year}-{int(serial)}", f"{year}/{serial}", f"{year}{serial}"):
        page = lead_client.get("/staff/", query_string={"number": typed}).text
        assert NUMBER.findall(page) == [second], typed
        assert f'value="{typed}"' in page  # the box keeps what was typed
    # A filter left set from before does not hide the case a number names.
    page = lead_client.get("/staff/", query_string={"number": second, "category": "bribery"}).text
    assert NUMBER.findall(page) == [second]


@pytest.mark.parametrize("typed", ["0002", "นายสมมติ ตัวอย่าง", "2570-9999"])
def test_what_finds_nothing_says_so_and_lists_nothing(
    app: Flask, lead_client: FlaskClient, typed: str
) -> None:
    _two_cases(app)
    page = lead_client.get("/staff/", query_string={"number": typed}).text
    assert NUMBER.findall(page) == []  # never the whole queue
    assert 'class="queue"' not in page
    assert "ไม่พบเรื่องที่ตรงกับ" in page
    assert "ชื่อบุคคลและข้อความในเรื่องร้องเรียนค้นหาไม่ได้" in page
    assert f'value="{typed}"' in page


def test_a_bare_serial_offers_the_case_of_this_fiscal_year(app: Flask, lead_client: FlaskClient) -> None:
    _first, second = _two_cases(app)
    page = lead_client.get("/staff/?number=0002").text
    assert f'href="/staff/?number={second}"' in page
    assert NUMBER.findall(lead_client.get(f"/staff/?number={second}").text) == [second]


def test_the_placeholder_names_the_current_fiscal_year(lead_client: FlaskClient) -> None:
    page = lead_client.get("/staff/").text
    assert f'placeholder="{fiscal_year_of(today())}-0123"' in page
    assert "2569-0001" not in page
