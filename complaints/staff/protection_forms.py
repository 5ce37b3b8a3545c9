"""Forms of whistleblower protection: the handler's question, the custodian's answer and record."""

from __future__ import annotations

from wtforms import DateField, RadioField, SelectChoice, StringField
from wtforms.validators import Optional

from complaints.i18n import lazy_gettext as _l
from complaints.models import ORDER_NUMBER_MAX
from complaints.workspace.forms import NOT_A_CHOICE, NOT_A_DATE, StaffForm, at_most, required


class ProtectionCheckForm(StaffForm):
    """Whom the disciplinary step would be aimed at (sealed to the custodian key)."""

    subject = StringField(
        _l("Name and position of the official the investigation would be aimed at"),
        validators=[required(), at_most(300)],
    )


class ProtectionAnswerForm(StaffForm):
    """The custodian's answer to a protection check."""

    answer = RadioField(
        _l("Is this person a reporter under whistleblower protection?"),
        choices=[
            SelectChoice("not_protected", _l("No: not a protected reporter")),
            SelectChoice("protected", _l("Yes: a protected reporter (the step is blocked)")),
        ],
        invalid_choice_message=NOT_A_CHOICE,
    )
    reference = StringField(
        _l("NACC protection reference (needed for a yes)"), validators=[Optional(), at_most(ORDER_NUMBER_MAX)]
    )


class ProtectionRecordForm(StaffForm):
    """The custodian records that a case's reporter is under protection."""

    number = StringField(_l("Case number"), validators=[required(), at_most(40)])
    reference = StringField(
        _l("NACC protection reference"), validators=[required(), at_most(ORDER_NUMBER_MAX)]
    )
    from_on = DateField(_l("Protected from"), validators=[required()], invalid_value_message=NOT_A_DATE)
    until_on = DateField(
        _l("Protected until (optional)"), validators=[Optional()], invalid_value_message=NOT_A_DATE
    )
