"""The public statistics page (ITA), robots and favicon: what search engines may index and what
the page promises — the counting rule, small cells hidden, a chart without script or inline style."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from complaints.dates import fiscal_year_of, today
from complaints.db import new_session
from tests.conftest import metadata_case


def _fill(app: Flask) -> int:
    year = fiscal_year_of(today())
    with new_session(app) as db:
        for _ in range(6):
            metadata_case(db, today(), category="budget")
        metadata_case(db, today(), category="procurement", status="concluded", closed_on=today())
        metadata_case(db, date(2024, 10, 5))  # an older fiscal year, to choose from
        db.commit()
    return year


def test_an_empty_year_says_there_were_no_complaints(client: FlaskClient) -> None:
    page = client.get("/statistics")
    assert page.status_code == 200
    assert "ไม่มีเรื่องร้องเรียนในปีงบประมาณ" in page.text
    assert 'id="ita-table"' in page.text  # the table of zeros is still there
    assert "<svg" not in page.text


def test_the_page_shows_the_three_counts_a_chart_and_a_suppressed_breakdown(
    app: Flask, client: FlaskClient
) -> None:
    year = _fill(app)
    page = client.get(f"/statistics?fy={year}")
    assert page.status_code == 200
    assert "ไม่มีเรื่องร้องเรียน" not in page.text
    assert "เรื่องร้องเรียนที่ได้รับ: 7</strong> · ดำเนินการแล้วเสร็จ: 1 · อยู่ระหว่างดำเนินการ: 6" in page.text
    chart = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert 'role="img"' in chart
    assert "<title" in chart
    assert "style=" not in chart
    assert "<script" not in page.text
    breakdown = page.text[page.text.index('id="breakdown-category"') :]
    assert "&lt;5" in breakdown.split("</table>")[0]  # procurement: 1 case, hidden
    assert "วิธีนับ" in page.text  # the counting rule is stated
    quarters = client.get(f"/statistics?fy={year}&by=quarter")
    assert "ไตรมาส 1" in quarters.text
    assert client.get(f"/statistics?fy={year}&by=half").status_code == 200
    english = client.get(f"/statistics?fy={year}", headers={"Cookie": "lang=en"})
    assert english.status_code == 200
    older = client.get(f"/statistics?fy={year - 2}")
    assert f'<option value="{year - 2}" selected>' in older.text


@pytest.mark.parametrize(
    "query", ["fy=abc", "fy=99999999999999999999999", "fy=๒๕๖๙", "by=decade", "fy=-1&by=%00", "fy=1900"]
)
def test_nonsense_in_the_query_shows_the_current_year(client: FlaskClient, query: str) -> None:
    page = client.get(f"/statistics?{query}")
    assert page.status_code == 200
    assert f'<option value="{fiscal_year_of(today())}" selected>' in page.text


def test_an_ita_code_is_shown_when_configured(app: Flask, client: FlaskClient) -> None:
    year = fiscal_year_of(today())
    app.config["ITA_STATISTICS_CODES"] = {str(year): "O14"}
    assert "O14" in client.get("/statistics").text


def test_pages_meant_to_be_found_are_indexable_and_the_rest_are_not(client: FlaskClient) -> None:
    for path in ("/", "/protection", "/guideline", "/statistics"):
        page = client.get(path).text
        assert '<meta name="robots" content="index, follow">' in page, path
        assert '<meta name="description" content="' in page, path
        assert 'href="/statistics"' in page, path  # linked from every public page
    for path in ("/report", "/follow-up", "/staff/login"):
        assert '<meta name="robots" content="noindex, nofollow">' in client.get(path).text, path
    robots = client.get("/robots.txt")
    assert robots.mimetype == "text/plain"
    assert "Disallow: /staff/" in robots.text
    assert "Disallow: /follow-up" in robots.text
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301
    svg = client.get(icon.headers["Location"])
    assert svg.mimetype == "image/svg+xml"
    svg.close()
