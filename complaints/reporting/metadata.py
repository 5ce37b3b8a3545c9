"""Removing what a file says about its maker before it is stored: in photos the GPS position,
camera serial, owner name, editing software and dates (EXIF, XMP, IPTC, comments in JPEG;
text, EXIF and time chunks in PNG); in Word, Excel and PowerPoint files the document
properties (author, last editor, company, manager, dates, custom properties) and the names and
initials on comments and tracked changes; in PDF files the document information (author,
creator, producer, dates), the XMP metadata, applications' private data and the names on
annotations (comments).

Only metadata is dropped or blanked; the image data and the document's own content are kept as
sent, so what the officer opens is what the reporter took. Anything that does not parse (or an
encrypted PDF) is returned unchanged; audio and video keep their metadata (the form says so).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

JPEG_START = b"\xff\xd8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_START = b"PK\x03\x04"
PDF_START = b"%PDF-"

# APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour transform) say how to draw
# the picture; every other APPn segment and comments carry metadata.
_JPEG_KEPT_APPS = {0xE0, 0xE2, 0xEE}
_JPEG_COMMENT = 0xFE
_JPEG_START_OF_SCAN = 0xDA
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn carry no length
_PNG_METADATA = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}

# Office Open XML: the two property parts, rewritten empty but valid; a zip that declares more
# than this much content is left alone rather than unpacked (a zip bomb costs nothing to send).
_OFFICE_CORE = "docProps/core.xml"
_OFFICE_APP = "docProps/app.xml"
_OFFICE_MAX_UNPACKED = 200 * 1024 * 1024
_EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties"/>'
)
_APP_PERSONAL = re.compile(rb"<(Company|Manager|HyperlinkBase)>.*?</\1>|<(Company|Manager)/>", re.S)
_OFFICE_CUSTOM = "docProps/custom.xml"
_EMPTY_CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>'
)
# Who wrote a comment or a tracked change: Word's w:author / w:initials and its people part
# (w15:author, w15:userId, w15:providerId); Excel's comment <author> list and its persons part
# (displayName, userId, providerId); PowerPoint's comment authors (name, initials, userId).
# The attribute is kept, empty, so the part stays valid.
_WORD_PEOPLE = re.compile(rb'\b((?:w|w15):(?:author|initials|userId|providerId))="[^"]*"')
_EXCEL_AUTHOR = re.compile(rb"<author>[^<]*</author>")
_PERSON_ATTRIBUTES = re.compile(rb'\b(displayName|name|initials|userId|providerId)="[^"]*"')
_PEOPLE_PARTS = re.compile(r"^(xl/persons/[^/]+\.xml|ppt/commentAuthors\.xml|ppt/authors\.xml)$")
_OFFICE_PREFIXES = ("word/", "xl/", "ppt/", "docProps/")
# PDF: what names the maker (the names on annotations are their /T entries).
_PDF_PRIVATE = ("/Metadata", "/PieceInfo")


def is_cleanable(head: bytes) -> bool:
    """Whether the first bytes are those of a JPEG, PNG, zip (Office) or PDF file."""
    return head.startswith((JPEG_START, PNG_SIGNATURE, ZIP_START, PDF_START))


def strip(data: bytes) -> bytes:
    """``data`` without its metadata if it is a JPEG, PNG or Office file; otherwise unchanged."""
    try:
        if data.startswith(JPEG_START):
            return _strip_jpeg(data)
        if data.startswith(PNG_SIGNATURE):
            return _strip_png(data)
        if data.startswith(ZIP_START):
            return _strip_office(data)
        if data.startswith(PDF_START):
            return _strip_pdf(data)
    except (ValueError, zipfile.BadZipFile, EOFError):
        return data  # not the format it claims: stored as sent, the officer's viewer decides
    return data


def _strip_jpeg(data: bytes) -> bytes:
    kept = [JPEG_START]
    position = len(JPEG_START)
    while position < len(data):
        if data[position] != 0xFF:
            raise ValueError("no marker")
        marker = data[position + 1] if position + 1 < len(data) else -1
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in _JPEG_STANDALONE:
            kept.append(data[position : position + 2])
            position += 2
            continue
        if position + 4 > len(data):
            raise ValueError("truncated segment")
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            raise ValueError("bad segment length")
        if marker == _JPEG_START_OF_SCAN:
            kept.append(data[position:])  # the image data and everything after it, as sent
            return b"".join(kept)
        is_metadata = marker == _JPEG_COMMENT or (0xE0 <= marker <= 0xEF and marker not in _JPEG_KEPT_APPS)
        if not is_metadata:
            kept.append(data[position:end])
        position = end
    raise ValueError("no image data")


def _strip_png(data: bytes) -> bytes:
    kept = [PNG_SIGNATURE]
    position = len(PNG_SIGNATURE)
    while position < len(data):
        if position + 8 > len(data):
            raise ValueError("truncated chunk")
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if end > len(data):
            raise ValueError("bad chunk length")
        if kind not in _PNG_METADATA:
            kept.append(data[position:end])
        position = end
        if kind == b"IEND":
            return b"".join(kept)
    raise ValueError("no end chunk")


def _is_office(names: set[str]) -> bool:
    return "[Content_Types].xml" in names and any(name.startswith(_OFFICE_PREFIXES) for name in names)


def _clean_office_part(name: str, content: bytes) -> bytes:
    """One part of an Office package without the names and properties it carries."""
    if name == _OFFICE_CORE:
        return _EMPTY_CORE
    if name == _OFFICE_CUSTOM:
        return _EMPTY_CUSTOM
    if name == _OFFICE_APP:
        return _APP_PERSONAL.sub(b"", content)
    if "/media/" in name:
        return _strip_embedded_picture(content)
    if not name.endswith(".xml"):
        return content
    if name.startswith("word/"):
        return _WORD_PEOPLE.sub(rb'\1=""', content)
    if _PEOPLE_PARTS.match(name):
        return _PERSON_ATTRIBUTES.sub(rb'\1=""', content)
    if name.startswith("xl/comments"):
        return _EXCEL_AUTHOR.sub(b"<author></author>", content)
    return content


def _strip_embedded_picture(content: bytes) -> bytes:
    """A photo pasted into a document, without its GPS and camera (kept as is if it does not parse)."""
    try:
        if content.startswith(JPEG_START):
            return _strip_jpeg(content)
        if content.startswith(PNG_SIGNATURE):
            return _strip_png(content)
    except ValueError:
        return content
    return content


def _strip_office(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = source.infolist()
        if not _is_office({entry.filename for entry in entries}):
            return data  # a zip, but not an Office document: kept as sent
        if sum(entry.file_size for entry in entries) > _OFFICE_MAX_UNPACKED:
            return data
        out = io.BytesIO()
        changed = False
        with zipfile.ZipFile(out, "w") as target:
            for entry in entries:
                content = source.read(entry)
                cleaned = _clean_office_part(entry.filename, content)
                changed |= cleaned != content
                target.writestr(entry, cleaned, compress_type=entry.compress_type)
    return out.getvalue() if changed else data


def _strip_pdf(data: bytes) -> bytes:
    """The PDF rewritten without its information dictionary, XMP, private data and annotation
    names; its pages' content streams and images are copied as they are. Earlier revisions kept
    by incremental saves are not carried over (they would still name the author). A PDF with none
    of these is kept as sent."""
    from pypdf import PdfReader, PdfWriter  # about 10 MiB: loaded for the first PDF only

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return data  # cannot be read without its password: stored as sent
        writer = PdfWriter(clone_from=reader)
        changed = _drop_keys(writer.root_object)
        changed = bool(reader.metadata) or changed
        writer.metadata = None
        for page in writer.pages:
            changed = _drop_keys(page) or changed
            for annotation in page.get("/Annots") or []:
                changed = _drop_keys(annotation.get_object(), ("/T",)) or changed
        if not changed:
            return data
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
    except Exception:  # pypdf raises many kinds on a malformed file; such a file is kept as sent
        return data
    return out.getvalue()


def _drop_keys(dictionary: object, keys: tuple[str, ...] = _PDF_PRIVATE) -> bool:
    """Remove ``keys`` from a PDF dictionary; whether any was there."""
    from pypdf.generic import DictionaryObject, NameObject  # see _strip_pdf

    if not isinstance(dictionary, DictionaryObject):
        return False
    found = [NameObject(key) for key in keys if NameObject(key) in dictionary]
    for key in found:
        del dictionary[key]
    return bool(found)
