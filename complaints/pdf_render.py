"""The fpdf2 renderer of the printable Thai/English documents (imported on first use: see documents)."""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import astuple
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace, Glyph, SubsetMap, TTFFont

from complaints.document_model import Document, Section, Signature, Table

FONT_DIR = Path(__file__).parent / "fonts"
FAMILY = "Laksaman"
_FONT_FILES = {"": "Laksaman.ttf", "B": "Laksaman-Bold.ttf"}  # Laksaman-Italic.ttf is there too, unused

# Layout in millimetres and points. Laksaman (TH Sarabun) is small for its size: 15 pt reads like 11 pt Latin.
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 25.0, 20.0, 20.0, 22.0
_FOOTER_Y = -15.0
_TITLE_PT, _SUBTITLE_PT, _HEADING_PT, _BODY_PT, _TABLE_PT, _SMALL_PT = 22, 16, 17, 15, 14, 12
_LINE = 1.45  # line height as a multiple of the font size: room for stacked Thai vowels and tone marks
_CELL_PAD = (1.3, 1.8, 0.7, 1.8)  # top, right, bottom, left inside table cells: room for stacked marks
_FILL, _DOTS, _MAX_HEADING_LINES = (235, 235, 235), "." * 40, 4
_GRID_STYLE = {"align": "LEFT", "text_align": "LEFT", "v_align": "TOP"}
_MIN_COLUMN = 12.0  # narrower table columns shrink the table's font
# Total-pages placeholder: _clean() strips control characters from all text, so "{nb}" prints as written.
_NB_ALIAS = "\x00nb"
# Thai characters that may not start a line (following vowels, repetition marks) or end one (leading vowels).
_THAI_NO_START, _THAI_NO_END = "\u0e30\u0e32\u0e33\u0e45\u0e46\u0e2f", "\u0e40\u0e41\u0e42\u0e43\u0e44"
_ZWSP, _NBSP = "\u200b", "\u00a0"
# Sure Thai syllable edges (there is no dictionary to find words): before a leading vowel, after ะ or ำ.
_SYLLABLE_ZONE = 0.35  # a line may end at a syllable edge this far (of its width) before its end
_SYLLABLE_EDGE = re.compile("(?<=[\u0e01-\u0e4e])(?=[\u0e40-\u0e44])|(?<=[\u0e30\u0e33])(?=[\u0e01-\u0e2e])")
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


class _PDF(FPDF):
    """FPDF with a footer of the document's footer text on the left and "หน้า x/y" on the right."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = ""
        self.page_label = "Page"
        self.widths: dict[tuple[str, float, str], float] = {}
        self.covered: frozenset[int] = frozenset()
        self.font_scale = 1.0

    def footer(self) -> None:
        self.set_y(_FOOTER_Y)
        self.set_font(FAMILY, size=_SMALL_PT)
        self.set_text_color(90)
        number = f"{self.page_label} {self.page_no()}/{_NB_ALIAS}"
        number_width = self.get_string_width(f"{self.page_label} 0000/0000")
        height = _SMALL_PT * _LINE / self.k
        lines = _wrap(self, self.footer_text, self.epw - number_width - self.get_string_width("…") - 2)
        text = lines.split("\n")[0] + ("…" if "\n" in lines else "")
        self.cell(self.epw - number_width, height, text, align=Align.L)
        self.cell(number_width, height, number, align=Align.R)
        self.set_text_color(0)


class _SubsetMap(SubsetMap):
    """fpdf2's font subset, with text behind every glyph so that copied or extracted text has no junk.

    HarfBuzz draws some Thai clusters with more glyphs than characters (ำ is NIKHAHIT + SARA AA; in น้ำ the
    tone mark moves after NIKHAHIT). fpdf2 puts the cluster's text on its first glyph and none on the others,
    which readers then extract as "!" or ")": here those others stand for a zero-width space instead.
    """

    @cache  # noqa: B019 - fpdf2 caches SubsetMap.get_glyph the same way and clears it when writing the PDF
    def get_glyph(
        self,
        glyph: int | None = None,
        unicode: int | tuple[int, ...] | None = None,
        glyph_name: str | None = None,
        glyph_width: int | None = None,
    ) -> Glyph | None:
        if unicode == () and glyph_name is not None:
            unicode = (ord(_ZWSP),)
        return super().get_glyph(glyph, unicode, glyph_name, glyph_width)


def render_pdf(document: Document) -> bytes:
    """Render the document as an A4 portrait PDF and return its bytes."""
    pdf = _new_pdf(document)
    covered = pdf.covered
    pdf.footer_text = _clean(document.footer, covered)
    pdf.add_page()
    _render_title(pdf, _clean(document.title, covered), _clean(document.subtitle, covered))
    for section in document.sections:
        _render_section(pdf, section, covered)
    signatures = [Signature(*(_clean(value, covered) for value in astuple(s))) for s in document.signatures]
    if signatures:
        _render_signatures(pdf, signatures)
    return bytes(pdf.output())


def _new_pdf(document: Document) -> _PDF:
    """An empty PDF with the package's own font; the metadata name no author, person or tool version."""
    pdf = _PDF()
    pdf.set_margins(_MARGIN_LEFT, _MARGIN_TOP, _MARGIN_RIGHT)
    pdf.set_auto_page_break(auto=True, margin=_MARGIN_BOTTOM)
    pdf.alias_nb_pages(_NB_ALIAS)
    for style, filename in _FONT_FILES.items():
        pdf.add_font(FAMILY, style=style, fname=FONT_DIR / filename)
    fonts = [font for font in pdf.fonts.values() if isinstance(font, TTFFont)]
    for font in fonts:
        font.subset = _SubsetMap(font)
    pdf.covered = frozenset.intersection(*(frozenset(font.cmap) for font in fonts))  # drawable code points
    pdf.set_text_shaping(True)
    pdf.set_font(FAMILY, size=_BODY_PT)
    pdf.font_scale = document.font_scale
    language = "th" if document.language.lower().startswith("th") else "en"
    pdf.page_label = "หน้า" if language == "th" else "Page"
    pdf.set_lang(language)
    pdf.set_title(_clean_metadata(document.title))
    pdf.set_subject(_clean_metadata(document.subtitle))
    pdf.set_creator("complaints")
    pdf.set_producer("complaints")
    return pdf


def _clean(text: str, covered: frozenset[int]) -> str:
    """Plain printable text: controls and invisible format marks dropped, glyphs the font lacks become "?"."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return "".join(_clean_char(char, covered) for char in text)


def _clean_char(char: str, covered: frozenset[int]) -> str:
    category = unicodedata.category(char)
    if char in ("\n", _ZWSP) or (char == _NBSP and ord(char) in covered):
        return char  # a line break, a place where a line may break (never drawn), a space that never breaks
    if category in ("Cc", "Cf") or _VARIATION_SELECTORS.fullmatch(char):
        return ""
    if category in ("Zs", "Zl", "Zp"):
        return " " if category == "Zs" else "\n"
    return char if ord(char) in covered else "?"


def _clean_metadata(text: str) -> str:
    """Metadata strings are not drawn, so any character may stay except controls and lone surrogates."""
    kept = (c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
    return " ".join("".join(kept).split())


def _clusters(text: str) -> list[str]:
    """Split into pieces a line may break between: a base character with its marks, Thai vowel rules kept."""
    clusters: list[str] = []
    for char in text:
        joins = bool(clusters) and (
            unicodedata.category(char) in ("Mn", "Mc", "Me")
            or char in _THAI_NO_START
            or clusters[-1][-1] in _THAI_NO_END
        )
        if joins:
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _cluster_width(pdf: _PDF, cluster: str) -> float:
    """Shaped width of one cluster in the current font, cached per document (shaping is slow)."""
    key = (pdf.font_style, float(pdf.font_size_pt), cluster)
    if key not in pdf.widths:
        pdf.widths[key] = float(pdf.get_string_width(cluster))
    return pdf.widths[key]


def _wrap(pdf: _PDF, text: str, width: float) -> str:
    """Text with its line breaks placed in advance, so fpdf2 never has to break a line itself.

    Lines break at spaces. A word longer than a line (Thai writes none between words) is broken between
    syllables if it can be, else between clusters, so that no vowel or tone mark is torn from its letter.
    """
    return "\n".join(line for part in text.split("\n") for line in _wrap_paragraph(pdf, part, width))


def _wrap_paragraph(pdf: _PDF, text: str, width: float) -> list[str]:
    done: list[str] = []
    line, used, space = "", 0.0, _cluster_width(pdf, " ")
    parts = re.split(f"( |{_ZWSP})", text)  # words, and between them a space or a zero-width break point
    todo = list(zip(["", *parts[1::2]], parts[::2], strict=True))[::-1]  # (separator before, word) stack
    while todo:
        separator, word = todo.pop()
        line, used = (line + " ", used + space) if separator == " " else (line, used)
        pieces = [(cluster, _cluster_width(pdf, cluster)) for cluster in _clusters(word)]
        total = sum(piece_width for _, piece_width in pieces)
        syllables = _SYLLABLE_EDGE.split(word)
        if total > width and len(syllables) > 1:  # longer than a line: break it between syllables if need be
            todo.extend([("~", syllable) for syllable in syllables[:0:-1]] + [("", syllables[0])])
            continue
        ragged = separator == "~" and used < (1 - _SYLLABLE_ZONE) * width  # a syllable: fill most of the line
        if total <= width < used + total and line.strip() and not ragged:
            done.append(line.rstrip(" "))
            line, used = "", 0.0
        for cluster, cluster_width in pieces:
            if used + cluster_width > width and line.strip():
                done.append(line.rstrip(" "))
                line, used = "", 0.0
            line, used = line + cluster, used + cluster_width
    return [*done, line.rstrip(" ")]


def _write_block(pdf: _PDF, text: str, size: float, style: str = "", align: Align = Align.L) -> None:
    """A full-width paragraph that wraps and breaks pages by itself."""
    pdf.set_font(FAMILY, style=style, size=size * pdf.font_scale)
    text = _wrap(pdf, text, pdf.epw - 2 * pdf.c_margin - 0.5)
    pdf.multi_cell(0, pdf.font_size * _LINE, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _render_title(pdf: _PDF, title: str, subtitle: str) -> None:
    if title:
        _write_block(pdf, title, _TITLE_PT, "B", Align.C)
    if subtitle:
        _write_block(pdf, subtitle, _SUBTITLE_PT, "", Align.C)
    pdf.ln(2)
    pdf.set_draw_color(120)
    pdf.line(pdf.l_margin, pdf.y, pdf.w - pdf.r_margin, pdf.y)
    pdf.set_draw_color(0)
    pdf.ln(4)


def _render_section(pdf: _PDF, section: Section, covered: frozenset[int]) -> None:
    pdf.set_font(FAMILY, style="B", size=_HEADING_PT)
    if pdf.will_page_break(pdf.font_size * _LINE * 3):
        pdf.add_page()
    pdf.ln(2)
    heading = _clean(section.heading, covered)
    if heading:
        _write_block(pdf, heading, _HEADING_PT, "B")
        pdf.ln(1)
    if section.rows:
        rows = [[_clean(label, covered), _clean(value, covered)] for label, value in section.rows]
        _render_grid(pdf, [], rows, _column_widths((1, 1.9), 2, pdf.epw), bold_labels=True)
    for paragraph in section.paragraphs:
        _write_block(pdf, _clean(paragraph, covered), _BODY_PT)
        pdf.ln(1.5)
    if section.picture is not None:
        size = min(pdf.epw, section.picture_mm)
        pdf.image(io.BytesIO(section.picture), x=(pdf.w - size) / 2, w=size, h=size)
        pdf.ln(2)
    if section.table is not None:
        _render_table(pdf, section.table, covered)
    pdf.ln(3)


def _column_widths(relative: Sequence[float] | None, count: int, total: float) -> list[float]:
    """Absolute column widths; missing, mismatched or non-positive relative widths give equal columns."""
    usable = relative is not None and len(relative) == count and all(0 < w < math.inf for w in relative)
    weights = list(relative) if relative is not None and usable else [1.0] * count
    floor = sum(weights) * min(0.06, 1 / count)  # no column thinner than a few characters
    weights = [max(w, floor) for w in weights]
    return [total * w / sum(weights) for w in weights]


def _render_table(pdf: _PDF, table: Table, covered: frozenset[int]) -> None:
    headers = [_clean(h, covered) for h in table.headers]
    rows = [[_clean(cell, covered) for cell in row] for row in table.rows]
    count = max([len(headers), *(len(row) for row in rows)])
    if count == 0:
        return
    headers = headers + [""] * (count - len(headers)) if headers else []
    rows = [row + [""] * (count - len(row)) for row in rows]
    _render_grid(pdf, headers, rows, _column_widths(table.widths, count, pdf.epw))


def _render_grid(
    pdf: _PDF, headers: list[str], rows: list[list[str]], widths: list[float], bold_labels: bool = False
) -> None:
    """Bordered table whose cells wrap; the heading row is repeated on every page the table spans.

    Tables with very many columns get a smaller font, so that every character fits its column.
    """
    scale = min(1.0, min(widths) / _MIN_COLUMN)
    padding = tuple(side * scale for side in _CELL_PAD)
    limits = [width - (padding[1] + padding[3] + 0.5) * scale for width in widths]
    headers, body = _prepare_cells(
        pdf, headers, rows, limits, bold_labels, _TABLE_PT * scale * pdf.font_scale
    )
    line_height = pdf.font_size * _LINE
    heading_height = max((cell.count("\n") + 1 for cell in headers), default=0) * line_height
    room = pdf.eph - heading_height - 2 * (padding[0] + padding[2]) - line_height
    body = _split_tall_rows(body, max(1, int(room // line_height)))
    label_style = FontFace(emphasis="BOLD", fill_color=_FILL) if bold_labels else None
    with pdf.table(
        col_widths=widths,
        first_row_as_headings=bool(headers),
        headings_style=FontFace(emphasis="BOLD", fill_color=_FILL),
        line_height=line_height,
        padding=padding,
        width=pdf.epw,
        **_GRID_STYLE,
    ) as grid:
        if headers:
            grid.row(headers)
        for cells in body:
            row = grid.row()
            for column, text in enumerate(cells):
                row.cell(text, style=label_style if column == 0 else None)
    pdf.ln(4)


def _prepare_cells(
    pdf: _PDF, headers: list[str], rows: list[list[str]], limits: list[float], bold_labels: bool, size: float
) -> tuple[list[str], list[list[str]]]:
    """Wrap headings (bold, a few lines at most) and body cells (the first column bold if asked)."""
    pdf.set_font(FAMILY, style="B", size=size)
    headers = [
        _cap_lines(_wrap(pdf, h, w), _MAX_HEADING_LINES) for h, w in zip(headers, limits, strict=False)
    ]
    labels = [_wrap(pdf, row[0], limits[0]) for row in rows] if bold_labels else []
    pdf.set_font(FAMILY, size=size)
    body = [[_wrap(pdf, cell, w) for cell, w in zip(row, limits, strict=True)] for row in rows]
    for row, label in zip(body, labels, strict=False):
        row[0] = label
    return headers, body


def _cap_lines(text: str, count: int) -> str:
    lines = text.split("\n")
    return text if len(lines) <= count else "\n".join(lines[:count]) + "…"


def _split_tall_rows(rows: list[list[str]], max_lines: int) -> list[list[str]]:
    """Cut rows taller than a page (fpdf2 cannot break a row) into rows of half a page each."""
    result: list[list[str]] = []
    for row in rows:
        cells = [cell.split("\n") for cell in row]
        tallest = max((len(lines) for lines in cells), default=1)
        step = tallest if tallest <= max_lines else max(1, max_lines // 2)
        for start in range(0, tallest, step):
            result.append(["\n".join(lines[start : start + step]) for lines in cells])
    return result


def _render_signatures(pdf: _PDF, signatures: Sequence[Signature]) -> None:
    """Signature blocks two to a line; a lone block sits on the right, as on Thai official letters."""
    pdf.set_font(FAMILY, size=_BODY_PT)
    column = pdf.epw / 2
    pdf.ln(6)
    for start in range(0, len(signatures), 2):
        pair = signatures[start : start + 2]
        if pdf.will_page_break(pdf.font_size * _LINE * 6):
            pdf.add_page()
        top = pdf.y
        blocks = zip(pair, [column] if len(pair) == 1 else [0.0, column], strict=True)
        bottom = max(_signature_block(pdf, sig, pdf.l_margin + dx, top, column) for sig, dx in blocks)
        pdf.set_xy(pdf.l_margin, bottom + 8)


def _signature_block(pdf: _PDF, signature: Signature, x: float, y: float, width: float) -> float:
    """Draw one block with its top-left corner at (x, y); return the y just below it."""
    first = f"{signature.label} {_DOTS}".strip()
    lines = (first, f"({signature.name or _DOTS})", signature.position, signature.date_line)
    pdf.set_xy(x, y)
    for line in filter(None, lines):
        pdf.set_x(x)
        text = _wrap(pdf, line, width - 2 * pdf.c_margin - 0.5)
        pdf.multi_cell(width, pdf.font_size * _LINE, text, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    return float(pdf.y)
