"""Malformed and tricky Unicode in the report form, the receipt box, messages and staff pages:
bytes that are not UTF-8 (a lone surrogate, overlong "/", truncated sequences) are refused at
the citizen's doors with a Thai message and are never a 5xx anywhere; right-to-left overrides,
stacked Thai tone marks, zero-width characters, emoji sequences, noncharacters and CRLF round-trip
exactly as typed, read back with the reporter's own receipt; a NUL is refused with a message,
the text kept in the form."""

from __future__ import annotations

import html as html_module
import urllib.parse
from collections.abc import Iterator

import pytest

from complaints import cases, receipts, settings
from complaints.db import new_session
from tests.attack_world import World, shared_world
from tests.conftest import csrf_token_from, log_in_reporter, receipt_from, report_fields

TRICKY = {
    "rtl override": "\u202eเอกสาร.exe\u202c ผู้ใช้ \u2067ภายใน\u2069",
    "stacked tone marks": "ก่่่่่่่ ก้้้้้้ ป๊๊๊๊๋๋๋",
    "marks on nothing": "\u0e48\u0e49\u0e4a ขึ้นต้นด้วยวรรณยุกต์",
    "zero width": "เงิน\u200bทอน\u200c\u200dซ่อน\ufeffอยู่\u2060",
    "emoji sequence": "👩\u200d👩\u200d👧 🇹🇭 1️⃣ ✋🏽",
    "noncharacters": "ก\uffffข\ufdd0ค\U0010ffff",
    "crlf": "บรรทัดหนึ่ง\r\nบรรทัดสอง\nบรรทัดสาม",
}
# Percent-encoded bytes that are not UTF-8: a lone surrogate (CESU), overlong "/", a truncated
# sequence, a byte that never starts one.
BROKEN = (b"\xed\xa0\x80", b"\xc0\xaf", b"\xe0\xb8", b"\xff", b"\xf4\x90\x80\x80")
UNREADABLE = "ข้อความนี้มีอักขระที่ระบบอ่านไม่ได้"
PADDING = " — รายละเอียดเพิ่มเติมของเรื่องที่ร้องเรียน"  # the description needs 20 characters


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    limits = {
        name: "100000 per hour"
        for name in (
            "RATELIMIT_REPORT",
            "RATELIMIT_REPORT_POSTS",
            "RATELIMIT_FOLLOWUP",
            "RATELIMIT_FOLLOWUP_POSTS",
        )
    }
    with shared_world(tmp_path_factory.mktemp("unicode"), **limits) as built:
        yield built


def _read_back(world: World, receipt: str) -> tuple[cases.ReportContent, list[str]]:
    """The report and thread as the reporter's own keys open them."""
    with world.app.app_context(), new_session(world.app) as db:
        typed = receipts.normalise_receipt(receipt)
        case, keys = cases.unlock_by_receipt(db, typed, settings.lookup_secret(world.app))
        thread = [cases.read_message(case, message, keys.content) for message in cases.thread(db, case)]
        return cases.read_report(case, keys.content), thread


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_text_in_every_report_field_round_trips_exactly(world: World, name: str) -> None:
    text = TRICKY[name]
    client = world.app.test_client()
    token = csrf_token_from(client.get("/report").text)
    typed = {field: text for field in ("accused_name", "accused_position", "location", "witnesses")}
    fields = report_fields(**typed, description=text + PADDING, desired_action=text)
    filed = client.post("/report", data={"csrf_token": token, **fields})
    assert filed.status_code == 200, filed.text[:500]
    report, _thread = _read_back(world, receipt_from(filed.text))
    for field, value in typed.items():
        assert getattr(report, field) == value, (name, field)
    assert report.description == text + PADDING
    assert report.desired_action == text


def test_tricky_text_in_messages_round_trips_both_ways(world: World) -> None:
    """The reporter's message and the officer's reply on case B keep every code point, and the
    pages show them (NUL and CR apart, which HTML cannot carry as such) unaltered."""
    reporter, lead, page = world.app.test_client(), world.client("lead"), f"/staff/cases/{world.number_b}"
    assert log_in_reporter(reporter, world.receipt_b).status_code == 302
    sent = "\n".join(TRICKY.values())
    token = csrf_token_from(reporter.get("/follow-up/case").text)
    assert reporter.post("/follow-up/reply", data={"csrf_token": token, "body": sent}).status_code == 303
    token = csrf_token_from(lead.get(page).text)
    answer = "ตอบ: " + sent
    assert lead.post(f"{page}/reply", data={"csrf_token": token, "body": answer}).status_code == 302
    _report, thread = _read_back(world, world.receipt_b)
    assert sent in thread
    assert answer in thread
    for html in (
        html_module.unescape(reporter.get("/follow-up/case").text),
        html_module.unescape(lead.get(page).text),
    ):
        for name, value in TRICKY.items():
            if name not in ("nul", "crlf"):
                assert value in html, name


def _multipart(fields: dict[str, str], target: str, broken: bytes) -> tuple[str, bytes]:
    """A form whose ``target`` field carries bytes that are not UTF-8 (no test client sends them)."""
    body = b""
    for name, value in {**fields, target: ""}.items():
        raw = b"ok" + broken + b"ok" if name == target else value.encode()
        body += (
            b'--b\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n' + raw + b"\r\n"
        )
    return "multipart/form-data; boundary=b", body + b"--b--\r\n"


def test_broken_utf8_in_every_citizen_text_door_is_refused_with_a_message(world: World) -> None:
    doors = [
        ("anonymous", "/report", "/report", report_fields(), "description"),
        ("reporter", "/follow-up/reply", "/follow-up/case", {}, "body"),
    ]
    for role, url, page, fields, target in doors:
        for broken in BROKEN:
            client = world.app.test_client() if role == "anonymous" else world.fork(role)
            token = csrf_token_from(client.get(page).text)
            kind, body = _multipart({"csrf_token": token, **fields}, target, broken)
            response = client.post(url, data=body, content_type=kind)
            assert response.status_code == 422, (url, broken, response.status_code)
            assert UNREADABLE in response.text


def test_broken_utf8_at_the_receipt_and_the_staff_doors_is_never_a_5xx(world: World) -> None:
    doors = [
        ("anonymous", "/follow-up", "/follow-up", {}, "receipt"),
        ("anonymous", "/staff/login", "/staff/login", {"password": "x", "totp": "123456"}, "username"),
        ("lead", f"/staff/cases/{world.number_a}/notes", f"/staff/cases/{world.number_a}", {}, "body"),
    ]
    for role, url, page, fields, target in doors:
        for broken in BROKEN:
            client = world.app.test_client() if role == "anonymous" else world.fork(role)
            token = csrf_token_from(client.get(page).text)
            kind, body = _multipart({"csrf_token": token, **fields}, target, broken)
            response = client.post(url, data=body, content_type=kind)
            assert response.status_code < 500, (url, broken, response.status_code)


def test_undecodable_percent_escapes_are_kept_as_the_characters_sent(world: World) -> None:
    """In a URL-encoded body Werkzeug leaves an escape that is not UTF-8 as typed (``%ED%A0%80``
    stays those nine characters): the report keeps exactly that, nothing decoded into a surrogate."""
    client = world.app.test_client()
    token = csrf_token_from(client.get("/report").text)
    escaped = "%ED%A0%80%C0%AF%FF"
    fields = report_fields(witnesses=None)
    body = urllib.parse.urlencode({"csrf_token": token, **fields}) + f"&witnesses=ok{escaped}ok"
    filed = client.post("/report", data=body.encode(), content_type="application/x-www-form-urlencoded")
    assert filed.status_code == 200, filed.text[:300]
    report, _thread = _read_back(world, receipt_from(filed.text))
    assert report.witnesses == f"ok{escaped}ok"


def test_broken_utf8_in_urls_is_a_4xx_never_a_5xx(world: World) -> None:
    lead = world.client("lead")
    for broken in BROKEN:
        escaped = urllib.parse.quote(broken)
        for url in (f"/staff/?number={escaped}", f"/staff/cases/{escaped}", f"/statistics?fy={escaped}"):
            response = lead.get(url)
            assert response.status_code < 500, (url, response.status_code)
        assert world.client("admin").get(f"/admin/users/{escaped}").status_code == 404


@pytest.mark.parametrize(
    "wrap",
    [
        "\u202e{}\u202c",
        "\u200b{}\u200b",
        "{}\ufeff",
        "\u2067{}\u2069",
        "ก่่่{}",
    ],
)
def test_a_receipt_wrapped_in_invisible_or_thai_marks_is_answered_plainly(world: World, wrap: str) -> None:
    """Found (the marks are separators) or told it is wrong: never a 5xx."""
    client = world.app.test_client()
    token = csrf_token_from(client.get("/follow-up").text)
    response = client.post("/follow-up", data={"csrf_token": token, "receipt": wrap.format(world.receipt_b)})
    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 422:
        assert "receipt" in response.text


def test_a_nul_in_the_report_is_refused_with_a_message_and_the_text_kept(world: World) -> None:
    client = world.app.test_client()
    token = csrf_token_from(client.get("/report").text)
    fields = report_fields(description="ก่อน\x00หลัง" + PADDING)
    refused = client.post("/report", data={"csrf_token": token, **fields})
    assert refused.status_code == 422
    assert UNREADABLE in refused.text
    assert "หลัง" + PADDING in refused.text  # what was typed comes back in the form
