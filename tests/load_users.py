"""Simulated people for the load test: a browser over stdlib http.client, a record of every
request, and a ledger of everything that was sent (texts, file hashes, receipts shown).

Each simulated person has a loopback address of their own (127.0.0.x), so per-client limits and
the in-flight bound count them apart like phones on different networks.
"""

from __future__ import annotations

import hashlib
import html
import http.client
import random
import re
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from tests.conftest import encode_multipart

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
RECEIPT = re.compile(r'id="receipt">\s*([0-9 ]+?)\s*<')
CASE_NUMBER = re.compile(r'class="case-number">([0-9]{4}-[0-9]{4,})<')
MARKER = "LOADMARK"  # in every text sent: its absence from the DB dump and the uploads is checked
FILE_MAGIC = b"LOADFILE-PLAINTEXT-"  # the first bytes of every file sent, for the same check


class Dropped(Exception):
    """The connection failed before an answer arrived (expected only when a worker is killed)."""


@dataclass(frozen=True)
class Answer:
    """A response: status, headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


@dataclass(frozen=True)
class Sample:
    """One request as the client saw it; status 0 when the connection dropped."""

    kind: str
    status: int
    seconds: float


class Recorder:
    """Every request of every simulated person, and every broken promise noticed on the way."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[Sample] = []
        self.problems: list[str] = []

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def problem(self, text: str) -> None:
        """A promise broken (checked after the run, so one failure does not hide the others)."""
        with self.lock:
            self.problems.append(text)

    def statuses(self) -> Counter[int]:
        """How many requests got each status (0: dropped connection)."""
        return Counter(sample.status for sample in self.samples)

    def summary(self, title: str) -> str:
        """Requests by kind: count, statuses, median and 95th-percentile client-side time."""
        by_kind: dict[str, list[Sample]] = defaultdict(list)
        for sample in self.samples:
            by_kind[sample.kind].append(sample)
        lines = [title, f"{'kind':<22}{'n':>6}  {'p50 ms':>8}{'p95 ms':>8}  statuses"]
        for kind in sorted(by_kind):
            samples = by_kind[kind]
            times = sorted(sample.seconds * 1000 for sample in samples)
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            counts = ", ".join(
                f"{code}×{n}" for code, n in sorted(Counter(s.status for s in samples).items())
            )
            lines.append(
                f"{kind:<22}{len(samples):>6}  {statistics.median(times):>8.0f}{p95:>8.0f}  {counts}"
            )
        lines.append(f"{'all':<22}{len(self.samples):>6}")
        return "\n".join(lines)


@dataclass
class SentReport:
    """What one reporter sent and was shown; ``maybe_*`` were sent but their answer never came."""

    receipt: str
    number: str
    description: str
    files: list[str] = field(default_factory=list)  # sha256 of each file
    messages: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # the legal unit's, answered 302
    maybe_files: list[str] = field(default_factory=list)
    maybe_messages: list[str] = field(default_factory=list)
    maybe_replies: list[str] = field(default_factory=list)


class Ledger:
    """Everything sent, shared by all simulated people."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reports: dict[str, SentReport] = {}  # by case number
        self.unanswered_reports = 0  # report POSTs whose connection dropped
        self.every_file: set[str] = set()  # sha256 of every file anyone sent

    def add_report(self, report: SentReport) -> None:
        with self.lock:
            self.reports[report.number] = report

    def pick(self, rng: random.Random) -> SentReport | None:
        """A report filed earlier, or None before the first one."""
        with self.lock:
            numbers = list(self.reports)
        return self.reports[rng.choice(numbers)] if numbers else None

    def note_file(self, digest: str) -> None:
        with self.lock:
            self.every_file.add(digest)


class Browser:
    """One person's browser: its cookies and address; no keep-alive, no redirects followed."""

    def __init__(self, port: int, source: str, recorder: Recorder) -> None:
        self.port = port
        self.source = source
        self.recorder = recorder
        self.cookies: dict[str, str] = {}

    def request(
        self, kind: str, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> Answer:
        """Send one request and record it; :class:`Dropped` if no answer came."""
        headers = {"Sec-Fetch-Site": "same-origin", "Connection": "close"}
        if content_type:
            headers["Content-Type"] = content_type
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.perf_counter()
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=120, source_address=(self.source, 0)
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
            self._remember(response.headers.get_all("Set-Cookie") or [])
        except (OSError, http.client.HTTPException) as error:
            self.recorder.add(Sample(kind, 0, time.perf_counter() - started))
            raise Dropped(f"{kind}: {error!r}") from error
        finally:
            connection.close()
        self.recorder.add(Sample(kind, answer.status, time.perf_counter() - started))
        return answer

    def _remember(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            pair, *attributes = (part.strip() for part in header.split(";"))
            name, _, value = pair.partition("=")
            lowered = [attribute.lower() for attribute in attributes]
            removed = "max-age=0" in lowered or any(
                item.startswith("expires=") and "1970" in item for item in lowered
            )
            if not value or removed:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def get(self, kind: str, path: str) -> Answer:
        return self.request(kind, "GET", path)

    def post(
        self, kind: str, path: str, fields: dict[str, str], files: list[tuple[str, str, bytes]] | None = None
    ) -> Answer:
        """A form POST: urlencoded, or multipart when ``files`` is given (even empty)."""
        if files is None:
            from urllib.parse import urlencode

            return self.request(
                kind, "POST", path, urlencode(fields).encode(), "application/x-www-form-urlencoded"
            )
        content_type, body = encode_multipart(fields, files)
        return self.request(kind, "POST", path, body, content_type)


def csrf_of(page: Answer | str) -> str:
    """The CSRF token of the first form on a page ('' if none)."""
    found = CSRF.search(page.text if isinstance(page, Answer) else page)
    return found.group(1) if found else ""


def evidence(rng: random.Random, largest: int) -> tuple[str, bytes, str]:
    """A file of random bytes (its name, content, sha256), starting with :data:`FILE_MAGIC`."""
    content = FILE_MAGIC + rng.randbytes(rng.randint(1, largest))
    return f"หลักฐาน-{uuid.uuid4().hex[:8]}.bin", content, hashlib.sha256(content).hexdigest()


def marked_text(rng: random.Random, words: str) -> str:
    """A unique text a person types: Thai, markup-like characters, a line break, a marker."""
    tail = rng.choice(["", " & <b>ตัวหนา</b>", " \"ในเครื่องหมายคำพูด\" 'เดี่ยว'", "\r\nบรรทัดที่สอง"])
    return f"{MARKER}-{uuid.uuid4().hex} {words}{tail}"


def dd_with(page: str, marker: str) -> list[str]:
    """The unescaped text of every ``<dd>`` or ``<p class="text">`` holding ``marker``."""
    blocks = re.findall(r'<dd>(.*?)</dd>|<p class="text">(.*?)</p>', page, flags=re.S)
    texts = [html.unescape(dd or p) for dd, p in blocks]
    return [text for text in texts if marker in text]
