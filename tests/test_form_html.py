"""The fast form controls (complaints/form_html.py) write exactly what WTForms' widgets write."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Field, SelectChoice

from complaints import form_html

FORM_MODULES = (
    "complaints.public.forms",
    "complaints.followup.forms",
    "complaints.staff.forms",
    "complaints.staff.protection_forms",
    "complaints.admin.forms",
)
TRICKY = '<b>"Tom" & Jerry\'s</b> ๐๑ ✓'
# What the field macro passes, and a few attributes of the kinds templates add.
ATTRIBUTES: tuple[dict[str, Any], ...] = (
    {},
    {"aria-describedby": "x-hint x-error", "aria-invalid": "true"},
    {"rows": 8, "class_": "wide", "data_kind": 'a"b', "disabled": True, "readonly": False},
)


def _form_classes() -> list[type[FlaskForm]]:
    for module in FORM_MODULES:
        importlib.import_module(module)
    found: list[type[FlaskForm]] = []
    pending = list(FlaskForm.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("complaints.") and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__qualname__)


def _build(cls: type[FlaskForm], formdata: MultiDict[str, str] | None) -> FlaskForm | None:
    try:
        form = cls(formdata=formdata, meta={"csrf": False})
    except TypeError:  # needs arguments of its own (the procedure step forms): built elsewhere
        return None
    for field in form:
        if hasattr(field, "choices") and field.choices is None:  # the view sets them
            field.choices = [SelectChoice("1", TRICKY), SelectChoice("2", "two")]
    if formdata is not None:
        form.validate()
    return form


def _filled(cls: type[FlaskForm]) -> MultiDict[str, str]:
    """Tricky text in every field; a choice field gets its second choice or the text."""
    data: MultiDict[str, str] = MultiDict()
    probe = _build(cls, None)
    for field in probe or []:
        choices = list(field.iter_choices()) if hasattr(field, "iter_choices") else []
        data.add(field.name, str(tuple(choices[1])[0]) if len(choices) > 1 else TRICKY)
    return data


def _fields(app: Flask) -> Iterator[tuple[str, Field]]:
    with app.test_request_context("/report", method="POST"):
        for cls in _form_classes():
            for formdata in (None, _filled(cls), MultiDict()):
                form = _build(cls, formdata)
                for field in form or []:
                    yield f"{cls.__qualname__}.{field.name}", field


def test_every_form_is_covered(app: Flask) -> None:
    """The control above can fail: the forms' fields are really found (report form included)."""
    names = {name for name, _field in _fields(app)}
    assert {"ReportForm.description", "ReportForm.disclosure", "IntakeForm.category"} <= names
    assert len(names) > 80


def test_controls_and_labels_match_wtforms(app: Flask) -> None:
    with app.test_request_context("/report"):
        for name, field in _fields(app):
            for attrs in ATTRIBUTES:
                assert str(form_html.control(field, **attrs)) == str(field(**attrs)), (name, attrs)
            assert str(form_html.label(field)) == str(field.label()), name
            assert str(form_html.label(field, TRICKY)) == str(field.label(text=TRICKY)), name


def test_radio_buttons_match_wtforms(app: Flask) -> None:
    with app.test_request_context("/report"):
        radios = [(name, field) for name, field in _fields(app) if field.type == "RadioField"]
        assert radios
        for name, field in radios:
            expected = [(str(option()), str(option.label())) for option in field]
            assert [(str(b), str(t)) for b, t in form_html.options(field)] == expected, name


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"b": 1, "a": True, "c": False}, 'a b="1"'),
        ({"aria_describedby": "x", "class_": "y"}, 'aria-describedby="x" class="y"'),
        ({"value": '"<&>'}, 'value="&#34;&lt;&amp;&gt;"'),
        ({"value": None}, 'value="None"'),
    ],
)
def test_attributes_like_html_params(values: dict[str, Any], expected: str) -> None:
    from wtforms.widgets import html_params

    assert form_html.attributes(values) == expected == str(html_params(**values))
