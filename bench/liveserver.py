"""Helpers for the citizen-side benchmarks: a real gunicorn on localhost and a streaming HTTP client.

Not a test: the benchmarks start the app as deployed (gunicorn, production key-derivation
costs) in a throw-away instance folder and talk to it over a socket like a phone would.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.gunicorn_server import ROOT, VENV_BIN, Server, free_port, serve, wait_until_up

__all__ = ["RECEIPT", "Client", "Server", "bare_gunicorn", "gunicorn", "report_fields", "rss_kib"]

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RECEIPT = re.compile(r'id="receipt">\s*([0-9 ]+?)\s*<')
PASSWORD = "benchmark lead password"


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc (no third-party package)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextmanager
def gunicorn(extra_env: dict[str, str] | None = None, workers: int = 2, threads: int = 4) -> Iterator[Server]:
    """Initialise a fresh instance and serve it with the shipped gunicorn settings."""
    instance = Path(tempfile.mkdtemp(prefix="complaints-bench-"))
    env = {
        "COMPLAINTS_DATABASE_URL": f"sqlite:///{instance / 'complaints.sqlite3'}",
        "COMPLAINTS_RATELIMIT_REPORT": "100000 per hour",
        "COMPLAINTS_RATELIMIT_FOLLOWUP": "100000 per hour",
        "COMPLAINTS_RATELIMIT_REPORT_POSTS": "100000 per hour",
        "COMPLAINTS_RATELIMIT_FOLLOWUP_POSTS": "100000 per hour",
        "COMPLAINTS_RATELIMIT_REPORTER_ACTIONS": "100000 per hour",
        "COMPLAINTS_RATELIMIT_REPORTER_POSTS": "100000 per hour",
        **(extra_env or {}),
    }
    if workers > 1:  # several workers must share their rate-limit counts (the config refuses otherwise)
        env.setdefault("COMPLAINTS_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/14")
    try:
        with serve(instance, PASSWORD, env, workers, threads) as server:
            yield server
    finally:
        shutil.rmtree(instance, ignore_errors=True)


@contextmanager
def bare_gunicorn(database_url: str, workers: int = 2, threads: int = 4) -> Iterator[Server]:
    """The bare Flask + SQLAlchemy endpoint (bench/bare/app.py) under the same gunicorn settings."""
    instance = Path(tempfile.mkdtemp(prefix="complaints-bare-"))
    port = free_port()
    env = {
        **os.environ,
        "BARE_DATABASE_URL": database_url,
        "BARE_UPLOAD_DIR": str(instance / "uploads"),
        "COMPLAINTS_BIND": f"127.0.0.1:{port}",
        "COMPLAINTS_WORKERS": str(workers),
        "COMPLAINTS_THREADS": str(threads),
        # only gunicorn's worker-count check reads it
        "COMPLAINTS_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14",
        "PYTHONPATH": str(ROOT / "bench" / "bare") + os.pathsep + str(ROOT),
    }
    log_path = instance / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "python:complaints.gunicorn_conf", "app:app"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server("127.0.0.1", port, process, log_path, instance, "")
    try:
        wait_until_up(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(instance, ignore_errors=True)


@dataclass
class Client:
    """One browser: keeps its cookie, fetches the form's CSRF token, streams multipart bodies."""

    server: Server
    cookie: str = ""
    last_token: str = field(default="", repr=False)

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.server.host, self.server.port, timeout=600)

    def _remember_cookie(self, response: http.client.HTTPResponse) -> None:
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]

    def get(self, path: str) -> tuple[int, str]:
        connection = self._connection()
        connection.request("GET", path, headers={"Cookie": self.cookie} if self.cookie else {})
        response = connection.getresponse()
        body = response.read().decode()
        self._remember_cookie(response)
        connection.close()
        match = CSRF.search(body)
        self.last_token = match.group(1) if match else self.last_token
        return response.status, body

    def post_multipart(
        self, path: str, fields: dict[str, str], files: list[tuple[str, str, int]], chunk: int = 256 * 1024
    ) -> tuple[int, str, float]:
        """Stream a multipart body: files are ``(field, name, size)`` of generated bytes, never in memory."""
        boundary = uuid.uuid4().hex
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        )
        file_heads = [
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            for name, filename, _ in files
        ]
        tail = f"--{boundary}--\r\n".encode()
        length = (
            len(head)
            + sum(len(h) + size + 2 for h, (_, _, size) in zip(file_heads, files, strict=True))
            + len(tail)
        )

        def body() -> Iterable[bytes]:
            yield head
            block = os.urandom(chunk)
            for file_head, (_, _, size) in zip(file_heads, files, strict=True):
                yield file_head
                for offset in range(0, size, chunk):
                    yield block[: min(chunk, size - offset)]
                yield b"\r\n"
            yield tail

        connection = self._connection()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(length)}
        if self.cookie:
            headers["Cookie"] = self.cookie
        started = time.perf_counter()
        connection.request("POST", path, body=body(), headers=headers, encode_chunked=False)
        response = connection.getresponse()
        text = response.read().decode()
        elapsed = time.perf_counter() - started
        self._remember_cookie(response)
        connection.close()
        return response.status, text, elapsed


def report_fields(token: str) -> dict[str, str]:
    """A realistic anonymous report in Thai."""
    return {
        "csrf_token": token,
        "category": "budget",
        "department": "engineering",
        "accused_name": "นายสมมติ ตัวอย่าง",
        "incident_date": "มีนาคม 2568",
        "location": "ถนนหมู่ 3",
        "description": "เบิกค่าซ่อมถนนหมู่ 3 จำนวน 45,000 บาท แต่ไม่ได้ซ่อมจริง " * 20,
        "amount": "45,000 บาท",
        "disclosure": "anonymous",
        "consent": "y",
    }
