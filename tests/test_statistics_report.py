"""The six- and twelve-month report the executive signs: the period's figures (small cells
hidden), the administrator's analysis and measures, two signature blocks, as a page and a PDF."""

from __future__ import annotations

import io
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from complaints.db import new_session
from complaints.models import AuditEvent, StatisticsReport
from tests.conftest import csrf_token_from, metadata_case

ANALYSIS = "เรื่องร้องเรียนส่วนใหญ่เกี่ยวกับการจัดซื้อจัดจ้าง\n\nดำเนินการได้ทันกำหนดเกือบทั้งหมด"
SIGNER = "นายสมชาย ผู้บริหาร"


def _fill(app: Flask) -> None:
    with new_session(app) as db:
        for _ in range(6):
            metadata_case(
                db, date(2025, 11, 3), category="procurement", status="concluded", closed_on=date(2025, 12, 1)
            )
        metadata_case(db, date(2026, 2, 3), category="bribery")
        metadata_case(db, date(2026, 5, 3), category="budget")  # after March: only in the 12-month report
        db.commit()


def _save(client: FlaskClient, period: str) -> None:
    page = client.get(f"/admin/statistics/report?fy=2569&period={period}")
    assert page.status_code == 200
    saved = client.post(
        f"/admin/statistics/report?fy=2569&period={period}",
        data={
            "csrf_token": csrf_token_from(page.text),
            "analysis": ANALYSIS,
            "measures": "อบรมเจ้าหน้าที่พัสดุ",
            "prepared_by_name": "นางสาวมาลี นิติกร",
            "prepared_by_position": "นิติกรชำนาญการ",
            "signer_name": SIGNER,
            "signer_position": "นายกเทศมนตรี",
        },
    )
    assert saved.status_code == 302


def test_the_admin_writes_the_words_and_prints_the_six_month_report(
    app: Flask, admin_client: FlaskClient
) -> None:
    _fill(app)
    _save(admin_client, "half")
    printed = admin_client.get("/admin/statistics/report/print?fy=2569&period=half")
    assert printed.status_code == 200
    text = printed.text
    assert "รายงานผลการดำเนินการเรื่องร้องเรียนการทุจริตและประพฤติมิชอบ" in text
    assert "รอบ 6 เดือน (1 ตุลาคม 2568 – 31 มีนาคม 2569)" in text
    assert "<p>ดำเนินการได้ทันกำหนดเกือบทั้งหมด</p>" in text  # paragraphs kept apart
    assert f"({SIGNER})" in text
    assert '<th scope="row">ทั้งปี</th><td>7</td><td>6</td><td>1</td>' in text  # the May case is not in it
    assert "&lt;5" in text  # the one bribery complaint is hidden
    assert "เม.ย. 2569" not in text  # six months only
    twelve = admin_client.get("/admin/statistics/report/print?fy=2569&period=year").text
    assert '<th scope="row">ทั้งปี</th><td>8</td>' in twelve
    assert SIGNER not in twelve  # its own words, not yet written
    with new_session(app) as db:
        row = db.scalars(select(StatisticsReport)).one()
        assert (row.fiscal_year, row.period, row.signer_name) == (2569, "half", SIGNER)
        assert db.scalars(select(AuditEvent).where(AuditEvent.action == "statistics_report_saved")).one()


def test_the_pdf_to_sign_is_thai_with_the_figures_and_both_signature_blocks(
    app: Flask, admin_client: FlaskClient
) -> None:
    _fill(app)
    _save(admin_client, "year")
    response = admin_client.get("/admin/statistics/report.pdf?fy=2569&period=year")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(response.data)).pages
    text = "".join(page.extract_text() for page in pages).replace("\u200b", "").replace("\n", "")
    for expected in ("รายงานผลการดำเนินการ", "ปีงบประมาณ 2569", "อบรมเจ้าหน้าที่พัสดุ", SIGNER, "นายกเทศมนตรี"):
        assert expected in text, expected


def test_words_too_long_are_refused_and_kept_on_the_page(app: Flask, admin_client: FlaskClient) -> None:
    page = admin_client.get("/admin/statistics/report?fy=2569&period=half")
    long_text = "ก" * 6001
    refused = admin_client.post(
        "/admin/statistics/report?fy=2569&period=half",
        data={"csrf_token": csrf_token_from(page.text), "analysis": long_text, "signer_name": SIGNER},
    )
    assert refused.status_code == 400
    assert SIGNER in refused.text  # nothing typed is lost
    with new_session(app) as db:
        assert db.scalars(select(StatisticsReport)).all() == []


def test_only_the_administrator_and_only_known_periods(
    app: Flask, admin_client: FlaskClient, officer_client: FlaskClient
) -> None:
    assert admin_client.get("/admin/statistics/report?period=decade").status_code == 404
    assert admin_client.get("/admin/statistics/report.pdf?period=decade").status_code == 404
    assert officer_client.get("/admin/statistics/report").status_code == 403
    assert officer_client.get("/admin/statistics/report.pdf").status_code == 403
