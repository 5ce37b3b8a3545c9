"""Where the case page answers: a refused procedure step says why at the field it is about (above
its form otherwise), and a confirmation appears in the section acted in."""

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


def test_every_section_a_confirmation_goes_to_shows_it() -> None:
    """``done(case, message, "section")`` sends the message to that section of the case page; the
    page must show it there (the layout leaves such messages out of the top of the case page)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sections = set()
    for path in (root / "complaints" / "staff").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "done":
                anchor = node.args[-1] if len(node.args) == 3 else node.keywords[-1].value
                assert isinstance(anchor, ast.Constant), f"{path.name}: the section must be named as written"
                sections.add(anchor.value)
    page = (root / "templates" / "staff" / "case.html").read_text(encoding="utf-8")
    assert {"notes", "procedure", "thread"} <= sections
    assert sorted(name for name in sections if f'section_notices("{name}")' not in page) == []
