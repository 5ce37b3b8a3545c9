"""``/poster`` and ``/poster.pdf``: the channel's A4 poster, in Thai with English below."""

from __future__ import annotations

from flask import Response, current_app, render_template
from flask.typing import ResponseReturnValue

from complaints import poster, settings
from complaints.public import blueprint


def _texts() -> tuple[poster.PosterText, poster.PosterText]:
    config = current_app.config
    categories = settings.categories()
    return (
        poster.texts("th", str(config["MUNICIPALITY_NAME_TH"]), str(config["CONTACT_PHONE"]), categories),
        poster.texts("en", str(config["MUNICIPALITY_NAME_EN"]), str(config["CONTACT_PHONE"]), categories),
    )


@blueprint.get("/poster")
def poster_page() -> str:
    address = poster.channel_address(str(current_app.config["PUBLIC_BASE_URL"]))
    thai, english = _texts()
    return render_template(
        "public/poster.html",
        address=address,
        short_address=poster.short_address(address) if address else None,
        qr=poster.qr_svg(address) if address else None,
        languages=(thai, english),
    )


@blueprint.get("/poster.pdf")
def poster_pdf() -> ResponseReturnValue:
    address = poster.channel_address(str(current_app.config["PUBLIC_BASE_URL"]))
    if address is None:
        return poster_page(), 409
    thai, english = _texts()
    response = Response(poster.pdf(address, thai, english), mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="poster.pdf"'
    return response
