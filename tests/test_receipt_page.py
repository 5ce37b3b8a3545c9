"""The receipt page is rendered once per day and shape (complaints/public/receipt_page.py) and
served with each report's own number and receipt: exactly what the template would render, never
another report's code, and the receipt itself is never kept."""

from __future__ import annotations

import re

from flask import Flask, render_template
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints.db import new_session
from complaints.models import Case
from complaints.public import receipt_page
from complaints.reporting.filing import Filed
from tests.conftest import receipt_from, submit_report

STORE = "complaints.receipt_pages"
NUMBER_IN_PAGE = re.compile(r'class="case-number">([^<]+)<')


def _fresh_render(app: Flask, number: str, receipt: str, files: int = 0) -> str:
    """The page as the template renders it from scratch for the case filed under ``number``."""
    with app.app_context(), new_session(app) as db:
        case = db.scalars(select(Case).where(Case.number == number)).one()
        db.expunge(case)
    with app.test_request_context("/report", method="POST"):
        return render_template("public/receipt.html", filed=Filed(case, receipt.replace(" ", ""), files))


def test_the_kept_page_is_exactly_what_the_template_renders(app: Flask, client: FlaskClient) -> None:
    submit_report(client)  # the first report renders and keeps the page
    page = submit_report(app.test_client()).text
    number, receipt = NUMBER_IN_PAGE.search(page).group(1), receipt_from(page)  # type: ignore[union-attr]
    assert page == _fresh_render(app, number, receipt)


def test_two_reports_get_the_same_page_but_their_own_number_and_receipt(app: Flask) -> None:
    pages = [submit_report(app.test_client()).text for _ in range(3)]
    numbers = [NUMBER_IN_PAGE.search(page).group(1) for page in pages]  # type: ignore[union-attr]
    receipts = [receipt_from(page) for page in pages]
    assert len(set(numbers)) == len(set(receipts)) == 3
    blanked = {
        page.replace(n, "N").replace(r, "R") for page, n, r in zip(pages, numbers, receipts, strict=True)
    }
    assert len(blanked) == 1
    for page in pages:
        assert receipt_page.NUMBER not in page
        assert receipt_page.RECEIPT not in page


def test_a_report_with_files_has_a_page_of_its_own_shape(app: Flask) -> None:
    plain = submit_report(app.test_client()).text
    with_files = submit_report(app.test_client(), files=(("a.txt", b"one"), ("b.txt", b"two"))).text
    number, receipt = NUMBER_IN_PAGE.search(with_files).group(1), receipt_from(with_files)  # type: ignore[union-attr]
    assert with_files == _fresh_render(app, number, receipt, files=2)
    assert with_files.replace(number, "").replace(receipt, "") != plain


def test_no_receipt_is_kept_and_the_store_stays_small(app: Flask) -> None:
    pages = [submit_report(app.test_client()).text for _ in range(2)]
    shown = [receipt_from(page) for page in pages]
    kept = app.extensions[STORE]
    assert kept
    for page in kept.values():
        assert receipt_page.RECEIPT in page
        assert not any(receipt in page for receipt in shown)
    with app.app_context(), new_session(app) as db:
        case = db.scalars(select(Case)).first()
        assert case is not None
        db.expunge(case)
    for host in range(receipt_page.MOST_KEPT + 3):  # addresses a Host header could vary
        with app.test_request_context("/report", base_url=f"http://h{host}.example"):
            assert f"h{host}.example" in receipt_page.receipt_page(Filed(case, "1" * 20, 0))
        assert len(kept) <= receipt_page.MOST_KEPT
