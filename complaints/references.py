"""Order and letter numbers as lookup keys: a keyed hash, so a case is found by the number typed in
the search box while the number itself stays under the case key."""

from __future__ import annotations

import unicodedata

from complaints import crypto

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def normalise_reference(reference: str) -> str:
    """How a number is compared: Thai digits as ASCII, no spaces, case folded (``นต 0001/2569``)."""
    return "".join(unicodedata.normalize("NFKC", reference).translate(_THAI_DIGITS).split()).casefold()


def reference_digest(reference: str, key: bytes) -> str:
    """The keyed hash an order or letter number is found by, however it is spaced or cased."""
    return crypto.mac_hex(key, normalise_reference(reference).encode())
