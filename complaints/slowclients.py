"""Slow clients cannot hold the service (issue 9, finding 5): gunicorn's thread workers put no time
limit on reading a request body, so a client trickling bytes keeps a thread for as long as it likes.

Decision, made once: the shipped worker model stays gunicorn's threads (no extra dependency, the
encrypting upload stream works as it is), and this WSGI middleware bounds what one client can
take before and while a body is read:

* at most ``SLOW_CLIENT_MAX_IN_FLIGHT`` requests with a body per client at a time in a process
  (a keyed hash of the address, kept only in memory), refused at once with 429 before any byte of
  the body is read — fifty trickling connections from one place occupy that many threads, not all;
* a body must keep arriving at ``SLOW_CLIENT_MIN_BYTES_PER_SECOND`` on average once its first
  ``SLOW_CLIENT_GRACE_SECONDS`` have passed, and no single read may wait longer than
  ``SLOW_CLIENT_READ_TIMEOUT_SECONDS`` (set on gunicorn's socket): otherwise 408.

The shipped gunicorn config turns keep-alive off, so a refused request's unread body is never
drained on a thread, and the read side of an answered-early request is shut, so gunicorn's graceful
close does not linger on its main thread. Behind nginx, keep ``proxy_request_buffering off`` (no
plaintext in its temp files) and let nginx's own ``client_body_timeout`` bound reads as well.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Limits:
    """How much one client may take while sending bodies."""

    max_in_flight: int = 4
    min_bytes_per_second: int = 1024
    grace_seconds: float = 20.0
    read_timeout_seconds: float = 30.0


class BodyTooSlow(Exception):
    """The client stopped sending its body, or sends it too slowly (not an ``OSError``, which
    Werkzeug would take for a client that went away and answer with 400)."""


class _DeadlineStream:
    """``wsgi.input`` that fails when the body stops coming or comes too slowly."""

    def __init__(self, stream: Any, limits: Limits) -> None:
        self._stream = stream
        self._limits = limits
        self._started = time.monotonic()
        self.received = 0

    def _check(self) -> None:
        elapsed = time.monotonic() - self._started
        if (
            elapsed > self._limits.grace_seconds
            and self.received < elapsed * self._limits.min_bytes_per_second
        ):
            raise BodyTooSlow("the request body arrives too slowly")

    def read(self, size: int = -1) -> bytes:
        self._check()
        try:
            data: bytes = self._stream.read(size)
        except TimeoutError as error:
            raise BodyTooSlow("the request body stopped arriving") from error
        self.received += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        self._check()
        try:
            line: bytes = self._stream.readline(size)
        except TimeoutError as error:
            raise BodyTooSlow("the request body stopped arriving") from error
        self.received += len(line)
        return line

    def __iter__(self) -> Any:
        return iter(self.readline, b"")


class SlowClientGuard:
    """WSGI middleware: a cap on bodies in flight per client, and a deadline on reading them."""

    def __init__(self, app: WSGIApp, secret: bytes, limits: Limits) -> None:
        self.app = app
        self.secret = secret
        self.limits = limits
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()

    def _client(self, environ: dict[str, Any]) -> str:
        address = str(environ.get("REMOTE_ADDR", "unknown")).encode()
        return hashlib.sha256(b"slow-client|" + self.secret + b"|" + address).hexdigest()[:24]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not _has_body(environ):
            return self.app(environ, start_response)
        client = self._client(environ)
        with self._lock:
            if self._in_flight[client] >= self.limits.max_in_flight:
                _stop_reading(environ)
                return _refuse(start_response, "429 Too Many Requests", environ)
            self._in_flight[client] += 1
        try:
            _set_read_timeout(environ, self.limits.read_timeout_seconds)
            stream = _DeadlineStream(environ["wsgi.input"], self.limits)
            environ["wsgi.input"] = stream
            # The app reads the whole body before it returns (a stalled one ends in BodyTooSlow,
            # which the app answers with 408); streaming the answer needs no slot.
            result = self.app(environ, start_response)
            if stream.received < _content_length(environ):
                _stop_reading(environ)  # answered before the body was in: read no more of it
            return result
        finally:
            with self._lock:
                self._in_flight[client] -= 1
                if self._in_flight[client] <= 0:
                    del self._in_flight[client]


def _content_length(environ: dict[str, Any]) -> int:
    length = str(environ.get("CONTENT_LENGTH") or "0")
    return int(length) if length.isdigit() else 0


def _stop_reading(environ: dict[str, Any]) -> None:
    """Shut the socket's read side: gunicorn's graceful close would otherwise linger on its main
    thread, up to two seconds a connection, for body bytes a refused client never sends."""
    sock = environ.get("gunicorn.socket")
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        return


def _has_body(environ: dict[str, Any]) -> bool:
    length = str(environ.get("CONTENT_LENGTH") or "0")
    return (length.isdigit() and int(length) > 0) or "chunked" in str(
        environ.get("HTTP_TRANSFER_ENCODING", "")
    )


def _set_read_timeout(environ: dict[str, Any], seconds: float) -> None:
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        sock.settimeout(seconds)


def _refuse(start_response: StartResponse, status: str, environ: dict[str, Any]) -> list[bytes]:
    """A short answer in both languages; the connection is closed, the rest of the body unread."""
    body = (
        "ส่งข้อมูลช้าหรือพร้อมกันมากเกินไป กรุณาลองใหม่อีกครั้ง\n"
        "Too slow, or too many at once from here: please try again.\n"
    ).encode()
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Connection", "close"),
        ("Retry-After", "30"),
    ]
    start_response(status, headers)
    environ["wsgi.input"] = None
    return [body]
