"""Error pages: every error is a clear page in the reader's language, never a stack trace."""

from __future__ import annotations

import contextlib

from flask import Flask, current_app, render_template, request, session
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestTimeout

from complaints import db, outages
from complaints.security import minutes_until_retry, retry_after_seconds
from complaints.slowclients import BodyTooSlow
from complaints.storage import DISK_FULL

KNOWN_PAGES = {400, 403, 404, 405, 413, 429, 500, 503}


def error_headers(error: HTTPException) -> dict[str, str]:
    """The headers the error itself calls for (``Allow`` on a 405, ``Retry-After`` on a 429 or 503),
    kept when the page is rendered here instead of by Werkzeug."""
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    if error.code == 429 and "Retry-After" not in headers:
        seconds = retry_after_seconds(error)
        if seconds is not None:
            headers["Retry-After"] = str(seconds)
    return headers


def render_http_error(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    code = error.code or 500
    template_code = code if code in KNOWN_PAGES else 500 if code >= 500 else 400
    reason = error.description if code == 413 and isinstance(error.description, str) else ""
    minutes = minutes_until_retry(error) if code == 429 else None
    """The error's page in the reader's language, with the headers the error calls for."""
    page = render_template(f"errors/{template_code}.html", reason=reason, minutes=minutes)
    return page, code, error_headers(error)


def render_csrf_error(_error: CSRFError) -> tuple[str, int]:
    # An expired or missing token: start a fresh session rather than trust the old one.
    session.clear()
    return render_template("errors/csrf.html"), 400


def _render_unexpected(error: Exception) -> tuple[str, int]:
    # The traceback is for the operator; the request's path, form and headers are not logged.
    original = getattr(error, "original_exception", None) or error
    current_app.logger.error(
        "unhandled %s in %s", type(original).__name__, request.endpoint, exc_info=original
    )
    return render_template("errors/500.html", reason=""), 500


def _unavailable(_error: Exception) -> tuple[str, int, dict[str, str]]:
    """The database (or the disk) refused: a 503 that says so, never a stack trace or a 500."""
    current_app.logger.warning("service unavailable: %s in %s", type(_error).__name__, request.endpoint)
    with contextlib.suppress(Exception):
        db.session().rollback()
    return outages.unavailable_page(), 503, {"Retry-After": str(outages.RETRY_AFTER_SECONDS)}


def _disk_error(error: OSError) -> tuple[str, int, dict[str, str]]:
    if error.errno not in DISK_FULL:
        raise error
    return _unavailable(error)


def _body_too_slow(_error: BodyTooSlow) -> tuple[str, int, dict[str, str]]:
    return render_http_error(RequestTimeout())


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(BodyTooSlow, _body_too_slow)
    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(InternalServerError, _render_unexpected)
    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(InterfaceError, _unavailable)
    app.register_error_handler(OSError, _disk_error)
    if not app.testing:
        app.register_error_handler(Exception, _render_unexpected)
