"""What every template knows about the installation: names, contacts and the menu."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from complaints.i18n import current_language

PUBLIC_LINKS = (
    ("public.report", _l("Make a report")),
    ("followup.login", _l("Follow up a report")),
    ("public.protection", _l("How you are protected")),
    ("public.guideline", _l("How reports are handled")),
    ("public.statistics", _l("Statistics")),
    ("public.poster_page", _l("Poster")),
)


def _site() -> dict[str, Any]:
    config = current_app.config
    thai = current_language() == "th"
    return {
        "municipality": config["MUNICIPALITY_NAME_TH" if thai else "MUNICIPALITY_NAME_EN"],
        "legal_unit": config["LEGAL_UNIT_NAME_TH" if thai else "LEGAL_UNIT_NAME_EN"],
        "phone": config["CONTACT_PHONE"],
        "public_links": [
            (endpoint, label) for endpoint, label in PUBLIC_LINKS if endpoint in current_app.view_functions
        ],
    }


def init_app(app: Flask) -> None:
    """Expose ``site`` to templates."""
    app.context_processor(lambda: {"site": _site()})
