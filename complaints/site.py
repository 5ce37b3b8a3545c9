"""What every template knows about the installation: names, contacts and the menu."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, url_for
from markupsafe import Markup

from complaints.i18n import current_language
from complaints.i18n import lazy_gettext as _l
from complaints.poster import channel_address, short_address

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
        # A span the stylesheet keeps on one line: "0-2345-6789" must not break at its dashes.
        "phone": Markup('<span class="phone">{}</span>').format(config["CONTACT_PHONE"]),
        "public_links": [
            (endpoint, label) for endpoint, label in PUBLIC_LINKS if endpoint in current_app.view_functions
        ],
    }


def followup_address() -> str:
    """The follow-up page's address as people type it, for a receipt: ``PUBLIC_BASE_URL`` and the
    page's path, without the scheme, like the poster's (``report.example.go.th/follow-up``).

    While ``PUBLIC_BASE_URL`` is still the loopback default, the address this request came to.
    """
    root = channel_address(str(current_app.config["PUBLIC_BASE_URL"])) or request.url_root
    path = url_for("followup.login")[len(request.script_root) :]
    return short_address(root.rstrip("/") + path)


def breakable_address(address: str) -> Markup:
    """An address a narrow screen may break only before its path (``<wbr>``), never inside a word."""
    host, slash, path = address.partition("/")
    return Markup("{}<wbr>{}{}").format(host, slash, path) if slash else Markup("{}").format(host)


def init_app(app: Flask) -> None:
    """Expose ``site``, ``followup_address`` and the ``breakable_address`` filter to templates."""
    app.context_processor(lambda: {"site": _site()})
    app.jinja_env.globals["followup_address"] = followup_address
    app.jinja_env.filters["breakable_address"] = breakable_address
