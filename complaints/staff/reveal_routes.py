"""The two-step identity reveal: the case's handler asks (the reporter is told), and the identity
custodian's page — their home in the workspace — lists pending requests (metadata only) to
approve or decline with a reason, and the decisions already taken."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from complaints import cases, crypto, db, keys
from complaints.dates import today, utcnow
from complaints.i18n import gettext as _
from complaints.numbers import whole_number
from complaints.staff import blueprint, reveal_history, reveals
from complaints.staff.case_views import done, open_case, refused, render_case
from complaints.staff.forms import (
    ApproveRevealForm,
    DecisionReasonForm,
    DeclineRevealForm,
    RevealDecisionForm,
    RevealForm,
)
from complaints.staff.refusals import ALERTING, REFUSALS, CaseActionRefused
from complaints.workspace import holders
from complaints.workspace.access import CUSTODIAN_ROLES, HANDLER_ROLES, requires_roles, staff
from complaints.workspace.sessions import StaffContext


def _render_reveals(
    status: int = 200, failed: tuple[int, DecisionReasonForm] | None = None
) -> ResponseReturnValue:
    """The custodian's page; ``failed`` is a decision refused, shown again at its request."""
    context = staff()
    database = db.session()
    custodian_private = _custodian_key(database, context)
    holds_key = custodian_private is not None
    page = {
        "holds_key": holds_key,
        "nobody_holds": not holders.holders(database, utcnow())[keys.CUSTODIAN],
        "requests": reveals.pending_requests(database, context.user, custodian_private) if holds_key else [],
        "decided": reveals.past_decisions(database, context.user, custodian_private) if holds_key else [],
        "consents": reveals.consents_to_seal(database, context.user) if holds_key else [],
        "form": RevealDecisionForm(formdata=None),
        "approve_form": ApproveRevealForm(formdata=None),
        "decline_form": DeclineRevealForm(formdata=None),
        "failed": failed,
        "decision_reason_labels": reveal_history.DECISION_REASON_LABELS,
    }
    return render_template("staff/reveals.html", **page), status


def _custodian_key(database: Session, context: StaffContext) -> bytes | None:
    try:
        return keys.private_key_for(database, keys.CUSTODIAN, context.user, context.personal_key)
    except (keys.KeyringError, crypto.CryptoError):
        return None


@blueprint.get("/reveals", endpoint="reveals")
@requires_roles(CUSTODIAN_ROLES)
def reveals_view() -> ResponseReturnValue:
    return _render_reveals()


def _decide(request_id: int, approve: bool) -> ResponseReturnValue:
    form = ApproveRevealForm() if approve else DeclineRevealForm()
    if not form.validate_on_submit():
        return _render_reveals(status=400, failed=(request_id, form))
    database = db.session()
    decide = reveals.approve_reveal if approve else reveals.decline_reveal
    try:
        decide(database, request_id, staff(), today(), form.because.data)
    except cases.CaseNotFound:
        database.rollback()
        abort(404)
    except CaseActionRefused as refusal:
        database.commit() if refusal.reason in ALERTING else database.rollback()
        flash(str(REFUSALS[refusal.reason]), "error")
        return _render_reveals(status=400)
    database.commit()
    if approve:
        flash(_("Approved. Only the officer who asked can now see the reporter's identity."), "ok")
    else:
        flash(_("Declined. The identity stays sealed."), "ok")
    return redirect(url_for("staff.reveals"))


@blueprint.post("/reveals/<request_id>/approve")
@requires_roles(CUSTODIAN_ROLES)
def approve_reveal(request_id: str) -> ResponseReturnValue:
    return _decide(_request_id_or_404(request_id), approve=True)


@blueprint.post("/reveals/<request_id>/decline")
@requires_roles(CUSTODIAN_ROLES)
def decline_reveal(request_id: str) -> ResponseReturnValue:
    return _decide(_request_id_or_404(request_id), approve=False)


@blueprint.post("/reveals/consents/<case_id>")
@requires_roles(CUSTODIAN_ROLES)
def seal_consent(case_id: str) -> ResponseReturnValue:
    """One click: the identity a reporter agreed to share goes to the case's current handler."""
    form = RevealDecisionForm()
    if not form.validate_on_submit():
        return _render_reveals(status=400)
    database = db.session()
    try:
        assignee = reveals.seal_consent_to_assignee(database, _request_id_or_404(case_id), staff())
    except cases.CaseNotFound:
        database.rollback()
        abort(404)
    except CaseActionRefused as refusal:
        database.rollback()
        flash(str(REFUSALS[refusal.reason]), "error")
        return _render_reveals(status=400)
    database.commit()
    flash(
        _(
            "%(name)s, who handles the case, can now see the identity the reporter agreed to share.",
            name=assignee.display_name or assignee.username,
        ),
        "ok",
    )
    return redirect(url_for("staff.reveals"))


def _request_id_or_404(text: str) -> int:
    """A request id from the URL: ASCII digits that fit the column (a 20-digit id is no id)."""
    parsed = whole_number(text)
    if parsed is None:
        abort(404)
    return parsed


@blueprint.post("/cases/<number>/reveal")
@requires_roles(HANDLER_ROLES)
def reveal(number: str) -> ResponseReturnValue:
    """Ask the identity custodian for the reporter's identity; the reporter is told now."""
    found, content_key = open_case(number)
    form = RevealForm()
    if not form.validate_on_submit():
        return render_case(found, content_key, forms={"reveal": form}, status=400)
    asked = reveals.RevealAsked(
        reason=form.reason.data, reference=(form.reference.data or "").strip(), on=today()
    )
    try:
        reveals.request_reveal(db.session(), found, content_key, staff(), asked)
    except CaseActionRefused as refusal:
        return refused(found, content_key, refusal.reason, {"reveal": form})
    return done(
        found,
        _("Your request was recorded and the reporter was told. The identity custodian will decide on it."),
        "identity",
    )
