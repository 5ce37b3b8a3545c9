"""Views of the `admin` blueprint: accounts, the audit log, settings — never case content.

Nothing here opens a key: these pages read account rows, audit rows and configuration only.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from complaints import audit, db, outbox, settings
from complaints.admin import accounts, blueprint
from complaints.admin.forms import AccountForm, VerifyForm
from complaints.dates import utcnow
from complaints.models import StaffUser
from complaints.numbers import whole_number
from complaints.workspace import invitations
from complaints.workspace.access import ADMIN_ROLES, LEGAL_ROLES, requires_roles, staff

AUDIT_PAGE_SIZE = 50
REFUSALS: dict[str, Any] = {
    "bad_username": _l("Use lower-case letters a–z, digits, dot, dash or underscore."),
    "username_taken": _l("That username is already taken."),
    "no_role": _l("Choose at least one role."),
    "not_found": _l("There is no such account."),
    "not_yourself": _l("You cannot disable your own account."),
}
ACCOUNT_ACTIONS = ("disable", "enable", "reset-password", "reset-totp", "unlock")


def _policy() -> accounts.InvitationPolicy:
    return accounts.InvitationPolicy(
        key=settings.invitation_key(), days=settings.invitation_days(), now=utcnow()
    )


def _show_invitation(issued: invitations.IssuedInvitation) -> ResponseReturnValue:
    """The printable invitation, shown once (the page is never cached; the code is not stored)."""
    shown = issued.invitation
    return render_template(
        "admin/invitation.html",
        user=shown.user,
        code=issued.code,
        invitation=shown,
        welcome_url=url_for("staff.welcome", _external=True),
        needs_grant=bool(shown.user.role_set & LEGAL_ROLES),
    )


@blueprint.get("/", endpoint="users")
@requires_roles(ADMIN_ROLES)
def users() -> ResponseReturnValue:
    return render_template("admin/users.html", rows=accounts.accounts(db.session(), utcnow()))


@blueprint.route("/users/new", methods=["GET", "POST"])
@requires_roles(ADMIN_ROLES)
def new_user() -> ResponseReturnValue:
    form = AccountForm()
    if form.validate_on_submit():
        database = db.session()
        try:
            created = accounts.create_account(
                database,
                staff().user,
                form.username.data,
                (form.display_name.data or "").strip(),
                (form.email.data or "").strip(),
                form.roles(),
                settings.argon2_params(),
                settings.server_secret(),
                _policy(),
            )
        except accounts.AccountRefused as refusal:
            database.rollback()
            field = form.role_officer if refusal.reason == "no_role" else form.username
            field.errors = [str(REFUSALS[refusal.reason])]
        else:
            database.commit()
            return _show_invitation(created)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/new_user.html", form=form), status


def _account_id_or_404(text: str) -> int:
    """An account id from the URL: ASCII digits only (Werkzeug's int converter also takes ๑๒)."""
    parsed = whole_number(text)
    if parsed is None:
        abort(404)
    return parsed


@blueprint.get("/users/<user_id>")
@requires_roles(ADMIN_ROLES)
def user(user_id: str) -> ResponseReturnValue:
    account = _account_id_or_404(user_id)
    rows = [row for row in accounts.accounts(db.session(), utcnow()) if row.user.id == account]
    if not rows:
        abort(404)
    return render_template("admin/user.html", row=rows[0], me=staff().user.id)


@blueprint.post("/users/<user_id>/<action>")
@requires_roles(ADMIN_ROLES)
def account_action(user_id: str, action: str) -> ResponseReturnValue:
    account = _account_id_or_404(user_id)
    if action not in ACCOUNT_ACTIONS:
        abort(404)
    database = db.session()
    admin = staff().user
    try:
        if action == "reset-password":
            shown = accounts.reset_password(database, admin, account, _policy())
        elif action == "reset-totp":
            shown = accounts.reset_totp(database, admin, account, settings.server_secret(), _policy())
        else:
            _simple_action(action, admin, account)
            database.commit()
            flash(_("The account was updated."), "ok")
            return redirect(url_for("admin.user", user_id=account))
    except accounts.AccountRefused as refusal:
        database.rollback()
        flash(str(REFUSALS[refusal.reason]), "error")
        return redirect(url_for("admin.users"))
    database.commit()
    return _show_invitation(shown)


def _simple_action(action: str, admin: StaffUser, user_id: int) -> None:
    database = db.session()
    if action == "unlock":
        accounts.unlock(database, admin, user_id)
    else:
        accounts.set_disabled(database, admin, user_id, disabled=action == "disable")


@blueprint.get("/audit")
@requires_roles(ADMIN_ROLES)
def audit_log() -> ResponseReturnValue:
    before_id = whole_number(request.args.get("before", ""))
    shown = audit.page(db.session(), AUDIT_PAGE_SIZE, before_id)
    return render_template("admin/audit.html", page=shown, problems=None, form=VerifyForm(formdata=None))


@blueprint.post("/audit/verify")
@requires_roles(ADMIN_ROLES)
def verify_audit_log() -> ResponseReturnValue:
    """Walk both chains end to end (as ``flask audit verify`` does) and show the result."""
    form = VerifyForm()
    if not form.validate_on_submit():
        abort(400)
    database = db.session()
    problems = audit.verify(database)
    shown = audit.page(database, AUDIT_PAGE_SIZE)
    return render_template("admin/audit.html", page=shown, problems=problems, form=form)


@blueprint.get("/settings", endpoint="settings")
@requires_roles(ADMIN_ROLES)
def settings_view() -> ResponseReturnValue:
    config = current_app.config
    waiting, oldest = outbox.waiting(db.session())
    return render_template(
        "admin/settings.html",
        outbox_waiting=waiting,
        outbox_oldest=oldest,
        mail_configured=bool(config.get("MAIL_SERVER")),
        deadline_days=dict(config["DEADLINE_DAYS"]),
    )
