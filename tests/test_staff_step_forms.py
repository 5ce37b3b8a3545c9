"""A refused procedure step says why at the field it is about, and above its form otherwise."""

from __future__ import annotations

import pytest
from flask import Flask

from complaints.procedure import Action
from complaints.staff.refusals import REFUSALS
from complaints.staff.step_forms import EMPTY_FIELD_REFUSALS, REFUSAL_FIELDS, ProcedureForm


def _form(action: Action) -> ProcedureForm:
    return ProcedureForm(action, formdata=None)


def test_every_refusal_named_for_a_field_is_a_refusal_and_a_field(app: Flask) -> None:
    with app.test_request_context():
        names = {name for action in Action for name in _form(action)._fields}
    assert set(REFUSAL_FIELDS) | set(EMPTY_FIELD_REFUSALS) <= set(REFUSALS)
    assert set(REFUSAL_FIELDS.values()) <= names


@pytest.mark.parametrize(
    ("action", "reason", "field"),
    [
        (Action.START_FACT_FINDING, "step_date", "event_on"),
        (Action.DECIDE_PENALTY, "penalty_severity", "penalty"),
        (Action.APPOINT_FACT_FINDING_COMMITTEE, "step_text", "committee"),
        (Action.REQUEST_INFORMATION, "step_message", "message"),
    ],
)
def test_a_refusal_about_a_field_is_shown_at_it(app: Flask, action: Action, reason: str, field: str) -> None:
    with app.test_request_context():
        form = _form(action)
        form.place_refusal(reason, str(REFUSALS[reason]))
        assert form[field].errors == [str(REFUSALS[reason])]
        assert form.errors == {field: [str(REFUSALS[reason])]}  # so the step's error summary lists it


def test_a_refusal_about_no_field_is_shown_above_the_form(app: Flask) -> None:
    with app.test_request_context():
        form = _form(Action.START_DISCIPLINARY)
        form.place_refusal("check_needed", str(REFUSALS["check_needed"]))
        assert form.refusal == str(REFUSALS["check_needed"])
        assert form.errors == {}
