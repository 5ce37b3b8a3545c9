"""The durable outbox (issue 11, finding 6): a notice that cannot be sent now is kept and sent
later, with backoff; one sender thread per process however many notices; two senders never send
the same notice; the administrator sees how many wait."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select, update

from complaints import notifications, outbox
from complaints.dates import utcnow
from complaints.db import new_session
from complaints.models import OutboxNotice
from tests.conftest import OFFICER_PASSWORD, create_staff, staff_login
from tests.test_notifications import Inbox, _free_port


@pytest.fixture
def mail_port(app_config: dict[str, Any]) -> int:
    port = _free_port()
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, LEGAL_UNIT_EMAIL="legal@municipality.example")
    return port


def _rows(app: Flask) -> list[OutboxNotice]:
    with new_session(app) as db:
        return list(db.scalars(select(OutboxNotice).order_by(OutboxNotice.id)))


def test_a_notice_the_server_refused_is_kept_and_sent_when_it_is_back(mail_port: int, app: Flask) -> None:
    thread = notifications.notify_new_report(app)
    assert thread is not None
    thread.join(timeout=15)
    (kept,) = _rows(app)
    assert (kept.kind, kept.recipient, kept.sent_at, kept.attempts) == (
        "new_report",
        "legal@municipality.example",
        None,
        1,
    )
    assert kept.last_error == "ConnectionRefusedError"
    assert timedelta(seconds=50) < kept.next_attempt_at - utcnow() <= timedelta(minutes=1)
    runner = app.test_cli_runner()
    early = runner.invoke(args=["notify", "send"])
    assert "0 sent, 0 failed this time; 1 waiting" in early.output  # not due yet: the backoff holds
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=mail_port)
    controller.start()
    try:
        with new_session(app) as db:
            db.execute(update(OutboxNotice).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            db.commit()
        sent = runner.invoke(args=["notify", "send"])
        assert sent.exit_code == 0, sent.output
        assert "1 sent, 0 failed this time; 0 waiting" in sent.output
    finally:
        controller.stop()
    assert received.recipients() == ["legal@municipality.example"]
    assert _rows(app)[0].sent_at is not None


def test_backoff_grows_and_then_holds() -> None:
    assert [outbox.backoff(n) for n in (1, 2, 3, 4, 5, 9)] == [
        timedelta(minutes=m) for m in (1, 5, 30, 120, 720, 720)
    ]


def test_two_senders_never_claim_the_same_notice(app: Flask) -> None:
    with new_session(app) as db:
        outbox.enqueue(db, "new_report", ["a@example.org", "b@example.org", "a@example.org"], utcnow())
        db.commit()
    with new_session(app) as first, new_session(app) as second:
        won = [row.recipient for row in outbox._claim(first, utcnow())]
        first.commit()  # SQLite: the first sender's transaction ends before the second begins
        assert won == ["a@example.org", "b@example.org"]  # each address once
        assert outbox._claim(second, utcnow()) == []  # under lease


def test_one_sender_thread_however_many_notices(mail_port: int, app: Flask) -> None:
    release = threading.Event()
    calls: list[list[str]] = []

    def slow(_app: Flask, _kind: str, addresses: list[str]) -> dict[str, str | None]:
        release.wait(10)
        calls.append(addresses)
        return dict.fromkeys(addresses)

    with new_session(app) as db:
        outbox.enqueue(db, "new_report", [f"p{n}@example.org" for n in range(30)], utcnow())
        db.commit()
    threads = {id(outbox.wake(app, slow)) for _ in range(21)}  # the first is still sending
    assert len(threads) == 1
    assert [t.name for t in threading.enumerate()].count("notice-outbox") == 1
    release.set()
    for thread in threading.enumerate():
        if thread.name == "notice-outbox":
            thread.join(timeout=10)
    assert sum(len(batch) for batch in calls) == 30
    assert all(row.sent_at is not None for row in _rows(app))


def test_the_administrator_sees_how_many_notices_wait(app: Flask) -> None:
    with new_session(app) as db:
        outbox.enqueue(db, "assigned", ["x@example.org"], utcnow())
        db.commit()
    secret = create_staff(app, "admin1", "admin")
    client = app.test_client()
    assert staff_login(client, "admin1", OFFICER_PASSWORD, secret).status_code == 302
    page = client.get("/admin/settings").text
    assert 'id="outbox-waiting"' in page
    assert "1" in page.split('id="outbox-waiting"')[1].split("</dd>")[0]
