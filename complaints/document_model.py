"""What a printable document is made of: title, sections (label/value rows, paragraphs, a
picture, a table) and signature blocks; :mod:`complaints.documents` draws them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    """A grid with a heading row; widths are relative (e.g. (1, 3, 1))."""

    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float] | None = None


@dataclass(frozen=True)
class Section:
    """A heading and its content: label/value rows, free paragraphs, then an optional table."""

    heading: str
    rows: Sequence[tuple[str, str]] = ()
    paragraphs: Sequence[str] = ()
    table: Table | None = None
    # A PNG drawn centred after the heading (a QR code), and its width in millimetres.
    picture: bytes | None = None
    picture_mm: float = 80.0


@dataclass(frozen=True)
class Signature:
    """A signature block: "ลงชื่อ ........", the name in brackets, the position and a date line."""

    label: str
    name: str
    position: str
    date_line: str


@dataclass(frozen=True)
class Document:
    """A printable document; the footer text is followed by the page number on every page."""

    title: str
    subtitle: str = ""
    sections: Sequence[Section] = ()
    signatures: Sequence[Signature] = ()
    footer: str = ""
    language: str = "th"
    # Every font size times this (a poster fits its sheet at 0.8).
    font_scale: float = 1.0
