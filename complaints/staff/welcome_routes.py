"""The printed invitation, used: the person sets their own password and authenticator.

Three pages, each rate-limited per client before its body is read: the code, then the password
(a new one, or the current one when only the authenticator is reset), then the authenticator's
QR code and its first six-digit code. A step token in the form carries the person from one page
to the next; the QR code is shown only to whoever holds it.
"""

from __future__ import annotations

import time

import segno
from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from complaints import crypto, db, settings
from complaints.dates import utcnow
from complaints.i18n import gettext as _
from complaints.i18n import lazy_gettext as _l
from complaints.models import StaffInvitation
from complaints.staff import blueprint
from complaints.staff.forms import AuthenticatorForm, CurrentPasswordForm, OwnPasswordForm, WelcomeForm
from complaints.staff.refusals import PASSWORD_REFUSALS
from complaints.workspace import invitations

REFUSALS = {
    "wrong": _l("The username or invitation code is not correct. Check both against the printout."),
    "used": _l(
        "This invitation was used already. If you did not use it yourself, tell a legal lead at once: "
        "someone else has it. An administrator can print you a new one."
    ),
    "expired": _l("This invitation has expired. Ask an administrator to print you a new one."),
    "step_expired": _l(
        "This page has expired (after %(minutes)s minutes). Start again with your invitation code.",
        minutes=invitations.STEP_MINUTES,
    ),
    "wrong_password": _l("The password is not correct."),
    "wrong_code": _l(
        "That code does not match. Check that the app shows this account and that the phone's clock "
        "is right, then type the code it shows now."
    ),
    "is_username": PASSWORD_REFUSALS["is_username"],
    "weak": PASSWORD_REFUSALS["weak"],
}


def _qr(invitation: StaffInvitation, secret: bytes) -> Markup:
    """The authenticator-app QR code as inline SVG (generated here, from a checked username)."""
    uri = crypto.totp_uri(secret, invitation.user.username, str(current_app.config["MUNICIPALITY_NAME_EN"]))
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff"))  # noqa: S704 - segno's own SVG of a URI we built


def _page(step: str, status: int = 200, **values: object) -> ResponseReturnValue:
    return render_template("staff/welcome.html", step=step, **values), status


def _password_page(
    shown: invitations.Step, status: int = 200, form: OwnPasswordForm | CurrentPasswordForm | None = None
) -> ResponseReturnValue:
    """The second page: a new password, or the current one when only the authenticator is reset."""
    if shown.invitation.sets_password:
        return _page(
            "new_password",
            status,
            form=form or OwnPasswordForm(formdata=None, token=shown.token),
            invitation=shown.invitation,
        )
    return _page(
        "current_password",
        status,
        form=form or CurrentPasswordForm(formdata=None, token=shown.token),
        invitation=shown.invitation,
    )


def _authenticator_page(
    shown: invitations.Step, status: int = 200, form: AuthenticatorForm | None = None
) -> ResponseReturnValue:
    """The last page: the QR code, once per invitation, and the box for its first code."""
    secret = invitations.authenticator_secret(shown.invitation, settings.server_secret())
    db.session().commit()
    return _page(
        "authenticator",
        status,
        form=form or AuthenticatorForm(formdata=None, token=shown.token),
        invitation=shown.invitation,
        qr=_qr(shown.invitation, secret),
        secret=invitations.printable_secret(secret),
    )


def _refused(reason: str, status: int = 400) -> ResponseReturnValue:
    db.session().rollback()
    return _page("code", status, form=WelcomeForm(formdata=None), error=str(REFUSALS[reason]))


@blueprint.route("/welcome", methods=["GET", "POST"], endpoint="welcome")
def welcome() -> ResponseReturnValue:
    form = WelcomeForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return _page("code", status, form=form)
    database = db.session()
    try:
        shown = invitations.open_with_code(
            database, form.username.data, form.code.data, utcnow(), settings.invitation_key()
        )
    except invitations.InvitationRefused as refusal:
        return _page("code", 400, form=form, error=str(REFUSALS[refusal.reason]))
    database.commit()
    return _password_page(shown)


@blueprint.post("/welcome/password", endpoint="welcome_password")
def welcome_password() -> ResponseReturnValue:
    database = db.session()
    new_form, current_form = OwnPasswordForm(), CurrentPasswordForm()
    token = new_form.token.data or ""
    try:
        invitation = invitations.at_step(database, token, utcnow())
    except invitations.InvitationRefused as refusal:
        return _refused(refusal.reason)
    shown = invitations.Step(invitation=invitation, token=token)
    form = new_form if invitation.sets_password else current_form
    if not form.validate_on_submit():
        return _password_page(shown, 400, form)
    try:
        if invitation.sets_password:
            following = invitations.set_own_password(
                database, invitation, new_form.new_password.data, utcnow(), settings.argon2_params()
            )
        else:
            following = invitations.check_current_password(
                invitation, current_form.current_password.data, utcnow(), settings.argon2_params()
            )
    except invitations.InvitationRefused as refusal:
        database.rollback()
        field = new_form.new_password if invitation.sets_password else current_form.current_password
        field.errors = [str(REFUSALS[refusal.reason])]
        return _password_page(shown, 400, form)
    database.commit()
    if following is None:
        return _ready()
    return _authenticator_page(following)


@blueprint.post("/welcome/authenticator", endpoint="welcome_authenticator")
def welcome_authenticator() -> ResponseReturnValue:
    database = db.session()
    form = AuthenticatorForm()
    token = form.token.data or ""
    try:
        invitation = invitations.at_step(database, token, utcnow())
    except invitations.InvitationRefused as refusal:
        return _refused(refusal.reason)
    shown = invitations.Step(invitation=invitation, token=token)
    if not form.validate_on_submit():
        return _authenticator_page(shown, 400, form)
    try:
        invitations.confirm_authenticator(
            database, invitation, form.totp.data, int(time.time()), utcnow(), settings.server_secret()
        )
    except invitations.InvitationRefused as refusal:
        database.rollback()
        form.totp.errors = [str(REFUSALS[refusal.reason])]
        return _authenticator_page(shown, 400, form)
    database.commit()
    return _ready()


def _ready() -> ResponseReturnValue:
    flash(_("Your account is ready. Log in with your password and a new code from your app."), "ok")
    return redirect(url_for("staff.login"))
