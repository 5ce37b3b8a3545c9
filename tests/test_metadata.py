"""A reporter's photos and Office files lose what they say about their maker (GPS, camera,
owner, author, company) before they are stored, and keep every pixel and every word; other
files are stored exactly as sent."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, PngImagePlugin
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
    assert "JPEG และ PNG และชื่อผู้สร้างไฟล์ Word, Excel และ PowerPoint จะถูกลบออกก่อนจัดเก็บ" in form
    assert "ไฟล์ PDF ยังมีชื่อผู้สร้างไฟล์" in form
    photo = _jpeg_with_metadata()
    document = b"%PDF-1.4 /Author (" + OWNER.encode() + b")"
    word = _word_file()
    files = (("photo.jpg", photo), ("letter.pdf", document), ("note.docx", word))
    response = submit_report(client, files=files)
    assert response.status_code == 200
    with new_session(app) as db:
        case = db.scalars(select(Case)).one()
        number = case.number
        photo_uid, document_uid, word_uid = (entry.uid for entry in cases.attachments_of(db, case))
    downloaded = lead_client.get(f"/staff/cases/{number}/files/{photo_uid}")
    assert downloaded.status_code == 200
    assert int(downloaded.headers["Content-Length"]) == len(downloaded.data)
    assert _exif(downloaded.data) == {}
    assert OWNER.encode() not in downloaded.data
    assert _pixels(downloaded.data) == _pixels(photo)
    # A document is evidence as sent: its metadata stays (the form tells the reporter so).
    assert lead_client.get(f"/staff/cases/{number}/files/{document_uid}").data == document
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
