"""Removing what a photo says about its maker before it is stored: GPS position, camera serial,
owner name, editing software and dates (EXIF, XMP, IPTC, comments in JPEG; text, EXIF and time
chunks in PNG).

Only whole metadata segments are dropped; the image data is copied byte for byte, so the
picture the officer opens is the picture the reporter took. Anything that does not parse as a
JPEG or PNG is returned unchanged (documents keep their metadata: the form says so).
"""

from __future__ import annotations

import struct

JPEG_START = b"\xff\xd8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour transform) say how to draw
# the picture; every other APPn segment and comments carry metadata.
_JPEG_KEPT_APPS = {0xE0, 0xE2, 0xEE}
_JPEG_COMMENT = 0xFE
_JPEG_START_OF_SCAN = 0xDA
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn carry no length
_PNG_METADATA = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def is_image(head: bytes) -> bool:
    """Whether the first bytes are those of a JPEG or PNG file."""
    return head.startswith(JPEG_START) or head.startswith(PNG_SIGNATURE)


def strip(data: bytes) -> bytes:
    """``data`` without its metadata if it is a JPEG or PNG file; otherwise unchanged."""
    try:
        if data.startswith(JPEG_START):
            return _strip_jpeg(data)
        if data.startswith(PNG_SIGNATURE):
            return _strip_png(data)
    except ValueError:
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
