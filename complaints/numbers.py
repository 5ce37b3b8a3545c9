"""Whole numbers typed by people or sent in URLs: ASCII digits only, of bounded length."""

from __future__ import annotations

# Account ids, case ids, page numbers and years all fit; anything longer is not one of ours.
MAX_DIGITS = 9


def whole_number(text: object, max_digits: int = MAX_DIGITS) -> int | None:
    """The number ``text`` spells with ASCII digits 0-9 (at most ``max_digits``), else None.

    ``str.isdigit`` alone is not enough: "²" passes it and then ``int`` raises, and ``int``
    reads Thai or Arabic-Indic digits as numbers nobody meant to send.
    """
    if not isinstance(text, str) or not 0 < len(text) <= max_digits:
        return None
    if not text.isascii() or not text.isdigit():
        return None
    return int(text)


def account_id(value: object) -> int:
    """A WTForms ``coerce`` for account ids: ints pass, text must be ASCII digits (else ValueError)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    parsed = whole_number(value)
    if parsed is None:
        raise ValueError("not an account id")
    return parsed
