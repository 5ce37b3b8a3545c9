"""Receipts as people see them: twenty random digits, grouped for reading, normalised when typed.

Everything a receipt unlocks is derived in :mod:`complaints.crypto` (one Argon2id stretch);
this module only makes, shows and reads the digits.
"""

from __future__ import annotations

import secrets
import unicodedata

RECEIPT_DIGITS = 20
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙０１２３４５６７８９", "01234567890123456789")


class ReceiptFormatError(ValueError):
    """The text typed as a receipt is not twenty digits once separators are dropped."""


def new_receipt() -> str:
    """Twenty random decimal digits (66 bits) from ``secrets``."""
    return "".join(secrets.choice("0123456789") for _ in range(RECEIPT_DIGITS))


def format_receipt(receipt: str) -> str:
    """Group a receipt in fours for reading and typing: ``4821 0937 5562 1048 3391``."""
    return " ".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def _without_separators(text: str) -> str:
    """Thai and full-width digits become ASCII; spaces, dashes, dots and invisible characters of
    any script (Unicode categories Z*, P*, Cc, Cf) are dropped."""
    return "".join(
        ch
        for ch in text.translate(_THAI_DIGITS)
        if unicodedata.category(ch)[0] not in "ZP" and unicodedata.category(ch) not in ("Cc", "Cf")
    )


def digit_count(text: str) -> int | None:
    """How many digits ``text`` holds once separators are dropped; None if it holds anything else.

    The length of a receipt is no secret, so a form may say that a code is too short or too long.
    """
    cleaned = _without_separators(text)
    return len(cleaned) if all(ch in "0123456789" for ch in cleaned) else None


def normalise_receipt(text: str) -> str:
    """Thai digits become ASCII, separators are dropped; anything else is a format error."""
    cleaned = _without_separators(text)
    if len(cleaned) != RECEIPT_DIGITS or not all(ch in "0123456789" for ch in cleaned):
        raise ReceiptFormatError("a receipt is twenty digits")
    return cleaned
