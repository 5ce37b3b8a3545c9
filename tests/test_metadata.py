"""A reporter's photos, Office and PDF files lose what they say about their maker (GPS, camera,
owner, author, company, the names on comments and tracked changes) before they are stored, and
keep every pixel and every word; other files are stored exactly as sent."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from fpdf import FPDF
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Text
from pypdf.generic import NameObject, TextStringObject
from sqlalchemy import select

from complaints import cases, crypto, storage
from complaints.db import new_session
from complaints.models import Case
from complaints.reporting import metadata
from tests.conftest import submit_report

OWNER = "Somchai Camera Owner"
GPS_IFD = 0x8825
ARTIST = 0x013B


def _picture() -> Image.Image:
    picture = Image.new("RGB", (64, 48))
    picture.putdata([(x * 4 % 256, y * 5 % 256, (x * y) % 256) for y in range(48) for x in range(64)])
    return picture


def _jpeg_with_metadata() -> bytes:
    exif = Image.Exif()
    exif[ARTIST] = OWNER
    exif[GPS_IFD] = {1: "N", 2: (13.0, 45.0, 7.5), 3: "E", 4: (100.0, 29.0, 11.0)}
    out = io.BytesIO()
    _picture().save(out, "JPEG", exif=exif.tobytes(), comment=b"taken at the mayor's office", quality=90)
    data = out.getvalue()
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>" + OWNER.encode() + b"</x:xmpmeta>"
    segment = b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp
    return data[:2] + segment + data[2:]  # an XMP packet too, as phones' editors write


def _png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", OWNER)
    info.add_itxt("Comment", "ถ่ายที่สำนักปลัด")
    out = io.BytesIO()
    exif = Image.Exif()
    exif[ARTIST] = OWNER
    _picture().save(out, "PNG", pnginfo=info, exif=exif.tobytes())
    return out.getvalue()


DOCUMENT_XML = "<w:document><w:body><w:p><w:t>ปลัดเทศบาลรับเงินใต้โต๊ะ</w:t></w:p></w:body></w:document>"


def _word_file(core: str | None = None, app: str | None = None) -> bytes:
    core = core or (
        '<cp:coreProperties xmlns:cp="x" xmlns:dc="y"><dc:creator>' + OWNER + "</dc:creator>"
        "<cp:lastModifiedBy>สมชาย ใจดี</cp:lastModifiedBy></cp:coreProperties>"
    )
    app = (
        app
        or "<Properties><Company>กองช่าง เทศบาล</Company><Manager>ผอ.กอง</Manager>"
        "<Pages>1</Pages></Properties>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", DOCUMENT_XML)
        archive.writestr("docProps/core.xml", core)
        archive.writestr("docProps/app.xml", app)
    return out.getvalue()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_word_file_loses_its_author_editor_and_company_and_keeps_its_text() -> None:
    original = _word_file()
    stripped = metadata.strip(original)
    parts = _parts(stripped)
    assert list(parts) == [
        "[Content_Types].xml",
        "word/document.xml",
        "docProps/core.xml",
        "docProps/app.xml",
    ]
    assert parts["word/document.xml"] == DOCUMENT_XML.encode()
    for personal in (OWNER, "สมชาย", "กองช่าง", "ผอ.กอง"):
        assert all(personal.encode() not in content for content in parts.values()), personal
    assert b"<Pages>1</Pages>" in parts["docProps/app.xml"]  # not personal: kept
    assert b"coreProperties" in parts["docProps/core.xml"]  # still a valid package for Word
    assert metadata.strip(stripped) == stripped


def test_a_zip_that_is_not_an_office_file_or_would_unpack_too_far_is_kept_as_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("docProps/core.xml", OWNER)  # no [Content_Types].xml: not Office
    assert metadata.strip(out.getvalue()) == out.getvalue()
    word = _word_file()
    monkeypatch.setattr(metadata, "_OFFICE_MAX_UNPACKED", 100)
    assert metadata.strip(word) == word


WORD_WITH_CHANGES = (
    '<w:document xmlns:w="w"><w:body><w:p><w:ins w:id="1" w:author="สมชาย ใจดี" w:date="2026-11-30T10:00:00Z">'
    "<w:r><w:t>ปลัดเทศบาลรับเงินใต้โต๊ะ</w:t></w:r></w:ins></w:p></w:body></w:document>"
)
WORD_COMMENTS = (
    '<w:comments xmlns:w="w"><w:comment w:id="0" w:author="' + OWNER + '" w:initials="SC">'
    "<w:p><w:r><w:t>ดูยอดเงินตรงนี้</w:t></w:r></w:p></w:comment></w:comments>"
)
WORD_PEOPLE = (
    '<w15:people xmlns:w15="w15"><w15:person w15:author="' + OWNER + '">'
    '<w15:presenceInfo w15:providerId="AD" w15:userId="somchai@example.go.th"/></w15:person></w15:people>'
)


def _office(parts: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_comments_tracked_changes_and_pasted_photos_in_word_lose_their_authors() -> None:
    photo = _jpeg_with_metadata()
    original = _office(
        {
            "word/document.xml": WORD_WITH_CHANGES,
            "word/comments.xml": WORD_COMMENTS,
            "word/people.xml": WORD_PEOPLE,
            "word/media/image1.jpeg": photo,
            "docProps/custom.xml": "<Properties><property name='Owner'>" + OWNER + "</property></Properties>",
        }
    )
    parts = _parts(metadata.strip(original))
    for personal in (OWNER, "สมชาย", "somchai@", 'w:initials="SC"'):
        assert all(personal.encode() not in content for content in parts.values()), personal
    assert "ปลัดเทศบาลรับเงินใต้โต๊ะ".encode() in parts["word/document.xml"]  # the words stay
    assert "ดูยอดเงินตรงนี้".encode() in parts["word/comments.xml"]
    assert b'w:author=""' in parts["word/document.xml"]  # the attribute stays, so Word opens it
    assert _exif(parts["word/media/image1.jpeg"]) == {}
    assert _pixels(parts["word/media/image1.jpeg"]) == _pixels(photo)


def test_excel_and_powerpoint_comments_lose_their_authors() -> None:
    original = _office(
        {
            "xl/workbook.xml": "<workbook/>",
            "xl/comments1.xml": "<comments><authors><author>" + OWNER + "</author></authors><commentList>"
            "<comment ref='A1' authorId='0'><text>เกินราคา</text></comment></commentList></comments>",
            "xl/persons/person.xml": '<personList><person displayName="'
            + OWNER
            + '" userId="s@x" providerId="AD"/>'
            "</personList>",
            "ppt/commentAuthors.xml": '<p:cmAuthorLst><p:cmAuthor id="1" name="' + OWNER + '" initials="SC"/>'
            "</p:cmAuthorLst>",
            "ppt/authors.xml": '<p188:authorLst><p188:author name="'
            + OWNER
            + '" initials="SC" userId="s@x"/>'
            "</p188:authorLst>",
        }
    )
    parts = _parts(metadata.strip(original))
    for personal in (OWNER, "s@x", '"SC"'):
        assert all(personal.encode() not in content for content in parts.values()), personal
    assert "เกินราคา".encode() in parts["xl/comments1.xml"]
    assert b"<comment ref='A1' authorId='0'>" in parts["xl/comments1.xml"]


def _pdf_with_author(encrypt: bool = False) -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text="Invoice 2569/14 was paid twice")
    document.set_author(OWNER)
    document.set_creator("Writer of " + OWNER)
    document.set_xmp_metadata("<dc:creator>" + OWNER + "</dc:creator>")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(document.output()))))
    note = writer.add_annotation(page_number=0, annotation=Text(rect=(50, 550, 200, 650), text="look here"))
    note[NameObject("/T")] = TextStringObject(OWNER)
    if encrypt:
        writer.encrypt("reporter's own password")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_loses_its_author_creator_xmp_and_comment_names_and_keeps_its_text() -> None:
    original = _pdf_with_author()
    assert original.count(OWNER.encode()) >= 3
    stripped = metadata.strip(original)
    assert OWNER.encode() not in stripped
    before, after = PdfReader(io.BytesIO(original)), PdfReader(io.BytesIO(stripped))
    assert len(after.pages) == len(before.pages)
    assert after.pages[0].extract_text() == before.pages[0].extract_text() == "Invoice 2569/14 was paid twice"
    assert not after.metadata
    assert "/Metadata" not in after.root_object
    notes = after.pages[0]["/Annots"]
    assert [note.get_object()["/Contents"] for note in notes] == ["look here"]  # the comment stays, unnamed
    assert metadata.strip(stripped) == stripped  # nothing left to remove: kept as it is
    assert metadata.is_cleanable(original[:8])


def test_a_password_locked_pdf_is_kept_as_sent() -> None:
    locked = _pdf_with_author(encrypt=True)
    assert metadata.strip(locked) == locked


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as picture:
        return picture.convert("RGB").tobytes()


def _exif(data: bytes) -> dict[int, object]:
    with Image.open(io.BytesIO(data)) as picture:
        return dict(picture.getexif())


@pytest.mark.parametrize("make", [_jpeg_with_metadata, _png_with_metadata])
def test_a_photo_keeps_its_pixels_and_loses_owner_place_and_comments(make: object) -> None:
    assert callable(make)
    original: bytes = make()
    assert OWNER.encode() in original
    assert _exif(original)  # the fixture really carries EXIF
    stripped = metadata.strip(original)
    assert OWNER.encode() not in stripped
    assert "สำนักปลัด".encode() not in stripped
    assert b"mayor" not in stripped
    assert _exif(stripped) == {}
    assert _pixels(stripped) == _pixels(original)
    assert metadata.strip(stripped) == stripped  # nothing left to remove


def test_the_jpeg_image_data_is_copied_byte_for_byte() -> None:
    original = _jpeg_with_metadata()
    stripped = metadata.strip(original)
    scan = original.index(b"\xff\xda")
    assert stripped.endswith(original[scan:])
    assert stripped.startswith(b"\xff\xd8\xff\xe0")  # JFIF header kept: viewers still open it


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4 author=" + OWNER.encode(),
        b"\xff\xd8\xff\xe1\x00",  # a JPEG cut off inside its first segment
        b"\xff\xd8\xff\xe1\xff\xff" + b"x" * 10,  # a segment longer than the file
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\x05tEXtab",  # a PNG without its end
        b"",
    ],
)
def test_anything_that_does_not_parse_is_kept_exactly_as_sent(data: bytes) -> None:
    assert metadata.strip(data) == data


def test_the_officer_downloads_the_photo_without_its_gps_position(
    app: Flask, client: FlaskClient, lead_client: FlaskClient
) -> None:
    form = client.get("/report").text
    # The promises this test holds the app to:
    assert "ชื่อผู้สร้างและผู้แก้ไขในไฟล์ Word, Excel, PowerPoint และ PDF" in form
    assert "ไฟล์เสียงและวิดีโอยังมีข้อมูลแฝงอยู่" in form
    photo = _jpeg_with_metadata()
    document = _pdf_with_author()
    word = _word_file()
    files = (("photo.jpg", photo), ("letter.pdf", document), ("note.docx", word), ("plain.txt", b"words"))
    response = submit_report(client, files=files)
    assert response.status_code == 200
    assert "ออกจาก 3 ไฟล์ก่อนจัดเก็บ" in response.text  # the receipt says what was cleaned
    with new_session(app) as db:
        case = db.scalars(select(Case)).one()
        number = case.number
        photo_uid, document_uid, word_uid, _ = (entry.uid for entry in cases.attachments_of(db, case))
    case_page = lead_client.get(f"/staff/cases/{number}").text
    assert case_page.count("ลบข้อมูลแฝง (สถานที่ กล้อง ชื่อผู้สร้าง) แล้วเมื่อได้รับไฟล์") == 3  # not the text file
    downloaded = lead_client.get(f"/staff/cases/{number}/files/{photo_uid}")
    assert downloaded.status_code == 200
    assert int(downloaded.headers["Content-Length"]) == len(downloaded.data)
    assert _exif(downloaded.data) == {}
    assert OWNER.encode() not in downloaded.data
    assert _pixels(downloaded.data) == _pixels(photo)
    pdf = lead_client.get(f"/staff/cases/{number}/files/{document_uid}").data
    assert OWNER.encode() not in pdf
    assert PdfReader(io.BytesIO(pdf)).pages[0].extract_text() == "Invoice 2569/14 was paid twice"
    parts = _parts(lead_client.get(f"/staff/cases/{number}/files/{word_uid}").data)
    assert parts["word/document.xml"] == DOCUMENT_XML.encode()
    assert all(OWNER.encode() not in content for content in parts.values())


def _read(upload: storage.EncryptedUpload) -> bytes:
    with upload.partial_path.open("rb") as handle:
        return b"".join(crypto.decrypt_stream(upload.key, storage.file_context(upload.stored_name), handle))


def test_a_disk_that_fails_mid_rewrite_leaves_the_upload_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = _jpeg_with_metadata()
    upload = storage.EncryptedUpload(tmp_path, max_bytes=len(photo))
    upload.write(photo)
    upload.finish()
    original_key = upload.key

    def full_disk(*_args: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(crypto, "encrypt_stream", full_disk)
    with pytest.raises(OSError, match="No space"):
        upload.rewrite(metadata.is_cleanable, metadata.strip)
    assert sorted(path.name for path in tmp_path.iterdir()) == [upload.partial_path.name]
    assert upload.key == original_key
    assert _read(upload) == photo
    monkeypatch.undo()
    assert upload.rewrite(metadata.is_cleanable, metadata.strip)
    assert upload.size == len(metadata.strip(photo))
    assert _read(upload) == (metadata.strip(photo))
    assert not upload.rewrite(metadata.is_cleanable, metadata.strip)  # already clean: left alone
