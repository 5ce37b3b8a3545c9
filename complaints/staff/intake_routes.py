"""The officer's offline-intake view: the shared report form, filed once, its receipt shown once."""

from __future__ import annotations

from datetime import date
from typing import cast

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from complaints import crypto, db, labels, settings
from complaints.dates import today, typed_day
from complaints.i18n import gettext as _
from complaints.reporting import evidence, filing
from complaints.staff import blueprint, intake
from complaints.staff.forms import IntakeForm
from complaints.staff.refusals import REFUSALS, CaseActionRefused
from complaints.workspace.access import HANDLER_ROLES, requires_roles, staff
from complaints.workspace.forms import choices

# The Flask session key listing the forms recorded from this browser (a refresh re-sends one).
_RECORDED_FORMS = "intake_recorded"


def _intake_form() -> IntakeForm:
    form = IntakeForm()
    form.channel.choices = choices(
        [("", _("Choose…"))]
        + [(code, labels.label(labels.CHANNEL_LABELS, code)) for code in intake.OFFLINE_CHANNELS]
    )
    if request.method == "GET":
        form.received_on.data = today()
        form.once.data = crypto.random_token(16)
    return form


def _offline_report(form: IntakeForm) -> intake.OfflineReport:
    """What the validated form says."""
    return intake.OfflineReport(
        channel=form.channel.data,
        received_on=cast(date, form.received_on.data),  # required: validation refused a missing date
        submission=filing.submission_from(form.data),
        evidence=evidence.evidence_from(form.attachments.data or []),
    )


def _already_recorded(once: str) -> bool:
    """Whether this form was recorded before (a refresh or a second click re-sends it)."""
    return bool(once) and once in session.get(_RECORDED_FORMS, [])


def _remember_recorded(once: str) -> None:
    session[_RECORDED_FORMS] = [*session.get(_RECORDED_FORMS, [])[-19:], once]


@blueprint.route("/intake", methods=["GET", "POST"], endpoint="intake")
@requires_roles(HANDLER_ROLES)
def intake_view() -> ResponseReturnValue:
    form = _intake_form()
    if request.method == "POST" and _already_recorded(str(form.once.data or "")):
        flash(_("This report was already recorded; its receipt was shown once. It is in the queue."), "info")
        return redirect(url_for("staff.queue"))
    too_much = evidence.refused_files(form.attachments.data or []) if request.method == "POST" else None
    if too_much is not None:  # the letter's text comes back with the file named; nothing is kept
        form.validate()
        form.attachments.errors = evidence.refusal_messages(too_much)
        return render_template("staff/intake.html", form=form, today_typed=typed_day(today())), 413
    if form.validate_on_submit():
        database = db.session()
        try:
            filed = intake.record_offline_report(
                database,
                _offline_report(form),
                staff(),
                settings.lookup_secret(),
                today(),
                settings.deadline_days(),
                settings.intake_oldest_days(),
                settings.reference_key(),
            )
        except CaseActionRefused as refusal:
            database.rollback()
            form.received_on.errors = [str(REFUSALS[refusal.reason])]
        else:
            _remember_recorded(str(form.once.data or ""))
            return render_template(
                "staff/intake_receipt.html", case=filed.case, receipt=filed.formatted_receipt
            )
    status = 400 if request.method == "POST" else 200
    return render_template("staff/intake.html", form=form, today_typed=typed_day(today())), status
