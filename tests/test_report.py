"""The report form: validation, encryption from the first byte, one transaction, the receipt."""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from complaints import audit, cases, keys, notifications, settings, slowclients, storage
from complaints.dates import today
from complaints.db import new_session
from complaints.models import Attachment, Base, Case, CaseKey, StaffUser
from complaints.storage import PARTIAL_SUFFIX, EncryptedUpload
from tests.conftest import (
    LEAD_PASSWORD,
    HttpBrowser,
    all_files_under,
    csrf_token_from,
    log_in_reporter,
    receipt_from,
    report_fields,
    stored_counts,
    submit_report,
)

DESIGN_FIELDS = (
    "category",
    "department",
    "accused_name",
    "accused_position",
    "incident_date",
    "location",
    "description",
    "amount",
    "attachments",
    "disclosure",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "consent",
    "csrf_token",
    "witnesses",
    "reported_elsewhere",
    "desired_action",
)
TEXT_FIELDS = (
    "accused_name",
    "accused_position",
    "incident_date",
    "location",
    "description",
    "amount",
    "witnesses",
    "reported_elsewhere",
    "desired_action",
)
NOTHING_STORED = {
    "cases": 0,
    "case_keys": 0,
    "attachments": 0,
    "messages": 0,
    "reporter_sessions": 0,
    "files": 0,
}


def unit_private_key(app: Flask) -> bytes:
    """The legal unit's private key, unlocked the way a lead's login does."""
    with app.app_context(), new_session(app) as db:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        personal = keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params(app))
        return keys.private_key_for(db, keys.UNIT, lead, personal)


def only_case(app: Flask) -> Case:
    with new_session(app) as db:
        return db.scalars(select(Case)).one()


def read_as_unit(app: Flask) -> cases.ReportContent:
    """The single stored report, decrypted with the unit key as the legal officer would."""
    unit = unit_private_key(app)
    with app.app_context(), new_session(app) as db:
        case = db.scalars(select(Case)).one()
        return cases.read_report(case, cases.open_with_org_key(db, case, cases.CONTENT, unit))


def test_form_has_the_design_field_names_and_no_script(client: FlaskClient) -> None:
    page = client.get("/report")
    assert page.status_code == 200
    for name in DESIGN_FIELDS:
        assert f'name="{name}"' in page.text, name
    assert 'enctype="multipart/form-data"' in page.text
    file_input = re.search(r'<input[^>]*name="attachments"[^>]*>', page.text)
    assert file_input
    assert " multiple " in file_input.group(0)
    assert "<script" not in page.text
    assert 'autocomplete="off"' in page.text  # no form history of what was typed left on the phone


def test_submission_shows_receipt_and_stores_only_ciphertext(app: Flask, client: FlaskClient) -> None:
    response = submit_report(
        client, files=(("ใบเสร็จ.pdf", b"%PDF-1.4 evidence one"), ("b.jpg", b"\xff\xd8 two"))
    )
    assert response.status_code == 200
    receipt = receipt_from(response.text)
    assert re.fullmatch(r"\d{4}( \d{4}){4}", receipt)
    assert "ส่งเรื่องเรียบร้อยแล้ว" in response.text
    # The cookie keeps only a digest of the spent form token: nothing carries the receipt or the case.
    cookies = response.headers.getlist("Set-Cookie")
    assert all(receipt.replace(" ", "") not in cookie for cookie in cookies)
    with client.session_transaction() as cookie_session:
        assert set(cookie_session) == {"spent_form"}
    assert receipt.replace(" ", "") not in response.headers.get("Location", "")
    case = only_case(app)
    assert case.submitted_on == today()
    assert (case.category, case.department, case.channel, case.disclosure) == (
        "budget",
        "finance",
        "online",
        "anonymous",
    )
    assert case.identity_ciphertext is None
    with new_session(app) as db:
        recipients = {row.recipient for row in db.scalars(select(CaseKey))}
        assert len(db.scalars(select(Attachment)).all()) == 2
    assert recipients == {"unit", "recovery", "reporter"}
    files = all_files_under(Path(app.config["UPLOAD_DIR"]))
    assert len(files) == 2
    assert not [path for path in files if path.name.endswith(PARTIAL_SUFFIX)]
    assert read_as_unit(app).description == report_fields()["description"]


ALREADY_SENT_PAGE = "เรื่องของคุณส่งไปเรียบร้อยแล้ว"
CSRF_PAGE = "แบบฟอร์มหมดอายุ"


def test_reloading_the_receipt_page_files_nothing_twice_and_says_so(app: Flask, client: FlaskClient) -> None:
    """A reload (or a phone restoring the tab) posts the same form again: it is not filed twice, and
    the citizen is told it was sent, not that "nothing was saved"."""
    data = {"csrf_token": csrf_token_from(client.get("/report").text), **report_fields()}
    receipt = receipt_from(client.post("/report", data=data, content_type="multipart/form-data").text)
    number = only_case(app).number
    for _ in range(2):  # every reload gets the same answer
        again = client.post("/report", data=data, content_type="multipart/form-data")
        assert again.status_code == 409
        assert ALREADY_SENT_PAGE in again.text
        assert "งานนิติการแยกแยะเรื่องที่แจ้งซ้ำได้" in again.text
        assert CSRF_PAGE not in again.text
        assert "ยังไม่ได้บันทึกสิ่งใด" not in again.text
        assert 'id="receipt"' not in again.text
        assert receipt not in again.text
        assert number not in again.text
    assert stored_counts(app)["cases"] == 1
    with client.session_transaction() as cookie_session:
        remembered = dict(cookie_session)
    assert list(remembered) == ["spent_form"]  # a short digest: no case number, no receipt
    assert re.fullmatch(r"[0-9a-f]{16}", remembered["spent_form"])


def test_any_other_refused_form_after_a_report_keeps_the_expired_page(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_tab = csrf_token_from(client.get("/report").text)
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 5)
    second_tab = csrf_token_from(client.get("/report").text)  # opened a few seconds later
    monkeypatch.undo()
    assert first_tab != second_tab
    sent = client.post(
        "/report", data={"csrf_token": first_tab, **report_fields()}, content_type="multipart/form-data"
    )
    receipt_from(sent.text)
    for token in (second_tab, "", "forged"):  # a form never sent, none, a made-up one
        refused = client.post(
            "/report", data={"csrf_token": token, **report_fields()}, content_type="multipart/form-data"
        )
        assert refused.status_code == 400
        assert CSRF_PAGE in refused.text
        assert ALREADY_SENT_PAGE not in refused.text
    assert stored_counts(app)["cases"] == 1
    assert submit_report(client).status_code == 200  # a new report from a fresh form still goes through
    assert stored_counts(app)["cases"] == 2


def test_the_confirmation_box_has_a_short_name_in_the_error_summary(client: FlaskClient) -> None:
    response = submit_report(client, consent=None)
    assert response.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.DOTALL)
    assert summary
    assert 'href="#consent">การยืนยัน: กรุณาทำเครื่องหมายในช่องนี้เพื่อยืนยันก่อนส่ง' in summary.group(0)
    assert "ข้าพเจ้าได้อ่าน" not in summary.group(0)
    # The whole sentence is still what the box says, and names it for screen readers.
    assert re.search(r'<input[^>]*id="consent"[^>]*>\s*<label for="consent">ข้าพเจ้าได้อ่าน', response.text)


def test_marker_in_every_field_and_file_never_reaches_disk_or_logs(
    app: Flask,
    client: FlaskClient,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = "MARKER-ลับเฉพาะ-9c41e"
    texts = {name: f"{name} {marker}" for name in TEXT_FIELDS}
    identity = {
        "reporter_name": f"นาง {marker}",
        "reporter_phone": "081 234 5678",
        "reporter_email": "marker9c41e@example.org",
    }
    response = submit_report(
        client,
        files=((f"{marker}.txt", f"file body {marker}".encode()),),
        disclosure="confidential",
        **texts,
        **identity,
    )
    assert response.status_code == 200
    receipt = receipt_from(response.text).replace(" ", "")
    secrets = [marker.encode(), b"marker9c41e", receipt.encode(), b"0812345678", b"081 234 5678"]
    for path in all_files_under(tmp_path):  # database, WAL, uploads, config: everything on disk
        content = path.read_bytes()
        for secret in secrets:
            assert secret not in content, (path, secret)
    with new_session(app) as db:  # the same check inside the database, whichever backend
        for table in Base.metadata.sorted_tables:
            for row in db.execute(select(table)):
                flat = repr(tuple(row)).encode() + b"".join(v for v in row if isinstance(v, bytes))
                for secret in secrets:
                    assert secret not in flat, (table.name, secret)
    logged = "\n".join(record.getMessage() for record in caplog.records) + "".join(capfd.readouterr())
    for secret in secrets:
        assert secret.decode() not in logged
    # The reporter, and only someone holding the receipt, sees it all again.
    assert log_in_reporter(client, receipt).status_code == 302
    page = client.get("/follow-up/case").text
    for text in texts.values():
        assert text in page
    assert identity["reporter_name"] in page
    assert f"{marker}.txt" in page


ROUND_TRIP = [
    pytest.param("ก่อสร้างถนน ๑๒๓ ฿ ก็ได้ ปั๊ม น้ำ", id="thai-tone-marks-and-digits"),
    pytest.param("กิ่ง\u0e48\u0e48 สระซ้อน e\u0301 \u0301 start", id="stacked-combining-marks"),
    pytest.param("👨‍👩‍👧‍👦 🇹🇭 👍🏽 text long enough to be a report", id="emoji-sequences"),
    pytest.param("  leading and trailing spaces  \r\n\r\nsecond paragraph\t", id="whitespace-kept"),
    pytest.param("ก" * 19_000 + "😀", id="long-thai"),
    pytest.param("<script>alert(1)</script> & \"quotes\" 'single'", id="markup-is-text"),
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_text_round_trips_exactly(app: Flask, client: FlaskClient, text: str) -> None:
    response = submit_report(client, description=text, location=text[:500], accused_name=text[:300])
    assert response.status_code == 200, response.text[:2000]
    report = read_as_unit(app)
    assert report.description == text
    assert report.location == text[:500]
    assert report.accused_name == text[:300]


def test_invalid_form_keeps_what_was_typed_and_links_errors(app: Flask, client: FlaskClient) -> None:
    response = submit_report(
        client,
        files=(("evidence.txt", b"evidence"),),
        category="",
        description="   ",
        accused_name="นายคงอยู่ 🙂",
        consent=None,
    )
    assert response.status_code == 422
    html = response.text
    assert 'id="error-summary"' in html
    for field_id in ("category", "description", "consent"):
        assert f'href="#{field_id}"' in html
        tag = re.search(rf'<[^>]*id="{field_id}"[^>]*>', html)
        assert tag
        assert 'aria-invalid="true"' in tag.group(0) or field_id == "consent"
    assert "กรุณาเล่าว่าเกิดอะไรขึ้น" in html
    assert 'value="นายคงอยู่ 🙂"' in html
    assert "ไม่ได้เก็บไฟล์ที่แนบไว้" in html  # the reporter is told to attach the files again
    assert stored_counts(app) == NOTHING_STORED


def test_messages_are_in_english_after_switching(app: Flask, client: FlaskClient) -> None:
    client.get("/lang/en")
    response = submit_report(client, description="")
    assert response.status_code == 422
    assert "Please describe what happened." in response.text
    assert 'lang="en"' in response.text


def test_honeypot_stores_nothing(app: Flask, client: FlaskClient) -> None:
    response = submit_report(client, website="http://spam.example")
    assert response.status_code == 422
    assert 'id="receipt"' not in response.text
    assert stored_counts(app) == NOTHING_STORED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"disclosure": "confidential"}, "กรุณาให้ชื่อหรือช่องทางติดต่ออย่างน้อยหนึ่งช่องทาง"),
        ({"reporter_phone": "0812345678"}, "คุณเลือกไม่ประสงค์ออกนาม แต่ได้กรอกข้อมูลส่วนตัวไว้"),
        ({"disclosure": "public"}, "กรุณาเลือกว่าจะแจ้งชื่อหรือไม่"),
        ({"category": "not-a-category"}, "กรุณาเลือกประเภทที่ใกล้เคียงที่สุด"),
        ({"disclosure": "confidential", "reporter_phone": "call me"}, "กรุณากรอกหมายเลขโทรศัพท์เป็นตัวเลข"),
        ({"disclosure": "confidential", "reporter_email": "no-at-sign"}, "กรุณากรอกอีเมลในรูปแบบ"),
        ({"accused_name": "ก" * 301}, "ไม่เกิน 300 ตัวอักษร"),
    ],
)
def test_invalid_choices_are_refused_with_a_thai_message(
    app: Flask, client: FlaskClient, overrides: dict[str, Any], message: str
) -> None:
    response = submit_report(client, **overrides)
    assert response.status_code == 422
    assert message in response.text
    assert stored_counts(app)["cases"] == 0


def test_confidential_identity_is_sealed_away_from_the_unit(app: Flask, client: FlaskClient) -> None:
    response = submit_report(
        client, disclosure="confidential", reporter_name="นางสาว ผู้แจ้ง", reporter_email="a@example.org"
    )
    assert response.status_code == 200
    unit = unit_private_key(app)
    with app.app_context(), new_session(app) as db:
        case = db.scalars(select(Case)).one()
        assert case.disclosure == "confidential"
        with pytest.raises(keys.KeyringError):
            cases.open_with_org_key(db, case, cases.IDENTITY, unit)
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        personal = keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params(app))
        custodian = keys.private_key_for(db, keys.CUSTODIAN, lead, personal)
        identity = cases.read_identity(case, cases.open_with_org_key(db, case, cases.IDENTITY, custodian))
    assert identity == cases.ReporterIdentity(name="นางสาว ผู้แจ้ง", phone="", email="a@example.org")


def test_evidence_file_decrypts_for_the_unit(app: Flask, client: FlaskClient) -> None:
    content = bytes(range(256)) * 1000  # 256 kB: several encrypted chunks
    assert submit_report(client, files=(("/home/somchai/หลักฐาน.bin", content),)).status_code == 200
    unit = unit_private_key(app)
    with app.app_context(), new_session(app) as db:
        case = db.scalars(select(Case)).one()
        content_key = cases.open_with_org_key(db, case, cases.CONTENT, unit)
        (attachment,) = cases.attachments_of(db, case)
        meta = cases.read_attachment_meta(case, attachment, content_key)
    assert meta.filename == "หลักฐาน.bin"  # a path sent with the name (and the user name in it) is dropped
    assert meta.size == len(content)
    directory = Path(app.config["UPLOAD_DIR"])
    assert b"".join(storage.open_plaintext(directory, attachment.stored_name, meta.file_key)) == content
    assert content[:4096] not in (directory / attachment.stored_name).read_bytes()


def test_a_failure_inside_the_transaction_leaves_nothing(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # render the 500 page as production would

    def broken_audit(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("disk full while writing the audit entry")

    monkeypatch.setattr(audit, "record", broken_audit)
    response = submit_report(client, files=(("a.txt", b"evidence"),))
    assert response.status_code == 500
    assert "ข้อมูลที่คุณส่งยังไม่ได้ถูกบันทึก" in response.text
    assert 'id="receipt"' not in response.text
    assert stored_counts(app) == NOTHING_STORED


def test_a_file_that_cannot_be_moved_into_place_withdraws_the_case(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def refuse(_self: EncryptedUpload) -> None:
        raise OSError("read-only file system")

    monkeypatch.setattr(EncryptedUpload, "promote", refuse)
    typed = "ข้อความที่พิมพ์ไว้ต้องไม่หาย 91c2"
    response = submit_report(client, files=(("a.txt", b"evidence"), ("b.txt", b"more")), description=typed)
    assert response.status_code == 503
    assert 'id="receipt"' not in response.text
    assert typed in response.text  # every word typed comes back, with what to do
    assert 'id="outage-notice"' in response.text
    assert stored_counts(app) == NOTHING_STORED
    with app.app_context(), new_session(app) as db:
        assert audit.verify(db) == []
    monkeypatch.undo()
    first = submit_report(client)
    second = submit_report(client)
    with app.app_context(), new_session(app) as db:
        numbers = sorted(db.scalars(select(Case.number)))
    assert [int(number.rsplit("-", 1)[1]) for number in numbers] == [1, 2]  # the withdrawn one left no gap
    assert first.status_code == second.status_code == 200


def _allow_bodies_in_flight(app: Flask, count: int) -> None:
    """Eight reporters here share 127.0.0.1; in life they come from eight addresses (or one
    carrier NAT, which the operator sizes SLOW_CLIENT_MAX_IN_FLIGHT for)."""
    layer: Any = app.wsgi_app
    while not isinstance(layer, slowclients.SlowClientGuard):
        layer = layer.app
    layer.limits = dataclasses.replace(layer.limits, max_in_flight=count)


def test_eight_simultaneous_submissions_all_get_a_receipt(app: Flask, live_server: str) -> None:
    _allow_bodies_in_flight(app, 8)
    browsers = [HttpBrowser(live_server) for _ in range(8)]
    tokens = [csrf_token_from(browser.request("/report")[1]) for browser in browsers]
    start = threading.Barrier(len(browsers))
    results: list[tuple[int, str]] = []

    def submit(browser: HttpBrowser, token: str) -> None:
        fields = {"csrf_token": token, **report_fields()}
        start.wait()
        results.append(browser.post_multipart("/report", fields, [("attachments", "e.txt", b"evidence")]))

    threads = [threading.Thread(target=submit, args=pair) for pair in zip(browsers, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [status for status, _ in results] == [200] * 8
    receipts = {receipt_from(html) for _, html in results}
    assert len(receipts) == 8
    with new_session(app) as db:
        numbers = list(db.scalars(select(Case.number)))
    assert len(numbers) == len(set(numbers)) == 8
    assert len(all_files_under(Path(app.config["UPLOAD_DIR"]))) == 8


def test_the_legal_unit_is_told_after_the_commit(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The content-free e-mail is started only once the case is really stored."""
    cases_at_notice: list[int] = []

    def record(notified_app: Flask) -> None:
        assert notified_app is app
        cases_at_notice.append(stored_counts(app)["cases"])

    monkeypatch.setattr(notifications, "notify_new_report", record)
    assert submit_report(client).status_code == 200
    assert submit_report(client, description="").status_code == 422
    assert cases_at_notice == [1]
