"""The app factory, configuration layers, and the basic pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from complaints import create_app
from complaints.config import ConfigurationError


def test_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="flask --app wsgi init"):
        create_app({"TESTING": False, "DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))


def test_environment_overrides_instance_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.py").write_text("MUNICIPALITY_NAME_EN = 'From file'\nMAX_ATTACHMENTS = 3\n")
    monkeypatch.setenv("COMPLAINTS_MAX_ATTACHMENTS", "7")
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["MUNICIPALITY_NAME_EN"] == "From file"
    assert app.config["MAX_ATTACHMENTS"] == 7


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_landing_is_thai_by_default_and_switches_to_english(client: FlaskClient) -> None:
    thai = client.get("/")
    assert thai.status_code == 200
    assert 'lang="th"' in thai.text
    assert "แจ้งเบาะแส" in thai.text
    switched = client.get("/lang/en?next=/")
    assert switched.status_code == 302
    assert switched.headers["Location"] == "/"
    english = client.get("/")
    assert 'lang="en"' in english.text
    assert "Report corruption" in english.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_language_switch_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = client.get("/lang/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_page_is_a_translated_404(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "ไม่พบหน้า" in response.text


def test_security_headers(app: Flask, client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src" not in csp
    assert "unsafe-inline" not in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store, no-transform"


def test_refuses_to_start_with_lowered_key_costs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {name: "s" * 40 for name in ("SECRET_KEY", "RECEIPT_LOOKUP_SECRET", "SERVER_DATA_SECRET")}
    monkeypatch.setenv("COMPLAINTS_ARGON2_MEMORY_KIB", "1024")
    with pytest.raises(ConfigurationError, match="ARGON2_MEMORY_KIB"):
        create_app({"TESTING": False, "DATABASE_URL": "sqlite://", **secrets}, instance_path=str(tmp_path))
