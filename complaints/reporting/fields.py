"""The report's fields and their checks, declared once for every door a report comes in by.

The citizen's form and the officer's offline intake are both built from :class:`ReportFields`
and :class:`IdentityFields` (the officer's form only renames the labels); the follow-up forms
use the same text checks. Text is kept exactly as typed (no stripping, no normalisation) so
Thai with combining marks and emoji round-trips; only what cannot be shown back (control
characters, undecodable bytes) is refused, with a message that keeps everything else.
"""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import Field, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.fields import EmailField, TelField
from wtforms.validators import DataRequired, ValidationError

from complaints import dates, labels, settings, typed_dates
from complaints.i18n import lazy_gettext as _l
from complaints.i18n import localised_day
from complaints.models import EMAIL_PATTERN

SHORT_TEXT_MAX = 300
MEDIUM_TEXT_MAX = 4000
# Control characters (Unicode category Cc: U+0000–U+001F and U+007F–U+009F) other than tab and
# the line ends, and the replacement character an undecodable byte became: one search per field.
UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
PHONE = re.compile(r"^[0-9๐-๙+()\-.\s]{6,40}$")
EMAIL = re.compile(EMAIL_PATTERN)
ANONYMOUS = "anonymous"
CONFIDENTIAL = "confidential"


class ReadableText:
    """Refuse text that cannot be shown back as typed: control characters or undecodable bytes."""

    def __call__(self, _form: Form, field: Field) -> None:
        if UNREADABLE.search(field.data or ""):
            raise ValidationError(
                _l("This text contains characters that could not be read. Please retype it.")
            )


class MaxChars:
    """At most ``limit`` characters; without a number, the ``MAX_TEXT_CHARS`` setting at request time."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.field_flags = {"maxlength": limit} if limit is not None else {}

    def __call__(self, _form: Form, field: Field) -> None:
        limit = self.limit if self.limit is not None else settings.max_text_chars()
        length = len(field.data or "")
        if length > limit:
            raise ValidationError(
                _l(
                    "Please shorten this to at most %(max)s characters (now %(length)s).",
                    max=f"{limit:,}",
                    length=f"{length:,}",
                )
            )


class MinChars:
    """At least ``MIN_DESCRIPTION_CHARS`` characters (spaces around the text not counted)."""

    def __call__(self, _form: Form, field: Field) -> None:
        minimum = settings.min_description_chars()
        length = len((field.data or "").strip())
        if length < minimum:
            raise ValidationError(
                _l(
                    "Please tell a little more, at least %(min)s characters (now %(length)s): who did "
                    "what, when and where, and how you know.",
                    min=f"{minimum:,}",
                    length=f"{length:,}",
                )
            )


class PastDates:
    """Every date the text mentions must exist and not lie ahead; free text without one is fine."""

    def __call__(self, _form: Form, field: Field) -> None:
        today = dates.today()
        try:
            ahead = typed_dates.first_in_the_future(field.data or "", today)
        except typed_dates.NotADate as mistake:
            raise ValidationError(
                _l(
                    "“%(typed)s” is not a day in the calendar. Write the day first, then the month "
                    "and the year, for example 5/3/%(year_be)s (B.E.) or 5 March %(year_ce)s (C.E.).",
                    typed=mistake.typed,
                    year_be=today.year + dates.BUDDHIST_ERA_OFFSET,
                    year_ce=today.year,
                )
            ) from mistake
        if ahead is not None:
            raise ValidationError(
                _l(
                    "“%(typed)s” is after today (%(today)s). Please check the date: the day comes "
                    "first, and the year may be B.E. (%(year_be)s) or C.E. (%(year_ce)s).",
                    typed=ahead.typed,
                    today=localised_day(today),
                    year_be=today.year + dates.BUDDHIST_ERA_OFFSET,
                    year_ce=today.year,
                )
            )


class OneOf:
    """The value must be one of the choices offered (checked without WTForms' English message)."""

    def __init__(self, message: Any) -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, _form: Form, field: Field) -> None:
        if not field.data or field.data not in {choice.value for choice in field.choices or []}:
            raise ValidationError(self.message)


class Matches:
    """An optional field that, when filled, must match a pattern."""

    def __init__(self, pattern: re.Pattern[str], message: Any) -> None:
        self.pattern = pattern
        self.message = message

    def __call__(self, _form: Form, field: Field) -> None:
        if field.data and not self.pattern.match(field.data):
            raise ValidationError(self.message)


def text_field(label: Any, limit: int | None = SHORT_TEXT_MAX, **kwargs: Any) -> StringField:
    """An optional one-line text field with the shared checks."""
    return StringField(label, validators=[ReadableText(), MaxChars(limit)], **kwargs)


def long_text(label: Any, limit: int | None = MEDIUM_TEXT_MAX, required: Any = None) -> TextAreaField:
    """A multi-line text field; ``required`` is the message shown when it is left empty."""
    checks: list[Any] = [ReadableText(), MaxChars(limit)]
    if required is not None:
        checks.insert(0, DataRequired(message=required))
    return TextAreaField(label, validators=checks)


def evidence_files(label: Any) -> MultipleFileField:
    """Several evidence files; count and size are enforced while the upload streams in."""
    return MultipleFileField(label)


def _choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class Form(FlaskForm):  # type: ignore[misc]  # flask-wtf ships no type hints
    """Every form of the app: Flask-WTF with CSRF."""


class ReportFields:
    """What the report says (DESIGN §6 names): one declaration for the citizen and the officer."""

    category = SelectField(
        _l("What kind of wrongdoing is it?"),
        validate_choice=False,
        validators=[OneOf(_l("Choose the kind of wrongdoing that fits best."))],
    )
    department = SelectField(
        _l("Which part of the municipality is involved?"),
        validate_choice=False,
        validators=[OneOf(_l("Choose a division, or “Other, or I am not sure”."))],
    )
    accused_name = text_field(_l("Name of the official or officials involved"))
    accused_position = text_field(_l("Their position or unit"))
    incident_date = StringField(
        _l("When did it happen?"), validators=[ReadableText(), MaxChars(200), PastDates()]
    )
    location = text_field(_l("Where did it happen?"), 500)
    description = long_text(_l("What happened?"), None, required=_l("Please describe what happened."))
    amount = text_field(_l("Amount of money involved, if any"), 200)
    witnesses = long_text(_l("Witnesses, or other people who know about it"))
    attachments = evidence_files(_l("Evidence files (optional)"))
    reported_elsewhere = long_text(_l("Have you reported this anywhere else? Where, and what happened?"))
    # Cases about the municipality's executives go to an outside authority (DOMAIN B6). The
    # answer is sealed with the report; only the flag "routed outside" is plaintext.
    executive_subject = RadioField(
        _l("Is the person you report the mayor, a deputy mayor or the municipal clerk?"),
        choices=[SelectChoice(code, text) for code, text in labels.EXECUTIVE_SUBJECT_LABELS.items()],
        default="no",
        validate_choice=False,
        validators=[OneOf(_l("Choose one of the answers."))],
    )
    desired_action = long_text(_l("What would you like the municipality to do?"))

    def offer_choices(self: Any) -> None:
        """The configured categories and departments, after a "Choose…" that is not an answer."""
        self.category.choices = [SelectChoice("", _l("Choose…")), *_choices(labels.category_choices())]
        self.department.choices = [SelectChoice("", _l("Choose…")), *_choices(labels.department_choices())]


class IdentityFields:
    """Whether the reporter gives their identity, and the identity: sealed away from handlers."""

    disclosure = RadioField(
        _l("Do you want to give your name?"),
        choices=[
            SelectChoice(ANONYMOUS, _l("No, stay anonymous: I will follow up with my receipt code")),
            SelectChoice(
                CONFIDENTIAL, _l("Yes, but keep it confidential: only the identity custodian may see it")
            ),
        ],
        default=ANONYMOUS,
        validate_choice=False,
        validators=[OneOf(_l("Choose whether to give your name."))],
    )
    reporter_name = text_field(_l("Your name"), 200, render_kw={"autocomplete": "off"})
    reporter_phone = TelField(
        _l("Phone number"),
        validators=[
            ReadableText(),
            MaxChars(40),
            Matches(PHONE, _l("Enter a phone number using digits only, for example 081 234 5678.")),
        ],
        render_kw={"autocomplete": "off", "inputmode": "tel"},
    )
    reporter_email = EmailField(
        _l("Email"),
        validators=[
            ReadableText(),
            MaxChars(254),
            Matches(EMAIL, _l("Enter an email address like name@example.com.")),
        ],
        render_kw={"autocomplete": "off"},
    )

    IDENTITY_FIELDS = ("reporter_name", "reporter_phone", "reporter_email")
    # What the identity rule says, in the words of whoever fills the form in.
    IDENTITY_MISSING: Any = _l(
        "Give your name or at least one way to contact you, or choose to stay anonymous."
    )
    IDENTITY_UNWANTED: Any = _l(
        "You chose to stay anonymous but filled in your details. Choose “confidential” to send them, "
        "or clear them."
    )

    def identity_given(self: Any) -> bool:
        """Whether any identity or contact field has something in it."""
        return any((self[name].data or "").strip() for name in IdentityFields.IDENTITY_FIELDS)

    def identity_matches_disclosure(self: Any) -> bool:
        """The one rule that spans fields: an identity exactly when the report is confidential."""
        given = IdentityFields.identity_given(self)
        if self.disclosure.data == CONFIDENTIAL and not given:
            self.reporter_name.errors = [*self.reporter_name.errors, self.IDENTITY_MISSING]
            return False
        if self.disclosure.data == ANONYMOUS and given:
            self.disclosure.errors = [*self.disclosure.errors, self.IDENTITY_UNWANTED]
            return False
        return True
