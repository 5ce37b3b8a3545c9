"""Forms of the legal unit's workspace (CSRF on every one that changes something)."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, Regexp

from complaints import labels
from complaints.i18n import lazy_gettext as _l
from complaints.models import USERNAME_MAX
from complaints.numbers import account_id
from complaints.reporting.fields import IdentityFields, OneOf, ReportFields
from complaints.staff import reveal_history
from complaints.staff.assignment import LIFT_REASONS
from complaints.workspace.forms import (
    NOT_A_CHOICE,
    StaffForm,
    TextLimit,
    TypedDateField,
    at_most,
    labelled_choices,
    required,
)
from complaints.workspace.login import PASSWORD_MAX, PASSWORD_MIN

# An order or letter number: Thai or English letters, digits, spaces and / . - only.
REFERENCE_MAX = 80
REFERENCE_PATTERN = r"^[A-Za-z0-9\u0e01-\u0e5b /.\-]*$"


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


class WelcomeForm(StaffForm):
    """The printed invitation: the username and its code."""

    username = StringField(
        _l("Username"),
        validators=[required(), at_most(USERNAME_MAX)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    code = StringField(
        _l("Invitation code"),
        validators=[required(), at_most(64)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class OwnPasswordForm(StaffForm):
    """An invited person's own new password."""

    token = HiddenField(validators=[required(), at_most(128)])
    new_password = PasswordForm.new_password
    confirm = PasswordForm.confirm


class CurrentPasswordForm(StaffForm):
    """An invited person resetting only their authenticator types their password first."""

    token = HiddenField(validators=[required(), at_most(128)])
    current_password = PasswordField(
        _l("Your current password"),
        validators=[required(), at_most(PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )


class AuthenticatorForm(StaffForm):
    """The first code from the authenticator app just scanned."""

    token = HiddenField(validators=[required(), at_most(128)])
    totp = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[required(), at_most(16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
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
    # The placeholder, an example number of the current fiscal year, is set by the view.
    number = StringField(_l("Case, order or letter number"), validators=[Optional(), at_most(80)])
    page = IntegerField(validators=[Optional()], invalid_value_message=NOT_A_CHOICE)


class ReplyForm(StaffForm):
    """A message to the reporter."""

    body = TextAreaField(_l("Message to the reporter"), validators=[required(), TextLimit()], id="reply-body")


class NoteForm(StaffForm):
    """An internal note."""

    body = TextAreaField(_l("Internal note"), validators=[required(), TextLimit()], id="note-body")


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
        choices=labelled_choices(labels.LIFT_REASON_LABELS, LIFT_REASONS),
    )


class ConflictForm(StaffForm):
    """Declaring one's own conflict of interest."""

    confirm = BooleanField(
        _l("I have a conflict of interest in this case and will no longer see it."),
        validators=[DataRequired()],
    )


def _reference_validators() -> list[Any]:
    """An optional order or letter number: bounded, and only the characters such numbers use."""
    return [
        Optional(),
        at_most(REFERENCE_MAX),
        Regexp(
            REFERENCE_PATTERN,
            message=_l("Use only Thai or English letters, digits, spaces and / . - in the number."),
        ),
    ]


class RevealForm(StaffForm):
    """The handler's legal reason for asking to see a reporter's identity."""

    reason = SelectField(_l("Legal reason"), invalid_choice_message=NOT_A_CHOICE, choices=[])
    reference = StringField(
        _l("Order or letter number (optional)"),
        validators=_reference_validators(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = labelled_choices(
            labels.REVEAL_REASON_LABELS, tuple(labels.REVEAL_REASON_LABELS)
        )


class RevealDecisionForm(StaffForm):
    """Only the CSRF token: the custodian's one-click actions on the reveal page."""


CHOOSE_A_REASON = _l("Choose the reason for your decision from the list.")


class DecisionReasonForm(StaffForm):
    """The identity custodian approves or declines a reveal request, with the reason why."""

    DECISION = reveal_history.APPROVED
    because = SelectField(
        _l("Reason for the decision"),
        validators=[InputRequired(message=CHOOSE_A_REASON)],
        invalid_choice_message=CHOOSE_A_REASON,
        choices=[],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = reveal_history.DECISION_REASONS[self.DECISION]
        self.because.choices = [
            SelectChoice("", _l("Choose…")),
            *labelled_choices(reveal_history.DECISION_REASON_LABELS, codes),
        ]


class ApproveRevealForm(DecisionReasonForm):
    """Approve, and why."""


class DeclineRevealForm(DecisionReasonForm):
    """Decline, and why."""

    DECISION = reveal_history.DECLINED


class GrantForm(StaffForm):
    """Which key to give to whom."""

    user_id = HiddenField(validators=[required()])
    kind = HiddenField(validators=[required()])
    compared = BooleanField(
        _l("I compared this key fingerprint in person with the one the colleague sees on their own page"),
        validators=[DataRequired(message=_l("Compare the fingerprint with the colleague in person first."))],
    )


class RevokeForm(StaffForm):
    """Whose keys to take back (a lead's one-step offboarding)."""

    user_id = HiddenField(validators=[required()])
    confirm = BooleanField(
        _l("Take back every key this person holds and log them out"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class IntakeForm(ReportFields, IdentityFields, StaffForm):
    """A report that arrived offline, typed in by an officer: the citizen's fields, in the
    officer's words, plus how and when it arrived."""

    # Nothing is chosen for the officer: a hurried default would file the report wrongly.
    channel = SelectField(
        _l("How the report arrived"),
        validate_choice=False,
        validators=[OneOf(_l("Choose how the report arrived."))],
    )
    received_on = TypedDateField(_l("Date received"), validators=[required()])
    # The municipality's registration number of the incoming letter (เลขที่หนังสือรับ): sealed with
    # the report, and found from the queue's search box by its keyed hash.
    letter_number = StringField(
        _l("Incoming letter number (optional)"),
        validators=_reference_validators(),
    )
    once = HiddenField()  # a fresh value per form, so a resubmission is not recorded twice

    LABELS: dict[str, Any] = {
        "category": _l("Type of misconduct"),
        "department": _l("Department concerned"),
        "accused_name": _l("Name of the official concerned"),
        "accused_position": _l("Their position"),
        "incident_date": _l("When it happened"),
        "location": _l("Where it happened"),
        "description": _l("What happened"),
        "amount": _l("Amount of money involved"),
        "witnesses": _l("Witnesses"),
        "reported_elsewhere": _l("Already reported elsewhere, and the result"),
        "desired_action": _l("What the reporter asks for"),
        "executive_subject": _l("Is the subject the mayor, a deputy mayor or the municipal clerk?"),
        "attachments": _l("Scanned letter or other evidence (optional)"),
        "disclosure": _l("The reporter's identity"),
        "reporter_name": _l("Reporter's name"),
        "reporter_phone": _l("Reporter's telephone"),
        "reporter_email": _l("Reporter's e-mail"),
    }
    DISCLOSURE_CHOICES: dict[str, Any] = {
        "anonymous": _l("Anonymous: no name or contact was given"),
        "confidential": _l("Confidential: name or contact given, sealed away from handlers"),
    }
    IDENTITY_MISSING = _l("Give at least a name, a telephone number or an e-mail address.")
    IDENTITY_UNWANTED = _l("An anonymous report keeps no name or contact: choose confidential.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer_choices()
        for name, text in self.LABELS.items():
            self[name].label.text = text
        self.disclosure.choices = [SelectChoice(code, text) for code, text in self.DISCLOSURE_CHOICES.items()]

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks, then the identity rule (an identity exactly when confidential)."""
        valid = bool(super().validate(extra_validators))
        return self.identity_matches_disclosure() and valid
