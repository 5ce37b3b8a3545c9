"""The report form coming back after a refusal, with everything typed and what to change.

Too much sent (413), too many attempts (429) or an expired form (400): the citizen sees the
form again, not a dead end. Files are never kept from a refused form (the page says to choose
them again); the text is, read from the parsed form or, when the body was refused before it was
parsed, from its first part (:mod:`complaints.reporting.salvage`). Text is shown back only to a
POST from this site's own form page (:func:`security.posted_from_our_pages`).
"""

from __future__ import annotations

from flask import g, render_template, request, session
from werkzeug.exceptions import HTTPException

from complaints.errors import error_headers
from complaints.public.forms import ReportForm
from complaints.reporting import evidence, salvage
from complaints.security import minutes_until_retry

TOO_LARGE = 413
TOO_MANY = 429
EXPIRED = 400
TEMPLATE = "public/report.html"


def _checked(form: ReportForm) -> ReportForm:
    """Run the field checks, so every other mistake shows now too (the token is not one of them)."""
    form.validate()
    form.csrf_token.errors = []
    return form


def files_refused(form: ReportForm, refused: evidence.RefusedFiles) -> tuple[str, int]:
    """A file over the size limit, or more files than allowed: the text back, the files named."""
    _checked(form)
    form.attachments.errors = evidence.refusal_messages(refused)
    return render_template(TEMPLATE, form=form, refusal="files"), TOO_LARGE


def too_much_sent() -> tuple[str, int]:
    """More than ``MAX_CONTENT_LENGTH`` in all: the text read back from the start of the body."""
    fields, refused = evidence.read_back_too_large(request.environ, request.content_length or 0)
    form = _checked(ReportForm(formdata=fields))
    form.attachments.errors = evidence.refusal_messages(refused)
    return render_template(TEMPLATE, form=form, refusal="files"), TOO_LARGE


def too_many_attempts(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    """Over the hourly limit, refused before the body was read: the text is read back from it."""
    salvaged = salvage.salvage_form(request.environ)
    form = ReportForm(formdata=salvaged.fields)
    page = render_template(
        TEMPLATE,
        form=form,
        refusal="too_many",
        minutes=minutes_until_retry(error),
        files_dropped=bool(salvaged.files),
    )
    return page, TOO_MANY, error_headers(error)


def expired() -> tuple[str, int]:
    """The form's token expired (or the cookie was lost): a fresh session and token, the text kept."""
    session.clear()
    g.pop("csrf_token", None)  # the token made for the old session, if any
    form = _checked(ReportForm())
    files_dropped = evidence.any_file_sent(form.attachments.data or [])
    page = render_template(TEMPLATE, form=form, refusal="expired", files_dropped=files_dropped)
    return page, EXPIRED
