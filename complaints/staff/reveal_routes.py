"""The identity custodian's page: pending reveal requests (metadata only) to approve or decline."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from complaints import cases, db, keys
from complaints.dates import today
from complaints.staff import blueprint, casework, identity
from complaints.staff.auth import requires_roles, staff
from complaints.staff.forms import RevealDecisionForm
from complaints.staff.routes import REFUSALS

CUSTODIAN_ROLES = frozenset({"custodian"})


def _render_reveals(status: int = 200) -> ResponseReturnValue:
    context = staff()
    database = db.session()
    holds_key = casework.holds_key(database, context, keys.CUSTODIAN)
    page = {
        "holds_key": holds_key,
        "requests": identity.pending_requests(database, context.user) if holds_key else [],
        "form": RevealDecisionForm(formdata=None),
    }
    return render_template("staff/reveals.html", **page), status


@blueprint.get("/reveals")
@requires_roles(CUSTODIAN_ROLES)
def reveals() -> ResponseReturnValue:
    return _render_reveals()


def _decide(request_id: int, approve: bool) -> ResponseReturnValue:
    form = RevealDecisionForm()
    if not form.validate_on_submit():
        return _render_reveals(status=400)
    database = db.session()
    decide = identity.approve_reveal if approve else identity.decline_reveal
    try:
        decide(database, request_id, staff(), today())
    except cases.CaseNotFound:
        database.rollback()
        abort(404)
    except casework.CaseActionRefused as refusal:
        database.rollback()
        flash(str(REFUSALS[refusal.reason]), "error")
        return _render_reveals(status=400)
    database.commit()
    if approve:
        flash(_("Approved. Only the officer who asked can now see the reporter's identity."), "ok")
    else:
        flash(_("Declined. The identity stays sealed."), "ok")
    return redirect(url_for("staff.reveals"))


@blueprint.post("/reveals/<int:request_id>/approve")
@requires_roles(CUSTODIAN_ROLES)
def approve_reveal(request_id: int) -> ResponseReturnValue:
    return _decide(request_id, approve=True)


@blueprint.post("/reveals/<int:request_id>/decline")
@requires_roles(CUSTODIAN_ROLES)
def decline_reveal(request_id: int) -> ResponseReturnValue:
    return _decide(request_id, approve=False)
