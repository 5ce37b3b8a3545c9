"""The empty report form is rendered once per language and served with each visitor's own token."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient

from complaints.public import form_page
from complaints.public.forms import ReportForm
from tests.conftest import csrf_token_from, receipt_from, report_fields

STORE = "complaints.report_form_pages"


def _fresh_render(app: Flask, token: str, language: str = "th", path: str = "/report") -> str:
    """The page as the template renders it from scratch, holding ``token``."""
    headers = {"Cookie": f"lang={language}"}
    with app.test_request_context(path, headers=headers):
        form = ReportForm()
        form.csrf_token.current_token = token
        return render_template("public/report.html", form=form, files_dropped=False)


def test_each_visitor_gets_an_own_token_on_the_same_page(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    pages = [first.get("/report").text, second.get("/report").text]
    tokens = [csrf_token_from(page) for page in pages]
    assert tokens[0] != tokens[1]
    assert pages[0].replace(tokens[0], "T") == pages[1].replace(tokens[1], "T")
    for page in pages:
        assert form_page.PLACEHOLDER not in page


def test_the_kept_page_is_exactly_what_the_template_renders(app: Flask, client: FlaskClient) -> None:
    client.get("/report")  # the first visit renders and keeps the page
    kept = client.get("/report").text
    assert kept == _fresh_render(app, csrf_token_from(kept))


def test_every_kept_token_files_a_report(app: Flask) -> None:
    for _ in range(3):
        browser = app.test_client()
        token = csrf_token_from(browser.get("/report").text)
        answer = browser.post(
            "/report", data={"csrf_token": token, **report_fields()}, content_type="multipart/form-data"
        )
        assert answer.status_code == 200
        assert receipt_from(answer.text)


def test_a_token_of_another_browser_is_refused(app: Flask) -> None:
    theirs = csrf_token_from(app.test_client().get("/report").text)
    mine = app.test_client()
    mine.get("/report")
    answer = mine.post(
        "/report", data={"csrf_token": theirs, **report_fields()}, content_type="multipart/form-data"
    )
    assert answer.status_code != 200 or "receipt" not in answer.text


def test_each_language_has_its_own_page(app: Flask) -> None:
    thai = app.test_client().get("/report").text
    english_browser = app.test_client()
    english_browser.set_cookie("lang", "en")
    english = english_browser.get("/report").text
    assert 'lang="th"' in thai
    assert "Send report" not in thai
    assert 'lang="en"' in english
    assert "Send report" in english
    assert english == _fresh_render(app, csrf_token_from(english), language="en")
    assert app.test_client().get("/report").text.count('lang="th"') == thai.count('lang="th"')


def test_a_changed_setting_shows_on_the_next_visit(app: Flask, client: FlaskClient) -> None:
    client.get("/report")
    app.config["MUNICIPALITY_NAME_TH"] = "เทศบาลตำบลทดลองใหม่"
    assert "เทศบาลตำบลทดลองใหม่" in client.get("/report").text


def test_an_address_with_a_query_is_rendered_not_kept(app: Flask, client: FlaskClient) -> None:
    page = client.get("/report?from=poster").text
    assert "from%3Dposter" in page or "from=poster" in page  # the language link keeps the query
    assert page == _fresh_render(app, csrf_token_from(page), path="/report?from=poster")
    assert not app.extensions.get(STORE)


def test_mount_points_cannot_grow_the_store_past_its_bound(app: Flask) -> None:
    for n in range(form_page.MOST_KEPT + 5):
        page = app.test_client().get("/report", base_url=f"http://localhost/m{n}/").text
        assert f'action="/m{n}/report"' in page
    assert len(app.extensions[STORE]) == form_page.MOST_KEPT


def test_head_answers_like_get(client: FlaskClient) -> None:
    assert client.head("/report").status_code == 200


def test_a_page_that_would_hold_the_token_twice_is_never_served(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def twice(*_args: Any, **_kwargs: Any) -> str:
        return form_page.PLACEHOLDER * 2

    monkeypatch.setattr(form_page, "render_template", twice)
    with app.test_request_context("/report"), pytest.raises(RuntimeError):
        form_page.empty_report_form(ReportForm)
