"""Every user-facing string exists in Thai, with the same placeholders as the English."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("complaints/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def extracted_messages() -> dict[str, str]:
    """msgid -> first place it is used."""
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        METHODS,
        keywords=KEYWORDS,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, filename)
    return found


def thai_catalogue() -> dict[str, str]:
    strings: dict[str, str] = {}
    for path in sorted((ROOT / "complaints/translations/th/LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string:
                    strings[str(message.id)] = str(message.string)
    return strings


def test_every_string_has_a_thai_translation() -> None:
    thai = thai_catalogue()
    missing = {text: where for text, where in extracted_messages().items() if text not in thai}
    assert not missing, "untranslated:\n" + "\n".join(f"{where}: {text!r}" for text, where in missing.items())


def test_placeholders_match() -> None:
    for english, translated in thai_catalogue().items():
        assert sorted(PLACEHOLDER.findall(english)) == sorted(PLACEHOLDER.findall(translated)), english


def test_there_are_strings_to_check() -> None:
    assert len(extracted_messages()) > 20


def test_every_template_compiles(app: Flask) -> None:
    """Babel skips templates it cannot parse, so a broken one would hide its strings."""
    for path in (ROOT / "templates").rglob("*.html"):
        app.jinja_env.get_template(str(path.relative_to(ROOT / "templates")))
