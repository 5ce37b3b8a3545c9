"""The receipt page, rendered once per day and shape and served with each report's own number and
receipt put in.

Two reports filed the same day, in the same language, with as many files, get receipt pages that
differ only in the case number and the receipt code: the dates on the page (received today, check
back by the first answer's deadline) are the same for both. Rendering the page through Jinja cost
a submission about 0.8 ms, so it is rendered once per such shape with placeholders where the two
go, kept on the app, and each report's page is a copy with its own number and receipt put in. The
receipt itself is never kept: only the page with the placeholder is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, render_template, request
from markupsafe import escape

from complaints import crypto
from complaints.i18n import current_language
from complaints.reporting.filing import Filed

# Unguessable, so no text of the page can contain them by chance; each replaced exactly once.
NUMBER = "number-" + crypto.random_token(24)
RECEIPT = "receipt-" + crypto.random_token(24)
# Pages kept per app: a day's few shapes (language × number of files); a new day's first receipt
# starts the store again, and a Host header that varies the address cannot grow it past this.
MOST_KEPT = 16
_STORE = "complaints.receipt_pages"
# What the page shows that the settings decide.
SHOWN_SETTINGS = (
    "MUNICIPALITY_NAME_TH",
    "MUNICIPALITY_NAME_EN",
    "LEGAL_UNIT_NAME_TH",
    "LEGAL_UNIT_NAME_EN",
    "PUBLIC_BASE_URL",
)


@dataclass(frozen=True)
class _Placeholders:
    """What the template reads of a filed report, with the number and the receipt left open."""

    files: int
    cleaned: int
    submitted_on: date
    check_back_by: date | None
    case_number: str = NUMBER
    formatted_receipt: str = RECEIPT


def _key(filed: Filed) -> tuple[Any, ...]:
    config = current_app.config
    settings = tuple(repr(config.get(name)) for name in SHOWN_SETTINGS)
    shape = (filed.files, filed.cleaned, filed.submitted_on, filed.check_back_by)
    return (current_language(), request.script_root, request.url_root, settings, shape)


def _placeholder_page(filed: Filed) -> str:
    shown = _Placeholders(filed.files, filed.cleaned, filed.submitted_on, filed.check_back_by)
    page = render_template("public/receipt.html", filed=shown)
    if page.count(NUMBER) != 1 or page.count(RECEIPT) != 1:  # the template changed shape
        raise RuntimeError("the receipt page must show the case number and the receipt exactly once")
    return page


def receipt_page(filed: Filed) -> str:
    """The receipt page of a report just filed, in this request's language."""
    pages: dict[tuple[Any, ...], str] = current_app.extensions.setdefault(_STORE, {})
    key = _key(filed)
    page = pages.get(key)
    if page is None:
        page = _placeholder_page(filed)
        if len(pages) >= MOST_KEPT:
            pages.clear()
        pages[key] = page
    number, receipt = str(escape(filed.case_number)), str(escape(filed.formatted_receipt))
    return page.replace(NUMBER, number, 1).replace(RECEIPT, receipt, 1)
