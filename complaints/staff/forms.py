"""Forms of the legal unit's workspace (CSRF on every one that changes something)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, Regexp, ValidationError

from complaints.models import ORDER_NUMBER_MAX, USERNAME_MAX
from complaints.numbers import account_id
from complaints.procedure import Action
from complaints.staff import labels
from complaints.staff.auth import PASSWORD_MAX, PASSWORD_MIN
from complaints.staff.casework import LIFT_REASONS
from complaints.staff.steps import DETAIL_CHOICES, REQUIRED_DETAIL

FIELD_MAX = 2_000
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# An order or letter number: Thai or English letters, digits, spaces and / . - only.
REFERENCE_MAX = 80
REFERENCE_PATTERN = r"^[A-Za-z0-9\u0e01-\u0e5b /.\-]*$"
# WTForms has no Thai catalogue: every message it could show is given here.
REQUIRED = _l("Please fill in this field.")
NOT_A_CHOICE = _l("Choose one of the listed options.")
NOT_A_DATE = _l("Enter a date (day, month and year).")
NOT_AN_EMAIL = _l("Enter a valid e-mail address.")


def required() -> InputRequired:
    """A required field with a translated message."""
    return InputRequired(message=REQUIRED)


def at_most(count: int) -> Length:
    """A length limit with a translated message."""
    return Length(max=count, message=_l("At most %(max)d characters."))


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class StaffForm(FlaskForm):  # type: ignore[misc]  # flask-wtf ships no type hints
    """Base of the workspace's forms."""


class TextLimit:
    """At most ``MAX_TEXT_CHARS`` characters (a setting), checked at validation time."""

    def __call__(self, _form: Any, field: Any) -> None:
        limit = int(current_app.config["MAX_TEXT_CHARS"])
        if field.data and len(field.data) > limit:
            raise ValidationError(str(_l("At most %(count)s characters.", count=limit)))


def _choices(mapping: dict[str, Any], codes: tuple[str, ...]) -> list[SelectChoice]:
    """Choices with lazy labels: translated when the form is rendered, not when it is defined."""
    return [SelectChoice(code, mapping.get(code, code)) for code in codes]


class LoginForm(StaffForm):
    """Username, password and the authenticator code (field names are a published contract)."""

    username = StringField(
        _l("Username"),
        validators=[required(), at_most(USERNAME_MAX)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[required(), at_most(PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    totp = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[required(), at_most(16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    next = HiddenField()


class PasswordForm(StaffForm):
    """A new password (with the current one, except on the forced first change)."""

    current_password = PasswordField(
        _l("Current password"), validators=[Optional()], render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            required(),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l("Use at least %(min)s characters.", min=PASSWORD_MIN),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[required(), EqualTo("new_password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class QueueFilterForm(StaffForm):
    """The queue's filters (a GET form: no CSRF, nothing changes)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), invalid_choice_message=NOT_A_CHOICE, validate_choice=True)
    category = SelectField(_l("Category"), invalid_choice_message=NOT_A_CHOICE)
    department = SelectField(_l("Department concerned"), invalid_choice_message=NOT_A_CHOICE)
    deadline = SelectField(_l("Deadline"), invalid_choice_message=NOT_A_CHOICE)
    fy = SelectField(_l("Fiscal year"), invalid_choice_message=NOT_A_CHOICE)
    sort = SelectField(_l("Order"), invalid_choice_message=NOT_A_CHOICE)
    mine = BooleanField(_l("Only cases assigned to me"))
    number = StringField(
        _l("Case number"), validators=[Optional(), at_most(40)], render_kw={"placeholder": "2569-0001"}
    )
    page = IntegerField(validators=[Optional()], invalid_value_message=NOT_A_CHOICE)


class ReplyForm(StaffForm):
    """A message to the reporter."""

    body = TextAreaField(_l("Message to the reporter"), validators=[required(), TextLimit()], id="reply-body")


class NoteForm(StaffForm):
    """An internal note."""

    body = TextAreaField(_l("Internal note"), validators=[required(), TextLimit()], id="note-body")


class ProcedureForm(StaffForm):
    """One procedure action; only the fields that action needs are kept."""

    event_on = DateField(_l("Date of this step"), validators=[required()], invalid_value_message=NOT_A_DATE)
    order_number = StringField(
        _l("Order or letter number (optional)"), validators=[Optional(), at_most(ORDER_NUMBER_MAX)]
    )
    reason = SelectField(
        _l("Reason"),
        invalid_choice_message=NOT_A_CHOICE,
        choices=_choices(labels.NOT_ACCEPTED_REASON_LABELS, DETAIL_CHOICES["reason"]),
    )
    referred_to = SelectField(
        _l("Referred to"),
        invalid_choice_message=NOT_A_CHOICE,
        choices=_choices(labels.REFERRAL_BODY_LABELS, DETAIL_CHOICES["referred_to"]),
    )
    severity = SelectField(
        _l("Severity"),
        invalid_choice_message=NOT_A_CHOICE,
        choices=_choices(labels.SEVERITY_LABELS, DETAIL_CHOICES["severity"]),
    )
    penalty = SelectField(
        _l("Penalty"),
        invalid_choice_message=NOT_A_CHOICE,
        choices=_choices(labels.PENALTY_LABELS, DETAIL_CHOICES["penalty"]),
    )
    note = TextAreaField(_l("Internal note on this step (optional)"), validators=[Optional(), TextLimit()])
    message = TextAreaField(_l("Message to the reporter (optional)"), validators=[Optional(), TextLimit()])

    def __init__(self, action: Action, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix=action.value, **kwargs)
        self.action = action
        needed = REQUIRED_DETAIL.get(action)
        for name in ("reason", "referred_to", "severity", "penalty"):
            if name != needed:
                delattr(self, name)

    @property
    def detail(self) -> str:
        """The value of the action's extra field ('' when it has none)."""
        needed = REQUIRED_DETAIL.get(self.action)
        return str(self[needed].data) if needed else ""


class AssignForm(StaffForm):
    """Who handles the case."""

    assignee = SelectField(
        _l("Handled by"),
        invalid_choice_message=NOT_A_CHOICE,
        invalid_value_message=NOT_A_CHOICE,
        coerce=account_id,
    )


class ExcludeForm(StaffForm):
    """A lead names the staff account the report is about."""

    user = SelectField(
        _l("Staff account that is the subject of this report"),
        invalid_choice_message=NOT_A_CHOICE,
        invalid_value_message=NOT_A_CHOICE,
        coerce=account_id,
    )


class LiftExclusionForm(StaffForm):
    """A lead lets an excluded account see the case again, saying why."""

    user = SelectField(
        _l("Excluded account"),
        invalid_choice_message=NOT_A_CHOICE,
        invalid_value_message=NOT_A_CHOICE,
        coerce=account_id,
    )
    reason = SelectField(
        _l("Why the exclusion no longer applies"),
        invalid_choice_message=NOT_A_CHOICE,
        choices=_choices(labels.LIFT_REASON_LABELS, LIFT_REASONS),
    )


class ConflictForm(StaffForm):
    """Declaring one's own conflict of interest."""

    confirm = BooleanField(
        _l("I have a conflict of interest in this case and will no longer see it."),
        validators=[DataRequired()],
    )


class RevealForm(StaffForm):
    """The handler's legal reason for asking to see a reporter's identity."""

    reason = SelectField(_l("Legal reason"), invalid_choice_message=NOT_A_CHOICE, choices=[])
    reference = StringField(
        _l("Order or letter number (optional)"),
        validators=[
            Optional(),
            at_most(REFERENCE_MAX),
            Regexp(
                REFERENCE_PATTERN,
                message=_l("Use only Thai or English letters, digits, spaces and / . - in the number."),
            ),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = _choices(labels.REVEAL_REASON_LABELS, tuple(labels.REVEAL_REASON_LABELS))


class RevealDecisionForm(StaffForm):
    """The identity custodian approves or declines a reveal request (the button says which)."""


class GrantForm(StaffForm):
    """Which key to give to whom."""

    user_id = HiddenField(validators=[required()])
    kind = HiddenField(validators=[required()])


class IntakeForm(StaffForm):
    """A report that arrived offline, typed in by an officer."""

    channel = SelectField(_l("How the report arrived"), invalid_choice_message=NOT_A_CHOICE)
    received_on = DateField(_l("Date received"), validators=[required()], invalid_value_message=NOT_A_DATE)
    category = SelectField(_l("Type of misconduct"), invalid_choice_message=NOT_A_CHOICE)
    department = SelectField(_l("Department concerned"), invalid_choice_message=NOT_A_CHOICE)
    accused_name = StringField(
        _l("Name of the official concerned"), validators=[Optional(), at_most(FIELD_MAX)]
    )
    accused_position = StringField(_l("Their position"), validators=[Optional(), at_most(FIELD_MAX)])
    incident_date = StringField(_l("When it happened"), validators=[Optional(), at_most(FIELD_MAX)])
    location = StringField(_l("Where it happened"), validators=[Optional(), at_most(FIELD_MAX)])
    description = TextAreaField(_l("What happened"), validators=[required(), TextLimit()])
    amount = StringField(_l("Amount of money involved"), validators=[Optional(), at_most(FIELD_MAX)])
    witnesses = TextAreaField(_l("Witnesses"), validators=[Optional(), TextLimit()])
    reported_elsewhere = TextAreaField(
        _l("Already reported elsewhere, and the result"), validators=[Optional(), TextLimit()]
    )
    desired_action = TextAreaField(_l("What the reporter asks for"), validators=[Optional(), TextLimit()])
    disclosure = RadioField(
        _l("The reporter's identity"),
        choices=[
            SelectChoice("anonymous", _l("Anonymous: no name or contact was given")),
            SelectChoice(
                "confidential", _l("Confidential: name or contact given, sealed away from handlers")
            ),
        ],
        default="anonymous",
        invalid_choice_message=NOT_A_CHOICE,
    )
    reporter_name = StringField(_l("Reporter's name"), validators=[Optional(), at_most(200)])
    reporter_phone = StringField(_l("Reporter's telephone"), validators=[Optional(), at_most(40)])
    reporter_email = StringField(
        _l("Reporter's e-mail"),
        validators=[
            Optional(),
            at_most(254),
            Regexp(EMAIL_PATTERN, message=NOT_AN_EMAIL),
        ],
    )
    attachments = MultipleFileField(_l("Scanned letter or other evidence (optional)"))
    once = HiddenField()  # a fresh value per form, so a resubmission is not recorded twice

    def validate(self, extra_validators: Any = None) -> bool:
        """The identity fields must match the chosen disclosure mode."""
        valid = bool(super().validate(extra_validators))
        given = any(value.data for value in (self.reporter_name, self.reporter_phone, self.reporter_email))
        if self.disclosure.data == "confidential" and not given:
            self.reporter_name.errors.append(
                _l("Give at least a name, a telephone number or an e-mail address.")
            )
            return False
        if self.disclosure.data == "anonymous" and given:
            self.reporter_name.errors.append(
                _l("An anonymous report keeps no name or contact: choose confidential.")
            )
            return False
        return valid
