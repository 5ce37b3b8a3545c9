"""Dates: the municipality's local day and time, Thai fiscal years and Buddhist-era display.

Timestamps are stored in UTC; every day and time shown to a person, and every day a record is
stamped or bucketed with, is taken in one zone: the ``TIMEZONE`` setting (default Asia/Bangkok).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

BUDDHIST_ERA_OFFSET = 543
DEFAULT_TIMEZONE = "Asia/Bangkok"

THAI_MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
THAI_MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class UnknownTimezone(ValueError):
    """The ``TIMEZONE`` setting names no zone this system knows (see ``zoneinfo``)."""


@lru_cache(maxsize=8)
def zone_named(name: str) -> ZoneInfo:
    """The zone called ``name`` (an IANA name such as ``Asia/Bangkok``)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as missing:
        raise UnknownTimezone(f"TIMEZONE {name!r} is not a known time zone, e.g. Asia/Bangkok") from missing


def zone() -> ZoneInfo:
    """The municipality's zone: the app's ``TIMEZONE`` setting, or Bangkok outside an app."""
    # Read here rather than through complaints.settings, which imports this module's users.
    name = current_app.config.get("TIMEZONE") if has_app_context() else None
    return zone_named(str(name or DEFAULT_TIMEZONE))


def current_instant() -> datetime:
    """The present moment (aware, UTC): the one clock the stored times and today's day come from."""
    return datetime.now(UTC)


def utcnow() -> datetime:
    """The current time in UTC without tzinfo (how timestamps are stored)."""
    return current_instant().replace(tzinfo=None)


def today() -> date:
    """Today in the municipality; submissions are stored to this day, never the second."""
    return current_instant().astimezone(zone()).date()


def local_time(stored: datetime) -> datetime:
    """A stored (naive UTC) timestamp as the municipality's wall-clock time."""
    return stored.replace(tzinfo=UTC).astimezone(zone())


def local_day(stored: datetime) -> date:
    """The municipality's calendar day of a stored (naive UTC) timestamp."""
    return local_time(stored).date()


def fiscal_year_of(day: date) -> int:
    """The Thai fiscal year (B.E.) containing ``day``: FY 2569 = 1 Oct 2025 – 30 Sep 2026."""
    ending_year = day.year + 1 if day.month >= 10 else day.year
    return ending_year + BUDDHIST_ERA_OFFSET


def fiscal_year_bounds(fiscal_year_be: int) -> tuple[date, date]:
    """The first and last day of a fiscal year named in B.E."""
    end_year = fiscal_year_be - BUDDHIST_ERA_OFFSET
    return date(end_year - 1, 10, 1), date(end_year, 9, 30)


def add_days(day: date, days: int) -> date:
    """``day`` plus a number of calendar days."""
    return day + timedelta(days=days)


def add_working_days(start: date, days: int, is_holiday: Callable[[date], bool]) -> date:
    """The day ``days`` working days after ``start``: Saturdays, Sundays and public holidays skipped."""
    day, remaining = start, days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and not is_holiday(day):
            remaining -= 1
    return day


def format_day(day: date | None, locale: str, short: bool = False) -> str:
    """A date for people: Buddhist era with Thai month names in Thai, plain English otherwise.

    A stored timestamp (a ``datetime``, naive UTC) is shown as the municipality's day."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = local_day(day)
    if locale == "th":
        months = THAI_MONTHS_SHORT if short else THAI_MONTHS
        return f"{day.day} {months[day.month - 1]} {day.year + BUDDHIST_ERA_OFFSET}"
    name = ENGLISH_MONTHS[day.month - 1]
    return f"{day.day} {name[:3] if short else name} {day.year}"


def format_time(stored: datetime | None) -> str:
    """The municipality's wall-clock time of a stored timestamp, 24-hour ``HH:MM``."""
    return local_time(stored).strftime("%H:%M") if stored is not None else ""


# --- a day as it is typed in a form (read back by complaints.typed_dates.exact_day) ---------------


def typed_day(day: date) -> str:
    """A day as it is typed in a form, B.E. and day first (``2/12/2569``)."""
    return f"{day.day}/{day.month}/{day.year + BUDDHIST_ERA_OFFSET}"
