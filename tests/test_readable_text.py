"""The report's text fields refuse what could not be shown back as typed: controls, lost bytes."""

from __future__ import annotations

import unicodedata

import pytest
from wtforms.validators import ValidationError

from complaints.reporting.fields import ReadableText


class _Field:
    def __init__(self, data: str) -> None:
        self.data = data


def _refused(text: str) -> bool:
    try:
        ReadableText()(None, _Field(text))  # type: ignore[arg-type]
    except ValidationError:
        return True
    return False


def test_exactly_the_control_characters_but_tab_and_line_ends_are_refused() -> None:
    """Every code point of Unicode, against the category table itself."""
    wrong = [
        hex(point)
        for point in range(0x110000)
        if _refused(chr(point))
        != (
            chr(point) == "\ufffd"
            or (unicodedata.category(chr(point)) == "Cc" and chr(point) not in "\t\n\r")
        )
    ]
    assert wrong == []


@pytest.mark.parametrize(
    "text",
    ["เบิกเงิน\tค่าซ่อม\r\nถนน", "น้ำ ผู้ใหญ่ ก่อสร้าง", "", "a\u200bb", "\u202eRTL override shown as typed"],
)
def test_thai_and_ordinary_text_passes(text: str) -> None:
    assert not _refused(text)


@pytest.mark.parametrize("text", ["ok\x00", "\x1b[31m", "x\x7f", "next\x85line", "lost \ufffd byte"])
def test_a_control_or_a_lost_byte_anywhere_is_refused(text: str) -> None:
    assert _refused(text)
