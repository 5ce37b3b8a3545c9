"""Views that decide who handles a case and who must never see it: assignment, declaring one's
own conflict, excluding the subject, lifting an exclusion."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue

from complaints import db, notifications, settings
from complaints.i18n import gettext as _
from complaints.staff import assignment, blueprint
from complaints.staff.case_views import (
    assign_form,
    done,
    exclude_form,
    lift_form,
    open_case,
    refused,
    render_case,
)
from complaints.staff.forms import ConflictForm
from complaints.staff.refusals import REFUSALS, CaseActionRefused
from complaints.workspace.access import HANDLER_ROLES, LEAD_ROLES, LEGAL_ROLES, requires_roles, staff


@blueprint.post("/cases/<number>/assign")
@requires_roles(HANDLER_ROLES)
def assign(number: str) -> ResponseReturnValue:
    found, content_key = open_case(number)
    context = staff()
    form = assign_form(found, context, posted=True)
    if not form.validate_on_submit():
        return render_case(found, content_key, forms={"assign": form}, status=400)
    try:
        assignee = assignment.assign(db.session(), found, context, form.assignee.data or None)
    except CaseActionRefused as refusal:
        return refused(found, content_key, refusal.reason)
    response = done(found, _("The case assignment was saved."), "assignment")
    if assignee is not None and assignee.id != context.user.id:
        notifications.notify_assigned(settings.app(), assignee.id)
    return response


@blueprint.post("/cases/<number>/conflict")
@requires_roles(LEGAL_ROLES)
def declare_conflict(number: str) -> ResponseReturnValue:
    # The key first, as for every case view: without it, every number answers alike (403).
    found, _content_key = open_case(number)
    form = ConflictForm()
    if not form.validate_on_submit():
        return render_case(*open_case(number), forms={"conflict": form}, status=400)
    try:
        assignment.declare_conflict(db.session(), found, staff())
    except CaseActionRefused as refusal:
        db.session().rollback()
        flash(str(REFUSALS[refusal.reason]), "error")
        return render_case(*open_case(number), status=400)
    db.session().commit()
    flash(_("You declared a conflict of interest. The case is hidden from you from now on."), "ok")
    return redirect(url_for("staff.queue"))


@blueprint.post("/cases/<number>/exclude")
@requires_roles(LEAD_ROLES)
def exclude(number: str) -> ResponseReturnValue:
    found, content_key = open_case(number)
    form = exclude_form(found, staff(), posted=True)
    if not form.validate_on_submit():
        return render_case(found, content_key, forms={"exclude": form}, status=400)
    try:
        assignment.exclude_subject(db.session(), found, staff(), form.user.data)
    except CaseActionRefused as refusal:
        return refused(found, content_key, refusal.reason)
    return done(found, _("That account can no longer see this case anywhere."), "exclusions")


@blueprint.post("/cases/<number>/exclusions/lift")
@requires_roles(LEAD_ROLES)
def lift_exclusion(number: str) -> ResponseReturnValue:
    found, content_key = open_case(number)
    form = lift_form(found, staff(), posted=True)
    if not form.validate_on_submit():
        return render_case(found, content_key, forms={"lift": form}, status=400)
    try:
        assignment.lift_exclusion(db.session(), found, staff(), form.user.data, form.reason.data)
    except CaseActionRefused as refusal:
        return refused(found, content_key, refusal.reason)
    return done(found, _("The exclusion was lifted: that account can see this case again."), "exclusions")
