"""The citizen's report form: the shared report and identity fields, the consent and a honeypot."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, Field, StringField
from wtforms.validators import DataRequired, ValidationError

from complaints.i18n import lazy_gettext as _l
from complaints.reporting.fields import Form, IdentityFields, MinChars, ReportFields


class ReportForm(ReportFields, IdentityFields, Form):
    """The citizen's report (DESIGN §6 field names; contact details optional)."""

    # The short label names the box in the error summary; the sentence is what the box says.
    consent = BooleanField(
        _l("Confirmation"),
        description=_l(
            "I have read the privacy notice and the warning above, and what I report is true "
            "to the best of my knowledge."
        ),
        validators=[DataRequired(message=_l("Please tick this box to confirm before sending."))],
    )
    website = StringField(
        _l("Leave this field empty"),
        render_kw={"autocomplete": "off", "tabindex": "-1"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer_choices()

    def validate_description(self, field: Field) -> None:
        """Enough to act on; the officer's offline intake may refer to a scanned letter instead."""
        MinChars()(self, field)

    def validate_website(self, field: Field) -> None:
        """The honeypot: people never see it; form-filling robots do."""
        if field.data:
            raise ValidationError(_l("Leave this field empty."))

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks, then the identity rule (an identity exactly when confidential)."""
        valid: bool = super().validate(extra_validators)
        return self.identity_matches_disclosure() and valid
