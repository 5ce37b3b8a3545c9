"""The public pages: Thai by default, English on request, names and deadlines from settings, small."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from complaints import create_app
from complaints.dates import fiscal_year_of, today
from tests.conftest import log_in_reporter, make_config, receipt_from, submit_report

PAGES = {
    "/": "แจ้งเบาะแสการทุจริตและประพฤติมิชอบของเจ้าหน้าที่",
    "/protection": "มาตรการคุ้มครองผู้แจ้งเบาะแส",
    "/guideline": "แนวปฏิบัติการจัดการเรื่องร้องเรียนการทุจริตและประพฤติมิชอบ",
    "/report": "แจ้งเบาะแสการทุจริตหรือประพฤติมิชอบ",
    "/follow-up": "ติดตามเรื่อง",
}
ENGLISH = {
    "/": "Report corruption and misconduct by officials",
    "/protection": "Whistleblower protection measures",
    "/guideline": "Guideline for handling corruption and misconduct complaints",
    "/report": "Report corruption or misconduct",
    "/follow-up": "Follow up a report",
}
PAGE_BUDGET_BYTES = 40 * 1024


@pytest.mark.parametrize(("path", "heading"), PAGES.items())
def test_page_is_thai_by_default(client: FlaskClient, path: str, heading: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert '<html lang="th">' in response.text
    assert re.search(rf"<h1>\s*{re.escape(heading)}\s*</h1>", response.text)


@pytest.mark.parametrize(("path", "heading"), ENGLISH.items())
def test_page_switches_to_english_and_back(client: FlaskClient, path: str, heading: str) -> None:
    switched = client.get("/lang/en", query_string={"next": path})
    assert switched.headers["Location"] == path
    english = client.get(path).text
    assert '<html lang="en">' in english
    assert re.search(rf"<h1>\s*{re.escape(heading)}\s*</h1>", english)
    assert 'hreflang="th"' in english
    client.get("/lang/th")
    assert '<html lang="th">' in client.get(path).text


SETTINGS: dict[str, Any] = {
    "MUNICIPALITY_NAME_TH": "เทศบาลตำบลบ้านทดสอบ",
    "MUNICIPALITY_NAME_EN": "Ban Thotsop Municipality",
    "LEGAL_UNIT_NAME_TH": "งานนิติการ ทดสอบ",
    "LEGAL_UNIT_NAME_EN": "Test Legal Unit",
    "CONTACT_PHONE": "0-4321-9876",
    "CATEGORIES": ["budget", "water_supply"],
    "CATEGORY_LABELS": {"water_supply": {"th": "การประปาหมู่บ้าน", "en": "Village water supply"}},
    "DEPARTMENTS": ["finance", "waterworks"],
    "DEPARTMENT_LABELS": {"waterworks": {"th": "กองการประปา", "en": "Waterworks Division"}},
    "ITA_ITEM_CODES": {str(fiscal_year_of(today())): "O77"},
}
DEADLINES = {
    "acknowledge": 3,
    "first_feedback": 11,
    "progress_feedback": 29,
    "final_feedback": 89,
    "fact_finding": 45,
    "disciplinary_investigation": 170,
    "awaiting_information": 9,
    "penalty_after_finding": 31,
    "copy_to_nacc": 15,
    "appeal_window": 30,
}


@pytest.fixture
def configured(tmp_path: Path, database_url: str) -> FlaskClient:
    app = create_app(
        make_config(tmp_path, database_url, **SETTINGS, DEADLINE_DAYS=DEADLINES),
        instance_path=str(tmp_path / "instance"),
    )
    return app.test_client()


def test_names_and_contacts_come_from_settings(configured: FlaskClient) -> None:
    for path in PAGES:
        assert "เทศบาลตำบลบ้านทดสอบ" in configured.get(path).text, path
    guideline = configured.get("/guideline").text
    assert "งานนิติการ ทดสอบ" in guideline
    assert "0-4321-9876" in guideline
    assert "เทศบาลตำบลตัวอย่าง" not in guideline
    configured.get("/lang/en")
    english = configured.get("/guideline").text
    assert "Ban Thotsop Municipality" in english
    assert "Test Legal Unit" in english


def test_deadlines_on_the_guideline_come_from_settings(configured: FlaskClient) -> None:
    guideline = configured.get("/guideline").text
    cells = re.findall(r"<td>([^<]*)</td>", guideline)
    for days in (3, 11, 9, 45, 170, 31, 89):
        assert f"{days} วัน" in cells, days
    assert "อย่างน้อยทุก 29 วัน" in cells
    assert "ภายใน 11 วัน" in configured.get("/").text


def test_categories_and_departments_come_from_settings(configured: FlaskClient) -> None:
    form = configured.get("/report").text
    assert '<option value="water_supply">การประปาหมู่บ้าน</option>' in form
    assert '<option value="waterworks">กองการประปา</option>' in form
    assert 'value="procurement"' not in form
    assert "การประปาหมู่บ้าน" in configured.get("/").text


def test_guideline_names_the_unit_the_ita_item_and_other_channels(configured: FlaskClient) -> None:
    guideline = configured.get("/guideline").text
    assert "O77" in guideline
    for hotline, name in (("1205", "ป.ป.ช."), ("1206", "ป.ป.ท."), ("1567", "ศูนย์ดำรงธรรม")):
        assert f"สายด่วน {hotline}" in guideline
        assert name in guideline
    assert 'rel="noreferrer noopener"' in guideline


def test_landing_explains_what_to_report_protection_and_next_steps(client: FlaskClient) -> None:
    landing = client.get("/").text
    for text in ("เรื่องที่แจ้งได้", "การใช้ทรัพย์สินของทางราชการโดยมิชอบ", "ไม่ต้องให้ชื่อ", "หลังจากแจ้งเรื่อง"):
        assert text in landing
    for link in ('href="/report"', 'href="/follow-up"', 'href="/protection"', 'href="/guideline"'):
        assert link in landing


def test_report_page_with_its_css_is_small(client: FlaskClient) -> None:
    page = client.get("/report")
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert stylesheets
    total = len(page.data)
    for href in stylesheets:
        with client.get(href) as stylesheet:  # a static file: close it, or it warns
            total += len(stylesheet.data)
    assert total < PAGE_BUDGET_BYTES, total
    assert not re.search(r"<img|<script|<iframe|@import|url\(", page.text)


@pytest.mark.parametrize("path", [*PAGES, "/no-such-page"])
def test_no_script_no_inline_style_and_nothing_from_another_host(client: FlaskClient, path: str) -> None:
    html = client.get(path).text
    assert "<script" not in html
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r' on[a-z]+="', html)  # no inline event handlers
    for resource in re.findall(r'<(?:link|img|source|audio|video)[^>]+(?:href|src)="([^"]+)"', html):
        assert resource.startswith("/"), resource
    assert not re.search(r'<form[^>]+action="(?:https?:)?//', html)


def test_receipt_page_shows_a_buddhist_era_date_and_no_way_away_without_noting_it(
    client: FlaskClient,
) -> None:
    page = submit_report(client).text
    receipt_from(page)
    assert f"{today().year + 543}" in page
    assert "/lang/en" not in page  # switching language would lose the receipt
    assert 'class="main-nav"' not in page
    assert "no-print" in page


def test_stylesheet_prints_the_receipt_and_shows_focus() -> None:
    css = (Path(__file__).parent.parent / "complaints/static/site.css").read_text()
    assert "@media print" in css
    assert ":focus" in css
    assert "@font-face" not in css
    assert "http" not in css


def test_every_citizen_form_leaves_the_checks_to_the_server(client: FlaskClient) -> None:
    """Without `novalidate` Chromium stops an empty form with an English bubble ("Please select an
    item in the list") instead of the server's Thai error summary."""
    sent = submit_report(client, disclosure="confidential", reporter_name="นางสาว ผู้แจ้ง")
    pages = [client.get("/report").text, client.get("/follow-up").text]
    log_in_reporter(client, receipt_from(sent.text))
    pages.append(client.get("/follow-up/case").text)
    forms = [tag for page in pages for tag in re.findall(r"<form\b[^>]*>", page)]
    assert len(forms) == 7  # report, receipt, log out, reply, evidence, share identity, retaliation
    assert all(re.search(r"\snovalidate\b", tag) for tag in forms), forms


def test_the_required_choice_is_not_under_an_optional_heading(client: FlaskClient) -> None:
    page = client.get("/report").text
    choice, name = page.index('name="disclosure"'), page.index('name="reporter_name"')
    heading = re.findall(r"<h2>([^<]*)</h2>", page[:choice])[-1]
    assert heading == "ข้อมูลของคุณ"
    assert re.search(r"<legend>[^<]*<span class=\"req\">\(จำเป็น\)</span></legend>", page[:choice])
    assert "<h3>ชื่อและช่องทางติดต่อ (ไม่บังคับ)</h3>" in page[choice:name]


def test_case_numbers_stay_on_one_line_and_the_fiscal_year_is_explained(client: FlaskClient) -> None:
    receipt_page = submit_report(client).text
    number = re.search(r'<span class="case-number">(\d{4}-\d{4,})</span>', receipt_page)
    assert number
    assert "เลขที่เรื่องขึ้นต้นด้วยปีงบประมาณ ซึ่งเริ่มวันที่ 1 ตุลาคม" in receipt_page
    log_in_reporter(client, receipt_from(receipt_page))
    case_page = client.get("/follow-up/case").text
    assert f'<span class="case-number">{number.group(1)}</span>' in case_page
    assert "เลขที่เรื่องขึ้นต้นด้วยปีงบประมาณ" in case_page
    css = (Path(__file__).parent.parent / "complaints/static/site.css").read_text()
    assert ".case-number{white-space:nowrap}" in css
