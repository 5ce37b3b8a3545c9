"""Abuse limits behind a proxy, on a reporter's own actions, and on notification e-mails."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from complaints import create_app, errors, notifications
from complaints.db import engine_of
from tests.conftest import (
    csrf_token_from,
    log_in_reporter,
    make_config,
    receipt_from,
    stored_counts,
    submit_report,
)

TOO_MANY = "มีการลองมากเกินไป"


def _guess(client: FlaskClient, forwarded_for: str) -> int:
    headers = {"X-Forwarded-For": forwarded_for}
    token = csrf_token_from(client.get("/follow-up", headers=headers).text)
    return client.post(
        "/follow-up", data={"csrf_token": token, "receipt": "1" * 20}, headers=headers
    ).status_code


@pytest.mark.parametrize(("hops", "separate_buckets"), [(1, True), (0, False)])
def test_behind_a_proxy_each_citizen_has_their_own_bucket(
    tmp_path: Any, database_url: str, hops: int, separate_buckets: bool
) -> None:
    """With PROXY_HOPS the real client counts; without it X-Forwarded-For cannot dodge the limit."""
    config = make_config(tmp_path, database_url, PROXY_HOPS=hops, RATELIMIT_FOLLOWUP="2 per hour")
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    result = app.test_cli_runner().invoke(
        args=["init", "--lead", "l", "--password-stdin"], input="rate limit test lead passphrase 2569\n"
    )
    assert result.exit_code == 0
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.1"  # the proxy
    assert [_guess(client, "203.0.113.1") for _ in range(3)] == [422, 422, 429]
    assert _guess(client, "203.0.113.2") == (422 if separate_buckets else 429)
    engine_of(app).dispose()


def _reporter(client: FlaskClient) -> str:
    receipt = receipt_from(submit_report(client).text)
    log_in_reporter(client, receipt)
    return csrf_token_from(client.get("/follow-up/case").text)


def test_a_reporter_cannot_flood_the_unit_with_messages(app: Flask, client: FlaskClient) -> None:
    app.config["RATELIMIT_REPORTER_ACTIONS"] = "3 per hour"
    token = _reporter(client)
    statuses = [
        client.post("/follow-up/reply", data={"csrf_token": token, "body": f"ข้อความ {n}"}).status_code
        for n in range(5)
    ]
    assert statuses == [303, 303, 303, 429, 429]
    assert stored_counts(app)["messages"] == 3


def test_reporter_logout_without_a_token_still_ends_the_server_session(
    app: Flask, client: FlaskClient
) -> None:
    _reporter(client)
    assert stored_counts(app)["reporter_sessions"] == 1
    saved = client.get_cookie("session")
    assert saved is not None
    assert client.post("/follow-up/logout").status_code == 200
    assert stored_counts(app)["reporter_sessions"] == 0
    client.set_cookie("session", saved.value)
    assert client.get("/follow-up/case").status_code in (302, 401)


def test_reporter_messages_make_one_email_per_case_in_a_while(app: Flask) -> None:
    app.config["NOTIFY_COALESCE"] = "1 per 10 minutes"
    with app.app_context():
        assert notifications._first_in_a_while(app, 41)
        assert not notifications._first_in_a_while(app, 41)
        assert notifications._first_in_a_while(app, 42)


def test_unexpected_errors_are_logged_without_the_request(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    with app.test_request_context("/report?secret-query=1", method="POST", data={"description": "ลับ"}):
        body, status = errors._render_unexpected(ValueError("boom"))
    assert status == 500
    assert "เกิดข้อผิดพลาด" in body
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "unhandled ValueError" in logged
    assert "secret-query" not in logged
    assert "ลับ" not in logged
