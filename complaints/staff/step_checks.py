"""Whether a procedure step may be recorded as entered: the table's status and roles, the date,
every field it needs, and the guard its row names (a condition on the case beyond its status).

Each check raises :class:`CaseActionRefused` with a reason that names what to change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from complaints import clocks, procedure
from complaints.models import Case
from complaints.procedure import (
    CODE_CHOICES,
    DATE_FIELDS,
    OPTIONAL_FIELDS,
    TEXT_FIELDS,
    Action,
    Field,
    Status,
)
from complaints.staff import protection
from complaints.staff.refusals import CaseActionRefused
from complaints.workspace.sessions import StaffContext


@dataclass(frozen=True)
class StepInput:
    """One procedure step as the officer entered it."""

    action: Action
    event_on: date
    order_number: str = ""
    note: str = ""
    message: str = ""
    codes: Mapping[str, str] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)
    dates: Mapping[str, date | None] = field(default_factory=dict)

    def code(self, name: Field) -> str:
        return self.codes.get(name.value, "") or ""

    def date_of(self, name: Field) -> date | None:
        return self.dates.get(name.value)


@dataclass(frozen=True)
class Rules:
    """What the checks need from the settings."""

    today: date
    penalties_by_severity: Mapping[str, Sequence[str]]


def check_step(db: Session, case: Case, context: StaffContext, step: StepInput, rules: Rules) -> Status:
    """The status after the step, if it may be recorded; raises :class:`CaseActionRefused`."""
    row = procedure.step_of(step.action)
    try:
        target = procedure.next_status(case.status, step.action)
    except procedure.TransitionNotAllowed as error:
        raise CaseActionRefused("step_not_allowed") from error
    if not context.user.role_set & row.roles:
        raise CaseActionRefused("lead_only")
    if step.event_on > rules.today or step.event_on < case.submitted_on:
        raise CaseActionRefused("step_date")
    for name in row.fields:
        _check_field(name, step)
    if row.message_required and not step.message.strip():
        raise CaseActionRefused("step_message")
    for guard in row.guards:
        GUARDS[guard](db, case, step, rules)
    return target


def _check_field(name: Field, step: StepInput) -> None:
    if name is Field.CHECKLIST:
        if any(step.codes.get(question) not in ("yes", "no") for question in procedure.CHECKLIST_QUESTIONS):
            raise CaseActionRefused("step_detail")
    elif name in CODE_CHOICES:
        value = step.code(name)
        if not (value == "" and name in OPTIONAL_FIELDS) and value not in CODE_CHOICES[name]:
            raise CaseActionRefused("step_detail")
    elif name in TEXT_FIELDS:
        if name not in OPTIONAL_FIELDS and not step.texts.get(name.value, "").strip():
            raise CaseActionRefused("step_text")
    elif name in DATE_FIELDS:
        given = step.date_of(name)
        if given is None and name not in OPTIONAL_FIELDS:
            raise CaseActionRefused("step_extra_date")
        if name is Field.FIRST_MEETING_ON and given is not None and not step.event_on <= given:
            raise CaseActionRefused("first_meeting")


# --- guards: conditions beyond the status, named in the procedure table ------------------------


def _referral_open(_db: Session, case: Case, _step: StepInput, _rules: Rules) -> None:
    if case.referred_to is None:
        raise CaseActionRefused("step_not_allowed")
    if case.referral_result is not None:
        raise CaseActionRefused("referral_result_recorded")


def _notified_in_time(_db: Session, _case: Case, step: StepInput, rules: Rules) -> None:
    """The penalised official is notified on or after the order, and not in the future."""
    notified = step.date_of(Field.NOTIFIED_ON)
    if notified is None or notified < step.event_on or notified > rules.today:
        raise CaseActionRefused("notified_on")


def _outside_authority(_db: Session, _case: Case, step: StepInput, _rules: Rules) -> None:
    if step.code(Field.REFERRED_TO) not in procedure.OUTSIDE_AUTHORITIES:
        raise CaseActionRefused("outside_authority")


def _extends_investigation(db: Session, case: Case, step: StepInput, _rules: Rules) -> None:
    clock = clocks.running(db, case, "disciplinary_investigation")
    new_due = step.date_of(Field.NEW_DUE_ON)
    if clock is None or new_due is None or new_due <= clock.due_on:
        raise CaseActionRefused("extension_date")


def _penalty_fits_severity(_db: Session, _case: Case, step: StepInput, rules: Rules) -> None:
    allowed = procedure.penalties_for(step.code(Field.SEVERITY_FOUND), rules.penalties_by_severity)
    if step.code(Field.PENALTY) not in allowed:
        raise CaseActionRefused("penalty_severity")


def _copy_due(db: Session, case: Case, _step: StepInput, _rules: Rules) -> None:
    if clocks.running(db, case, "copy_to_nacc") is None:
        raise CaseActionRefused("copy_not_due")


def _within_appeal_window(db: Session, case: Case, step: StepInput, _rules: Rules) -> None:
    window = clocks.running(db, case, "appeal_window")
    if window is None or step.event_on > window.due_on:
        raise CaseActionRefused("appeal_too_late")


def _appeal_window_over(db: Session, case: Case, step: StepInput, _rules: Rules) -> None:
    window = clocks.running(db, case, "appeal_window")
    if case.status == Status.PENALTY_ORDERED and window is not None and step.event_on <= window.due_on:
        raise CaseActionRefused("appeal_window_open")


def _appeal_penalty(_db: Session, case: Case, step: StepInput, rules: Rules) -> None:
    result, penalty = step.code(Field.APPEAL_RESULT), step.code(Field.PENALTY)
    if result != "reduced":
        if penalty:
            raise CaseActionRefused("appeal_no_penalty")
        return
    allowed = {code for codes in rules.penalties_by_severity.values() for code in codes}
    current = case.penalty or ""
    if (
        penalty not in allowed
        or current not in procedure.PENALTIES
        or not procedure.is_lighter(penalty, current)
    ):
        raise CaseActionRefused("appeal_lighter")


def _no_criminal_referral(_db: Session, case: Case, _step: StepInput, _rules: Rules) -> None:
    if case.criminal_referral:
        raise CaseActionRefused("criminal_already")


def _criminal_referral_open(_db: Session, case: Case, _step: StepInput, _rules: Rules) -> None:
    if not case.criminal_referral or case.criminal_outcome is not None:
        raise CaseActionRefused("criminal_not_open")


def _protection_cleared(db: Session, case: Case, _step: StepInput, _rules: Rules) -> None:
    protection.require_cleared(db, case)


def _retaliation_reported(db: Session, case: Case, _step: StepInput, _rules: Rules) -> None:
    if clocks.running(db, case, "retaliation_referral") is None:
        raise CaseActionRefused("no_retaliation")


def _final_feedback_missed(db: Session, case: Case, _step: StepInput, rules: Rules) -> None:
    clock = clocks.running(db, case, "final_feedback")
    if clock is None or clock.due_on >= rules.today:
        raise CaseActionRefused("delay_not_due")


Guard = Callable[[Session, Case, StepInput, Rules], None]
GUARDS: dict[str, Guard] = {
    "referral_open": _referral_open,
    "outside_authority": _outside_authority,
    "notified_in_time": _notified_in_time,
    "extends_investigation": _extends_investigation,
    "penalty_fits_severity": _penalty_fits_severity,
    "copy_due": _copy_due,
    "within_appeal_window": _within_appeal_window,
    "appeal_window_over": _appeal_window_over,
    "appeal_penalty": _appeal_penalty,
    "no_criminal_referral": _no_criminal_referral,
    "criminal_referral_open": _criminal_referral_open,
    "final_feedback_missed": _final_feedback_missed,
    "protection_cleared": _protection_cleared,
    "retaliation_reported": _retaliation_reported,
}
