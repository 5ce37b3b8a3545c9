"""The administrator's statistics and their files: CSV, JSON and Excel from the page, and
``flask stats export`` — the same numbers everywhere, small cells hidden, no content, audited."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from complaints import cases
from complaints.dates import fiscal_year_of, today
from complaints.db import new_session
from complaints.models import AuditEvent
from tests.conftest import OFFICER_PASSWORD, create_staff, file_case, metadata_case, staff_login

MARKER = "MARKER-สถิติ-5d"


def _fill(app: Flask) -> int:
    file_case(app, cases.ReportContent(description=MARKER, accused_name=MARKER), department="engineering")
    with new_session(app) as db:
        for number in range(9):
            metadata_case(
                db,
                today(),
                department="finance",
                status="concluded" if number % 3 == 0 else "screening",
                closed_on=today() if number % 3 == 0 else None,
                acknowledged_on=today(),
            )
        metadata_case(db, today(), department="education", channel="letter")
        db.commit()
    return fiscal_year_of(today())


def _normal(value: Any) -> str:
    """One spelling per value: Excel gives 100 back for 100.0, CSV gives text."""
    text = "" if value is None else str(value)
    try:
        return f"{float(text):g}"
    except ValueError:
        return text


def _from_json(body: bytes) -> dict[str, list[list[str]]]:
    data = json.loads(body)
    return {
        t["title"]: [[_normal(v) for v in row] for row in [t["header"], *t["rows"]]]
        for t in data["tables"].values()
    }


def _from_csv(body: bytes) -> dict[str, list[list[str]]]:
    assert body.startswith("\ufeff".encode())  # Excel opens Thai CSV only with the mark
    lines = [[_normal(v) for v in line] for line in csv.reader(io.StringIO(body.decode("utf-8-sig")))]
    tables: dict[str, list[list[str]]] = {}
    section: list[list[str]] = []
    for line in [*lines[2:], []]:
        if line:
            section.append(line)
        elif section:
            tables[section[0][0]] = section[1:]
            section = []
    return tables


def _from_xlsx(body: bytes) -> dict[str, list[list[str]]]:
    book = load_workbook(io.BytesIO(body))
    tables = {}
    for sheet in book.worksheets:
        rows = [[_normal(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        tables[rows[1][0]] = [[v for v in row if v != ""] or [""] for row in rows[2:]]
    return tables


def test_every_file_carries_the_same_numbers_as_the_page(app: Flask, admin_client: FlaskClient) -> None:
    year = _fill(app)
    page = admin_client.get(f"/admin/statistics?fy={year}")
    assert page.status_code == 200
    files = {fmt: admin_client.get(f"/admin/statistics.{fmt}?fy={year}") for fmt in ("csv", "json", "xlsx")}
    for fmt, response in files.items():
        assert response.status_code == 200, fmt
        assert f'filename="statistics-{year}.{fmt}"' in response.headers["Content-Disposition"]
        assert MARKER.encode() not in response.data
    assert files["csv"].headers["Content-Type"] == "text/csv; charset=utf-8"
    from_json = _from_json(files["json"].data)
    assert _from_csv(files["csv"].data) == from_json
    from_xlsx = _from_xlsx(files["xlsx"].data)
    assert {title: [row for row in rows if row != [""]] for title, rows in from_xlsx.items()} == {
        title: [[v for v in row if v != ""] or [""] for row in rows if any(row)]
        for title, rows in from_json.items()
    }
    assert "รายเดือน" in from_json  # Thai titles and headers
    assert "จำแนกตามส่วนราชการ" in from_json
    departments = dict((row[0], row[1]) for row in from_json["จำแนกตามส่วนราชการ"][1:])
    assert departments["กองคลัง"] == "9"
    assert departments["กองช่าง"] == "<5"  # the one real report: hidden
    assert MARKER not in page.text
    for title in from_json:
        assert title in page.text
    whole_year = from_json["รายเดือน"][-1]
    assert whole_year[1:] == ["11", "3", "8"]
    public = app.test_client().get(f"/statistics?fy={year}").text
    assert "เรื่องร้องเรียนที่ได้รับ: 11</strong> · ดำเนินการแล้วเสร็จ: 3 · อยู่ระหว่างดำเนินการ: 8" in public
    with new_session(app) as db:
        exported = db.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "statistics_exported")
        ).all()
    assert sorted(exported) == sorted(f"fy={year} format={fmt}" for fmt in ("csv", "json", "xlsx"))


def test_the_command_line_prints_the_same_figures(
    app: Flask, admin_client: FlaskClient, tmp_path: Any
) -> None:
    year = _fill(app)
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["stats", "export", "--fy", str(year), "--format", "json"])
    assert printed.exit_code == 0, printed.output
    assert _from_json(printed.stdout_bytes) == _from_json(
        admin_client.get(f"/admin/statistics.json?fy={year}").data
    )
    as_csv = runner.invoke(args=["stats", "export", "--fy", str(year)])
    assert _from_csv(as_csv.stdout_bytes) == _from_json(printed.stdout_bytes)
    refused = runner.invoke(args=["stats", "export", "--fy", str(year), "--format", "xlsx"])
    assert refused.exit_code == 2
    assert "--output" in refused.output
    workbook = tmp_path / "s.xlsx"
    written = runner.invoke(
        args=["stats", "export", "--fy", str(year), "--format", "xlsx", "--output", str(workbook)]
    )
    assert written.exit_code == 0, written.output
    assert _from_xlsx(workbook.read_bytes()).keys() == _from_json(printed.stdout_bytes).keys()
    english = runner.invoke(args=["stats", "export", "--fy", str(year), "--format", "json", "--lang", "en"])
    assert "By department" in english.stdout_bytes.decode()
    assert runner.invoke(args=["stats", "export", "--fy", "2025"]).exit_code == 2  # a Gregorian year
    with new_session(app) as db:
        assert db.scalars(select(AuditEvent).where(AuditEvent.detail.contains("cli=1"))).all()


def test_only_the_administrator_downloads_and_unknown_formats_are_404(
    app: Flask, admin_client: FlaskClient, officer_client: FlaskClient
) -> None:
    assert officer_client.get("/admin/statistics.csv").status_code == 403
    assert officer_client.get("/admin/statistics").status_code == 403
    assert app.test_client().get("/admin/statistics.csv").status_code == 302  # to the log-in
    assert admin_client.get("/admin/statistics.pdf").status_code == 404
    assert admin_client.get("/admin/statistics.csv?fy=nonsense").status_code == 200


def test_an_old_year_can_be_exported(app: Flask, admin_client: FlaskClient) -> None:
    with new_session(app) as db:
        metadata_case(db, date(2024, 11, 1))
        db.commit()
    data = json.loads(admin_client.get("/admin/statistics.json?fy=2568").data)
    assert data["fiscal_year"] == 2568
    assert data["tables"]["by_month"]["rows"][1][1] == 1  # November 2567


def test_only_a_key_holding_lead_sees_small_counts_and_it_is_audited(
    app: Flask, lead_client: FlaskClient, officer_client: FlaskClient, admin_client: FlaskClient
) -> None:
    year = _fill(app)
    page = lead_client.get(f"/staff/statistics?fy={year}")
    assert page.status_code == 200
    assert 'id="unsuppressed-warning"' in page.text
    department = page.text[page.text.index('id="table-department"') :].split("</table>")[0]
    assert "<td>1</td>" in department  # the one engineering report, exactly
    assert "&lt;5" not in department
    assert MARKER not in page.text
    assert "&lt;5" in admin_client.get(f"/admin/statistics?fy={year}").text
    with new_session(app) as db:
        viewed = db.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "statistics_unsuppressed")
        ).all()
    assert viewed == [f"fy={year}"]
    assert officer_client.get("/staff/statistics").status_code == 403
    assert admin_client.get("/staff/statistics").status_code == 403
    keyless_secret = create_staff(app, "lead2", "lead")
    keyless = app.test_client()
    assert staff_login(keyless, "lead2", OFFICER_PASSWORD, keyless_secret).status_code == 302
    refused = keyless.get("/staff/statistics")
    assert refused.status_code == 403
    assert "<td>1</td>" not in refused.text
