"""Views of one case: the decrypted report, evidence, the thread with the reporter, internal
notes, procedure steps, assignment, exclusions and the request to reveal the identity.

A case exists only for people who hold a usable legal unit key and are not excluded from it:
without the key there is no case page, no metadata, no list of exclusions and no action on it,
except declaring one's own conflict of interest (which can only hide the case from oneself).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from flask import Response, abort, current_app, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from complaints import cases, db, keys, notifications, procedure
from complaints.dates import today, utcnow
from complaints.models import Case
from complaints.procedure import Action
from complaints.staff import blueprint, casework, evidence, identity, steps
from complaints.staff.auth import HANDLER_ROLES, LEGAL_ROLES, StaffContext, requires_roles, staff
from complaints.staff.forms import (
    AssignForm,
    ConflictForm,
    ExcludeForm,
    LiftExclusionForm,
    NoteForm,
    ProcedureForm,
    ReplyForm,
    RevealForm,
    choices,
)
from complaints.staff.routes import REFUSALS


def _case_or_404(number: str) -> Case:
    try:
        return casework.visible_case(db.session(), number, staff().user.id)
    except cases.CaseNotFound:
        abort(404)


def _key_required() -> NoReturn:
    """The notice that the legal unit key is needed, and nothing about the case (403)."""
    abort(make_response(render_template("staff/key_required.html"), 403))


def _open_case(number: str) -> tuple[Case, bytes]:
    """The case and its content key, for someone holding the unit key who is not excluded.

    The key is checked before the case is looked up, so without it every number answers alike.
    """
    database = db.session()
    try:
        unit_private = casework.unit_private_key(database, staff())
    except keys.KeyringError:
        _key_required()
    found = _case_or_404(number)
    try:
        return found, casework.content_key_with(database, found, unit_private)
    except keys.KeyringError:
        _key_required()


def _assign_form(case: Case, context: StaffContext, posted: bool = False) -> AssignForm:
    form = AssignForm() if posted else AssignForm(formdata=None, assignee=case.assigned_to_id or 0)
    people = casework.assignable_staff(db.session(), case)
    if "lead" in context.user.role_set:
        form.assignee.choices = [(0, _("Nobody yet"))] + [
            (p.id, p.display_name or p.username) for p in people
        ]
    else:
        form.assignee.choices = [
            (p.id, p.display_name or p.username) for p in people if p.id == context.user.id
        ]
    return form


def _exclude_form(case: Case, context: StaffContext, posted: bool = False) -> ExcludeForm:
    form = ExcludeForm() if posted else ExcludeForm(formdata=None)
    people = casework.excludable_staff(db.session(), case, context)
    form.user.choices = choices([(str(p.id), p.display_name or p.username) for p in people])
    return form


def _lift_form(case: Case, context: StaffContext, posted: bool = False) -> LiftExclusionForm:
    """Lifting an exclusion: any excluded account except one's own (nobody lifts their own)."""
    form = LiftExclusionForm() if posted else LiftExclusionForm(formdata=None)
    excluded = casework.exclusions(db.session(), case) if "lead" in context.user.role_set else []
    form.user.choices = choices(
        [(str(row.user_id), row.name) for row in excluded if row.user_id != context.user.id]
    )
    return form


def _default_forms(case: Case, context: StaffContext) -> dict[str, Any]:
    return {
        "reply": ReplyForm(formdata=None),
        "note": NoteForm(formdata=None),
        "steps": [
            ProcedureForm(action, formdata=None, event_on=today())
            for action in procedure.allowed_actions(case.status)
        ],
        "assign": _assign_form(case, context),
        "exclude": _exclude_form(case, context),
        "lift": _lift_form(case, context),
        "conflict": ConflictForm(formdata=None),
        "reveal": RevealForm(formdata=None),
    }


def _render_case(
    case: Case,
    content_key: bytes,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The case page (only ever with the content key, see :func:`_open_case`); every view audited."""
    context = staff()
    database = db.session()
    content = casework.read_case(database, case, content_key, context.user)
    names = casework.staff_names(database, {case.assigned_to_id})
    page = {
        "case": case,
        "content": content,
        "events": content.events,
        "identity": identity.visible_identity(database, case, context),
        "reveal_requests": identity.case_requests(database, case),
        "may_request_reveal": identity.may_request(case, context),
        "assignee": names.get(case.assigned_to_id or 0),
        "exclusions": casework.exclusions(database, case) if "lead" in context.user.role_set else [],
        "public_status": procedure.public_status(case.status),
        "deadline_state": procedure.deadline_state(
            case.next_deadline_on, today(), int(current_app.config["DUE_SOON_DAYS"])
        ),
        "forms": {**_default_forms(case, context), **(forms or {})},
    }
    database.commit()  # the audit entries and the messages now read
    return render_template("staff/case.html", **page), status


def _refused(
    case: Case, content_key: bytes, reason: str, forms: dict[str, Any] | None = None
) -> ResponseReturnValue:
    db.session().rollback()
    flash(str(REFUSALS[reason]), "error")
    return _render_case(case, content_key, forms=forms, status=400)


def _done(case: Case, message: str, anchor: str) -> ResponseReturnValue:
    db.session().commit()
    flash(message, "ok")
    return redirect(url_for("staff.case", number=case.number, _anchor=anchor))


@blueprint.get("/cases/<number>")
@requires_roles(LEGAL_ROLES)
def case(number: str) -> ResponseReturnValue:
    return _render_case(*_open_case(number))


@blueprint.post("/cases/<number>/reply")
@requires_roles(HANDLER_ROLES)
def reply(number: str) -> ResponseReturnValue:
    found, content_key = _open_case(number)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _render_case(found, content_key, forms={"reply": form}, status=400)
    casework.send_reply(
        db.session(),
        found,
        content_key,
        staff(),
        form.body.data,
        today(),
        current_app.config["DEADLINE_DAYS"],
    )
    return _done(found, _("Your message was sent. The reporter sees it on their follow-up page."), "thread")


@blueprint.post("/cases/<number>/notes")
@requires_roles(HANDLER_ROLES)
def add_note(number: str) -> ResponseReturnValue:
    found, content_key = _open_case(number)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_case(found, content_key, forms={"note": form}, status=400)
    casework.add_note(db.session(), found, content_key, staff(), form.body.data, utcnow())
    return _done(found, _("The internal note was saved."), "notes")


@blueprint.post("/cases/<number>/steps/<action>")
@requires_roles(HANDLER_ROLES)
def procedure_step(number: str, action: str) -> ResponseReturnValue:
    found, content_key = _open_case(number)
    try:
        chosen = Action(action)
    except ValueError:
        abort(404)
    form = ProcedureForm(chosen)
    if not form.validate_on_submit():
        return _render_case(found, content_key, forms={"steps": _steps_with(found, form)}, status=400)
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
            current_app.config["DEADLINE_DAYS"],
        )
    except casework.CaseActionRefused as refusal:
        return _refused(found, content_key, refusal.reason, {"steps": _steps_with(found, form)})
    return _done(found, _("The step was recorded."), "procedure")


def _steps_with(found: Case, submitted: ProcedureForm) -> list[ProcedureForm]:
    """The step forms of the page, with the submitted one (and its errors) in its place."""
    return [
        submitted if action == submitted.action else ProcedureForm(action, formdata=None, event_on=today())
        for action in procedure.allowed_actions(found.status)
    ]


@blueprint.post("/cases/<number>/assign")
@requires_roles(HANDLER_ROLES)
def assign(number: str) -> ResponseReturnValue:
    found, content_key = _open_case(number)
    context = staff()
    form = _assign_form(found, context, posted=True)
    if not form.validate_on_submit():
        return _render_case(found, content_key, forms={"assign": form}, status=400)
    try:
        assignee = casework.assign(db.session(), found, context, form.assignee.data or None)
    except casework.CaseActionRefused as refusal:
        return _refused(found, content_key, refusal.reason)
    response = _done(found, _("The case assignment was saved."), "assignment")
    if assignee is not None and assignee.id != context.user.id:
        notifications.notify_assigned(current_app._get_current_object(), assignee.id)  # type: ignore[attr-defined]
    return response


@blueprint.post("/cases/<number>/conflict")
@requires_roles(LEGAL_ROLES)
def declare_conflict(number: str) -> ResponseReturnValue:
    found = _case_or_404(number)  # no key needed: a declaration can only hide the case from oneself
    form = ConflictForm()
    if not form.validate_on_submit():
        return _render_case(*_open_case(number), forms={"conflict": form}, status=400)
    try:
        casework.declare_conflict(db.session(), found, staff())
    except casework.CaseActionRefused as refusal:
        db.session().rollback()
        flash(str(REFUSALS[refusal.reason]), "error")
        return _render_case(*_open_case(number), status=400)
    db.session().commit()
    flash(_("You declared a conflict of interest. The case is hidden from you from now on."), "ok")
    return redirect(url_for("staff.queue"))


@blueprint.post("/cases/<number>/exclude")
@requires_roles(frozenset({"lead"}))
def exclude(number: str) -> ResponseReturnValue:
    found, content_key = _open_case(number)
    form = _exclude_form(found, staff(), posted=True)
    if not form.validate_on_submit():
        return _render_case(found, content_key, forms={"exclude": form}, status=400)
    try:
        casework.exclude_subject(db.session(), found, staff(), form.user.data)
    except casework.CaseActionRefused as refusal:
        return _refused(found, content_key, refusal.reason)
    return _done(found, _("That account can no longer see this case anywhere."), "exclusions")


@blueprint.post("/cases/<number>/exclusions/lift")
@requires_roles(frozenset({"lead"}))
def lift_exclusion(number: str) -> ResponseReturnValue:
    found, content_key = _open_case(number)
    form = _lift_form(found, staff(), posted=True)
    if not form.validate_on_submit():
        return _render_case(found, content_key, forms={"lift": form}, status=400)
    try:
        casework.lift_exclusion(db.session(), found, staff(), form.user.data, form.reason.data)
    except casework.CaseActionRefused as refusal:
        return _refused(found, content_key, refusal.reason)
    return _done(found, _("The exclusion was lifted: that account can see this case again."), "exclusions")


@blueprint.post("/cases/<number>/reveal")
@requires_roles(HANDLER_ROLES)
def reveal(number: str) -> ResponseReturnValue:
    """Ask the identity custodian for the reporter's identity; the reporter is told now."""
    found, content_key = _open_case(number)
    form = RevealForm()
    if not form.validate_on_submit():
        return _render_case(found, content_key, forms={"reveal": form}, status=400)
    asked = identity.RevealAsked(
        reason=form.reason.data, reference=(form.reference.data or "").strip(), on=today()
    )
    try:
        identity.request_reveal(db.session(), found, content_key, staff(), asked)
    except casework.CaseActionRefused as refusal:
        return _refused(found, content_key, refusal.reason, {"reveal": form})
    return _done(
        found,
        _("Your request was recorded and the reporter was told. The identity custodian will decide on it."),
        "identity",
    )


@blueprint.get("/cases/<number>/files/<uid>")
@requires_roles(HANDLER_ROLES)
def download(number: str, uid: str) -> ResponseReturnValue:
    found, content_key = _open_case(number)
    database = db.session()
    try:
        meta, stream = evidence.open_attachment(
            database,
            found,
            content_key,
            uid,
            Path(current_app.config["UPLOAD_DIR"]),
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
