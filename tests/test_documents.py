"""Printable PDFs: Thai text shaped, extractable and wrapped; page numbers; no identifying metadata."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import threading
import unicodedata
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from complaints.documents import Document, Section, Signature, Table, render_pdf
from complaints.pdf_render import FONT_DIR
from tests.conftest import require_or_skip

TITLE = "บันทึกเรื่องร้องเรียน เลขที่ 2570-0001"
MAYOR = Signature("ลงชื่อ", "นายสมศักดิ์ ประเสริฐวงศ์", "นายกเทศมนตรีตำบลหนองบัว", "วันที่ 5 เมษายน 2570")


def case_record() -> Document:
    timeline = Table(
        headers=["วันที่", "ขั้นตอน", "เลขที่คำสั่ง", "ผู้บันทึก"],
        rows=[
            ["10 ม.ค. 2570", "แต่งตั้งคณะกรรมการสืบสวนข้อเท็จจริง", "ที่ 12/2570", "นายวิชัย ใจดี"],
            ["15 พ.ค. 2570", "ผู้ว่าราชการจังหวัดเห็นชอบ", "ที่ 2201/2570", "นายวิชัย ใจดี"],
            ["22 พ.ค. 2570", "สั่งลงโทษลดขั้นเงินเดือน 1 ขั้น", "ที่ 77/2570", "นางสาวกัญญา ศรีสุข"],
        ],
        widths=[1.4, 3, 1.3, 1.7],
    )
    return Document(
        title=TITLE,
        subtitle="เทศบาลตำบลหนองบัว",
        sections=[
            Section("ข้อมูลเรื่อง", rows=[("ประเภท", "การจัดซื้อจัดจ้าง"), ("ผลเบื้องต้น", "ภาคทัณฑ์")]),
            Section("ลำดับขั้นตอน", table=timeline),
            Section("ผลการพิจารณา", paragraphs=["น้ำท่วมสำนักงาน ดำเนินการต่อเมื่อวันที่ 1 มิถุนายน 2570"]),
        ],
        signatures=[MAYOR],
        footer="ลับ — confidential",
    )


def squash(text: str) -> str:
    """Extracted text compared without whitespace or zero-width spaces, which extraction may add."""
    return re.sub(r"[\s\u200b]+", "", unicodedata.normalize("NFC", text))


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_output_is_a_pdf_and_uses_the_packaged_font() -> None:
    assert render_pdf(Document(title="x")).startswith(b"%PDF-")
    assert (FONT_DIR / "Laksaman.ttf").is_file()
    assert (FONT_DIR / "LICENSE-Laksaman.txt").is_file()


def test_thai_title_table_cells_and_signature_extract_back() -> None:
    text = squash("".join(pages_text(render_pdf(case_record()))))
    for expected in [
        TITLE,
        "ภาคทัณฑ์",
        "ลดขั้นเงินเดือน",
        "ผู้ว่าราชการจังหวัด",
        "เลขที่คำสั่ง",
        "น้ำท่วมสำนักงาน ดำเนินการต่อ",  # SARA AM (ำ) is drawn as two glyphs; neither may extract as junk
        "ลงชื่อ ....",
        "(นายสมศักดิ์ ประเสริฐวงศ์)",
        "นายกเทศมนตรีตำบลหนองบัว",
        "หน้า 1/1",
    ]:
        assert squash(expected) in text


def test_long_documents_break_pages_and_number_them() -> None:
    paragraphs = [f"ย่อหน้าที่ {n} " + "ข้อเท็จจริงที่ได้จากการสืบสวน " * 12 for n in range(40)]
    rows = [[str(n), "ขั้นตอนการดำเนินการทางวินัย " * 3] for n in range(60)]
    document = Document(
        title=TITLE,
        sections=[Section("ข้อเท็จจริง", paragraphs=paragraphs, table=Table(["ลำดับ", "ขั้นตอน"], rows))],
    )
    texts = pages_text(render_pdf(document))
    assert len(texts) >= 4
    for number, text in enumerate(texts, start=1):
        assert f"หน้า{number}/{len(texts)}" in squash(text)
    assert sum(squash(text).count("ลำดับ") for text in texts) >= 2  # the heading row repeats on new pages


def test_english_documents_say_page() -> None:
    outcome = Section("Outcome", rows=[("Penalty", "None")])
    text = squash(
        pages_text(render_pdf(Document("Case record 2570-0001", sections=[outcome], language="en")))[0]
    )
    assert "Page1/1" in text
    assert "Penalty" in text


def test_metadata_has_a_title_and_nothing_that_names_a_person() -> None:
    pdf = render_pdf(case_record())
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None
    assert metadata.title == TITLE
    assert metadata.get("/Creator") == "complaints"
    assert metadata.get("/Producer") == "complaints"
    assert "/Author" not in metadata
    assert b"/Author" not in pdf
    assert b"fpdf" not in pdf.lower()


def test_emoji_controls_and_missing_glyphs_become_question_marks(caplog: pytest.LogCaptureFixture) -> None:
    odd = "แจ้ง 😀👍🏽 \x00\x07\x1b[31m\u202eRTL\u202c \ud800 ✓ ที่\u200dนี่ {nb} **ตัวหนา** <b>x</b>"
    document = Document(
        title=odd,
        subtitle=odd,
        sections=[Section(odd, rows=[(odd, odd)], paragraphs=[odd], table=Table([odd], [[odd, odd]]))],
        signatures=[Signature(odd, odd, odd, odd)],
        footer=odd,
    )
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        text = squash("".join(pages_text(render_pdf(document))))
    assert "missing the following glyphs" not in caplog.text
    assert "แจ้ง???" in text
    assert "{nb}**ตัวหนา**<b>x</b>" in text  # printed as written: no markup, no page-count placeholder
    assert "\x1b" not in text


def test_very_long_words_wrap_without_tearing_marks_from_letters() -> None:
    word = "ผู้ถูกกล่าวหาได้ชี้แจงข้อเท็จจริงเพิ่มเติม" * 60
    document = Document(
        title=word[:300],
        sections=[
            Section("คำชี้แจง", rows=[("สาระสำคัญ", word * 3)], paragraphs=[word, "x" * 400]),
            Section(
                "ตาราง", table=Table(["ก", "ข", "ค"], [[word, "y" * 400, "https://example.org/" + "a" * 300]])
            ),
        ],
    )
    texts = pages_text(render_pdf(document))
    assert len(texts) >= 3
    for text in texts:
        for line in text.splitlines():
            assert not line or unicodedata.category(line[0]) != "Mn", line
    body = squash("".join(re.sub(r"หน้า\s*\d+/\d+", "", text) for text in texts))
    assert squash(word) in body
    assert "x" * 400 in body


def test_empty_sections_tables_and_documents() -> None:
    document = Document(
        title="",
        sections=[
            Section(""),
            Section("ว่าง", table=Table([], [])),
            Section("ไม่มีหัวตาราง", table=Table([], [["a", "b"], ["c"]], widths=[0, -1])),
            Section("คอลัมน์มาก", table=Table([str(n) for n in range(40)], [["ภาคทัณฑ์"] * 40])),
        ],
    )
    assert len(pages_text(render_pdf(document))) >= 1


def test_renders_in_parallel_threads() -> None:
    results: list[bytes] = []
    threads = [threading.Thread(target=lambda: results.append(render_pdf(case_record()))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert len({squash("".join(pages_text(pdf))) for pdf in results}) == 1


def test_first_page_renders_to_a_non_blank_image(tmp_path: Path) -> None:
    require_or_skip(
        shutil.which("pdftoppm") is not None, "pdftoppm (Debian's poppler-utils) is not installed"
    )
    source = tmp_path / "case.pdf"
    source.write_bytes(render_pdf(case_record()))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", source, tmp_path / "page"], check=True
    )
    with Image.open(next(tmp_path.glob("page*.png"))) as image:
        grey = image.convert("L")
        dark = sum(grey.histogram()[:128])  # pixels darker than mid-grey
        assert dark > 0.005 * grey.width * grey.height
