"""Views of the public blueprint: thin, each renders a template or calls a service."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests
from werkzeug.wrappers import Response

from complaints import dates, db, errors, notifications, outages, security, settings
from complaints.i18n import LANGUAGE_COOKIE
from complaints.public import blueprint, form_page, labels, receipt_page, refused
from complaints.public.forms import ReportForm
from complaints.reporting import evidence, filing, salvage

INVALID = 422
ALREADY_SENT = 409
INSUFFICIENT_STORAGE = 507
# The Flask session key holding the digest of the last form filed from this browser.
SPENT_FORM = "spent_form"


@blueprint.get("/")
def landing() -> str:
    return render_template(
        "public/landing.html",
        categories=[
            (code, labels.category_label(code), labels.CATEGORY_EXAMPLES.get(code))
            for code in settings.categories()
        ],
    )


@blueprint.get("/protection")
def protection() -> str:
    """มาตรการคุ้มครองผู้แจ้งเบาะแส: how the reporter is protected."""
    return render_template("public/protection.html")


@blueprint.get("/guideline")
def guideline() -> str:
    """The ITA guideline: how to complain, the steps, the unit, the times, the other channels."""
    return render_template(
        "public/guideline.html",
        channels=labels.EXTERNAL_CHANNELS,
        ita_code=_current_ita_code(),
        fiscal_year=dates.fiscal_year_of(dates.today()),
    )


def _current_ita_code() -> str:
    codes: dict[str, str] = current_app.config.get("ITA_ITEM_CODES", {}) or {}
    return codes.get(str(dates.fiscal_year_of(dates.today())), "")


@blueprint.route("/report", methods=["GET", "POST"])
def report() -> tuple[str, int]:
    """The form; a valid POST files the report and answers with the receipt page directly."""
    if request.method != "POST":  # GET or HEAD
        return form_page.empty_report_form(ReportForm), 200
    form = ReportForm()
    if evidence.disk_refused(form.attachments.data or []):
        return render_template("public/report.html", form=form, outage="disk"), INSUFFICIENT_STORAGE
    too_much = evidence.refused_files(form.attachments.data or [])
    if too_much is not None:
        return refused.files_refused(form, too_much)
    if not form.validate_on_submit():
        files_dropped = evidence.any_file_sent(form.attachments.data or [])
        return render_template("public/report.html", form=form, files_dropped=files_dropped), INVALID
    today = dates.today()
    try:
        filed = filing.file_report(
            db.session(),
            filing.submission_from(form.data),
            evidence.evidence_from(form.attachments.data or []),
            filing.Arrival(channel=filing.ONLINE, received_on=today, acknowledged_on=today),
            settings.lookup_secret(),
            settings.deadline_days(),
        )
    except OSError:  # a file could not be put in place: nothing was kept (commit_with_files)
        current_app.logger.warning("report withdrawn: an evidence file could not be stored")
        return render_template("public/report.html", form=form, outage="storage"), 503
    security.spend_accepted_form()  # only an accepted report spends the hourly limit
    notifications.notify_new_report(settings.app())
    _spend_the_form()
    return receipt_page.receipt_page(filed), 200


def _spend_the_form() -> None:
    """Invalidate the form's CSRF token and keep only its digest, so a reload cannot file twice."""
    spent = filing.spent_form_digest(request.form.get("csrf_token", ""))
    # Clearing the session drops the CSRF token; nothing of the report itself stays in the cookie.
    session.clear()
    session[SPENT_FORM] = spent


@blueprint.errorhandler(OperationalError)
@blueprint.errorhandler(InterfaceError)
def database_unavailable(_error: Exception) -> tuple[str, int, dict[str, str]]:
    """The database is down: the form comes back with everything typed (files must be added again)."""
    db.session().rollback()
    headers = {"Retry-After": str(outages.RETRY_AFTER_SECONDS)}
    if request.endpoint == "public.report" and request.method == "POST":
        return render_template("public/report.html", form=ReportForm(), outage="database"), 503, headers
    return outages.unavailable_page(), 503, headers


def _report_posted_here() -> bool:
    """A POST of the report form from this site's own form page: its text may be shown back."""
    posted = request.endpoint == "public.report" and request.method == "POST"
    return posted and security.posted_from_our_pages()


@blueprint.errorhandler(CSRFError)
def form_refused(error: CSRFError) -> tuple[str, int]:
    """A reload of the receipt page re-posts the spent form: say it was sent, not that it expired.
    Any other refused report form comes back with its text and a fresh token."""
    remembered = session.get(SPENT_FORM)
    if filing.is_resubmission(request.form.get("csrf_token", ""), remembered):
        session.clear()
        session[SPENT_FORM] = remembered  # a second reload gets the same answer
        return render_template("public/already_sent.html"), ALREADY_SENT
    if _report_posted_here():
        return refused.expired()
    return errors.render_csrf_error(error)


@blueprint.errorhandler(TooManyRequests)
def too_many_attempts(error: TooManyRequests) -> tuple[str, int, dict[str, str]]:
    """Over the hourly limit: the report form comes back with its text and the wait."""
    if _report_posted_here():
        return refused.too_many_attempts(error)
    return errors.render_http_error(error)


@blueprint.errorhandler(RequestEntityTooLarge)
def too_much_sent(error: RequestEntityTooLarge) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    """More than the request limit in all: the report form comes back with its text."""
    if _report_posted_here() and salvage.declared_too_large(request.environ, request.max_content_length):
        return refused.too_much_sent()
    return errors.render_http_error(error)


@blueprint.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Liveness and database reachability; says nothing else about the installation."""
    try:
        db.session().execute(text("SELECT 1"))
    except Exception:  # any database failure means not healthy
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200


@blueprint.get("/readyz")
def readyz() -> tuple[dict[str, str], int]:
    """Readiness for a load balancer: the database, the rate-limit storage and the upload folder."""
    checks = outages.readiness()
    return checks, 200 if all(state == "ok" for state in checks.values()) else 503


@blueprint.get("/lang/<code>")
def choose_language(code: str) -> Response:
    """Switch language without JavaScript: a cookie, then back to the same page."""
    target = request.args.get("next", "/")
    parts = urlsplit(target)
    unsafe = not target.isprintable() or "\\" in target  # a newline would split the header
    if unsafe or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = redirect(target)
    if code in current_app.config["LANGUAGES"]:
        # A browser-session cookie: a long-lived one would show, months later, that this phone
        # visited the whistleblower channel.
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            httponly=True,
            samesite="Strict",
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        )
    return response


ROBOTS = """User-agent: *
Disallow: /follow-up
Disallow: /staff/
Disallow: /admin/
Disallow: /lang/
Allow: /
"""


@blueprint.get("/robots.txt")
def robots() -> Response:
    """Search engines may find the channel, the protection, the guideline, the statistics and the
    poster; the follow-up and the workspace are not for them (the form and receipt say noindex)."""
    return Response(ROBOTS, mimetype="text/plain")


@blueprint.get("/favicon.ico")
def favicon() -> Response:
    """Browsers that ask for the old name get the SVG icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)
