"""Views of the public blueprint: thin, each renders a template or calls a service."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request
from sqlalchemy import text
from werkzeug.wrappers import Response

from complaints import db
from complaints.i18n import LANGUAGE_COOKIE
from complaints.public import blueprint


@blueprint.get("/")
def landing() -> str:
    return render_template("public/landing.html")


@blueprint.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Liveness and database reachability; says nothing else about the installation."""
    try:
        db.session().execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means not healthy
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200


@blueprint.get("/lang/<code>")
def choose_language(code: str) -> Response:
    """Switch language without JavaScript: a cookie, then back to the same page."""
    target = request.args.get("next", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = redirect(target)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Strict",
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        )
    return response
