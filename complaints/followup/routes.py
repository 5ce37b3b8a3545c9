"""Views of the `followup` blueprint: log in with the receipt, then status, messages, evidence."""

from __future__ import annotations

import contextlib
from typing import cast

from flask import current_app, redirect, render_template, request, session, url_for
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests
from werkzeug.wrappers import Response

from complaints import cases, dates, db, errors, notifications, security, settings
from complaints import labels as shared_labels
from complaints.followup import blueprint, service, sessions
from complaints.followup.forms import (
    EvidenceForm,
    LogoutForm,
    ReceiptForm,
    ReplyForm,
    RetaliationForm,
    ShareIdentityForm,
)
from complaints.i18n import gettext as _
from complaints.public import labels
from complaints.reporting import evidence as reporting_evidence
from complaints.reporting import filing, salvage
from complaints.security import csrf_exempt, limit_value, limiter, reporter_session_key

COOKIE = "reporter"
# A one-time notice for the case page after an action (Post/Redirect/Get): a code, never content.
NOTICE = "notice"
INVALID = 422
SEE_OTHER = 303
TOO_LARGE = 413
# The reporter's forms that carry text to give back when a limit refuses them.
TEXT_FORMS = {
    "followup.reply": "reply_form",
    "followup.evidence": "evidence_form",
    "followup.report_retaliation": "retaliation_form",
}


def _done(response: Response) -> bool:
    """An action done redirects to the case page; only then does it spend the hourly limit."""
    return response.status_code == SEE_OTHER


def reporter_limits(view: security.ViewFunction) -> security.ViewFunction:
    """The reporter's actions: done ones spend ``RATELIMIT_REPORTER_ACTIONS``; every POST counts
    in the larger ``RATELIMIT_REPORTER_POSTS`` (mistakes corrected cost little, floods stay bounded)."""
    done = limiter.limit(
        limit_value("RATELIMIT_REPORTER_ACTIONS"),
        key_func=reporter_session_key,
        deduct_when=_done,
        scope="done",
    )
    posts = limiter.limit(
        limit_value("RATELIMIT_REPORTER_POSTS"), key_func=reporter_session_key, scope="posts"
    )
    return cast(security.ViewFunction, posts(done(view)))


def _open_case() -> sessions.OpenCase:
    """The case of this browser's session, or :class:`sessions.SessionEnded`."""
    if COOKIE not in session:
        raise sessions.SessionEnded
    cookie = sessions.SessionCookie.from_cookie(session[COOKIE])
    store, now = db.session(), dates.utcnow()
    # Lapsed sessions of other reporters go too: a row left behind says when a case was viewed.
    sessions.purge_idle(store, now, settings.reporter_idle())
    opened = sessions.resume(store, cookie, now, settings.reporter_idle())
    store.commit()
    return opened


@blueprint.errorhandler(sessions.SessionEnded)
def session_ended(_error: sessions.SessionEnded) -> Response | tuple[str, int]:
    """Back to the receipt page; if a session just lapsed, say so and give back unsent text."""
    db.session().commit()  # an expired session's row was deleted
    had_session = session.pop(COOKIE, None) is not None
    if not had_session and request.method == "GET":
        return redirect(url_for("followup.login"))
    unsent = request.form.get("body", "") or request.form.get("note", "")
    return render_template(
        "followup/login.html", form=ReceiptForm(formdata=None), ended=True, unsent=unsent
    ), 401


@blueprint.route("", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    """The receipt form; every wrong receipt gets the same answer."""
    if request.method == "GET" and COOKIE in session:
        return redirect(url_for("followup.case"))  # already open in this browser
    form = ReceiptForm()
    if not form.validate_on_submit():
        return render_template("followup/login.html", form=form), INVALID if request.method == "POST" else 200
    wait = security.spend_accepted_form()  # every look-up counts, found or not; an empty form does not
    if wait is not None:
        raise TooManyRequests(retry_after=wait)
    store = db.session()
    try:
        cookie = sessions.log_in(store, form.receipt.data, settings.lookup_secret(), dates.utcnow())
    except cases.CaseNotFound:
        form.receipt.errors = [
            _("We could not find a report with this receipt code. Check the 20 digits and try again.")
        ]
        return render_template("followup/login.html", form=form), INVALID
    if COOKIE in session:  # logging in again replaces the session this browser had
        with contextlib.suppress(sessions.SessionEnded):
            sessions.end(store, sessions.SessionCookie.from_cookie(session[COOKIE]))
    sessions.purge_idle(store, dates.utcnow(), settings.reporter_idle())
    store.commit()
    session.clear()  # a fresh session: nothing carried over from before the login
    session[COOKIE] = cookie.to_cookie()
    return redirect(url_for("followup.case"))


@blueprint.get("/case")
def case() -> str:
    """Status, dates, messages, files and the reporter's own report."""
    opened = _open_case()
    return _render_case(opened, notice=str(session.pop(NOTICE, "")))


def _back_to_case(notice: str) -> Response:
    """Post/Redirect/Get: the case page shows ``notice`` once, and a reload sends nothing again."""
    session[NOTICE] = notice
    return redirect(url_for("followup.case"), code=SEE_OTHER)


def _render_case(
    opened: sessions.OpenCase,
    reply_form: ReplyForm | None = None,
    evidence_form: EvidenceForm | None = None,
    share_form: ShareIdentityForm | None = None,
    notice: str = "",
    retaliation_form: RetaliationForm | None = None,
    wait_minutes: int | None = None,
) -> str:
    view = service.reporter_view(db.session(), opened, settings.deadline_days())
    return render_template(
        "followup/case.html",
        view=view,
        labels=labels,
        reveal_reason_label=lambda code: shared_labels.label(shared_labels.REVEAL_REASON_LABELS, code),
        reply_form=reply_form or ReplyForm(formdata=None),
        evidence_form=evidence_form or EvidenceForm(formdata=None),
        share_form=share_form or ShareIdentityForm(formdata=None),
        retaliation_form=retaliation_form or RetaliationForm(formdata=None),
        logout_form=LogoutForm(formdata=None),
        notice=notice,
        wait_minutes=wait_minutes,
        idle_minutes=current_app.config["REPORTER_IDLE_MINUTES"],
    )


@blueprint.errorhandler(TooManyRequests)
def too_many_attempts(error: TooManyRequests) -> tuple[str, int, dict[str, str]]:
    """Over a limit: a reporter's message, account or note comes back on the case page, with the wait."""
    form_name = TEXT_FORMS.get(request.endpoint or "")
    opened = _case_if_open() if form_name and request.method == "POST" else None
    if form_name is None or opened is None:
        return errors.render_http_error(error)
    forms = {"reply_form": ReplyForm, "evidence_form": EvidenceForm, "retaliation_form": RetaliationForm}
    form = forms[form_name](formdata=salvage.typed_fields(request))
    minutes = security.minutes_until_retry(error)
    page = _render_case(opened, notice="too_many", wait_minutes=minutes, **{form_name: form})
    return page, error.code or 429, errors.error_headers(error)


@blueprint.errorhandler(RequestEntityTooLarge)
def too_much_sent(error: RequestEntityTooLarge) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    """More evidence than one request may carry: the note comes back, the files are named."""
    opened = _case_if_open() if request.endpoint == "followup.evidence" else None
    if opened is None or not salvage.declared_too_large(request.environ, request.max_content_length):
        return errors.render_http_error(error)
    fields, refused = reporting_evidence.read_back_too_large(request.environ, request.content_length or 0)
    form = EvidenceForm(formdata=fields)
    form.attachments.errors = reporting_evidence.refusal_messages(refused)
    return _render_case(opened, evidence_form=form, notice="files_dropped"), TOO_LARGE


def _case_if_open() -> sessions.OpenCase | None:
    try:
        return _open_case()
    except sessions.SessionEnded:
        return None


def _tell_the_officer(opened: sessions.OpenCase) -> None:
    """A content-free e-mail to the case's officer (or the unit), after the commit."""
    notifications.notify_reporter_message(settings.app(), opened.case.id)


@blueprint.post("/reply")
@reporter_limits
def reply() -> Response | tuple[str, int]:
    """Send a message to the officer."""
    opened = _open_case()
    form = ReplyForm()
    if not form.validate_on_submit():
        return _render_case(opened, reply_form=form), INVALID
    service.reply(db.session(), opened, form.body.data, dates.today())
    db.session().commit()
    _tell_the_officer(opened)
    return _back_to_case("message_sent")


FILES_NOT_STORED = 503


@blueprint.post("/evidence")
def evidence() -> Response | tuple[str, int]:
    """Add evidence files (encrypted while they stream in)."""
    opened = _open_case()
    form = EvidenceForm()
    refused = reporting_evidence.refused_files(form.attachments.data or [])
    if refused is not None:  # too big or too many: the note comes back, the files are named
        form.validate()
        form.attachments.errors = reporting_evidence.refusal_messages(refused)
        return _render_case(opened, evidence_form=form, notice="files_dropped"), TOO_LARGE
    sent = reporting_evidence.any_file_sent(form.attachments.data or [])
    valid = form.validate_on_submit()
    if valid and not sent:
        form.attachments.errors = [_("Choose at least one file to send.")]
        valid = False
    if not valid:
        return _render_case(opened, evidence_form=form, notice="files_dropped" if sent else ""), INVALID
    if reporting_evidence.disk_refused(form.attachments.data or []):
        return _render_case(opened, evidence_form=form, notice="files_not_stored"), FILES_NOT_STORED
    files = reporting_evidence.evidence_from(form.attachments.data or [])
    try:
        filing.add_evidence(
            db.session(), opened.case, opened.keys.content, files, form.note.data or "", dates.today()
        )
    except OSError:  # nothing was kept: not the files, not the note, not the audit entry
        return _render_case(opened, evidence_form=form, notice="files_not_stored"), FILES_NOT_STORED
    security.spend_accepted_form()  # only evidence really added spends the hourly limit
    _tell_the_officer(opened)
    return _back_to_case("evidence_added")


@blueprint.post("/share-identity")
@reporter_limits
def share_identity() -> Response | tuple[str, int]:
    """The reporter agrees to let the officer handling the report see their identity."""
    opened = _open_case()
    form = ShareIdentityForm()
    if not form.validate_on_submit():
        return _render_case(opened, share_form=form), INVALID
    try:
        service.share_identity(db.session(), opened)
    except cases.NoIdentityToShare:
        return _render_case(opened), INVALID
    db.session().commit()
    return _back_to_case("identity_shared")


@blueprint.post("/retaliation")
@reporter_limits
def report_retaliation() -> Response | tuple[str, int]:
    """The reporter suffers retaliation: the legal unit must refer it to the NACC within 15 days."""
    opened = _open_case()
    form = RetaliationForm()
    if not form.validate_on_submit():
        return _render_case(opened, retaliation_form=form), INVALID
    service.report_retaliation(db.session(), opened, form.account.data, dates.today(), settings.calendar())
    db.session().commit()
    _tell_the_officer(opened)
    return _back_to_case("retaliation_reported")


@blueprint.post("/logout")
@csrf_exempt  # a forged logout harms no one; a refused one would leave the server half alive
def logout() -> str:
    """Delete the server half of the session and the cookie."""
    if COOKIE in session:
        with contextlib.suppress(sessions.SessionEnded):  # a damaged cookie: nothing to delete
            sessions.end(db.session(), sessions.SessionCookie.from_cookie(session[COOKIE]))
        db.session().commit()
    session.clear()
    return render_template("followup/ended.html")
