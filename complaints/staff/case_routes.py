"""Views of one case: its page, a message to the reporter, an internal note, a procedure step,
and downloading an evidence file. Assignment and exclusions are in :mod:`.assignment_routes`,
the identity reveal in :mod:`.reveal_routes`; what they share is in :mod:`.case_views`."""

from __future__ import annotations

from flask import Response, abort, flash, render_template
from flask.typing import ResponseReturnValue

from complaints import cases, db, procedure, settings
from complaints.dates import today, utcnow
from complaints.i18n import gettext as _
from complaints.models import Case
from complaints.procedure import Action
from complaints.staff import blueprint, casework, evidence, steps
from complaints.staff.case_views import done, open_case, render_case, step_forms
from complaints.staff.forms import NoteForm, ReplyForm
from complaints.staff.refusals import REFUSALS, CaseActionRefused
from complaints.staff.step_forms import ProcedureForm
from complaints.workspace.access import HANDLER_ROLES, LEGAL_ROLES, requires_roles, staff


@blueprint.get("/cases/<number>")
@requires_roles(LEGAL_ROLES)
def case(number: str) -> ResponseReturnValue:
    return render_case(*open_case(number))


@blueprint.post("/cases/<number>/reply")
@requires_roles(HANDLER_ROLES)
def reply(number: str) -> ResponseReturnValue:
    found, content_key = open_case(number)
    form = ReplyForm()
    if not form.validate_on_submit():
        return render_case(found, content_key, forms={"reply": form}, status=400)
    casework.send_reply(
        db.session(),
        found,
        content_key,
        staff(),
        form.body.data,
        today(),
        settings.calendar(),
    )
    return done(found, _("Your message was sent. The reporter sees it on their follow-up page."), "thread")


@blueprint.post("/cases/<number>/notes")
@requires_roles(HANDLER_ROLES)
def add_note(number: str) -> ResponseReturnValue:
    found, content_key = open_case(number)
    form = NoteForm()
    if not form.validate_on_submit():
        return render_case(found, content_key, forms={"note": form}, status=400)
    casework.add_note(db.session(), found, content_key, staff(), form.body.data, utcnow())
    return done(found, _("The internal note was saved."), "notes")


@blueprint.post("/cases/<number>/steps/<action>")
@requires_roles(HANDLER_ROLES)
def procedure_step(number: str, action: str) -> ResponseReturnValue:
    found, content_key = open_case(number)
    try:
        chosen = Action(action)
    except ValueError:
        abort(404)
    form = ProcedureForm(chosen)
    if not form.validate_on_submit():
        return _step_refused(found, content_key, form)
    rules = steps.Rules(today=today(), penalties_by_severity=settings.penalties_by_severity())
    try:
        steps.record_step(
            db.session(),
            found,
            content_key,
            staff(),
            form.step_input(),
            rules,
            settings.calendar(),
            settings.reference_key(),
        )
    except CaseActionRefused as refusal:
        db.session().rollback()
        form.place_refusal(refusal.reason, str(REFUSALS[refusal.reason]))
        return _step_refused(found, content_key, form)
    return done(found, _("The step was recorded."), "procedure")


def _step_refused(found: Case, content_key: bytes, form: ProcedureForm) -> ResponseReturnValue:
    """The page again, opened at the refused step (its ``#step-…`` anchor is the form's action),
    with its form open, what was entered still in it, and why: above the form and at the field."""
    if form.refusal and form.action not in procedure.allowed_actions(found.status, staff().user.role_set):
        flash(form.refusal, "error")  # the step has no form on the page to show it at
    page_forms = {"steps": step_forms(found, staff(), form)}
    return render_case(found, content_key, forms=page_forms, status=400)


@blueprint.get("/cases/<number>/files/<uid>")
@requires_roles(HANDLER_ROLES)
def download(number: str, uid: str) -> ResponseReturnValue:
    found, content_key = open_case(number)
    database = db.session()
    try:
        meta, stream = evidence.open_attachment(
            database,
            found,
            content_key,
            uid,
            settings.upload_dir(),
            staff().user,
        )
    except cases.CaseNotFound:
        abort(404)
    except evidence.AttachmentUnavailable:
        database.rollback()
        return render_template("staff/file_unavailable.html", case=found), 500
    database.commit()
    return Response(
        stream,
        mimetype="application/octet-stream",
        headers={
            "Content-Disposition": evidence.content_disposition(meta.filename),
            "Content-Length": str(meta.size),
        },
    )
