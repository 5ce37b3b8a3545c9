"""What a refused form's sender typed, read back from a body the app will not take in.

A request refused before its body is parsed — larger than ``MAX_CONTENT_LENGTH``, or over a rate
limit — still carries the citizen's text. The report form puts every text field before its file
inputs, so the text comes first in the body: it is read here, file contents are counted and
dropped (never stored), and reading stops past a cap, so a refused client costs a bounded read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData
from werkzeug.wrappers import Request
from werkzeug.wsgi import get_input_stream

from complaints.slowclients import BodyTooSlow

# All the text of a report, however long, fits in this (20,000 Thai characters are 60 kB).
TEXT_BYTES_CAP = 1024 * 1024
CHUNK_BYTES = 64 * 1024


@dataclass
class SalvagedForm:
    """The text fields read back, and the file parts reached on the way (name, bytes seen)."""

    fields: MultiDict[str, str] = field(default_factory=MultiDict)
    files: list[tuple[str, int]] = field(default_factory=list)

    @property
    def file_names(self) -> list[str]:
        return [name for name, _size in self.files]


def typed_fields(request: Request) -> MultiDict[str, str]:
    """The text fields of a refused request: its parsed form when something (the CSRF check)
    already read the body — Werkzeug caches ``request.form`` in the instance's ``__dict__`` —
    otherwise read back from the body with :func:`salvage_form`."""
    if "form" in request.__dict__:
        return MultiDict(request.form)
    return salvage_form(request.environ).fields


def declared_too_large(environ: dict[str, Any], allowed: int | None) -> bool:
    """Whether the request says it is larger than ``allowed``: refused before a byte was read."""
    length = str(environ.get("CONTENT_LENGTH") or "")
    return allowed is not None and length.isdigit() and int(length) > allowed


def salvage_form(environ: dict[str, Any], read_cap: int = TEXT_BYTES_CAP) -> SalvagedForm:
    """The text fields of the request body in ``environ``, reading at most ``read_cap`` bytes.

    Never raises on a body that is malformed, cut off or too slow: what was read is returned.
    """
    content_type, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
    stream = get_input_stream(environ, max_content_length=None)
    salvaged = SalvagedForm()
    try:
        if content_type == "multipart/form-data" and options.get("boundary"):
            _read_multipart(_chunks(stream, read_cap), options["boundary"].encode("latin-1"), salvaged)
        elif content_type == "application/x-www-form-urlencoded":
            body = stream.read(read_cap + 1)
            if len(body) <= read_cap:
                pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
                salvaged.fields = MultiDict(pairs)
    except (ValueError, RequestEntityTooLarge, BodyTooSlow, OSError):
        pass  # a malformed, oversized or broken-off part: keep what came before it
    return salvaged


def _chunks(stream: Any, read_cap: int) -> Iterator[bytes]:
    remaining = read_cap
    while remaining > 0:
        chunk: bytes = stream.read(min(CHUNK_BYTES, remaining))
        if not chunk:
            return
        remaining -= len(chunk)
        yield chunk


def _read_multipart(chunks: Iterator[bytes], boundary: bytes, salvaged: SalvagedForm) -> None:
    decoder = MultipartDecoder(boundary, max_form_memory_size=TEXT_BYTES_CAP)
    text: list[bytes] | None = None
    name = ""
    for chunk in chunks:
        decoder.receive_data(chunk)
        event = decoder.next_event()
        while not isinstance(event, NeedData):
            if isinstance(event, Epilogue):
                return
            if isinstance(event, Field):
                name, text = event.name, []
            elif isinstance(event, File):
                name, text = event.name, None
                salvaged.files.append((event.filename, 0))
            elif isinstance(event, Data):
                _take(event, name, text, salvaged)
            event = decoder.next_event()


def _take(event: Data, name: str, text: list[bytes] | None, salvaged: SalvagedForm) -> None:
    """A piece of a part: kept if it is text, only counted if it is a file."""
    if text is None:
        filename, size = salvaged.files[-1]
        salvaged.files[-1] = (filename, size + len(event.data))
        return
    text.append(event.data)
    if not event.more_data:
        salvaged.fields.add(name, b"".join(text).decode("utf-8", "replace"))
