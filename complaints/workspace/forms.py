"""The base of every staff and admin form, with the translated messages WTForms lacks."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from complaints import dates, settings, typed_dates
from complaints.i18n import lazy_gettext as _l

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# WTForms has no Thai catalogue: every message it could show is given here.
REQUIRED = _l("Please fill in this field.")
NOT_A_CHOICE = _l("Choose one of the listed options.")
NOT_A_DATE = _l("Enter a date (day, month and year).")
NOT_AN_EMAIL = _l("Enter a valid e-mail address.")


NUL_REFUSED = _l(
    "This field holds a NUL character (code 0), which cannot be stored. Remove it and try again."
)


class StaffForm(FlaskForm):  # type: ignore[misc]  # flask-wtf ships no type hints
    """Base of the workspace's forms (CSRF on every one that changes something)."""

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, and no NUL byte anywhere: nobody types one, and PostgreSQL
        refuses it in every text value, so a name or a number holding one would be a 500."""
        valid = bool(super().validate(extra_validators))
        for field in self:
            if any(isinstance(value, str) and "\x00" in value for value in field.raw_data or ()):
                field.errors = [*field.errors, str(NUL_REFUSED)]
                valid = False
        return valid


def required() -> InputRequired:
    """A required field with a translated message."""
    return InputRequired(message=REQUIRED)


def at_most(count: int) -> Length:
    """A length limit with a translated message."""
    return Length(max=count, message=_l("At most %(max)d characters."))


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def labelled_choices(mapping: dict[str, Any], codes: tuple[str, ...]) -> list[SelectChoice]:
    """Choices with lazy labels: translated when the form is rendered, not when it is defined."""
    return [SelectChoice(code, mapping.get(code, code)) for code in codes]


class TextLimit:
    """At most ``MAX_TEXT_CHARS`` characters (a setting), checked at validation time."""

    def __call__(self, _form: Any, field: Any) -> None:
        limit = settings.max_text_chars()
        if field.data and len(field.data) > limit:
            raise ValidationError(str(_l("At most %(count)s characters.", count=limit)))


class TypedDateField(StringField):  # type: ignore[misc]  # wtforms is untyped here (see pyproject)
    """A date typed the way the rest of the app writes it: day first, in B.E. (``2/12/2569``), C.E.
    also understood (see :func:`complaints.typed_dates.exact_day`). Shown back as typed after an
    error, else in B.E.; not a browser date picker, which shows the year in C.E."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        typed = str(valuelist[0] or "")
        self.data = typed_dates.exact_day(typed)
        if self.data is None and typed.strip():
            raise ValueError(str(NOT_A_DATE))

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return dates.typed_day(self.data) if isinstance(self.data, date) else ""
