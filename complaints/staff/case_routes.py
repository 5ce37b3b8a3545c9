"""Views of one case: its page, a message to the reporter, an internal note, a procedure step,
and downloading an evidence file. Assignment and exclusions are in :mod:`.assignment_routes`,
the identity reveal in :mod:`.reveal_routes`; what they share is in :mod:`.case_views`."""

from __future__ import annotations

from flask import Response, abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from complaints import cases, db, procedure, settings
from complaints.dates import today, utcnow
from complaints.models import Case
from complaints.procedure import Action
from complaints.staff import blueprint, casework, evidence, steps
from complaints.staff.case_views import done, open_case, refused, render_case
from complaints.staff.forms import NoteForm, ProcedureForm, ReplyForm
from complaints.staff.refusals import CaseActionRefused
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
        settings.deadline_days(),
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
        return render_case(found, content_key, forms={"steps": steps_with(found, form)}, status=400)
    step = steps.StepInput(
        action=chosen,
        event_on=form.event_on.data,
        order_number=(form.order_number.data or "").strip(),
        note=form.note.data or "",
        message=form.message.data or "",
        detail=form.detail,
    )
    try:
        steps.record_step(
            db.session(),
            found,
            content_key,
            staff(),
            step,
            today(),
            settings.deadline_days(),
        )
    except CaseActionRefused as refusal:
        return refused(found, content_key, refusal.reason, {"steps": steps_with(found, form)})
    return done(found, _("The step was recorded."), "procedure")


def steps_with(found: Case, submitted: ProcedureForm) -> list[ProcedureForm]:
    """The step forms of the page, with the submitted one (and its errors) in its place."""
    return [
        submitted if action == submitted.action else ProcedureForm(action, formdata=None, event_on=today())
        for action in procedure.allowed_actions(found.status)
    ]


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
