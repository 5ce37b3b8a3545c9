"""The form of one procedure step, built from its row of the procedure table: a date, an optional
order number, the fields the step records, an internal note and an optional message."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from complaints import labels, procedure
from complaints.i18n import lazy_gettext as _l
from complaints.models import ORDER_NUMBER_MAX
from complaints.procedure import CODE_CHOICES, Action, Field
from complaints.staff.step_checks import StepInput
from complaints.workspace.forms import NOT_A_CHOICE, StaffForm, TextLimit, TypedDateField, at_most, required

# The label table of each code field, and what each field is called on the form.
CODE_LABELS: dict[Field, dict[str, Any]] = {
    Field.REASON: labels.NOT_ACCEPTED_REASON_LABELS,
    Field.CLOSE_REASON: labels.CLOSE_REASON_LABELS,
    Field.REFERRED_TO: labels.REFERRAL_BODY_LABELS,
    Field.REFERRAL_RESULT: labels.REFERRAL_RESULT_LABELS,
    Field.FINDING_BODY: labels.REFERRAL_BODY_LABELS,
    Field.SEVERITY: labels.SEVERITY_LABELS,
    Field.SEVERITY_FOUND: labels.SEVERITY_LABELS,
    Field.PENALTY: labels.PENALTY_LABELS,
    Field.APPEAL_RESULT: labels.APPEAL_RESULT_LABELS,
    Field.CRIMINAL_BODY: labels.REFERRAL_BODY_LABELS,
    Field.CRIMINAL_OUTCOME: labels.CRIMINAL_OUTCOME_LABELS,
    Field.EXECUTIVE_OFFICE: labels.EXECUTIVE_SUBJECT_LABELS,
}
FIELD_LABELS: dict[Field, Any] = {
    Field.REASON: _l("Reason"),
    Field.CLOSE_REASON: _l("Why the case is closed"),
    Field.REFERRED_TO: _l("Referred to"),
    Field.REFERRAL_RESULT: _l("What the other agency decided"),
    Field.FINDING_BODY: _l("Finding made by"),
    Field.SEVERITY: _l("Severity"),
    Field.SEVERITY_FOUND: _l("Severity found"),
    Field.PENALTY: _l("Penalty"),
    Field.APPEAL_RESULT: _l("Result of the appeal"),
    Field.CRIMINAL_BODY: _l("Criminal complaint sent to"),
    Field.CRIMINAL_OUTCOME: _l("Outcome of the criminal case"),
    Field.LETTER_NUMBER: _l("Letter number"),
    Field.EXECUTIVE_OFFICE: _l("The report concerns"),
    Field.COMMITTEE: _l("Committee members (name and position, one per line)"),
    Field.REASON_TEXT: _l("Reason, in words"),
    Field.OUTCOME_TEXT: _l("The decision in words (optional)"),
    Field.NEW_DUE_ON: _l("New end date"),
    Field.FIRST_MEETING_ON: _l("Date of the committee's first meeting (the 180 days count from it)"),
    Field.NOTIFIED_ON: _l("Date the official was notified of the order (the appeal window starts)"),
}
QUESTION_LABELS = labels.CHECKLIST_QUESTION_LABELS
# The field a refusal is about, so its message is shown at that field too.
REFUSAL_FIELDS: dict[str, str] = {
    "step_date": "event_on",
    "step_message": "message",
    "notified_on": Field.NOTIFIED_ON.value,
    "first_meeting": Field.FIRST_MEETING_ON.value,
    "extension_date": Field.NEW_DUE_ON.value,
    "penalty_severity": Field.PENALTY.value,
    "appeal_no_penalty": Field.PENALTY.value,
    "appeal_lighter": Field.PENALTY.value,
    "outside_authority": Field.REFERRED_TO.value,
}
# Refusals about "a field of this kind left empty": the first such field shown is marked.
EMPTY_FIELD_REFUSALS: dict[str, frozenset[str]] = {
    "step_text": frozenset(name.value for name in procedure.TEXT_FIELDS),
    "step_extra_date": frozenset(name.value for name in procedure.DATE_FIELDS),
    "step_detail": frozenset(name.value for name in CODE_CHOICES) | frozenset(QUESTION_LABELS),
}
YES_NO = [SelectChoice(code, text) for code, text in labels.CHECKLIST_ANSWER_LABELS.items()]


def _code_field(name: Field) -> SelectField:
    options = [SelectChoice(code, CODE_LABELS[name].get(code, code)) for code in CODE_CHOICES[name]]
    optional = name in procedure.OPTIONAL_FIELDS
    if optional:  # left out or "None"; whether it may be empty is the step's own check
        options.insert(0, SelectChoice("", _l("None")))
    return SelectField(
        FIELD_LABELS[name], choices=options, invalid_choice_message=NOT_A_CHOICE, validate_choice=not optional
    )


def _text_field(name: Field) -> Any:
    checks = (
        [Optional(), at_most(ORDER_NUMBER_MAX)] if name is Field.LETTER_NUMBER else [Optional(), TextLimit()]
    )
    kind = StringField if name is Field.LETTER_NUMBER else TextAreaField
    return kind(FIELD_LABELS[name], validators=checks)


def _date_field(name: Field) -> TypedDateField:
    return TypedDateField(FIELD_LABELS[name], validators=[Optional()])


def _question(name: str) -> RadioField:
    return RadioField(QUESTION_LABELS[name], choices=YES_NO, invalid_choice_message=NOT_A_CHOICE)


class ProcedureForm(StaffForm):
    """One procedure action; only the fields its table row names are kept (see :meth:`__init__`)."""

    # Dates are typed in B.E., as on the orders and letters they are copied from (2/12/2569).
    event_on = TypedDateField(_l("Date of this step"), validators=[required()])
    order_number = StringField(
        _l("Order number (optional)"), validators=[Optional(), at_most(ORDER_NUMBER_MAX)]
    )
    note = TextAreaField(_l("Internal note on this step (optional)"), validators=[Optional(), TextLimit()])
    message = TextAreaField(_l("Message to the reporter (optional)"), validators=[Optional(), TextLimit()])

    def __init__(self, action: Action, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix=action.value, **kwargs)
        self.action = action
        self.refusal = ""  # why the step was refused, shown at the step
        self.fields_shown = self.visible_fields(action)
        for name in [*(field.value for field in Field if field is not Field.CHECKLIST), *QUESTION_LABELS]:
            if name not in self.fields_shown:
                delattr(self, name)
        if procedure.step_of(action).message_required:
            self.message.label.text = _l("Message to the reporter: what you need from them")

    @staticmethod
    def visible_fields(action: Action) -> list[str]:
        """The names of the step's own fields, in the table's order."""
        names: list[str] = []
        for name in procedure.step_of(action).fields:
            names += list(QUESTION_LABELS) if name is Field.CHECKLIST else [name.value]
        return names

    def refused_field(self, reason: str) -> str | None:
        """The name of the field on this form that a refusal is about, if it shows one."""
        if reason in REFUSAL_FIELDS:
            name = REFUSAL_FIELDS[reason]
            return name if name in self else None
        kind = EMPTY_FIELD_REFUSALS.get(reason, frozenset())
        return next((name for name in self.fields_shown if name in kind and not self[name].data), None)

    def place_refusal(self, reason: str, message: str) -> None:
        """Show why the step was refused at the top of its form and at the field concerned."""
        self.refusal = message
        name = self.refused_field(reason)
        if name is not None:
            self[name].errors = [*self[name].errors, message]

    def step_input(self) -> StepInput:
        """What the officer entered, for :func:`complaints.staff.steps.record_step`."""
        shown = set(self.fields_shown)
        codes: dict[str, str] = {
            name.value: self[name.value].data or "" for name in CODE_CHOICES if name.value in shown
        }
        codes.update(
            {question: self[question].data or "" for question in QUESTION_LABELS if question in shown}
        )
        texts: dict[str, str] = {
            name.value: self[name.value].data or "" for name in procedure.TEXT_FIELDS if name.value in shown
        }
        dates: dict[str, date | None] = {
            name.value: self[name.value].data for name in procedure.DATE_FIELDS if name.value in shown
        }
        return StepInput(
            action=self.action,
            event_on=cast(date, self.event_on.data),  # required: validation refused a missing date
            order_number=(self.order_number.data or "").strip(),
            note=self.note.data or "",
            message=self.message.data or "",
            codes=codes,
            texts=texts,
            dates=dates,
        )


def _every_step_field() -> dict[str, Any]:
    """Every field any step records; each form keeps only its own."""
    fields: dict[str, Any] = {name.value: _code_field(name) for name in CODE_CHOICES}
    fields.update({name.value: _text_field(name) for name in procedure.TEXT_FIELDS})
    fields.update({name.value: _date_field(name) for name in procedure.DATE_FIELDS})
    fields.update({question: _question(question) for question in procedure.CHECKLIST_QUESTIONS})
    return fields


for _name, _unbound in _every_step_field().items():
    setattr(ProcedureForm, _name, _unbound)  # WTForms' form class takes new fields this way
