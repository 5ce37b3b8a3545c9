"""Log-in, log-out and passwords: the views of the workspace's front door."""

from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from complaints import audit, db, keys, settings
from complaints.dates import utcnow
from complaints.i18n import gettext as _
from complaints.models import StaffUser
from complaints.security import anonymous_rate_key, csrf_exempt, limit_value, limiter
from complaints.staff import blueprint
from complaints.staff.forms import LoginForm, PasswordForm
from complaints.staff.refusals import PASSWORD_REFUSALS
from complaints.workspace import access, login, sessions, throttle
from complaints.workspace.access import LEGAL_ROLES, current_staff, requires_roles, staff


@blueprint.route("/login", methods=["GET", "POST"], endpoint="login")
# Per client (the transient hashed address) so that many usernames from one place cannot make
# the server run Argon2id without end; the per-username limit is counted in the view.
@limiter.limit(limit_value("RATELIMIT_STAFF_LOGIN_PER_CLIENT"), key_func=anonymous_rate_key, methods=["POST"])
def login_view() -> ResponseReturnValue:
    context = current_staff()
    if context is not None and request.method == "GET":
        return redirect(url_for(access.home_endpoint(context.user)))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = access.safe_next(request.args.get("next"))
    error, status = None, 200
    if form.validate_on_submit():
        wait = throttle.username_wait_minutes(form.username.data)
        if wait is not None:
            error, status = _username_throttled(wait), 429
        else:
            outcome = _attempt_login(form)
            if isinstance(outcome, sessions.StartedSession):
                _show_the_audit_fingerprint(outcome.user)
                return redirect(_after_login(outcome.user, form.next.data))
            error, status = outcome, 400
    elif request.method == "POST":
        error, status = _("Enter your username, password and the six-digit code."), 400
    return render_template("staff/login.html", form=form, error=error), status


def _show_the_audit_fingerprint(user: StaffUser) -> None:
    """A lead is shown the audit log's fingerprint now and the one they saw last time: a rewritten
    history cannot keep both the same, so comparing them (or a paper log) witnesses the chain."""
    if "lead" not in user.role_set:
        return
    database = db.session()
    now = audit.witness(database).line()
    before = user.witness_seen
    user.witness_seen = now
    database.commit()
    flash(
        _(
            "Audit log fingerprint now: %(now)s. At your last log-in: %(before)s.",
            now=now,
            before=before or "—",
        ),
        "info",
    )


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
    target = access.safe_next(requested)
    if target and (user.role_set & LEGAL_ROLES or target.startswith("/admin/")):
        return target
    return url_for(access.home_endpoint(user))


def _attempt_login(form: LoginForm) -> sessions.StartedSession | str:
    """Log in with the form's values: the new session, or an error message."""
    database = db.session()
    try:
        started = login.log_in(
            database,
            form.username.data,
            form.password.data,
            form.totp.data,
            utcnow(),
            int(time.time()),
            settings.login_policy(),
        )
    except login.AccountDisabled:
        database.commit()
        return str(_("This account is disabled. Ask an administrator."))
    except login.LoginFailed:
        database.commit()
        return str(_("The username, password or code is not correct. A code works only once."))
    except keys.KeyringError:
        database.rollback()
        return str(_("This account's keys do not match. Ask an administrator to reset it."))
    previous = current_staff()
    if previous is not None:  # logging in again in the same browser ends the earlier session
        database.delete(previous.row)
    database.commit()
    sessions.remember_in_cookie(started)
    return started


@blueprint.post("/logout")
@csrf_exempt  # a forged log-out harms no one; a refused one would leave the server half alive
def logout() -> ResponseReturnValue:
    database = db.session()
    sessions.end_session_named_by_cookie(database)
    database.commit()
    sessions.forget_cookie()
    flash(_("You have logged out."), "info")
    return redirect(url_for("staff.login"))


@blueprint.post("/logout-everywhere")
@requires_roles(LEGAL_ROLES | {"admin"})
def logout_everywhere() -> ResponseReturnValue:
    context = staff()
    database = db.session()
    ended = sessions.end_all_sessions(database, context.user)
    audit.record(database, "logout_everywhere", audit.STAFF, context.user.id, None, f"sessions={ended}")
    database.commit()
    sessions.forget_cookie()
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
            login.change_own_password(
                db.session(), context, current, form.new_password.data, settings.argon2_params()
            )
        except login.PasswordRejected as rejected:
            db.session().rollback()
            field = form.current_password if rejected.reason == "wrong_current" else form.new_password
            field.errors = [str(PASSWORD_REFUSALS[rejected.reason])]
        else:
            db.session().commit()
            flash(_("Your password has been changed. Your other sessions were logged out."), "ok")
            return redirect(url_for(access.home_endpoint(context.user)))
    status = 400 if request.method == "POST" else 200
    return render_template("staff/password.html", form=form, forced=forced), status
