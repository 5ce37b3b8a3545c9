"""Forms of the follow-up pages: the receipt, a reply, more evidence, consent, logging out."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired

from complaints.reporting.fields import Form, evidence_files, long_text

RECEIPT_INPUT_MAX = 80


class ReceiptForm(Form):
    """The receipt code. Only emptiness is checked here: its format is checked by the lookup, so a
    malformed code, however long or odd, gets the same answer as an unknown one."""

    receipt = StringField(
        _l("Your receipt code"),
        validators=[DataRequired(message=_l("Enter the receipt code you were given."))],
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
