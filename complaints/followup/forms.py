"""Forms of the follow-up pages: the receipt, a reply, more evidence, consent, logging out."""

from __future__ import annotations

from wtforms import BooleanField, Field, StringField
from wtforms.validators import DataRequired, ValidationError

from complaints import receipts
from complaints.i18n import gettext as _
from complaints.i18n import lazy_gettext as _l
from complaints.reporting.fields import Form, evidence_files, long_text

RECEIPT_INPUT_MAX = 80


def digits_of_a_receipt(_form: Form, field: Field) -> None:
    """Digits only, but not twenty of them: say the code is too short or too long (a receipt's
    length is no secret). Anything else odd is left to the lookup, which answers it like an
    unknown code."""
    count = receipts.digit_count(str(field.data or ""))
    if count is None or count == receipts.RECEIPT_DIGITS:
        return
    if count == 0:  # only separators or invisible characters: as good as empty
        raise ValidationError(_("Enter the receipt code you were given."))
    if count < receipts.RECEIPT_DIGITS:
        raise ValidationError(
            _("The code is too short: it has %(count)s digits, and a receipt code has 20.", count=count)
            + " "
            + _("Check it against what you wrote down.")
        )
    raise ValidationError(
        _("The code is too long: it has %(count)s digits, and a receipt code has 20.", count=count)
        + " "
        + _("Check it against what you wrote down.")
    )


class ReceiptForm(Form):
    """The receipt code. Emptiness and a wrong number of digits are checked here; the rest of its
    format is checked by the lookup, so an odd code gets the same answer as an unknown one."""

    receipt = StringField(
        _l("Your receipt code"),
        validators=[
            DataRequired(message=_l("Enter the receipt code you were given.")),
            digits_of_a_receipt,
        ],
        render_kw={
            "autocomplete": "off",
            "inputmode": "numeric",
            "spellcheck": "false",
            "maxlength": RECEIPT_INPUT_MAX,
        },
    )


class ReplyForm(Form):
    """A message to the officer handling the report."""

    body = long_text(_l("Your message"), None, required=_l("Write your message first."))


class EvidenceForm(Form):
    """More evidence files, with an optional note that goes into the messages."""

    attachments = evidence_files(_l("Choose files to add"))
    note = long_text(_l("A note about these files (optional)"))


class ShareIdentityForm(Form):
    """The reporter's consent to let the officer handling the report see their identity."""

    confirm = BooleanField(
        _l("Confirmation"),
        description=_l("I agree that the officer handling my report may see my name and contact details."),
        validators=[DataRequired(message=_l("Tick the box to confirm, or leave this section."))],
    )


class LogoutForm(Form):
    """Only the CSRF token: logging out is a POST so another site cannot trigger it."""


class RetaliationForm(Form):
    """The reporter says they suffer retaliation for having reported."""

    account = long_text(
        _l("What happened to you because of your report?"),
        None,
        required=_l("Please say what happened, so the legal unit can ask the NACC to protect you."),
    )
