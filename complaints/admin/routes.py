"""Views of the `admin` blueprint: accounts, the audit log, settings — never case content.

Nothing here opens a key: these pages read account rows, audit rows and configuration only.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from complaints import audit, db, keys, outbox, settings
from complaints.admin import accounts, audit_details, blueprint, setting_words
from complaints.admin.forms import AccountForm, KeyLossForm, RolesForm, VerifyForm
from complaints.dates import utcnow
from complaints.i18n import gettext as _
from complaints.i18n import lazy_gettext as _l
from complaints.models import StaffUser
from complaints.numbers import whole_number
from complaints.workspace import holders, invitations
from complaints.workspace.access import ADMIN_ROLES, LEGAL_ROLES, requires_roles, staff

AUDIT_PAGE_SIZE = 50
REFUSALS: dict[str, Any] = {
    "bad_username": _l("Use lower-case letters a–z, digits, dot, dash or underscore."),
    "username_taken": _l("That username is already taken."),
    "no_role": _l("Choose at least one role."),
    "not_found": _l("There is no such account."),
    "not_yourself": _l("You cannot disable your own account."),
    "own_admin_role": _l("You cannot take the administrator role from your own account."),
}
ACCOUNT_ACTIONS = ("disable", "enable", "reset-password", "reset-totp", "unlock")


def _policy() -> accounts.InvitationPolicy:
    return accounts.InvitationPolicy(
        key=settings.invitation_key(), days=settings.invitation_days(), now=utcnow()
    )


def _show_invitation(issued: invitations.IssuedInvitation) -> ResponseReturnValue:
    """The printable invitation, shown once (the page is never cached; the code is not stored)."""
    shown = issued.invitation
    every = holders.holders(db.session(), utcnow())
    return render_template(
        "admin/invitation.html",
        user=shown.user,
        code=issued.code,
        invitation=shown,
        welcome_url=url_for("staff.welcome", _external=True),
        needs_grant=bool(shown.user.role_set & LEGAL_ROLES),
        # Keys nobody can use now (this reset took the last holder): the way back is the recovery code.
        unheld=sorted(kind for kind, ids in every.items() if not ids),
    )


@blueprint.get("/", endpoint="users")
@requires_roles(ADMIN_ROLES)
def users() -> ResponseReturnValue:
    database = db.session()
    return render_template(
        "admin/users.html",
        rows=accounts.accounts(database, utcnow()),
        thinly_held=holders.thinly_held(database, utcnow()),
    )


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


def _account_row(account: int) -> accounts.AccountRow:
    rows = [row for row in accounts.accounts(db.session(), utcnow()) if row.user.id == account]
    if not rows:
        abort(404)
    return rows[0]


def _roles_form(user: StaffUser) -> RolesForm:
    return RolesForm(formdata=None, data={f"role_{role}": role in user.role_set for role in keys.ROLES})


@blueprint.get("/users/<user_id>")
@requires_roles(ADMIN_ROLES)
def user(user_id: str) -> ResponseReturnValue:
    row = _account_row(_account_id_or_404(user_id))
    every = holders.holders(db.session(), utcnow())
    return render_template(
        "admin/user.html",
        row=row,
        me=staff().user.id,
        roles_form=_roles_form(row.user),
        sole_holder_of=sorted(kind for kind, ids in every.items() if ids == {row.user.id}),
    )


def _confirm_key_loss(
    account: int, action: str, kinds: frozenset[str], form: KeyLossForm
) -> ResponseReturnValue:
    """The page that names what would be lost and the way back, before the action is done."""
    if form.asked.data:
        form.confirm.errors = [_("Tick the box to confirm, or go back.")]
    return render_template(
        "admin/confirm_key_loss.html",
        row=_account_row(account),
        action=action,
        kinds=sorted(kinds),
        form=form,
        roles=sorted(form.roles()) if isinstance(form, RolesForm) else [],
    ), 409


@blueprint.post("/users/<user_id>/roles")
@requires_roles(ADMIN_ROLES)
def edit_roles(user_id: str) -> ResponseReturnValue:
    """Set the account's roles (audited); never a key. Removing the last holder's role is confirmed."""
    account = _account_id_or_404(user_id)
    form = RolesForm()
    if not form.validate_on_submit():
        abort(400)
    database = db.session()
    try:
        accounts.change_roles(database, staff().user, account, form.roles(), form.confirm.data, utcnow())
    except accounts.NeedsConfirmation as needed:
        database.rollback()
        return _confirm_key_loss(account, "roles", needed.kinds, form)
    except accounts.AccountRefused as refusal:
        database.rollback()
        flash(str(REFUSALS[refusal.reason]), "error")
        return redirect(url_for("admin.user", user_id=account))
    database.commit()
    flash(
        _(
            "The roles were saved. No key was given: a legal lead or the identity custodian grants "
            "keys in person."
        ),
        "ok",
    )
    return redirect(url_for("admin.user", user_id=account))


@blueprint.post("/users/<user_id>/<action>")
@requires_roles(ADMIN_ROLES)
def account_action(user_id: str, action: str) -> ResponseReturnValue:
    account = _account_id_or_404(user_id)
    if action not in ACCOUNT_ACTIONS:
        abort(404)
    form = KeyLossForm()
    database = db.session()
    try:
        shown = _run_action(action, staff().user, account, bool(form.confirm.data))
    except accounts.NeedsConfirmation as needed:
        database.rollback()
        return _confirm_key_loss(account, action, needed.kinds, form)
    except accounts.AccountRefused as refusal:
        database.rollback()
        flash(str(REFUSALS[refusal.reason]), "error")
        return redirect(url_for("admin.users"))
    database.commit()
    if shown is None:
        flash(_("The account was updated."), "ok")
        return redirect(url_for("admin.user", user_id=account))
    return _show_invitation(shown)


def _run_action(
    action: str, admin: StaffUser, user_id: int, confirmed: bool
) -> invitations.IssuedInvitation | None:
    """Do one account action; the invitation to print, when the action makes one."""
    database = db.session()
    if action == "reset-password":
        return accounts.reset_password(database, admin, user_id, _policy(), confirmed)
    if action == "reset-totp":
        return accounts.reset_totp(database, admin, user_id, settings.server_secret(), _policy(), confirmed)
    if action == "unlock":
        accounts.unlock(database, admin, user_id)
    else:
        accounts.set_disabled(database, admin, user_id, action == "disable", confirmed, utcnow())
    return None


@blueprint.get("/audit")
@requires_roles(ADMIN_ROLES)
def audit_log() -> ResponseReturnValue:
    before_id = whole_number(request.args.get("before", ""))
    shown = audit.page(db.session(), AUDIT_PAGE_SIZE, before_id)
    return render_template(
        "admin/audit.html", page=shown, problems=None, form=VerifyForm(formdata=None), **_audit_words(shown)
    )


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
    return render_template(
        "admin/audit.html", page=shown, problems=problems, form=form, **_audit_words(shown)
    )


def _audit_words(shown: audit.AuditPage) -> dict[str, Any]:
    """What the audit page names its codes with (the raw codes stay beside them)."""
    return {"describe": audit_details.describer(shown.actors), "problem_text": audit_details.problem_text}


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
        rate_limit_text=setting_words.rate_limit_text,
        now=utcnow(),
    )
