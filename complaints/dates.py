"""Dates: the municipality's local day, Thai fiscal years and Buddhist-era display."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

BUDDHIST_ERA_OFFSET = 543
_TZ = ZoneInfo("Asia/Bangkok")

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


def utcnow() -> datetime:
    """The current time in UTC without tzinfo (how timestamps are stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today in Thailand; submissions are stored to this day, never the second."""
    return datetime.now(_TZ).date()


def local_day(stored: datetime) -> date:
    """The Thai calendar day of a stored (naive UTC) timestamp."""
    return stored.replace(tzinfo=UTC).astimezone(_TZ).date()


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
    """A date for people: Buddhist era with Thai month names in Thai, plain English otherwise."""
    if day is None:
        return ""
    if locale == "th":
        months = THAI_MONTHS_SHORT if short else THAI_MONTHS
        return f"{day.day} {months[day.month - 1]} {day.year + BUDDHIST_ERA_OFFSET}"
    name = ENGLISH_MONTHS[day.month - 1]
    return f"{day.day} {name[:3] if short else name} {day.year}"
