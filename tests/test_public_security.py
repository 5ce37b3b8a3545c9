"""Bad input, abuse and privacy on the citizen's side: clear pages, nothing stored, no 500, no traces."""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select
from werkzeug.test import TestResponse

from complaints import cases, storage
from complaints.db import new_session
from complaints.models import Base
from complaints.security import limiter
from tests.conftest import (
    all_files_under,
    csrf_token_from,
    encode_multipart,
    file_case,
    log_in_reporter,
    receipt_from,
    report_fields,
    stored_counts,
    submit_report,
)

NOTHING_STORED = {
    "cases": 0,
    "case_keys": 0,
    "attachments": 0,
    "messages": 0,
    "reporter_sessions": 0,
    "files": 0,
}
CSRF_PAGE = "แบบฟอร์มหมดอายุ"
TOO_MANY_PAGE = "มีการลองมากเกินไป"
TOO_MANY_REPORTS = "มีการส่งเรื่องจากการเชื่อมต่อนี้มากเกินไปในเวลาอันสั้น"


def post_report(client: FlaskClient, data: dict[str, Any], **kwargs: Any) -> TestResponse:
    return client.post("/report", data=data, content_type="multipart/form-data", **kwargs)


def post_big_report(
    client: FlaskClient, fields: dict[str, Any], files: list[tuple[str, str, bytes]]
) -> TestResponse:
    """A large body encoded here: Werkzeug's test client leaves its own spool file open on a 413."""
    content_type, body = encode_multipart(fields, files)
    return client.post("/report", data=body, content_type=content_type)


def fresh_form(client: FlaskClient, **overrides: Any) -> dict[str, Any]:
    return {"csrf_token": csrf_token_from(client.get("/report").text), **report_fields(**overrides)}


# --- (c) bad input ---------------------------------------------------------------------------


def test_missing_csrf_token_is_a_clear_page_and_stores_nothing(app: Flask, client: FlaskClient) -> None:
    client.get("/report")
    data = {**report_fields(), "attachments": [(io.BytesIO(b"evidence"), "a.txt", "text/plain")]}
    response = post_report(client, data)
    assert response.status_code == 400
    assert CSRF_PAGE in response.text
    assert stored_counts(app) == NOTHING_STORED


def _age_tokens(monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + seconds)


def test_expired_csrf_token_is_a_clear_page(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = fresh_form(client)
    _age_tokens(monkeypatch, app.config["WTF_CSRF_TIME_LIMIT"] + 60)
    response = post_report(client, data)
    assert response.status_code == 400
    assert CSRF_PAGE in response.text
    assert stored_counts(app) == NOTHING_STORED


def test_a_slow_report_within_the_token_lifetime_is_accepted(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = fresh_form(client)
    _age_tokens(monkeypatch, 3 * 3600 + 50 * 60)  # a long upload on a slow connection
    response = post_report(client, data)
    assert response.status_code == 200
    receipt_from(response.text)


def test_oversized_file_is_named_and_leaves_no_file(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_ATTACHMENT_BYTES"] = 1024 * 1024
    files = [("attachments", "ok.txt", b"small"), ("attachments", "big.bin", b"x" * (1536 * 1024))]
    response = post_big_report(client, fresh_form(client), files)
    assert response.status_code == 413
    assert "ไฟล์ “big.bin” มีขนาด 1.5 MB แต่แต่ละไฟล์ต้องไม่เกิน 1 MB" in response.text
    assert report_fields()["description"] in response.text  # the form came back, not a dead end
    assert stored_counts(app) == NOTHING_STORED


def test_too_many_files_say_how_many_and_leave_no_file(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_ATTACHMENTS"] = 2
    data = fresh_form(client)
    data["attachments"] = [(io.BytesIO(b"x"), f"{n}.txt", "text/plain") for n in range(3)]
    response = post_report(client, data)
    assert response.status_code == 413
    assert "คุณเลือกไว้ 3 ไฟล์ แต่ส่งได้ครั้งละไม่เกิน 2 ไฟล์" in response.text
    assert stored_counts(app) == NOTHING_STORED


def test_request_larger_than_allowed_says_the_total_and_stores_nothing(
    app: Flask, client: FlaskClient
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    files = [("attachments", "big.bin", b"y" * (1536 * 1024))]
    response = post_big_report(client, fresh_form(client), files)
    assert response.status_code == 413
    assert re.search(r"สิ่งที่ส่งมีขนาดรวม 1\.\d MB แต่ส่งได้ครั้งละไม่เกิน 1 MB", response.text)
    assert stored_counts(app) == NOTHING_STORED


@pytest.mark.parametrize(
    "make_body",
    [
        lambda token: (b"no boundary at all", "multipart/form-data"),
        lambda token: (b"--b\r\nContent-Disposition: form-data\r\n\r\nx", "multipart/form-data; boundary=b"),
        lambda token: (
            b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            + token.encode()
            + b'\r\n--b\r\nContent-Disposition: form-data; name="attachments"; filename="cut.bin"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n"
            + b"z"
            * 200_000,  # cut off: no closing boundary
            "multipart/form-data; boundary=b",
        ),
    ],
    ids=["no-boundary", "garbage-part", "truncated-upload"],
)
def test_malformed_multipart_is_a_clear_page_and_stores_nothing(
    app: Flask, client: FlaskClient, make_body: Callable[[str], tuple[bytes, str]]
) -> None:
    body, content_type = make_body(csrf_token_from(client.get("/report").text))
    response = client.post("/report", data=body, content_type=content_type)
    assert response.status_code == 400
    assert CSRF_PAGE in response.text or "ข้อมูลที่ส่งมาบางส่วนไม่ถูกต้อง" in response.text
    assert stored_counts(app) == NOTHING_STORED


def test_description_over_the_limit_is_refused_and_kept(app: Flask, client: FlaskClient) -> None:
    limit = app.config["MAX_TEXT_CHARS"]
    response = post_report(client, fresh_form(client, description="ก" * (limit + 1)))
    assert response.status_code == 422
    assert f"ไม่เกิน {limit:,} ตัวอักษร (ขณะนี้ {limit + 1:,} ตัวอักษร)" in response.text
    assert "ก" * (limit + 1) in response.text  # what was typed is given back
    assert stored_counts(app) == NOTHING_STORED


def test_description_larger_than_the_form_memory_limit_is_a_clear_page(
    app: Flask, client: FlaskClient
) -> None:
    response = post_big_report(client, fresh_form(client, description="ข" * 400_000), [])  # 1.2 MB of UTF-8
    assert response.status_code == 413
    assert "ข้อมูลที่ส่งมีขนาดรวมเกินกำหนด" in response.text
    assert stored_counts(app) == NOTHING_STORED


def test_invalid_utf8_in_a_text_field_is_refused(app: Flask, client: FlaskClient) -> None:
    token = csrf_token_from(client.get("/report").text)
    parts = {**report_fields(), "csrf_token": token}
    body = b""
    for name, value in parts.items():
        raw = value.encode() if name != "description" else b"valid \xe0\xb8 then \xff\xfe broken"
        body += (
            b'--b\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n' + raw + b"\r\n"
        )
    body += b"--b--\r\n"
    response = client.post("/report", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 422
    assert "ข้อความนี้มีอักขระที่ระบบอ่านไม่ได้" in response.text
    assert stored_counts(app) == NOTHING_STORED


def test_invalid_utf8_receipt_gets_the_wrong_receipt_answer(app: Flask, client: FlaskClient) -> None:
    token = csrf_token_from(client.get("/follow-up").text)
    body = b"csrf_token=" + token.encode() + b"&receipt=%FF%FE1234"
    response = client.post("/follow-up", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert "ไม่พบเรื่องที่ตรงกับรหัสติดตามนี้" in response.text
    assert stored_counts(app)["reporter_sessions"] == 0


# --- rate limits -----------------------------------------------------------------------------


def test_a_flood_of_wrong_receipts_is_stopped_with_a_thai_page(app: Flask, client: FlaskClient) -> None:
    """Guessing receipts is limited per client. The issue's 10 000 guesses become 1 000 against a
    limit lowered to 20: fifty times the limit proves it holds, in about two seconds."""
    app.config["RATELIMIT_FOLLOWUP"] = "20 per hour"
    file_case(app, cases.ReportContent(description="x"))
    token = csrf_token_from(client.get("/follow-up").text)
    statuses: dict[int, int] = {}
    started = time.monotonic()
    for attempt in range(1_000):
        response = client.post("/follow-up", data={"csrf_token": token, "receipt": f"{attempt:020d}"})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code == 429:
            assert TOO_MANY_PAGE in response.text
            assert '<html lang="th">' in response.text
    assert statuses == {422: 20, 429: 980}
    assert time.monotonic() - started < 30
    assert stored_counts(app)["reporter_sessions"] == 0
    assert client.get("/follow-up").status_code == 200  # reading the page is never limited


def test_the_limit_is_counted_before_the_body_is_read(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests without a CSRF token count in the bucket of all POSTs, and an over-limit upload
    is refused unread."""
    app.config["RATELIMIT_REPORT_POSTS"] = "2 per hour"
    for _ in range(2):
        assert client.post("/report", data={"description": "no token"}).status_code == 400
    started_uploads: list[object] = []
    original = storage.EncryptedUpload.__post_init__

    def spy(upload: storage.EncryptedUpload) -> None:
        started_uploads.append(upload)
        original(upload)

    monkeypatch.setattr(storage.EncryptedUpload, "__post_init__", spy)
    response = submit_report(client, files=(("a.txt", b"evidence"),))
    assert response.status_code == 429
    assert TOO_MANY_REPORTS in response.text
    assert started_uploads == []


def test_submissions_are_limited_and_the_refused_one_stores_nothing(app: Flask, client: FlaskClient) -> None:
    app.config["RATELIMIT_REPORT"] = "2 per hour"
    assert submit_report(client).status_code == 200
    assert submit_report(client).status_code == 200
    before = stored_counts(app)
    response = submit_report(client, files=(("a.txt", b"evidence"),))
    assert response.status_code == 429
    assert TOO_MANY_REPORTS in response.text
    assert stored_counts(app) == before


def test_the_too_many_page_says_how_long_to_wait(app: Flask, client: FlaskClient) -> None:
    """Counted before the body is read: the wait comes from the limit's window, in minutes. A code
    of the wrong length is a mistake and costs nothing; a look-up of a 20-digit code counts."""
    app.config["RATELIMIT_FOLLOWUP"] = "1 per hour"
    token = csrf_token_from(client.get("/follow-up").text)
    assert client.post("/follow-up", data={"csrf_token": token, "receipt": "1"}).status_code == 422
    assert client.post("/follow-up", data={"csrf_token": token, "receipt": "1" * 20}).status_code == 422
    refused = client.post("/follow-up", data={"csrf_token": token, "receipt": "2" * 20})
    assert refused.status_code == 429
    assert "รอสักครู่" not in refused.text
    wait = re.search(r"กรุณาลองใหม่อีกครั้งในอีกประมาณ (\d+) นาที", refused.text)
    assert wait
    assert 59 <= int(wait.group(1)) <= 60


def test_a_reporter_over_the_limit_is_told_the_wait_in_minutes(app: Flask, client: FlaskClient) -> None:
    """Limited at the view (per reporter session): the wait comes from the breached limit."""
    app.config["RATELIMIT_REPORTER_ACTIONS"] = "1 per 10 minutes"
    log_in_reporter(client, receipt_from(submit_report(client).text))
    token = csrf_token_from(client.get("/follow-up/case").text)
    assert client.post("/follow-up/reply", data={"csrf_token": token, "body": "หนึ่ง"}).status_code == 303
    refused = client.post("/follow-up/reply", data={"csrf_token": token, "body": "ข้อความที่สองต้องไม่หาย"})
    assert refused.status_code == 429
    assert "โปรดส่งอีกครั้งในอีกประมาณ 10 นาที" in refused.text
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*ข้อความที่สองต้องไม่หาย</textarea>', refused.text)
    assert 590 <= int(refused.headers["Retry-After"]) <= 601


# --- (d) headers and cookies on every public route ---------------------------------------------


def assert_safe_headers(response: TestResponse) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src" not in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store, no-transform"  # no-transform: no proxy gzip (BREACH)
    for cookie in headers.getlist("Set-Cookie"):
        assert "HttpOnly" in cookie, cookie
        assert "SameSite=Strict" in cookie, cookie


def every_public_response(app: Flask, client: FlaskClient) -> list[tuple[str, TestResponse]]:
    """One response of each kind the citizen's side gives, in a realistic order."""
    seen = [(path, client.get(path)) for path in ("/", "/protection", "/guideline", "/report", "/follow-up")]
    seen.append(("/healthz", client.get("/healthz")))
    seen.append(("/lang/en", client.get("/lang/en?next=/report")))
    seen.append(("/lang/th", client.get("/lang/th")))
    seen.append(("404", client.get("/nowhere")))
    seen.append(("POST /report invalid", post_report(client, fresh_form(client, description=""))))
    submitted = submit_report(client)
    seen.append(("POST /report", submitted))
    seen.append(("POST /report no csrf", post_report(client, report_fields())))
    token = csrf_token_from(client.get("/follow-up").text)
    seen.append(
        ("POST /follow-up wrong", client.post("/follow-up", data={"csrf_token": token, "receipt": "1"}))
    )
    seen.append(("POST /follow-up", log_in_reporter(client, receipt_from(submitted.text))))
    page = client.get("/follow-up/case")
    seen.append(("/follow-up/case", page))
    token = csrf_token_from(page.text)
    seen.append(("POST reply", client.post("/follow-up/reply", data={"csrf_token": token, "body": "สวัสดี"})))
    seen.append(("POST logout", client.post("/follow-up/logout", data={"csrf_token": token})))
    return seen


def test_security_headers_and_cookie_flags_on_every_public_response(app: Flask, client: FlaskClient) -> None:
    responses = every_public_response(app, client)
    assert {response.status_code for _, response in responses} >= {200, 302, 400, 404, 422}
    cookies = [cookie for _, response in responses for cookie in response.headers.getlist("Set-Cookie")]
    assert cookies  # the flags below were really checked on something
    for _, response in responses:
        assert_safe_headers(response)
    assert not any("Secure" in cookie for cookie in cookies)  # plain HTTP in development


def test_cookies_are_secure_when_served_over_https(app: Flask, client: FlaskClient) -> None:
    app.config["SESSION_COOKIE_SECURE"] = True
    cookies = client.get("/report").headers.getlist("Set-Cookie")
    cookies += client.get("/lang/en").headers.getlist("Set-Cookie")
    assert len(cookies) == 2
    for cookie in cookies:
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie


def test_https_responses_carry_hsts(client: FlaskClient) -> None:
    response = client.get("/report", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


# --- no addresses, user agents or receipts anywhere --------------------------------------------


def test_no_address_or_user_agent_is_kept_anywhere(
    app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    address, agent = "203.0.113.77", "MarkerAgent/9.9 (Android 10; cheap phone)"
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": address, "HTTP_USER_AGENT": agent})
    receipt = receipt_from(submit_report(client, files=(("a.txt", b"evidence"),)).text)
    log_in_reporter(client, receipt)
    token = csrf_token_from(client.get("/follow-up/case").text)
    client.post("/follow-up/reply", data={"csrf_token": token, "body": "ข้อความ"})
    client.post("/follow-up", data={"csrf_token": token, "receipt": "1"})
    traces = [address.encode(), agent.encode(), b"MarkerAgent"]
    for path in all_files_under(tmp_path):
        content = path.read_bytes()
        for trace in traces:
            assert trace not in content, path
    with new_session(app) as db:
        for table in Base.metadata.sorted_tables:
            for row in db.execute(select(table)):
                assert "203.0.113" not in repr(tuple(row)), table.name
                assert "MarkerAgent" not in repr(tuple(row)), table.name
    logged = "\n".join(record.getMessage() for record in caplog.records) + "".join(capfd.readouterr())
    assert address not in logged
    assert "MarkerAgent" not in logged
    limiter_keys = repr(getattr(limiter.storage, "storage", {}))
    assert "complaints" in limiter_keys  # the memory storage really holds this test's counters
    assert address not in limiter_keys


def test_language_cookie_lasts_only_for_the_browser_session(client: FlaskClient) -> None:
    (cookie,) = client.get("/lang/en").headers.getlist("Set-Cookie")
    assert cookie.startswith("lang=en")
    assert "Expires" not in cookie
    assert "Max-Age" not in cookie
