"""Forms of the administration pages."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from complaints import keys
from complaints.i18n import lazy_gettext as _l
from complaints.models import EMAIL_PATTERN, USERNAME_MAX
from complaints.workspace.forms import StaffForm, at_most, required


class RoleFields:
    """One tick box per role (a person may hold several)."""

    role_officer = BooleanField(_l("Legal officer"))
    role_lead = BooleanField(_l("Legal lead"))
    role_custodian = BooleanField(_l("Identity custodian"))
    role_admin = BooleanField(_l("Administrator"))

    def roles(self) -> frozenset[str]:
        """The ticked roles."""
        return frozenset(role for role in keys.ROLES if getattr(self, f"role_{role}").data)


class KeyLossForm(StaffForm):
    """The administrator's confirmation of an action that leaves a key with nobody able to use it."""

    asked = HiddenField()  # set on the confirmation page: an unticked box there is an error
    confirm = BooleanField(
        _l(
            "I understand that nobody will be able to use this key until it is granted again or "
            "recovered with the recovery code."
        )
    )


class RolesForm(RoleFields, KeyLossForm):
    """An account's roles, edited by an administrator (never a key)."""


class AccountForm(RoleFields, StaffForm):
    """A new staff account; the password and TOTP secret are generated and shown once."""

    username = StringField(
        _l("Username"),
        validators=[
            required(),
            Length(min=2, max=USERNAME_MAX, message=_l("Use 2 to %(max)d characters.")),
            Regexp(
                r"^[a-z0-9][a-z0-9._-]*$",
                message=_l("Use lower-case letters a–z, digits, dot, dash or underscore."),
            ),
        ],
        render_kw={"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"},
    )
    display_name = StringField(_l("Full name"), validators=[Optional(), at_most(120)])
    email = StringField(
        _l("Work e-mail (for content-free notices)"),
        validators=[
            Optional(),
            Length(max=254),
            Regexp(EMAIL_PATTERN, message=_l("Enter a valid e-mail address.")),
        ],
    )


class VerifyForm(StaffForm):
    """Only the CSRF token: the button that verifies the whole audit log."""


class ReportWordsForm(StaffForm):
    """The administrator's words around the six- or twelve-month report (no case content)."""

    analysis = TextAreaField(_l("Analysis"), validators=[Optional(), at_most(6000)], render_kw={"rows": 8})
    measures = TextAreaField(
        _l("Corrective and preventive measures"),
        validators=[Optional(), at_most(6000)],
        render_kw={"rows": 6},
    )
    prepared_by_name = StringField(_l("Prepared by: name"), validators=[Optional(), at_most(120)])
    prepared_by_position = StringField(_l("Prepared by: position"), validators=[Optional(), at_most(120)])
    signer_name = StringField(
        _l("Acknowledged by (the executive): name"), validators=[Optional(), at_most(120)]
    )
    signer_position = StringField(_l("Acknowledged by: position"), validators=[Optional(), at_most(120)])
