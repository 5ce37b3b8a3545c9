"""Follow-up with the receipt: status, messages, more evidence, consent, and short server-side sessions."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import cases, crypto, keys, notifications, receipts, settings, storage
from complaints.dates import today, utcnow
from complaints.db import new_session
from complaints.followup import sessions
from complaints.models import (
    AuditEvent,
    Case,
    CaseKey,
    Message,
    ReporterAuditEvent,
    ReporterSession,
    StaffUser,
)
from complaints.procedure import Status
from tests.conftest import (
    LEAD_PASSWORD,
    csrf_token_from,
    file_case,
    log_in_reporter,
    stored_counts,
)

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def org_private_key(app: Flask, kind: str) -> bytes:
    with app.app_context(), new_session(app) as db:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        personal = keys.unlock_personal_key(lead, LEAD_PASSWORD, settings.argon2_params(app))
        return keys.private_key_for(db, kind, lead, personal)


def officer_writes(app: Flask, case_id: int, body: str) -> None:
    """A message from the legal officer, written with the unit key as the staff side does."""
    unit = org_private_key(app, keys.UNIT)
    with app.app_context(), new_session(app) as db:
        case = db.get_one(Case, case_id)
        content_key = cases.open_with_org_key(db, case, cases.CONTENT, unit)
        cases.add_message(db, case, content_key, cases.STAFF, body, today())
        db.commit()


def messages_as_unit(app: Flask, case_id: int) -> list[tuple[str, str]]:
    unit = org_private_key(app, keys.UNIT)
    with app.app_context(), new_session(app) as db:
        case = db.get_one(Case, case_id)
        content_key = cases.open_with_org_key(db, case, cases.CONTENT, unit)
        return [
            (message.author, cases.read_message(case, message, content_key))
            for message in cases.thread(db, case)
        ]


def audit_actions(app: Flask) -> list[str]:
    """Actions in both audit chains (reporters' actions have a chain of their own)."""
    with new_session(app) as db:
        staff = list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        return staff + list(db.scalars(select(ReporterAuditEvent.action).order_by(ReporterAuditEvent.id)))


def case_page_post(client: FlaskClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    token = csrf_token_from(client.get("/follow-up/case").text)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


@pytest.fixture
def filed(app: Flask) -> tuple[int, str]:
    """An anonymous case and its receipt."""
    return file_case(app, cases.ReportContent(description="รถของเทศบาลถูกนำไปใช้ส่วนตัว 🚚", location="ตลาด"))


@pytest.fixture
def confidential(app: Flask) -> tuple[int, str]:
    """A confidential case and its receipt."""
    return file_case(
        app,
        cases.ReportContent(description="เรียกรับเงินใต้โต๊ะ"),
        cases.ReporterIdentity(name="นางสาว ผู้แจ้ง", phone="0812345678"),
    )


def test_receipt_opens_the_case_with_status_dates_and_own_text(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    _, receipt = filed
    response = log_in_reporter(client, receipts.format_receipt(receipt))
    assert response.status_code == 302
    assert response.headers["Location"] == "/follow-up/case"
    page = client.get("/follow-up/case")
    assert page.status_code == 200
    assert "รับเรื่อง" in page.text  # public status label
    assert f"{today().year + 543}" in page.text  # Buddhist-era date
    assert "รถของเทศบาลถูกนำไปใช้ส่วนตัว 🚚" in page.text
    assert receipt not in page.text


@pytest.mark.parametrize(
    "typed",
    [
        lambda r: r,
        lambda r: receipts.format_receipt(r).replace(" ", "-"),
        lambda r: r.translate(THAI_DIGITS),
        lambda r: "  " + receipts.format_receipt(r).translate(THAI_DIGITS) + " ",
    ],
    ids=["plain", "dashes", "thai-digits", "grouped-thai-digits"],
)
def test_receipt_is_normalised(client: FlaskClient, filed: tuple[int, str], typed: Any) -> None:
    assert log_in_reporter(client, typed(filed[1])).status_code == 302


def _without_token(html: str) -> str:
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)


def test_every_wrong_receipt_gets_the_same_answer(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    _, receipt = filed
    wrong = [
        "abcd efgh ijkl mnop qrst",  # format: not digits
        "4821 0937 5562 1048 339X",  # format: twenty characters, one of them not a digit
        receipts.new_receipt(),  # well formed, unknown
        receipt[:-1] + str((int(receipt[-1]) + 1) % 10),  # one digit off
    ]
    bodies = set()
    for typed in wrong:
        response = log_in_reporter(client, typed)
        assert response.status_code == 422
        assert "ไม่พบเรื่องที่ตรงกับรหัสติดตามนี้" in response.text
        bodies.add(_without_token(response.text).replace(typed, ""))
    assert len(bodies) == 1
    assert stored_counts(app)["reporter_sessions"] == 0
    assert client.get("/follow-up/case").status_code == 302


def test_malformed_and_unknown_receipts_do_the_same_work(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timing cannot tell a format error from an unknown receipt: both pay one stretch and one lookup."""
    calls: list[str] = []
    real = cases.unlock_by_receipt

    def counting(db: Any, receipt: str, secret: bytes) -> Any:
        calls.append(receipt)
        return real(db, receipt, secret)

    monkeypatch.setattr(cases, "unlock_by_receipt", counting)
    log_in_reporter(client, "12-34-ab")
    log_in_reporter(client, receipts.new_receipt())
    assert len(calls) == 2


def test_officer_messages_are_shown_and_the_reporter_can_reply(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    case_id, receipt = filed
    officer_writes(app, case_id, "ขอทราบทะเบียนรถด้วยครับ")
    log_in_reporter(client, receipt)
    page = client.get("/follow-up/case").text
    assert "ขอทราบทะเบียนรถด้วยครับ" in page
    assert "เจ้าหน้าที่" in page
    reply = "ทะเบียน กข 1234 ค่ะ 🙏\r\nเห็นทุกวันเสาร์"
    response = case_page_post(client, "/follow-up/reply", {"body": reply}, follow_redirects=True)
    assert response.status_code == 200
    assert "ส่งข้อความถึงเจ้าหน้าที่แล้ว" in response.text
    assert messages_as_unit(app, case_id) == [
        ("staff", "ขอทราบทะเบียนรถด้วยครับ"),
        ("reporter", reply),
    ]
    assert "reporter_message" in audit_actions(app)


def test_a_reply_redirects_so_a_reload_sends_nothing_again(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    log_in_reporter(client, filed[1])
    response = case_page_post(client, "/follow-up/reply", {"body": "ส่งครั้งเดียวพอ"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/follow-up/case"
    page = client.get("/follow-up/case").text
    assert "ส่งข้อความถึงเจ้าหน้าที่แล้ว" in page
    assert "ส่งครั้งเดียวพอ" in page
    reloaded = client.get("/follow-up/case").text  # a reload is a GET: nothing is sent again
    assert "ส่งข้อความถึงเจ้าหน้าที่แล้ว" not in reloaded  # and the notice shows only once
    assert stored_counts(app)["messages"] == 1


def test_adding_evidence_redirects_so_a_reload_sends_nothing_again(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    log_in_reporter(client, filed[1])
    response = case_page_post(
        client,
        "/follow-up/evidence",
        {"attachments": [(io.BytesIO(b"photo"), "a.jpg", "image/jpeg")], "note": "รูปเพิ่ม"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/follow-up/case"
    assert "เพิ่มไฟล์เข้าในเรื่องของคุณแล้ว" in client.get("/follow-up/case").text
    assert "เพิ่มไฟล์เข้าในเรื่องของคุณแล้ว" not in client.get("/follow-up/case").text
    assert (stored_counts(app)["attachments"], stored_counts(app)["messages"]) == (1, 1)


def test_an_anonymous_reporter_is_not_told_to_write_contact_details_to_the_officer(
    client: FlaskClient, filed: tuple[int, str]
) -> None:
    """Contact details in a message go to the officer directly, past the sealed identity store."""
    log_in_reporter(client, filed[1])
    page = client.get("/follow-up/case").text
    assert "<h2>ตัวตนของคุณ</h2>" in page
    assert "ช่องทางติดต่อไว้ในข้อความ" not in page
    assert "เรื่องของคุณจะยังคงไม่เปิดเผยชื่อต่อไป" in page
    assert "พูดคุยกับเจ้าหน้าที่ต่อได้ที่หน้านี้ด้วยรหัสติดตามเรื่อง" in page
    assert "โปรดคิดให้รอบคอบก่อนให้ข้อมูลติดต่อ" in page
    assert "เจ้าหน้าที่ผู้รับผิดชอบเรื่องจะอ่านข้อความของคุณ" in page


def test_an_empty_reply_is_refused(app: Flask, client: FlaskClient, filed: tuple[int, str]) -> None:
    log_in_reporter(client, filed[1])
    response = case_page_post(client, "/follow-up/reply", {"body": "  "})
    assert response.status_code == 422
    assert "กรุณาเขียนข้อความก่อนส่ง" in response.text
    assert stored_counts(app)["messages"] == 0


def test_reporter_adds_evidence_encrypted_under_the_case_key(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    case_id, receipt = filed
    log_in_reporter(client, receipt)
    content = b"photo bytes " * 10_000
    response = case_page_post(
        client,
        "/follow-up/evidence",
        {"attachments": [(io.BytesIO(content), "รูป.jpg", "image/jpeg")], "note": "รูปถ่ายรถ"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "เพิ่มไฟล์เข้าในเรื่องของคุณแล้ว" in response.text
    assert "รูป.jpg" in response.text
    unit = org_private_key(app, keys.UNIT)
    with app.app_context(), new_session(app) as db:
        case = db.get_one(Case, case_id)
        content_key = cases.open_with_org_key(db, case, cases.CONTENT, unit)
        (attachment,) = cases.attachments_of(db, case)
        meta = cases.read_attachment_meta(case, attachment, content_key)
    assert attachment.added_by == "reporter"
    assert (meta.filename, meta.content_type, meta.size) == ("รูป.jpg", "image/jpeg", len(content))
    directory = Path(app.config["UPLOAD_DIR"])
    assert b"".join(storage.open_plaintext(directory, attachment.stored_name, meta.file_key)) == content
    assert messages_as_unit(app, case_id) == [("reporter", "รูปถ่ายรถ")]
    assert "reporter_evidence_added" in audit_actions(app)


def test_evidence_form_without_a_file_says_so(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    log_in_reporter(client, filed[1])
    response = case_page_post(
        client, "/follow-up/evidence", {"note": "ลืมแนบ"}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "กรุณาเลือกไฟล์อย่างน้อยหนึ่งไฟล์" in response.text
    assert stored_counts(app)["messages"] == 0


def test_consent_waits_for_a_handler_and_never_goes_to_the_unit(
    app: Flask, client: FlaskClient, confidential: tuple[int, str]
) -> None:
    case_id, receipt = confidential
    unit = org_private_key(app, keys.UNIT)
    with app.app_context(), new_session(app) as db, pytest.raises(keys.KeyringError):
        cases.open_with_org_key(db, db.get_one(Case, case_id), cases.IDENTITY, unit)
    log_in_reporter(client, receipt)
    page = client.get("/follow-up/case").text
    assert "นางสาว ผู้แจ้ง" in page  # the reporter sees what they gave
    refused = case_page_post(client, "/follow-up/share-identity", {})
    assert refused.status_code == 422
    assert "กรุณาทำเครื่องหมายในช่องเพื่อยืนยัน" in refused.text
    response = case_page_post(client, "/follow-up/share-identity", {"confirm": "y"}, follow_redirects=True)
    assert [step.status_code for step in response.history] == [303]  # Post/Redirect/Get
    assert response.status_code == 200
    assert "ขณะนี้เจ้าหน้าที่ผู้รับผิดชอบเรื่องสามารถเห็นชื่อ" in response.text
    case_page_post(client, "/follow-up/share-identity", {"confirm": "y"})  # twice: nothing more
    with app.app_context(), new_session(app) as db:
        case = db.get_one(Case, case_id)
        assert case.identity_shared
        with pytest.raises(keys.KeyringError):  # the whole unit never gets it
            cases.open_with_org_key(db, case, cases.IDENTITY, unit)
        consent_copies = db.scalars(
            select(CaseKey).where(CaseKey.case_id == case_id, CaseKey.recipient == cases.CONSENT)
        ).all()
        assert consent_copies == []  # nobody handles the case yet: the consent waits
    assert audit_actions(app).count("identity_shared") == 1


def test_an_anonymous_case_has_no_identity_to_share(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    case_id, receipt = filed
    log_in_reporter(client, receipt)
    page = client.get("/follow-up/case").text
    assert "/follow-up/share-identity" not in page
    assert "คุณแจ้งเรื่องโดยไม่ประสงค์ออกนาม" in page
    response = case_page_post(client, "/follow-up/share-identity", {"confirm": "y"})
    assert response.status_code == 422
    with new_session(app) as db:
        assert not db.get_one(Case, case_id).identity_shared


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (Status.RECEIVED, "รับเรื่อง"),
        (Status.SCREENING, "กำลังดำเนินการ"),
        (Status.FACT_FINDING, "กำลังดำเนินการ"),
        (Status.REFERRED, "ส่งต่อ"),
        (Status.CONCLUDED, "เสร็จสิ้น"),
        (Status.NOT_ACCEPTED, "ไม่รับเรื่อง"),
    ],
)
def test_public_status_label(
    app: Flask, client: FlaskClient, filed: tuple[int, str], status: Status, label: str
) -> None:
    case_id, receipt = filed
    with new_session(app) as db:
        case = db.get_one(Case, case_id)
        case.status = status.value
        case.penalty = "dismissal"
        case.outcome = "founded_penalised" if status is Status.CONCLUDED else None
        db.commit()
    log_in_reporter(client, receipt)
    page = client.get("/follow-up/case").text
    assert 'class="badge status-' in page
    assert re.search(rf'class="badge status-[a-z_]+">{label}<', page)
    assert "ไล่ออก" not in page  # never the penalty itself
    if status is Status.CONCLUDED:
        assert "เรื่องที่แจ้งมีมูล และได้ดำเนินการแล้ว" in page


def test_session_row_holds_only_ciphertext(app: Flask, client: FlaskClient, filed: tuple[int, str]) -> None:
    case_id, receipt = filed
    log_in_reporter(client, receipt)
    unit = org_private_key(app, keys.UNIT)
    with app.app_context(), new_session(app) as db:
        case = db.get_one(Case, case_id)
        content_key = cases.open_with_org_key(db, case, cases.CONTENT, unit)
        (row,) = db.scalars(select(ReporterSession)).all()
    assert content_key not in row.keys_ciphertext
    assert content_key.hex().encode() not in row.keys_ciphertext
    with client.session_transaction() as cookie_session:
        token, session_key = cookie_session["reporter"]
    assert row.id == crypto.token_digest(token) != token
    assert receipt not in repr(dict(cookie_session))
    with pytest.raises(crypto.CryptoError):  # the row alone, with any other key, opens nothing
        crypto.decrypt_text(
            crypto.new_data_key(), row.keys_ciphertext, f"reporter-session|{row.id}|case:{case.uid}"
        )


def test_idle_session_ends_and_gives_back_the_unsent_message(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    log_in_reporter(client, filed[1])
    token = csrf_token_from(client.get("/follow-up/case").text)
    with new_session(app) as db:
        row = db.scalars(select(ReporterSession)).one()
        row.last_seen_at = utcnow() - timedelta(minutes=app.config["REPORTER_IDLE_MINUTES"] + 1)
        db.commit()
    response = client.post("/follow-up/reply", data={"csrf_token": token, "body": "ข้อความยาวที่เขียนไว้"})
    assert response.status_code == 401
    assert "ระบบได้ออกจากระบบให้แล้ว" in response.text
    assert "ข้อความยาวที่เขียนไว้" in response.text
    assert stored_counts(app)["reporter_sessions"] == 0
    assert stored_counts(app)["messages"] == 0
    assert client.get("/follow-up/case").status_code == 302


def test_active_session_is_kept_alive(app: Flask, client: FlaskClient, filed: tuple[int, str]) -> None:
    log_in_reporter(client, filed[1])
    with new_session(app) as db:
        row = db.scalars(select(ReporterSession)).one()
        row.last_seen_at = utcnow() - timedelta(minutes=app.config["REPORTER_IDLE_MINUTES"] - 1)
        db.commit()
    assert client.get("/follow-up/case").status_code == 200
    with new_session(app) as db:
        assert db.scalars(select(ReporterSession)).one().last_seen_at > utcnow() - timedelta(minutes=1)


def test_logout_deletes_the_server_half_and_the_cookie(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    log_in_reporter(client, filed[1])
    with client.session_transaction() as cookie_session:
        stolen = list(cookie_session["reporter"])
    response = case_page_post(client, "/follow-up/logout", {})
    assert response.status_code == 200
    assert "ออกจากระบบแล้ว" in response.text
    assert any(
        "session=;" in cookie and "Max-Age=0" in cookie for cookie in response.headers.getlist("Set-Cookie")
    )
    assert stored_counts(app)["reporter_sessions"] == 0
    assert client.get("/follow-up/case").status_code == 302
    # A copy of the cookie taken before logging out opens nothing afterwards.
    with client.session_transaction() as cookie_session:
        cookie_session["reporter"] = stolen
    assert client.get("/follow-up/case").status_code == 401


def test_a_forged_cookie_opens_nothing(app: Flask, client: FlaskClient, filed: tuple[int, str]) -> None:
    log_in_reporter(client, filed[1])
    with client.session_transaction() as cookie_session:
        token, _ = cookie_session["reporter"]
        cookie_session["reporter"] = [token, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="]
    assert client.get("/follow-up/case").status_code == 401


def test_idle_sessions_of_others_are_purged_at_login(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    case_id, receipt = filed
    with new_session(app) as db:
        db.add(
            ReporterSession(
                id="old", case_id=case_id, keys_ciphertext=b"x", last_seen_at=utcnow() - timedelta(days=1)
            )
        )
        db.commit()
    log_in_reporter(client, receipt)
    with new_session(app) as db:
        assert [row.id for row in db.scalars(select(ReporterSession))] != ["old"]
        assert db.get(ReporterSession, "old") is None


def test_sessions_service_rejects_a_damaged_cookie() -> None:
    with pytest.raises(sessions.SessionEnded):
        sessions.SessionCookie.from_cookie("not a list")
    with pytest.raises(sessions.SessionEnded):
        sessions.SessionCookie.from_cookie(["token", "%%%"])


def test_case_page_needs_a_session(client: FlaskClient) -> None:
    response = client.get("/follow-up/case")
    assert response.status_code == 302
    assert response.headers["Location"] == "/follow-up"


def test_message_from_reporter_is_not_marked_read(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    log_in_reporter(client, filed[1])
    case_page_post(client, "/follow-up/reply", {"body": "สวัสดี"})
    with new_session(app) as db:
        message = db.scalars(select(Message)).one()
    assert (message.author, message.read_by_staff) == ("reporter", False)


def test_follow_up_page_goes_straight_to_an_open_case(client: FlaskClient, filed: tuple[int, str]) -> None:
    log_in_reporter(client, filed[1])
    response = client.get("/follow-up")
    assert response.status_code == 302
    assert response.headers["Location"] == "/follow-up/case"


def test_logging_in_again_replaces_the_old_session(
    app: Flask, client: FlaskClient, filed: tuple[int, str]
) -> None:
    log_in_reporter(client, filed[1])
    token = csrf_token_from(client.get("/follow-up/case").text)
    response = client.post("/follow-up", data={"csrf_token": token, "receipt": filed[1]})
    assert response.status_code == 302
    assert stored_counts(app)["reporter_sessions"] == 1
    assert client.get("/follow-up/case").status_code == 200


def test_the_officer_is_told_of_a_reply_and_of_new_evidence(
    app: Flask, client: FlaskClient, filed: tuple[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[tuple[int | None, int]] = []

    def record(_app: Flask, case_id: int | None = None) -> None:
        told.append((case_id, stored_counts(app)["messages"]))

    monkeypatch.setattr(notifications, "notify_reporter_message", record)
    case_id, receipt = filed
    log_in_reporter(client, receipt)
    case_page_post(client, "/follow-up/reply", {"body": "มีข้อมูลเพิ่มค่ะ"})
    case_page_post(client, "/follow-up/reply", {"body": ""})
    case_page_post(
        client,
        "/follow-up/evidence",
        {"attachments": [(io.BytesIO(b"pdf"), "a.pdf", "application/pdf")]},
        content_type="multipart/form-data",
    )
    assert told == [(case_id, 1), (case_id, 1)]


@pytest.mark.parametrize(
    "typed", ["x" * 500, "๑๒๓ก", "4821 0937 5562 1048 3391 7a", "4821\u00a00937 5562 1048 339๙x"]
)
def test_odd_receipts_get_the_same_answer_as_unknown_ones(client: FlaskClient, typed: str) -> None:
    response = log_in_reporter(client, typed)
    assert response.status_code == 422
    assert "ไม่พบเรื่องที่ตรงกับรหัสติดตามนี้" in response.text
    assert response.text.count('class="error"') == 1


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("4821 0937 5562 1048 339", "รหัสสั้นเกินไป: มี 19 หลัก"),  # one digit left out
        ("๑๒๓", "รหัสสั้นเกินไป: มี 3 หลัก"),  # Thai digits count as digits
        ("4821-0937-5562-1048-3391-7", "รหัสยาวเกินไป: มี 21 หลัก"),
        ("9" * 500, "รหัสยาวเกินไป: มี 500 หลัก"),
        ("\u0000" * 20, "กรุณากรอกรหัสติดตามเรื่องที่คุณได้รับ"),  # nothing but invisible characters
    ],
)
def test_a_code_of_the_wrong_length_says_so_without_a_lookup(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, typed: str, answer: str
) -> None:
    """Its length is no secret (DESIGN §3): "too short" or "too long", not "not found"."""
    looked_up: list[str] = []
    monkeypatch.setattr(cases, "unlock_by_receipt", lambda *args: looked_up.append("lookup"))
    response = log_in_reporter(client, typed)
    assert response.status_code == 422
    assert answer in response.text
    assert "ไม่พบเรื่องที่ตรงกับรหัสติดตามนี้" not in response.text
    assert response.text.count('class="error"') == 1
    assert looked_up == []
    assert stored_counts(app)["reporter_sessions"] == 0


def test_the_length_message_in_english(client: FlaskClient) -> None:
    client.get("/lang/en")
    response = log_in_reporter(client, "4821 0937 5562 1048 339")
    assert "The code is too short: it has 19 digits, and a receipt code has 20." in response.text
    assert "Check it against what you wrote down." in response.text
    response = log_in_reporter(client, "4821 0937 5562 1048 3391 0")
    assert "The code is too long: it has 21 digits, and a receipt code has 20." in response.text
