"""What every view of one case shares: opening it (key first, then the number), its page with
every form in place, and the answers after an action (refused in place, or done and redirected).

A case exists only for people who hold a usable legal unit key and are not excluded from it:
without the key there is no case page, no metadata, no list of exclusions and no action on it,
except declaring one's own conflict of interest (which can only hide the case from oneself).
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from complaints import cases, clocks, db, keys, procedure, settings
from complaints.dates import today, typed_day, utcnow
from complaints.i18n import gettext as _
from complaints.models import Case
from complaints.staff import assignment, case_access, case_page, protection, reveal_history, reveals
from complaints.staff.forms import (
    AssignForm,
    ConflictForm,
    ExcludeForm,
    LiftExclusionForm,
    NoteForm,
    ReplyForm,
    RevealForm,
)
from complaints.staff.protection_forms import ProtectionCheckForm
from complaints.staff.refusals import REFUSALS
from complaints.staff.step_forms import ProcedureForm
from complaints.workspace import holders
from complaints.workspace.access import staff
from complaints.workspace.forms import choices
from complaints.workspace.sessions import StaffContext

# A flashed message's category "ok@notes" puts it in the case page's section "notes".
SECTION_MARK = "@"


def case_or_404(number: str) -> Case:
    try:
        found = case_access.visible_case(db.session(), number, staff().user.id)
    except cases.CaseNotFound:
        abort(404)
    if found.purged_on is not None:  # destroyed at the end of its retention period: only figures remain
        abort(make_response(render_template("staff/case_destroyed.html", case=found), 410))
    return found


def unit_key_state() -> dict[str, bool]:
    """Whether nobody at all can use the legal unit key (then asking a lead leads nowhere)."""
    return {"unit_unheld": not holders.holders(db.session(), utcnow())[keys.UNIT]}


def key_required() -> NoReturn:
    """The notice that the legal unit key is needed, and nothing about the case (403)."""
    abort(make_response(render_template("staff/key_required.html", **unit_key_state()), 403))


def open_case(number: str) -> tuple[Case, bytes]:
    """The case and its content key, for someone holding the unit key who is not excluded.

    The key is checked before the case is looked up, so without it every number answers alike.
    """
    database = db.session()
    try:
        unit_private = case_access.unit_private_key(database, staff())
    except keys.KeyringError:
        key_required()
    found = case_or_404(number)
    try:
        return found, case_access.content_key_with(database, found, unit_private)
    except keys.KeyringError:
        key_required()


def assign_form(case: Case, context: StaffContext, posted: bool = False) -> AssignForm:
    form = AssignForm() if posted else AssignForm(formdata=None, assignee=case.assigned_to_id or 0)
    people = assignment.assignable_staff(db.session(), case)
    if "lead" in context.user.role_set:
        form.assignee.choices = [(0, _("Nobody yet"))] + [
            (p.id, p.display_name or p.username) for p in people
        ]
    else:
        form.assignee.choices = [
            (p.id, p.display_name or p.username) for p in people if p.id == context.user.id
        ]
    return form


def exclude_form(case: Case, context: StaffContext, posted: bool = False) -> ExcludeForm:
    form = ExcludeForm() if posted else ExcludeForm(formdata=None)
    people = assignment.excludable_staff(db.session(), case, context)
    form.user.choices = choices([(str(p.id), p.display_name or p.username) for p in people])
    return form


def lift_form(case: Case, context: StaffContext, posted: bool = False) -> LiftExclusionForm:
    """Lifting an exclusion: any excluded account except one's own (nobody lifts their own)."""
    form = LiftExclusionForm() if posted else LiftExclusionForm(formdata=None)
    excluded = assignment.exclusions(db.session(), case) if "lead" in context.user.role_set else []
    form.user.choices = choices(
        [(str(row.user_id), row.name) for row in excluded if row.user_id != context.user.id]
    )
    return form


def step_forms(
    case: Case, context: StaffContext, submitted: ProcedureForm | None = None
) -> list[ProcedureForm]:
    """The forms of the steps this person may take now, with a submitted one (and its errors) in place."""
    return [
        submitted
        if submitted is not None and action == submitted.action
        else ProcedureForm(action, formdata=None, event_on=today(), notified_on=today())
        for action in procedure.allowed_actions(case.status, context.user.role_set)
    ]


def _default_forms(case: Case, context: StaffContext) -> dict[str, Any]:
    return {
        "reply": ReplyForm(formdata=None),
        "note": NoteForm(formdata=None),
        "steps": step_forms(case, context),
        "assign": assign_form(case, context),
        "exclude": exclude_form(case, context),
        "lift": lift_form(case, context),
        "conflict": ConflictForm(formdata=None),
        "reveal": RevealForm(formdata=None),
        "protection": ProtectionCheckForm(formdata=None),
    }


def render_case(
    case: Case,
    content_key: bytes,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The case page (only ever with the content key, see :func:`_open_case`); every view audited."""
    context = staff()
    database = db.session()
    content = case_page.read_case(database, case, content_key, context.user)
    names = case_page.staff_names(database, {case.assigned_to_id})
    page = {
        "case": case,
        "content": content,
        "events": content.events,
        "identity": reveals.visible_identity(database, case, context),
        "reveal_requests": reveals.case_requests(database, case, content_key),
        "decision_reason_labels": reveal_history.DECISION_REASON_LABELS,
        "may_request_reveal": reveals.may_request(case, context),
        "assignee": names.get(case.assigned_to_id or 0),
        "exclusions": assignment.exclusions(database, case) if "lead" in context.user.role_set else [],
        "public_status": procedure.public_status(case.status),
        "deadline_state": clocks.deadline_state(case.next_deadline_on, today(), settings.due_soon_days()),
        "clocks": clocks.views(database, case, today()),
        "today_typed": typed_day(today()),  # the example in the hint of the steps' date fields
        "protection": _protection_state(database, case, context),
        "forms": {**_default_forms(case, context), **(forms or {})},
    }
    database.commit()  # the audit entries and the messages now read
    return render_template("staff/case.html", **page), status


def _protection_state(database: Session, case: Case, context: StaffContext) -> dict[str, Any]:
    """The latest protection check of the case, with the NACC reference of a "protected" answer."""
    check = protection.latest_check(database, case)
    reference = ""
    if check is not None and check.answer == protection.PROTECTED:
        reference = protection.check_reference(case, check, case_access.unit_private_key(database, context))
    return {"check": check, "reference": reference}


def refused(
    case: Case, content_key: bytes, reason: str, forms: dict[str, Any] | None = None
) -> ResponseReturnValue:
    db.session().rollback()
    flash(str(REFUSALS[reason]), "error")
    return render_case(case, content_key, forms=forms, status=400)


def done(case: Case, message: str, anchor: str) -> ResponseReturnValue:
    """Commit, and go back to the section acted in; the confirmation is shown there (the page
    opens scrolled to it, so a notice at the top would go unseen)."""
    db.session().commit()
    flash(message, f"ok{SECTION_MARK}{anchor}")
    return redirect(url_for("staff.case", number=case.number, _anchor=anchor))
