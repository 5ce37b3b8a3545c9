"""Removing what a file says about its maker before it is stored: in photos the GPS position,
camera serial, owner name, editing software and dates (EXIF, XMP, IPTC, comments in JPEG;
text, EXIF and time chunks in PNG); in Word, Excel and PowerPoint files the document
properties (author, last editor, company, manager, dates).

Only whole metadata parts are dropped; the image data and the document's own parts are kept
as sent, so what the officer opens is what the reporter took. Anything that does not parse is
returned unchanged; PDF, audio and video keep their metadata (the form says so).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

JPEG_START = b"\xff\xd8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_START = b"PK\x03\x04"

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


def is_cleanable(head: bytes) -> bool:
    """Whether the first bytes are those of a JPEG, PNG or zip (Office) file."""
    return head.startswith((JPEG_START, PNG_SIGNATURE, ZIP_START))


def strip(data: bytes) -> bytes:
    """``data`` without its metadata if it is a JPEG, PNG or Office file; otherwise unchanged."""
    try:
        if data.startswith(JPEG_START):
            return _strip_jpeg(data)
        if data.startswith(PNG_SIGNATURE):
            return _strip_png(data)
        if data.startswith(ZIP_START):
            return _strip_office(data)
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


def _strip_office(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = source.infolist()
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or _OFFICE_CORE not in names and _OFFICE_APP not in names:
            return data  # a zip, but not an Office document: kept as sent
        if sum(entry.file_size for entry in entries) > _OFFICE_MAX_UNPACKED:
            return data
        out = io.BytesIO()
        changed = False
        with zipfile.ZipFile(out, "w") as target:
            for entry in entries:
                content = source.read(entry)
                if entry.filename == _OFFICE_CORE:
                    changed |= content != _EMPTY_CORE
                    content = _EMPTY_CORE
                elif entry.filename == _OFFICE_APP:
                    cleaned = _APP_PERSONAL.sub(b"", content)
                    changed |= cleaned != content
                    content = cleaned
                target.writestr(entry, content, compress_type=entry.compress_type)
    return out.getvalue() if changed else data
