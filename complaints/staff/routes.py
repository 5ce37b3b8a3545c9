"""Views of the `staff` blueprint: log-in, password, the triage queue, offline intake, key access.

The case page and its actions are in :mod:`complaints.staff.case_routes`.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from complaints import audit, cli, crypto, db, keys
from complaints.cases import EvidenceFile, ReportContent, ReporterIdentity
from complaints.dates import today, utcnow
from complaints.models import StaffUser
from complaints.numbers import whole_number
from complaints.public.labels import category_choices, department_choices
from complaints.security import anonymous_rate_key, csrf_exempt, limit_value, limiter
from complaints.staff import auth, blueprint, casework, evidence, grants, intake, labels, queue, throttle
from complaints.staff.auth import HANDLER_ROLES, LEGAL_ROLES, current_staff, requires_roles, staff
from complaints.staff.forms import (
    GrantForm,
    IntakeForm,
    LoginForm,
    PasswordForm,
    QueueFilterForm,
    choices,
)
from complaints.storage import EncryptedUpload

REFUSALS: dict[str, Any] = {
    "not_handler": _l("Only legal officers and legal leads can do this."),
    "lead_only": _l("Only a legal lead can do this."),
    "custodian_only": _l("Only the identity custodian can do this."),
    "not_assignable": _l("That person cannot handle this case."),
    "not_excludable": _l("That account cannot be excluded from this case."),
    "last_reader": _l(
        "Nobody who holds the legal unit key would be left to see this case. Grant the key to "
        "another colleague first, then try again."
    ),
    "own_exclusion": _l("Nobody can lift their own exclusion: another legal lead must decide it."),
    "not_excluded": _l("That account is not excluded from this case."),
    "lift_reason": _l("Choose one of the listed options."),
    "no_identity": _l("The reporter gave no identity for this case."),
    "not_case_handler": _l("Only the officer handling this case or a legal lead can ask for the identity."),
    "reveal_pending": _l("You have already asked; the request is waiting for the identity custodian."),
    "reveal_granted": _l("The identity has already been disclosed to you."),
    "reveal_decided": _l("This request has already been decided."),
    "own_reveal": _l("You cannot decide your own request: another identity custodian must."),
    "requester_unavailable": _l(
        "The person who asked can no longer see this case, so the identity cannot be given to them."
    ),
    "no_custodian_key": _l(
        "You do not hold the custodian key. Ask the identity custodian to grant it to you."
    ),
    "step_not_allowed": _l("This step is not possible from the case's current status."),
    "step_date": _l("The date must be between the day the report arrived and today."),
    "step_detail": _l("Choose one of the listed options."),
    "intake_channel": _l("Choose how the report arrived."),
    "intake_date": _l("The date received cannot be in the future."),
}
GRANT_REFUSALS: dict[str, Any] = {
    "not_holder": _l("You cannot pass on a key you do not hold."),
    "not_eligible": _l("That account may not hold this key."),
    "must_change_password": _l(
        "That person must first log in and set their own password; then grant the key again."
    ),
}
PASSWORD_REFUSALS: dict[str, Any] = {
    "wrong_current": _l("The current password is not correct."),
    "unchanged": _l("Choose a password different from the current one."),
    "is_username": _l("The password must not be your username."),
}


@blueprint.before_request
def load_staff_session() -> None:
    """Find the staff session the cookie names; say so when it has expired."""
    if request.endpoint == "staff.logout":
        return  # log-out deletes whatever the cookie names, alive or not, without opening it
    database = db.session()
    if not auth.load_current_staff(database, utcnow()):
        flash(_("Your session has ended. Please log in again."), "info")
    database.commit()


@blueprint.context_processor
def staff_template_helpers() -> dict[str, Any]:
    context = current_staff()
    roles = context.user.role_set if context else frozenset()
    return {
        **labels.template_helpers(),
        "staff_user": context.user if context else None,
        "is_lead": "lead" in roles,
        "is_handler": bool(roles & HANDLER_ROLES),
        "is_legal": bool(roles & LEGAL_ROLES),
        "is_admin": "admin" in roles,
        "may_grant": bool(roles & {"lead", "custodian"}),
        "is_custodian": "custodian" in roles,
    }


# --- log-in and passwords -----------------------------------------------------------------------


@blueprint.route("/login", methods=["GET", "POST"])
# Per client (the transient hashed address) so that many usernames from one place cannot make
# the server run Argon2id without end; the per-username limit is counted in the view.
@limiter.limit(limit_value("RATELIMIT_STAFF_LOGIN_PER_CLIENT"), key_func=anonymous_rate_key, methods=["POST"])
def login() -> ResponseReturnValue:
    context = current_staff()
    if context is not None and request.method == "GET":
        return redirect(url_for(auth.home_endpoint(context.user)))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = auth.safe_next(request.args.get("next"))
    error, status = None, 200
    if form.validate_on_submit():
        wait = throttle.username_wait_minutes(form.username.data)
        if wait is not None:
            error, status = _username_throttled(wait), 429
        else:
            outcome = _attempt_login(form)
            if isinstance(outcome, auth.StartedSession):
                return redirect(_after_login(outcome.user, form.next.data))
            error, status = outcome, 400
    elif request.method == "POST":
        error, status = _("Enter your username, password and the six-digit code."), 400
    return render_template("staff/login.html", form=form, error=error), status


def _username_throttled(minutes: int) -> str:
    """The lock-out notice; it comes from the per-username limit, so unknown names get it too."""
    return str(
        _(
            "Too many log-in attempts for this username. Wait %(minutes)s minutes and try again, "
            "or ask an administrator.",
            minutes=minutes,
        )
    )


def _after_login(user: StaffUser, requested: str | None) -> str:
    """Back to the page that asked for a log-in, if this person may see it; else their home."""
    target = auth.safe_next(requested)
    if target and (user.role_set & LEGAL_ROLES or target.startswith("/admin/")):
        return target
    return url_for(auth.home_endpoint(user))


def _attempt_login(form: LoginForm) -> auth.StartedSession | str:
    """Log in with the form's values: the new session, or an error message."""
    database = db.session()
    try:
        started = auth.log_in(
            database,
            form.username.data,
            form.password.data,
            form.totp.data,
            utcnow(),
            int(time.time()),
            auth.LoginPolicy.from_app(current_app),
        )
    except auth.AccountDisabled:
        database.commit()
        return str(_("This account is disabled. Ask an administrator."))
    except auth.LoginFailed:
        database.commit()
        return str(_("The username, password or code is not correct. A code works only once."))
    except keys.KeyringError:
        database.rollback()
        return str(_("This account's keys do not match. Ask an administrator to reset it."))
    previous = current_staff()
    if previous is not None:  # logging in again in the same browser ends the earlier session
        database.delete(previous.row)
    database.commit()
    auth.remember_in_cookie(started)
    return started


@blueprint.post("/logout")
@csrf_exempt  # a forged log-out harms no one; a refused one would leave the server half alive
def logout() -> ResponseReturnValue:
    database = db.session()
    auth.end_session_named_by_cookie(database)
    database.commit()
    auth.forget_cookie()
    flash(_("You have logged out."), "info")
    return redirect(url_for("staff.login"))


@blueprint.post("/logout-everywhere")
@requires_roles(LEGAL_ROLES | {"admin"})
def logout_everywhere() -> ResponseReturnValue:
    context = staff()
    database = db.session()
    ended = auth.end_all_sessions(database, context.user)
    audit.record(database, "logout_everywhere", audit.STAFF, context.user.id, None, f"sessions={ended}")
    database.commit()
    auth.forget_cookie()
    flash(_("You have logged out on every device."), "info")
    return redirect(url_for("staff.login"))


@blueprint.route("/password", methods=["GET", "POST"])
@limiter.limit(
    limit_value("RATELIMIT_STAFF_PASSWORD"), key_func=throttle.password_change_key, methods=["POST"]
)
def change_password() -> ResponseReturnValue:
    context = current_staff()
    if context is None:
        return redirect(url_for("staff.login", next=url_for("staff.change_password")))
    forced = context.user.must_change_password
    form = PasswordForm()
    if form.validate_on_submit():
        current = None if forced else (form.current_password.data or "")
        try:
            auth.change_own_password(
                db.session(), context, current, form.new_password.data, cli.argon2_params(current_app)
            )
        except auth.PasswordRejected as rejected:
            db.session().rollback()
            field = form.current_password if rejected.reason == "wrong_current" else form.new_password
            field.errors = [str(PASSWORD_REFUSALS[rejected.reason])]
        else:
            db.session().commit()
            flash(_("Your password has been changed. Your other sessions were logged out."), "ok")
            return redirect(url_for(auth.home_endpoint(context.user)))
    status = 400 if request.method == "POST" else 200
    return render_template("staff/password.html", form=form, forced=forced), status


# --- the triage queue ---------------------------------------------------------------------------


def _filter_form(filters: queue.QueueFilters, years: list[int]) -> QueueFilterForm:
    form = QueueFilterForm(
        formdata=None,
        data={
            "status": filters.status,
            "category": filters.category,
            "department": filters.department,
            "deadline": filters.deadline,
            "fy": str(filters.fiscal_year or ""),
            "sort": filters.sort,
            "mine": filters.mine,
            "number": filters.number,
        },
    )
    everything = ("", _("All"))
    form.status.choices = choices(
        [("open", _("Open cases")), ("closed", _("Completed cases")), ("all", _("All cases"))]
        + [(code, labels.label(labels.STATUS_LABELS, code)) for code in labels.STATUS_LABELS]
    )
    form.category.choices = choices([everything, *category_choices()])
    form.department.choices = choices([everything, *department_choices()])
    form.deadline.choices = choices(
        [everything]
        + [
            (state.value, labels.label(labels.DEADLINE_STATE_LABELS, state))
            for state in queue.DEADLINE_FILTERS
        ]
    )
    form.fy.choices = choices([everything] + [(str(year), str(year)) for year in years])
    form.sort.choices = choices([("urgent", _("Most urgent first")), ("newest", _("Newest first"))])
    return form


@blueprint.get("/", endpoint="queue")
@requires_roles(LEGAL_ROLES)
def queue_view() -> ResponseReturnValue:
    context = staff()
    database = db.session()
    # The queue lists cases only to holders of a usable legal unit key, the same rule as the case
    # page. Until then (a new account, after an administrator's password reset, a custodian
    # alone) a person sees the "ask a lead for the key" notice and no case metadata at all:
    # numbers, departments, deadlines and assignees are not for someone who cannot work on the
    # case, and only a key holder can be trusted to keep a case from its subject.
    if not casework.holds_key(database, context, keys.UNIT):
        return render_template("staff/queue.html", page=None, form=None, key_missing=True)
    config = current_app.config
    filters = queue.parse_filters(request.args, config["CATEGORIES"], config["DEPARTMENTS"])
    page = queue.triage_queue(database, context.user.id, filters, today(), int(config["DUE_SOON_DAYS"]))
    years = queue.fiscal_years(database)
    return render_template(
        "staff/queue.html", page=page, form=_filter_form(page.filters, years), key_missing=False
    )


# --- offline intake -----------------------------------------------------------------------------


def _intake_form() -> IntakeForm:
    form = IntakeForm()
    form.channel.choices = [
        (code, labels.label(labels.CHANNEL_LABELS, code)) for code in intake.OFFLINE_CHANNELS
    ]
    form.category.choices = category_choices()
    form.department.choices = department_choices()
    if request.method == "GET":
        form.received_on.data = today()
        form.once.data = crypto.random_token(16)
    return form


def _evidence_from_request(form: IntakeForm) -> list[EvidenceFile]:
    """The uploaded files, already encrypted on disk by the request's stream factory."""
    files = []
    for upload in request.files.getlist(form.attachments.name):
        stream = upload.stream
        if not upload.filename or not isinstance(stream, EncryptedUpload):
            continue  # an empty file input
        stream.finish()
        files.append(
            EvidenceFile(
                upload=stream,
                filename=evidence.safe_filename(upload.filename),
                content_type=upload.mimetype or "application/octet-stream",
            )
        )
    return files


def _offline_report(form: IntakeForm) -> intake.OfflineReport:
    confidential = form.disclosure.data == "confidential"
    return intake.OfflineReport(
        channel=form.channel.data,
        received_on=form.received_on.data,
        category=form.category.data,
        department=form.department.data,
        content=ReportContent(
            description=form.description.data,
            accused_name=form.accused_name.data or "",
            accused_position=form.accused_position.data or "",
            incident_date=form.incident_date.data or "",
            location=form.location.data or "",
            amount=form.amount.data or "",
            witnesses=form.witnesses.data or "",
            reported_elsewhere=form.reported_elsewhere.data or "",
            desired_action=form.desired_action.data or "",
        ),
        identity=ReporterIdentity(
            name=form.reporter_name.data or "",
            phone=form.reporter_phone.data or "",
            email=form.reporter_email.data or "",
        )
        if confidential
        else None,
        evidence=_evidence_from_request(form),
    )


_RECORDED_FORMS = "intake_recorded"


def _already_recorded(once: str) -> bool:
    """Whether this form was recorded before (a refresh or a second click re-sends it)."""
    return bool(once) and once in session.get(_RECORDED_FORMS, [])


def _remember_recorded(once: str) -> None:
    session[_RECORDED_FORMS] = [*session.get(_RECORDED_FORMS, [])[-19:], once]


@blueprint.route("/intake", methods=["GET", "POST"], endpoint="intake")
@requires_roles(HANDLER_ROLES)
def intake_view() -> ResponseReturnValue:
    form = _intake_form()
    if request.method == "POST" and _already_recorded(str(form.once.data or "")):
        flash(_("This report was already recorded; its receipt was shown once. It is in the queue."), "info")
        return redirect(url_for("staff.queue"))
    if form.validate_on_submit():
        database = db.session()
        try:
            recorded = intake.record_offline_report(
                database,
                _offline_report(form),
                staff(),
                cli.lookup_secret(current_app),
                today(),
                current_app.config["DEADLINE_DAYS"],
            )
        except casework.CaseActionRefused as refusal:
            database.rollback()
            form.received_on.errors = [str(REFUSALS[refusal.reason])]
        else:
            database.commit()
            for upload in recorded.prepared.uploads:
                upload.promote()
            _remember_recorded(str(form.once.data or ""))
            return render_template(
                "staff/intake_receipt.html",
                case=recorded.case,
                receipt=crypto.format_receipt(recorded.receipt),
            )
    status = 400 if request.method == "POST" else 200
    return render_template("staff/intake.html", form=form), status


# --- key access ---------------------------------------------------------------------------------


@blueprint.get("/keys")
@requires_roles(frozenset({"lead", "custodian"}))
def key_access() -> ResponseReturnValue:
    context = staff()
    database = db.session()
    return render_template(
        "staff/keys.html",
        rows=grants.key_holders(database),
        may_grant_kind={kind: grants.can_grant(database, context, kind) for kind in grants.GRANTABLE_KINDS},
        kinds=grants.GRANTABLE_KINDS,
        me=context.user.id,
    )


@blueprint.post("/keys/grant")
@requires_roles(frozenset({"lead", "custodian"}))
def grant_key() -> ResponseReturnValue:
    form = GrantForm()
    recipient_id = whole_number(form.user_id.data)
    if not form.validate_on_submit() or recipient_id is None:
        flash(_("The request could not be understood. Nothing was changed."), "error")
        return redirect(url_for("staff.key_access"))
    database = db.session()
    try:
        recipient = grants.grant(database, staff(), form.kind.data, recipient_id)
    except grants.GrantRefused as refusal:
        database.rollback()
        flash(str(GRANT_REFUSALS[refusal.reason]), "error")
    else:
        database.commit()
        flash(
            _(
                "%(name)s now holds the %(key)s.",
                name=recipient.display_name or recipient.username,
                key=labels.label(labels.KEY_KIND_LABELS, form.kind.data),
            ),
            "ok",
        )
    return redirect(url_for("staff.key_access"))
