"""What each simulated person does in the load test, one loop per thread until told to stop:
citizens filing reports (with and without files), reporters following up with their receipt, and
legal officers working the queue. Every text and file sent is written in the :class:`Ledger`."""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.conftest import totp_now
from tests.load_users import (
    CASE_NUMBER,
    RECEIPT,
    Browser,
    Dropped,
    Ledger,
    Recorder,
    SentReport,
    csrf_of,
    dd_with,
    evidence,
    marked_text,
)

LARGEST_FILE = 1_500_000
CASE_LINK = re.compile(r'href="/staff/cases/([0-9]{4}-[0-9]{4,})"')
FILE_LINK = re.compile(r'href="(/staff/cases/[0-9-]+/files/[^"]+)"')


@dataclass
class Crowd:
    """What every person shares: the server's port, the record, the ledger, the stop signal."""

    port: int
    recorder: Recorder
    ledger: Ledger
    stop: threading.Event

    def browser(self, source: str) -> Browser:
        return Browser(self.port, source, self.recorder)


def expect(crowd: Crowd, answer_status: int, wanted: int, what: str) -> bool:
    """Record a problem when a status is not the one the flow expects."""
    if answer_status != wanted:
        crowd.recorder.problem(f"{what}: status {answer_status}, expected {wanted}")
    return answer_status == wanted


def file_report(crowd: Crowd, browser: Browser, rng: random.Random) -> None:
    """Open the form, send a report with 0–3 random files, keep the receipt the page shows."""
    browser.cookies.clear()
    form = browser.get("report form", "/report")
    if not expect(crowd, form.status, 200, "GET /report"):
        return
    description = marked_text(rng, "เบิกค่าซ่อมถนนหมู่ 3 จำนวน 45,000 บาท แต่ไม่ได้ซ่อมจริง " * rng.randint(1, 8))
    files = [evidence(rng, LARGEST_FILE) for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))]
    fields = {
        "csrf_token": csrf_of(form),
        "category": rng.choice(["budget", "procurement", "public_property", "bribery"]),
        "department": rng.choice(["finance", "engineering", "public_health"]),
        "accused_name": "นายสมมติ ตัวอย่าง",
        "description": description,
        "disclosure": "anonymous",
        "executive_subject": "no",
        "consent": "y",
    }
    for _, _, digest in files:
        crowd.ledger.note_file(digest)
    kind = "report POST + files" if files else "report POST"
    try:
        answer = browser.post(
            kind, "/report", fields, [("attachments", name, data) for name, data, _ in files]
        )
    except Dropped:
        with crowd.ledger.lock:
            crowd.ledger.unanswered_reports += 1
        raise
    if not expect(crowd, answer.status, 200, kind):
        return
    receipt, number = RECEIPT.search(answer.text), CASE_NUMBER.search(answer.text)
    if receipt is None or number is None:
        crowd.recorder.problem("a 200 after a report POST without a receipt or case number")
        return
    crowd.ledger.add_report(
        SentReport(receipt.group(1), number.group(1), description, files=[digest for *_, digest in files])
    )
    time.sleep(rng.uniform(0.2, 0.8))  # writing the receipt down before the next report


def log_in_reporter(crowd: Crowd, browser: Browser, report: SentReport, kind: str = "follow-up") -> str:
    """Log in with a receipt; the case page's text ('' if the receipt did not open)."""
    browser.cookies.clear()
    form = browser.get(f"{kind} form", "/follow-up")
    answer = browser.post(
        f"{kind} login", "/follow-up", {"csrf_token": csrf_of(form), "receipt": report.receipt}
    )
    if not expect(crowd, answer.status, 302, f"receipt of {report.number}"):
        return ""
    page = browser.get(f"{kind} case page", "/follow-up/case")
    return page.text if expect(crowd, page.status, 200, f"case page of {report.number}") else ""


def follow_up(crowd: Crowd, browser: Browser, rng: random.Random) -> None:
    """Log in with a receipt shown earlier, check the report, send a message and a file."""
    report = crowd.ledger.pick(rng)
    if report is None:
        time.sleep(0.5)
        return
    page = log_in_reporter(crowd, browser, report)
    if not page:
        return
    if dd_with(page, report.description.split()[0]) != [report.description]:
        crowd.recorder.problem(f"{report.number}: the report text shown is not what was sent")
    message = marked_text(rng, "ขอเพิ่มเติมข้อมูลว่ามีพยานอีกสองคน")
    sent = _remembered(report.messages, report.maybe_messages, crowd.ledger, message)
    with sent:
        answer = browser.post(
            "follow-up message", "/follow-up/reply", {"csrf_token": csrf_of(page), "body": message}
        )
        sent.done = expect(crowd, answer.status, 303, "follow-up message")
    note = marked_text(rng, "ใบเสร็จที่ได้มา")
    name, data, digest = evidence(rng, LARGEST_FILE // 2)
    crowd.ledger.note_file(digest)
    with (
        _remembered(report.messages, report.maybe_messages, crowd.ledger, note) as noted,
        _remembered(report.files, report.maybe_files, crowd.ledger, digest) as filed,
    ):
        answer = browser.post(
            "follow-up file",
            "/follow-up/evidence",
            {"csrf_token": csrf_of(page), "note": note},
            [("attachments", name, data)],
        )
        noted.done = filed.done = expect(crowd, answer.status, 303, "follow-up file")
    browser.post("follow-up logout", "/follow-up/logout", {})


class _remembered:  # lower case: reads as a phrase in the `with` it is used in
    """Put ``item`` in ``certain`` if the block set ``done``; in ``maybe`` if the answer never came."""

    def __init__(self, certain: list[str], maybe: list[str], ledger: Ledger, item: str) -> None:
        self.certain, self.maybe, self.ledger, self.item, self.done = certain, maybe, ledger, item, False

    def __enter__(self) -> _remembered:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        with self.ledger.lock:
            if self.done:
                self.certain.append(self.item)
            elif kind is Dropped:
                self.maybe.append(self.item)


def log_in_staff(crowd: Crowd, browser: Browser, username: str, password: str, totp_secret: str) -> bool:
    """Log in through /staff/login with the password and a current TOTP code."""
    form = browser.get("staff login form", "/staff/login")
    answer = browser.post(
        "staff login",
        "/staff/login",
        {
            "csrf_token": csrf_of(form),
            "username": username,
            "password": password,
            "totp": totp_now(totp_secret),
        },
    )
    return expect(crowd, answer.status, 302, f"log-in of {username}")


def staff_turn(crowd: Crowd, browser: Browser, rng: random.Random) -> None:
    """Browse the queue, open a case, download one of its files, sometimes answer the reporter."""
    queue = browser.get("staff queue", rng.choice(["/staff/", "/staff/?status=all", "/staff/?page=2"]))
    if not expect(crowd, queue.status, 200, "the queue"):
        return
    numbers = CASE_LINK.findall(queue.text) or list(crowd.ledger.reports)
    if not numbers:
        time.sleep(0.5)
        return
    number = rng.choice(numbers)
    page = browser.get("staff case page", f"/staff/cases/{number}")
    if not expect(crowd, page.status, 200, f"staff page of {number}"):
        return
    links = FILE_LINK.findall(page.text)
    if links:
        download = browser.get("staff download", rng.choice(links))
        matches = hashlib.sha256(download.body).hexdigest() in crowd.ledger.every_file
        if expect(crowd, download.status, 200, f"a file of {number}") and not matches:
            crowd.recorder.problem(f"a file of {number} does not match any file sent")
    report = crowd.ledger.reports.get(number)
    if report is not None and rng.random() < 0.5:
        reply = marked_text(rng, "ขอบคุณสำหรับข้อมูล กรุณาส่งสำเนาใบเสร็จเพิ่มเติม")
        with _remembered(report.replies, report.maybe_replies, crowd.ledger, reply) as sent:
            answer = browser.post(
                "staff reply", f"/staff/cases/{number}/reply", {"csrf_token": csrf_of(page), "body": reply}
            )
            sent.done = expect(crowd, answer.status, 302, f"reply on {number}")


def keep_going(crowd: Crowd, name: str, turn: Callable[[], None], rng: random.Random) -> None:
    """Repeat ``turn`` with a short pause until the stop signal; a dropped answer is recorded, not fatal."""
    while not crowd.stop.is_set():
        try:
            turn()
        except Dropped:
            pass  # recorded as status 0; the test decides whether drops were allowed
        except Exception as error:  # a bug in a flow must fail the test, not end its thread silently
            crowd.recorder.problem(f"{name} crashed: {error!r}")
            return
        time.sleep(rng.uniform(0, 0.2))
