"""Views of whistleblower protection: the handler's question on the case page, and the custodian's
page of questions to answer and protections to record."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from complaints import cases, db
from complaints.dates import today
from complaints.i18n import gettext as _
from complaints.numbers import whole_number
from complaints.staff import blueprint, case_access, protection
from complaints.staff.case_views import done, open_case, refused, render_case
from complaints.staff.protection_forms import ProtectionAnswerForm, ProtectionCheckForm, ProtectionRecordForm
from complaints.staff.queue_search import normalise_case_number
from complaints.staff.refusals import REFUSALS, CaseActionRefused
from complaints.workspace.access import CUSTODIAN_ROLES, HANDLER_ROLES, requires_roles, staff


@blueprint.post("/cases/<number>/protection-check")
@requires_roles(HANDLER_ROLES)
def protection_check(number: str) -> ResponseReturnValue:
    """Ask the custodian whether the person a disciplinary step is aimed at is a protected reporter."""
    found, content_key = open_case(number)
    form = ProtectionCheckForm()
    if not form.validate_on_submit():
        return render_case(found, content_key, forms={"protection": form}, status=400)
    try:
        protection.request_check(db.session(), found, staff(), form.subject.data.strip(), today())
    except CaseActionRefused as refusal:
        return refused(found, content_key, refusal.reason, {"protection": form})
    asked = _("The identity custodian was asked; you can open the investigation once they answer.")
    return done(found, asked, "protection")


def _render_page(status: int = 200, record_form: ProtectionRecordForm | None = None) -> ResponseReturnValue:
    database = db.session()
    try:
        checks = protection.pending_checks(database, staff())
    except CaseActionRefused as refusal:
        return render_template("staff/protection.html", refusal=str(REFUSALS[refusal.reason]), checks=[]), 403
    protected = protection.protected_reporters(database, staff())
    database.commit()  # every view of a protected reporter's name is audited
    return render_template(
        "staff/protection.html",
        refusal="",
        checks=checks,
        protected=protected,
        answer_form=ProtectionAnswerForm(formdata=None),
        record_form=record_form or ProtectionRecordForm(formdata=None, from_on=today()),
    ), status


@blueprint.get("/protection")
@requires_roles(CUSTODIAN_ROLES)
def protection_page() -> ResponseReturnValue:
    return _render_page()


@blueprint.post("/protection/checks/<check_id>")
@requires_roles(CUSTODIAN_ROLES)
def answer_protection_check(check_id: str) -> ResponseReturnValue:
    parsed = whole_number(check_id)
    form = ProtectionAnswerForm()
    if parsed is None:
        abort(404)
    if not form.validate_on_submit():
        return _render_page(status=400)
    database = db.session()
    try:
        protection.answer_check(
            database, parsed, staff(), form.answer.data, form.reference.data or "", today()
        )
    except cases.CaseNotFound:
        database.rollback()
        abort(404)
    except CaseActionRefused as refusal:
        database.rollback()
        flash(str(REFUSALS[refusal.reason]), "error")
        return _render_page(status=400)
    database.commit()
    flash(_("Your answer was recorded; the officer who asked sees it on the case page."), "ok")
    return redirect(url_for("staff.protection_page"))


@blueprint.post("/protection/records")
@requires_roles(CUSTODIAN_ROLES)
def record_protection() -> ResponseReturnValue:
    form = ProtectionRecordForm()
    if not form.validate_on_submit():
        return _render_page(status=400, record_form=form)
    database = db.session()
    try:
        found = case_access.visible_case(database, normalise_case_number(form.number.data), staff().user.id)
        protection.record_protection(
            database, found, staff(), form.reference.data, form.from_on.data, form.until_on.data
        )
    except cases.CaseNotFound:
        database.rollback()
        form.number.errors = [_("There is no case with this number.")]
        return _render_page(status=400, record_form=form)
    except CaseActionRefused as refusal:
        database.rollback()
        form.reference.errors = [str(REFUSALS[refusal.reason])]
        return _render_page(status=400, record_form=form)
    database.commit()
    flash(_("The protection was recorded. Answer the protection checks with it in mind."), "ok")
    return redirect(url_for("staff.protection_page"))
