"""The two receipts a reporter takes away (the receipt page after the form, and the slip an officer
prints for an offline report): they name the municipality and the follow-up address, and the
officer's instructions stay on the screen. What a browser prints (the header's municipality name
is kept, screen-only parts are dropped) is checked in test_browser_layout.py; these need none."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from complaints import create_app
from complaints.site import followup_address
from tests.conftest import make_config, receipt_from, submit_report
from tests.test_staff_intake import _intake as record_offline_report

MUNICIPALITY = "เทศบาลตำบลบ้านตัวอย่างใหม่"
ADDRESS = "report.example.go.th<wbr>/follow-up"


@pytest.fixture
def app_config(tmp_path: Path, database_url: str) -> dict[str, Any]:
    return make_config(
        tmp_path,
        database_url,
        PUBLIC_BASE_URL="https://report.example.go.th/",
        MUNICIPALITY_NAME_TH=MUNICIPALITY,
        CONTACT_PHONE="0-2345-6789",
    )


def no_print_part(html: str, element_id: str) -> str:
    """The element with ``element_id`` must sit inside (or be) an element of class no-print."""
    start = html.index(f'id="{element_id}"')
    opening = html.rfind("<", 0, start)
    return html[opening : html.index(">", start) + 1]


def test_the_receipt_page_names_the_municipality_and_the_follow_up_address(client: FlaskClient) -> None:
    page = submit_report(client).text
    assert f'<span class="brand-name">{MUNICIPALITY}</span>' in page
    address = re.search(r'<p id="follow-up-address">(.*?)</p>', page, re.S)
    assert address
    assert f'<strong class="address">{ADDRESS}</strong>' in address.group(1)
    assert 'class="menu"' not in page  # no way away that would lose the receipt
    assert receipt_from(page)


def test_the_offline_slip_keeps_the_officer_instructions_off_paper(lead_client: FlaskClient) -> None:
    status, page = record_offline_report(lead_client)
    assert status == 200
    instructions = no_print_part(page, "officer-instructions")
    assert 'class="no-print"' in instructions
    before_slip, slip = page.split('<section class="slip"', 1)
    assert "กรุณาแจ้งรหัสติดตามเรื่องนี้แก่ผู้ร้องเรียนทันที" in before_slip
    assert "กรุณาแจ้งรหัสติดตามเรื่องนี้แก่ผู้ร้องเรียนทันที" not in slip
    assert f'<strong class="address">{ADDRESS}</strong>' in slip
    assert 'id="receipt"' in slip
    assert "หลักฐานการรับเรื่องร้องเรียน" in slip
    assert f'<span class="brand-name">{MUNICIPALITY}</span>' in page
    assert "/lang/en" not in page  # switching language would reload the form and lose the code


def test_while_the_base_url_is_the_default_the_address_is_the_one_the_reporter_used(
    tmp_path: Path, database_url: str
) -> None:
    app: Flask = create_app(make_config(tmp_path, database_url), instance_path=str(tmp_path / "instance"))
    with app.test_request_context("/", base_url="http://10.0.0.5:8080"):
        assert followup_address() == "10.0.0.5:8080/follow-up"


def test_phone_numbers_are_kept_whole(client: FlaskClient) -> None:
    page = client.get("/guideline").text
    assert page.count('<span class="phone">0-2345-6789</span>') >= 2
