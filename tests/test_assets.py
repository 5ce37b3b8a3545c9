"""The stylesheet and icon at content-hashed URLs cached for a year; pages never cached and never
compressed on the way (BREACH: a compressed page that carries a receipt or a CSRF token leaks it)."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import (
    LEAD_PASSWORD,
    csrf_token_from,
    log_in_reporter,
    receipt_from,
    staff_login,
    submit_report,
)

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "complaints" / "static"
YEAR = "public, max-age=31536000, immutable"
HASHED = re.compile(r'<link rel="(stylesheet|icon)" href="(/assets/([a-z]+)\.([0-9a-f]{16})\.([a-z]+))"')


def linked_assets(html: str) -> dict[str, str]:
    """rel -> hashed URL of every stylesheet and icon the page links."""
    return {rel: url for rel, url, *_ in HASHED.findall(html)}


def test_pages_link_the_stylesheet_and_icon_by_content_hash(client: FlaskClient) -> None:
    page = client.get("/").text
    found = HASHED.findall(page)
    assert {rel for rel, *_ in found} == {"stylesheet", "icon"}
    for _rel, url, stem, digest, suffix in found:
        content = (STATIC / f"{stem}.{suffix}").read_bytes()
        assert digest == hashlib.sha256(content).hexdigest()[:16]
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == YEAR
            assert response.data == content
    assert "/static/" not in page


@pytest.mark.parametrize(("rel", "mimetype"), [("stylesheet", "text/css"), ("icon", "image/svg+xml")])
def test_a_hashed_file_is_kept_a_year_and_still_carries_the_security_headers(
    client: FlaskClient, rel: str, mimetype: str
) -> None:
    with client.get(linked_assets(client.get("/").text)[rel]) as response:
        assert response.mimetype == mimetype
        assert response.headers["Cache-Control"] == YEAR
        assert "Pragma" not in response.headers
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_an_old_hash_is_sent_on_to_the_current_file_and_unknown_names_are_a_plain_404(
    client: FlaskClient,
) -> None:
    current = linked_assets(client.get("/").text)["stylesheet"]
    stale = client.get("/assets/site.0123456789abcdef.css")
    assert stale.status_code == 302
    assert stale.headers["Location"] == current
    assert "no-store" in stale.headers["Cache-Control"]  # the redirect itself is never kept
    for name in ("nothing.0123456789abcdef.css", "site.css", "..%2Fconfig.py", "../wsgi.py", "site"):
        missing = client.get(f"/assets/{name}")
        assert missing.status_code == 404, name
        assert "immutable" not in missing.headers["Cache-Control"]
    with client.get("/static/site.css") as plain:  # old links to the unhashed name keep working
        assert plain.status_code == 200
        assert "immutable" not in plain.headers.get("Cache-Control", "")


def test_a_changed_stylesheet_gets_a_new_address(app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    app.static_folder = str(folder)
    client = app.test_client()
    before = linked_assets(client.get("/").text)["stylesheet"]
    stylesheet = folder / "site.css"
    stylesheet.write_text(stylesheet.read_text() + "\n.new-rule{color:red}\n")
    after = linked_assets(client.get("/").text)["stylesheet"]
    assert after != before
    assert client.get(before).headers["Location"] == after
    with client.get(after) as response:
        assert b".new-rule" in response.data


def test_the_old_favicon_name_leads_to_the_icon(client: FlaskClient) -> None:
    icon = client.get("/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    icon.close()


GZIP = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def _pages_with_secrets(app: Flask, client: FlaskClient) -> dict[str, tuple[str, dict[str, str], str]]:
    """name -> (status line, headers, body) of pages that carry a receipt or a CSRF token."""
    pages = {}
    for path in ("/report", "/follow-up", "/staff/login"):
        response = client.get(path, headers=GZIP)
        pages[path] = (response.status, dict(response.headers), response.text)
    receipt_page = submit_report(client)
    pages["receipt"] = (receipt_page.status, dict(receipt_page.headers), receipt_page.text)
    log_in_reporter(client, receipt_from(receipt_page.text))
    case_page = client.get("/follow-up/case", headers=GZIP)
    pages["follow-up case"] = (case_page.status, dict(case_page.headers), case_page.text)
    staff = app.test_client()
    staff_login(staff, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"])
    intake = staff.get("/staff/intake", headers=GZIP)
    pages["intake"] = (intake.status, dict(intake.headers), intake.text)
    assert csrf_token_from(intake.text)
    return pages


def test_pages_with_a_receipt_or_a_csrf_token_are_never_compressed(app: Flask, client: FlaskClient) -> None:
    pages = _pages_with_secrets(app, client)
    assert "csrf_token" in pages["/report"][2]
    assert 'id="receipt"' in pages["receipt"][2]
    for name, (status, headers, _body) in pages.items():
        assert status.startswith("200"), name
        assert "Content-Encoding" not in headers, name
        # no-transform forbids a proxy or CDN to compress them on the way (RFC 9110 §7.7).
        assert headers["Cache-Control"] == "no-store, no-transform", name


def test_the_documented_nginx_server_block_turns_compression_off() -> None:
    """nginx ignores no-transform and Debian's nginx.conf gzips HTML, so the README must say so."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    walkthrough = readme[readme.index("**nginx** in front") : readme.index("**Timers**")]
    assert "`gzip off;`" in walkthrough
    assets_block = re.search(r"`location /assets/ \{([^`]*)\}`", walkthrough)
    assert assets_block
    assert "gzip on;" in assets_block.group(1)
    assert "text/html" not in assets_block.group(1)
