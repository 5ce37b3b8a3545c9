"""Dates as people in Thailand type them: day first, Buddhist (B.E.) or Common Era (C.E.) years,
Thai or Arabic digits, Thai or English month names, full or short (5/3/2569, 05-03-2026,
5 มี.ค. 2569, มีนาคม 2568, ปี 2565).

A free-text answer ("every month since last year") mentions no date and is fine; each date it
does mention is found and read, so a form can refuse one that does not exist or lies ahead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from complaints.dates import BUDDHIST_ERA_OFFSET, ENGLISH_MONTHS, THAI_MONTHS, THAI_MONTHS_SHORT

# A four-digit year from here on is B.E. (2400 B.E. is 1857 C.E.); below it, C.E.
FIRST_BUDDHIST_YEAR = 2400
# Two-digit years are the B.E. shorthand Thai people write: 69 is 2569.
BUDDHIST_CENTURY = 2500
# Years before this (C.E.) are not dates anyone reports an incident on.
EARLIEST_YEAR = 1900
# Thai digits read as digits; the dashes a phone keyboard or a copied example gives read as "-".
_READABLE = str.maketrans("๐๑๒๓๔๕๖๗๘๙\u2010\u2011\u2012\u2013\u2014", "0123456789-----")
# How months are said in speech and often written: มีนา 2569, ธันวา 68.
SPOKEN_THAI_MONTHS = (
    "มกรา",
    "กุมภา",
    "มีนา",
    "เมษา",
    "พฤษภา",
    "มิถุนา",
    "กรกฎา",
    "สิงหา",
    "กันยา",
    "ตุลา",
    "พฤศจิกา",
    "ธันวา",
)


class NotADate(ValueError):
    """Text that looks like a date but names no day in the calendar (31/2/2569, 13/13/2569)."""

    def __init__(self, typed: str) -> None:
        super().__init__(typed)
        self.typed = typed


@dataclass(frozen=True)
class MentionedDate:
    """One date found in the text: as typed, and the first day it can mean (a month's first day)."""

    typed: str
    first_day: date


def _month_names() -> dict[str, int]:
    """Every spelling of a month as typed (lower case; the short Thai ones with their dots)."""
    names: dict[str, int] = {"sept": 9}
    months = zip(THAI_MONTHS, THAI_MONTHS_SHORT, SPOKEN_THAI_MONTHS, ENGLISH_MONTHS, strict=True)
    for number, (thai, short, spoken, english) in enumerate(months, start=1):
        names[thai] = names[short] = names[spoken] = number
        names[english.lower()] = names[english[:3].lower()] = number
    return names


MONTHS = _month_names()
_MONTH_BY_LETTERS = {name.replace(".", ""): number for name, number in MONTHS.items()}
# Longest first, so "มีนาคม" is read whole rather than as "มีนา"; the dots of "มี.ค." may be left out.
_MONTH = "|".join(re.escape(name).replace(r"\.", r"\.?") for name in sorted(MONTHS, key=len, reverse=True))
_ERA = r"(?:พ\.?\s?ศ\.?|ค\.?\s?ศ\.?|b\.?\s?e\.?|a\.?\s?d\.?|c\.?\s?e\.?)"
_YEAR = r"(?P<year>\d{4}|\d{2})(?!\d)"
# Most precise first: once a span is read as a full date, its month and year are not read again.
PATTERNS = (
    re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),
    re.compile(r"(?<![\d/.\-])(?P<day>\d{1,2})[/.\-](?P<month>\d{1,2})[/.\-]" + _YEAR),
    re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})\s*(?P<month>{_MONTH})\.?\s*{_ERA}?\s*{_YEAR}", re.IGNORECASE),
    re.compile(rf"(?P<month>{_MONTH})\.?\s*{_ERA}?\s*{_YEAR}", re.IGNORECASE),
    re.compile(r"(?<![\d/.\-])(?P<month>\d{1,2})/(?P<year>\d{4})(?![\d/.\-])"),
    re.compile(rf"(?:{_ERA}|ปี|year)\s*(?P<year>\d{{4}})(?!\d)", re.IGNORECASE),
    re.compile(r"^\s*(?P<year>\d{4})\s*$"),
)


def common_era_year(typed: str) -> int:
    """The C.E. year of a typed year: 2569 and 69 are B.E., 2026 is C.E."""
    year = int(typed)
    if len(typed) == 2:
        year += BUDDHIST_CENTURY
    return year - BUDDHIST_ERA_OFFSET if year >= FIRST_BUDDHIST_YEAR else year


def _month_number(typed: str) -> int:
    return int(typed) if typed.isdigit() else _MONTH_BY_LETTERS[typed.lower().replace(".", "")]


def _first_day(found: re.Match[str]) -> date:
    parts = found.groupdict()
    year = common_era_year(parts["year"])
    month = _month_number(parts["month"]) if parts.get("month") else 1
    day = int(parts["day"]) if parts.get("day") else 1
    if year < EARLIEST_YEAR:
        raise ValueError("too early")
    return date(year, month, day)


def mentioned_dates(text: str) -> list[MentionedDate]:
    """Every date ``text`` mentions, in the order found; raises :class:`NotADate` for the first
    one that names no real day, month or year."""
    readable = text.translate(_READABLE)
    found: list[tuple[int, MentionedDate]] = []
    for pattern in PATTERNS:
        for match in pattern.finditer(readable):
            typed = text[match.start() : match.end()].strip()
            try:
                found.append((match.start(), MentionedDate(typed, _first_day(match))))
            except (ValueError, KeyError) as error:
                raise NotADate(typed) from error
        readable = pattern.sub(lambda match: " " * len(match.group(0)), readable)
    return [mention for _start, mention in sorted(found, key=lambda pair: pair[0])]


def first_in_the_future(text: str, today: date) -> MentionedDate | None:
    """The first date ``text`` mentions that has not begun by ``today`` (a month: its first day)."""
    return next((mention for mention in mentioned_dates(text) if mention.first_day > today), None)


# The patterns that name one whole day (day, month and year), for a field that asks for a day.
DAY_PATTERNS = PATTERNS[:3]


def exact_day(text: str | None) -> date | None:
    """The day ``text`` is when it is one whole date and nothing else (``2/12/2569``, ``02-12-2026``,
    ``๒ ธ.ค. ๖๙``, ``2 ธันวาคม พ.ศ. 2569``, ``2026-12-02``); None otherwise, or for no real day."""
    readable = " ".join((text or "").translate(_READABLE).split())
    for pattern in DAY_PATTERNS:
        found = pattern.fullmatch(readable)
        if found is not None:
            try:
                return _first_day(found)
            except (ValueError, KeyError):
                return None
    return None
