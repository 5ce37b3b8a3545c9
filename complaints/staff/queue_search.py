"""The queue's search box: a case number in the forms people type it, or an order or letter number.

A case number is the fiscal year (B.E.) and a serial: ``2570-0002``, typed as ``2570-2``,
``2570/0002``, ``2570 0002``, ``25700002`` or in Thai digits. Anything else is looked up as an
order or letter number by its keyed hash; report words and names are encrypted and never
searched, so a search that finds nothing says so instead of showing a list.
"""

from __future__ import annotations

import re

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SEPARATED = re.compile(r"^\s*(\d{4})\s*[-/.\s]\s*(\d{1,6})\s*$")
_RUN_TOGETHER = re.compile(r"^\s*(\d{4})(\d{1,6})\s*$")
_SERIAL_ONLY = re.compile(r"^\s*(\d{1,6})\s*$")
# Fiscal years in case numbers are Buddhist-era years; a run of digits is read as one only then.
_FISCAL_YEARS = range(2400, 2800)
SEARCH_MAX = 80
# The serial of the example case number in the placeholder and the hint (not 0001, which would
# read as the year's first real case).
EXAMPLE_SERIAL = 123


def _as_case_number(year: str, serial: str) -> str:
    return f"{year}-{int(serial):04d}"


def normalise_case_number(text: str | None) -> str:
    """``2569-12``, ``2569/0012``, ``25690012`` or Thai digits become ``2569-0012``; anything else is ''."""
    typed = (text or "").translate(_THAI_DIGITS)[:40]
    found = _SEPARATED.match(typed)
    if found:
        return _as_case_number(found.group(1), found.group(2))
    run = _RUN_TOGETHER.match(typed)
    if run and int(run.group(1)) in _FISCAL_YEARS and int(run.group(2)) > 0:
        return _as_case_number(run.group(1), run.group(2))
    return ""


def search_words(text: str | None) -> str:
    """What was typed in the search box, bounded and without surrounding spaces."""
    return (text or "")[:SEARCH_MAX].strip()


def suggested_number(typed: str, fiscal_year: int) -> str:
    """For a bare serial such as ``0002``, the case number it would be in ``fiscal_year``; else ''."""
    found = _SERIAL_ONLY.match(typed.translate(_THAI_DIGITS))
    if found is None or int(found.group(1)) == 0:
        return ""
    return _as_case_number(str(fiscal_year), found.group(1))


def examples(fiscal_year: int) -> tuple[str, str]:
    """An example case number of ``fiscal_year`` and other ways of typing it, for the search box."""
    serial = EXAMPLE_SERIAL
    return (
        f"{fiscal_year}-{serial:04d}",
        f"{fiscal_year}-{serial}, {fiscal_year}/{serial:04d}, {fiscal_year}{serial:04d}",
    )
