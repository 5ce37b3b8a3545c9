"""The empty report form, rendered once per language and served with each visitor's own token.

Rendering the long form through Jinja costs a worker about 4 ms, most of a GET /report; yet two
visitors' empty forms differ only in their CSRF token. So the page is rendered once per language
and address with a placeholder where the token goes, kept on the app, and every visitor gets a
copy with their own token put in (the token is still made per visitor, as before, and the session
cookie set). A form that comes back — with errors, typed text or a notice — is always rendered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from complaints import crypto
from complaints.i18n import current_language

# Unguessable, so no text of the page can contain it by chance; replaced exactly once.
PLACEHOLDER = "token-" + crypto.random_token(24)
# Pages kept per app: two languages × the few addresses the app is mounted at. A proxy header
# that varies the mount point cannot grow the store past this; such pages are just rendered.
MOST_KEPT = 8
_STORE = "complaints.report_form_pages"
# What the page shows that the settings decide; a test that changes one of them gets a new page.
SHOWN_SETTINGS = (
    "MUNICIPALITY_NAME_TH",
    "MUNICIPALITY_NAME_EN",
    "LEGAL_UNIT_NAME_TH",
    "LEGAL_UNIT_NAME_EN",
    "CONTACT_PHONE",
    "CATEGORIES",
    "DEPARTMENTS",
    "MIN_DESCRIPTION_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_CONTENT_LENGTH",
)


def _key() -> tuple[Any, ...]:
    config = current_app.config
    settings = tuple(repr(config.get(name)) for name in SHOWN_SETTINGS)
    return (current_language(), request.script_root, settings)


def _placeholder_page(new_form: Callable[[], Any]) -> str:
    form = new_form()
    form.csrf_token.current_token = PLACEHOLDER
    page = render_template("public/report.html", form=form, files_dropped=False)
    if page.count(PLACEHOLDER) != 1:  # the template changed shape: never serve a wrong token
        raise RuntimeError("the report form must hold its CSRF token exactly once")
    return page


def empty_report_form(new_form: Callable[[], Any]) -> str:
    """The empty form page of this request's language, with this visitor's CSRF token.

    ``new_form`` builds the form (only on the first visit per language, or for an address
    with a query string, which is rendered in full like any other page).
    """
    if request.query_string:
        return render_template("public/report.html", form=new_form(), files_dropped=False)
    pages: dict[tuple[Any, ...], str] = current_app.extensions.setdefault(_STORE, {})
    key = _key()
    page = pages.get(key)
    if page is None:
        page = _placeholder_page(new_form)
        if len(pages) < MOST_KEPT:
            pages[key] = page
    return page.replace(PLACEHOLDER, str(escape(generate_csrf())))
