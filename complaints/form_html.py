"""Form controls as HTML: byte for byte what WTForms' own widgets write, at a fraction of the cost.

WTForms builds every attribute through ``Markup.format`` (a Python-level string formatter per
attribute), which made rendering the report form the largest part of its GET. These functions
write the same markup with plain string joins and ``markupsafe.escape`` (in C), for the widgets
our forms use; any other widget, or a feature they do not cover (datalists, option groups,
multiple selects), is rendered by WTForms itself. ``tests/test_form_html.py`` holds them to
WTForms' output for every field of every form.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask
from markupsafe import Markup, escape
from wtforms import Field
from wtforms import widgets as w
from wtforms.fields.choices import Choice

# Widgets rendered here, by their exact class (a subclass may render differently: WTForms does it).
INPUTS = (
    w.TextInput,
    w.TelInput,
    w.EmailInput,
    w.PasswordInput,
    w.HiddenInput,
    w.CheckboxInput,
    w.RadioInput,
    w.FileInput,
    w.DateInput,
    w.NumberInput,
)


def _clean_key(key: str) -> str:
    key = key.rstrip("_")
    return key.replace("_", "-") if key.startswith(("data_", "aria_")) else key


def attributes(values: dict[str, Any]) -> str:
    """``wtforms.widgets.html_params``: sorted by the given names, ``True`` bare, ``False`` left out."""
    parts = []
    for key, value in sorted(values.items()):
        if value is True:
            parts.append(_clean_key(key))
        elif value is not False:
            parts.append(f'{escape(_clean_key(key))}="{escape(value)}"')
    return " ".join(parts)


def _escaped(html: str) -> Markup:
    """Markup from a string whose every value these functions escaped (names and text included)."""
    return Markup(html)  # noqa: S704 - built only from escape()d values and fixed tag names


def _by_wtforms(field: Field, attrs: dict[str, Any]) -> Markup:
    rendered: Markup = field(**attrs)
    return rendered


def _merged(field: Field, attrs: dict[str, Any]) -> dict[str, Any]:
    """The field's ``render_kw`` under the template's attributes (``Meta.render_field``)."""
    given = {_clean_key(key): value for key, value in attrs.items()}
    if field.render_kw is None:
        return given
    return {**{_clean_key(key): value for key, value in field.render_kw.items()}, **given}


def _with_flags(field: Field, names: list[str], values: dict[str, Any], call: bool = False) -> None:
    for name, flag in vars(field.flags).items():
        if name in names and name not in values:
            values[name] = flag() if call and callable(flag) else flag


def _input(field: Field, widget: Any, values: dict[str, Any]) -> Markup:
    kind = type(widget)
    if kind is w.PasswordInput and widget.hide_value:
        values["value"] = ""
    if kind is w.FileInput:
        values["value"] = False
        if widget.multiple:
            values["multiple"] = True
    if (kind is w.CheckboxInput and getattr(field, "checked", field.data)) or (
        kind is w.RadioInput and field.checked
    ):
        values.setdefault("checked", True)
    values.setdefault("id", field.id)
    values.setdefault("type", widget.input_type)
    if "value" not in values:
        values["value"] = field._value()
    _with_flags(field, widget.validation_attrs, values, call=True)
    return _escaped(f"<input {attributes({'name': field.name, **values})}>")


def _textarea(field: Field, widget: Any, values: dict[str, Any]) -> Markup:
    values.setdefault("id", field.id)
    _with_flags(field, widget.validation_attrs, values)
    return _escaped(
        f"<textarea {attributes({'name': field.name, **values})}>\r\n{escape(field._value())}</textarea>"
    )


def _option(choice: Choice) -> str:
    value = str(choice.value) if isinstance(choice.value, bool) else choice.value
    options = {"value": value, **(choice.render_kw or {})}
    if choice.selected:
        options["selected"] = True
    return f"<option {attributes(options)}>{escape(choice.label or choice.value)}</option>"


def _select(field: Field, widget: Any, values: dict[str, Any], choices: list[Choice]) -> Markup:
    values.setdefault("id", field.id)
    _with_flags(field, widget.validation_attrs, values)
    options = "".join(_option(choice) for choice in choices)
    return _escaped(f"<select {attributes({'name': field.name, **values})}>{options}</select>")


def _plain_choices(field: Field, widget: Any) -> list[Choice] | None:
    """A single select's choices, when they are plain ``Choice`` rows without option groups."""
    if widget.multiple or field.has_groups():
        return None
    choices = list(field.iter_choices())
    return choices if all(type(choice) is Choice for choice in choices) else None


def _renders_itself(field: Field, widget: Any, values: dict[str, Any]) -> bool:
    """What is left to WTForms: other widgets, and what these functions do not reproduce."""
    kind = type(widget)
    if "name" in values or getattr(field, "_datalist", None) is not None:
        return True
    return kind is not w.TextArea and kind is not w.Select and kind not in INPUTS


def control(field: Field, **attrs: Any) -> Markup:
    """``field(**attrs)``: the field's input, text area or select."""
    widget = field.widget
    values = _merged(field, attrs)
    if _renders_itself(field, widget, values):
        return _by_wtforms(field, attrs)
    if type(widget) is w.TextArea:
        return _textarea(field, widget, values)
    if type(widget) is w.Select:
        choices = _plain_choices(field, widget)
        return _select(field, widget, values, choices) if choices is not None else _by_wtforms(field, attrs)
    return _input(field, widget, values)


def label(field: Field, text: Any = None) -> Markup:
    """``field.label(text)``: the ``<label for>`` naming a control."""
    named = attributes({"for": field.label.field_id})
    return _escaped(f"<label{' ' + named if named else ''}>{escape(text or field.label.text)}</label>")


def options(field: Field) -> Iterator[tuple[Markup, Markup]]:
    """A radio field's buttons and their labels, as ``for option in field`` would render them."""
    for option in field:
        yield control(option), label(option)


def init_app(app: Flask) -> None:
    """The template helpers: ``control(f, **attrs)``, ``control_label(f, text)``, ``options(f)``."""
    app.jinja_env.globals.update(control=control, control_label=label, options=options)
