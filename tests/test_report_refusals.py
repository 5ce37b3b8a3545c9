"""A refused report is never lost: too much sent (413), too many attempts (429) and an expired
form (400) bring the form back with everything typed and what to change; only accepted forms
spend the hourly limits; 429 answers carry Retry-After and 405 answers carry Allow."""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner
from werkzeug.test import TestResponse

from complaints import storage
from complaints.reporting import salvage
from tests.conftest import (
    csrf_token_from,
    encode_multipart,
    log_in_reporter,
    receipt_from,
    report_fields,
    stored_counts,
    submit_report,
)

# A long report in Thai, with marks and digits, that must come back word for word.
LONG_THAI = ("เจ้าหน้าที่กองช่างเบิกค่าซ่อมถนนหมู่ ๓ จำนวน 45,000 บาท แต่ไม่ได้ซ่อมจริง ผู้ใหญ่บ้านเห็นด้วยตนเอง ") * 60
NOTHING_STORED = {
    "cases": 0,
    "case_keys": 0,
    "attachments": 0,
    "messages": 0,
    "reporter_sessions": 0,
    "files": 0,
}
TEXT_FIELDS = (
    "accused_name",
    "accused_position",
    "incident_date",
    "location",
    "description",
    "desired_action",
)
MB = 1024 * 1024


def typed_report(**overrides: Any) -> dict[str, Any]:
    return report_fields(**{"description": LONG_THAI, "incident_date": "5/3/2569", **overrides})


def form_with_token(client: FlaskClient, **overrides: Any) -> dict[str, str]:
    return {"csrf_token": csrf_token_from(client.get("/report").text), **typed_report(**overrides)}


def post_body(
    client: FlaskClient, fields: dict[str, str], files: list[tuple[str, str, bytes]]
) -> TestResponse:
    """Text first, files last, as the browser sends the form (encoded here: no spool file left open)."""
    content_type, body = encode_multipart(fields, files)
    return client.post("/report", data=body, content_type=content_type)


def textarea(html: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\r?\n?(.*?)</textarea>', html, re.DOTALL)
    assert found, name
    return found.group(1).replace("&#34;", '"').replace("&#39;", "'")


def assert_everything_typed_is_back(html: str) -> None:
    assert textarea(html, "description") == LONG_THAI
    for name in ("accused_name", "accused_position", "incident_date", "location"):
        assert f'name="{name}" type="text" value="{typed_report()[name]}"' in html, name
    assert textarea(html, "desired_action") == typed_report()["desired_action"]
    assert re.search(r'<option selected value="budget">', html)
    assert re.search(r'<input checked id="consent"', html)
    assert 'id="receipt"' not in html


def test_text_fields_come_before_the_file_inputs(client: FlaskClient, app: Flask) -> None:
    """The order of the body follows the form's: text first, so it is read before any file part."""
    page = client.get("/report").text
    files_at = page.index('name="attachments"')
    for name in (*TEXT_FIELDS, "witnesses", "reported_elsewhere", "reporter_name", "consent", "website"):
        assert page.index(f'name="{name}"') < files_at, name
    log_in_reporter(client, receipt_from(submit_report(client).text))
    case_page = client.get("/follow-up/case").text
    assert case_page.index('name="note"') < case_page.index('name="attachments"')


def test_a_file_over_the_limit_brings_the_form_back_naming_it(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_ATTACHMENT_BYTES"] = 1 * MB
    files = [("attachments", "ภาพถ่าย.jpg", b"\xff\xd8 small"), ("attachments", "วิดีโอ.mp4", b"v" * (3 * MB))]
    response = post_body(client, form_with_token(client), files)
    assert response.status_code == 413
    assert_everything_typed_is_back(response.text)
    assert "ไฟล์ “วิดีโอ.mp4” มีขนาด 3.0 MB แต่แต่ละไฟล์ต้องไม่เกิน 1 MB" in response.text
    assert "ภาพถ่าย.jpg" not in response.text  # the file that fitted is not blamed
    assert "กรุณาเลือกไฟล์ใหม่อีกครั้ง" in response.text
    assert 'id="refusal-notice"' in response.text
    assert 'href="#attachments"' in response.text  # the error summary leads to the file input
    assert stored_counts(app) == NOTHING_STORED


def test_too_many_files_bring_the_form_back_saying_how_many(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_ATTACHMENTS"] = 2
    files = [("attachments", f"หลักฐาน{n}.pdf", b"%PDF-1.4 x") for n in range(4)]
    response = post_body(client, form_with_token(client), files)
    assert response.status_code == 413
    assert_everything_typed_is_back(response.text)
    assert "คุณเลือกไว้ 4 ไฟล์ แต่ส่งได้ครั้งละไม่เกิน 2 ไฟล์" in response.text
    assert stored_counts(app) == NOTHING_STORED


class CountingStream(io.BytesIO):
    """A request body that remembers how much of it the server read."""

    read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data


def test_a_request_over_the_total_limit_comes_back_and_is_read_only_so_far(
    app: Flask, client: FlaskClient
) -> None:
    """Refused for its declared size, the body is read for its text and at most one file's worth
    more (to name a file over the limit on its own), never to its end."""
    app.config["MAX_CONTENT_LENGTH"] = 2 * MB
    app.config["MAX_ATTACHMENT_BYTES"] = 1 * MB
    files = [("attachments", "สัญญา.pdf", b"%PDF" * 1000), ("attachments", "คลิป.mp4", b"c" * (30 * MB))]
    content_type, body = encode_multipart(form_with_token(client), files)
    stream = CountingStream(body)
    response = client.post(
        "/report", input_stream=stream, content_type=content_type, content_length=len(body)
    )
    assert response.status_code == 413
    assert_everything_typed_is_back(response.text)
    assert "ไฟล์ “คลิป.mp4” มีขนาดเกิน 1 MB ซึ่งเป็นขนาดสูงสุดที่รับได้ต่อไฟล์" in response.text
    assert "สัญญา.pdf" not in response.text
    assert "สิ่งที่ส่งมีขนาดรวม 30.1 MB แต่ส่งได้ครั้งละไม่เกิน 2 MB" in response.text
    assert stream.read_bytes <= salvage.TEXT_BYTES_CAP + 1 * MB + salvage.CHUNK_BYTES
    assert stream.read_bytes < len(body) / 10
    assert stored_counts(app) == NOTHING_STORED


def expired_form(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A form opened longer ago than a token lives (its token signed in the past)."""
    real = TimestampSigner.get_timestamp
    age = app.config["WTF_CSRF_TIME_LIMIT"] + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - age)
    data = form_with_token(client)
    monkeypatch.undo()
    return data


def test_an_expired_form_comes_back_with_a_fresh_token_and_then_goes_through(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = expired_form(app, client, monkeypatch)
    expired = post_body(client, data, [("attachments", "ใบเสร็จ.pdf", b"%PDF-1.4 receipt")])
    assert expired.status_code == 400
    assert_everything_typed_is_back(expired.text)
    assert "แบบฟอร์มหมดอายุก่อนส่ง (เพื่อความปลอดภัย แบบฟอร์มใช้ได้ 4 ชั่วโมง)" in expired.text
    assert "ระบบไม่ได้เก็บไฟล์ไว้ โปรดแนบไฟล์ใหม่อีกครั้ง" in expired.text
    assert stored_counts(app) == NOTHING_STORED
    fresh = csrf_token_from(expired.text)
    assert fresh != data["csrf_token"]
    sent = post_body(client, {**data, "csrf_token": fresh}, [])
    assert sent.status_code == 200
    receipt_from(sent.text)


def test_a_post_from_another_site_gets_no_text_back(app: Flask, client: FlaskClient) -> None:
    """A page elsewhere cannot make this site show a report it wrote, in a form ready to send."""
    forged = "ข้อความที่เว็บอื่นแต่งขึ้นเพื่อใส่ร้ายผู้อื่น ให้ดูเหมือนมาจากเทศบาล"
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://elsewhere.example"}):
        content_type, body = encode_multipart(report_fields(description=forged), [])
        refused = client.post("/report", data=body, content_type=content_type, headers=headers)
        assert refused.status_code == 400
        assert "แบบฟอร์มหมดอายุ" in refused.text
        assert forged not in refused.text
        assert 'name="description"' not in refused.text
    content_type, body = encode_multipart(report_fields(description=forged), [])
    same_site = client.post(
        "/report", data=body, content_type=content_type, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert forged in same_site.text


def test_over_the_hourly_limit_the_form_comes_back_with_retry_after(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["RATELIMIT_REPORT"] = "2 per hour"
    for _ in range(2):
        assert submit_report(client).status_code == 200
    started: list[object] = []
    original = storage.EncryptedUpload.__post_init__

    def spy(upload: storage.EncryptedUpload) -> None:
        started.append(upload)
        original(upload)

    monkeypatch.setattr(storage.EncryptedUpload, "__post_init__", spy)
    refused = post_body(client, form_with_token(client), [("attachments", "a.pdf", b"%PDF-1.4 a")])
    assert refused.status_code == 429
    assert started == []  # refused before a byte of the file was stored
    assert_everything_typed_is_back(refused.text)
    assert re.search(r"โปรดรอประมาณ(หนึ่งชั่วโมง| 59 นาที) แล้วกด “ส่งเรื่อง” อีกครั้ง", refused.text)
    assert "ระบบไม่ได้เก็บไฟล์ไว้ โปรดแนบไฟล์ใหม่อีกครั้ง" in refused.text
    assert 3500 <= int(refused.headers["Retry-After"]) <= 3601
    assert stored_counts(app)["cases"] == 2


def _six_mistakes(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The issue's citizen: mistakes corrected, oversized and too many files, an expired form."""
    app.config.update(MAX_ATTACHMENT_BYTES=1 * MB, MAX_ATTACHMENTS=2)
    statuses = [
        post_body(client, form_with_token(client, description="โกง"), []).status_code,
        post_body(client, form_with_token(client, incident_date="31/12/2599"), []).status_code,
        post_body(client, form_with_token(client, consent=None), []).status_code,
        post_body(client, form_with_token(client), [("attachments", "big.mp4", b"b" * (2 * MB))]).status_code,
        post_body(
            client, form_with_token(client), [("attachments", f"{n}.pdf", b"%PDF") for n in range(3)]
        ).status_code,
    ]
    statuses.append(post_body(client, expired_form(app, client, monkeypatch), []).status_code)
    return statuses


def test_mistakes_do_not_spend_the_hourly_report_limit(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["RATELIMIT_REPORT"] = "5 per hour"
    assert _six_mistakes(app, client, monkeypatch) == [422, 422, 422, 413, 413, 400]
    assert [submit_report(client).status_code for _ in range(6)] == [200] * 5 + [429]
    assert stored_counts(app)["cases"] == 5


def test_every_post_counts_in_the_larger_bucket(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Abuse stays bounded: past RATELIMIT_REPORT_POSTS even a valid report is refused unread."""
    app.config["RATELIMIT_REPORT_POSTS"] = "6 per hour"
    assert _six_mistakes(app, client, monkeypatch) == [422, 422, 422, 413, 413, 400]
    refused = submit_report(client)
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert stored_counts(app)["cases"] == 0


def test_method_not_allowed_says_which_methods_are(client: FlaskClient) -> None:
    for method, path, allowed in (
        ("DELETE", "/report", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("PUT", "/follow-up/reply", {"OPTIONS", "POST"}),
        ("POST", "/protection", {"GET", "HEAD", "OPTIONS"}),
    ):
        response = client.open(path, method=method)
        assert response.status_code == 405
        assert {name.strip() for name in response.headers["Allow"].split(",")} == allowed, path


def test_an_empty_receipt_does_not_count_a_wrong_one_does(app: Flask, client: FlaskClient) -> None:
    app.config["RATELIMIT_FOLLOWUP"] = "2 per hour"
    token = csrf_token_from(client.get("/follow-up").text)

    def guess(receipt: str) -> int:
        return client.post("/follow-up", data={"csrf_token": token, "receipt": receipt}).status_code

    assert [guess("") for _ in range(5)] == [422] * 5
    assert [guess(f"{n:020d}") for n in range(3)] == [422, 422, 429]
    refused = client.post("/follow-up", data={"csrf_token": token, "receipt": "1" * 20})
    assert refused.status_code == 429
    assert 3500 <= int(refused.headers["Retry-After"]) <= 3601


def _reporter_page(client: FlaskClient) -> str:
    log_in_reporter(client, receipt_from(submit_report(client).text))
    return csrf_token_from(client.get("/follow-up/case").text)


def test_empty_messages_do_not_spend_the_reporter_limit(app: Flask, client: FlaskClient) -> None:
    app.config["RATELIMIT_REPORTER_ACTIONS"] = "2 per hour"
    token = _reporter_page(client)

    def reply(body: str) -> TestResponse:
        return client.post("/follow-up/reply", data={"csrf_token": token, "body": body})

    assert [reply("").status_code for _ in range(4)] == [422] * 4
    assert [reply(f"ข้อความที่ {n}").status_code for n in range(2)] == [303, 303]
    kept = "ข้อความยาวที่ต้องไม่หาย " * 50
    refused = reply(kept)
    assert refused.status_code == 429
    assert textarea(refused.text, "body") == kept
    assert 'id="too-many"' in refused.text
    assert "Retry-After" in refused.headers
    assert stored_counts(app)["messages"] == 2


def test_reporter_posts_are_bounded_too(app: Flask, client: FlaskClient) -> None:
    app.config["RATELIMIT_REPORTER_POSTS"] = "3 per hour"
    token = _reporter_page(client)
    statuses = [
        client.post("/follow-up/reply", data={"csrf_token": token, "body": body}).status_code
        for body in ("", "", "", "ข้อความ")
    ]
    assert statuses == [422, 422, 422, 429]


def test_evidence_over_the_limit_keeps_the_note_and_names_the_file(app: Flask, client: FlaskClient) -> None:
    token = _reporter_page(client)
    app.config["MAX_ATTACHMENT_BYTES"] = 1 * MB
    note = "รูปถ่ายหน้างานวันที่ 5 มีนาคม ถนนยังเป็นหลุมเหมือนเดิม " * 20
    content_type, body = encode_multipart(
        {"csrf_token": token, "note": note}, [("attachments", "หน้างาน.mp4", b"m" * (2 * MB))]
    )
    response = client.post("/follow-up/evidence", data=body, content_type=content_type)
    assert response.status_code == 413
    assert textarea(response.text, "note") == note
    assert "ไฟล์ “หน้างาน.mp4” มีขนาด 2.0 MB แต่แต่ละไฟล์ต้องไม่เกิน 1 MB" in response.text
    assert stored_counts(app)["attachments"] == 0
    assert stored_counts(app)["messages"] == 0


def test_the_wait_is_said_in_whole_minutes_and_seconds(app: Flask, client: FlaskClient) -> None:
    """Retry-After is whole seconds; the page rounds to minutes (never "0 minutes")."""
    app.config["RATELIMIT_REPORT"] = "1 per 90 seconds"
    assert submit_report(client).status_code == 200
    started = time.time()
    refused = submit_report(client)
    assert refused.status_code == 429
    seconds = int(refused.headers["Retry-After"])
    assert 1 <= seconds <= 91 - int(time.time() - started) + 1
    assert "โปรดรอประมาณ" in refused.text
    assert "ประมาณ 0 นาที" not in refused.text


def test_follow_up_evidence_over_the_total_keeps_the_note(app: Flask, client: FlaskClient) -> None:
    token = _reporter_page(client)
    app.config.update(MAX_CONTENT_LENGTH=1 * MB, MAX_ATTACHMENT_BYTES=512 * 1024)
    note = "คลิปเหตุการณ์ทั้งหมด ถ่ายจากหน้าบ้าน " * 30
    content_type, body = encode_multipart(
        {"csrf_token": token, "note": note}, [("attachments", "คลิป.mp4", b"k" * (3 * MB))]
    )
    response = client.post("/follow-up/evidence", data=body, content_type=content_type)
    assert response.status_code == 413
    assert textarea(response.text, "note") == note
    assert "ไฟล์ “คลิป.mp4” มีขนาดเกิน 0.5 MB ซึ่งเป็นขนาดสูงสุดที่รับได้ต่อไฟล์" in response.text
    assert stored_counts(app)["messages"] == 0


def test_the_officers_intake_refuses_a_file_over_the_limit_and_keeps_the_letters_text(
    app: Flask, lead_client: FlaskClient
) -> None:
    """The officer's form comes back with what was typed and the file named; nothing is kept."""
    app.config["MAX_ATTACHMENT_BYTES"] = 1 * MB
    fields = {
        "csrf_token": csrf_token_from(lead_client.get("/staff/intake").text),
        "channel": "letter",
        "received_on": time.strftime("%Y-%m-%d"),
        "category": "procurement",
        "department": "engineering",
        "description": "จดหมายร้องเรียนเรื่องการจัดซื้อจัดจ้าง",
        "disclosure": "anonymous",
    }
    content_type, body = encode_multipart(fields, [("attachments", "สแกน.pdf", b"%" * (2 * MB))])
    response = lead_client.post("/staff/intake", data=body, content_type=content_type)
    assert response.status_code == 413
    assert textarea(response.text, "description") == "จดหมายร้องเรียนเรื่องการจัดซื้อจัดจ้าง"
    assert "สแกน.pdf" in response.text
    assert "1 MB" in response.text
    assert stored_counts(app)["cases"] == 0
