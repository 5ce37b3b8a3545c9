"""The channel's poster: its QR code decodes back to the public address (from the PDF rendered to
an image, as a phone would see the print), it fits one A4 sheet in Thai with English below, and
while the address is still the loopback default it refuses to print a useless code."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader

from complaints import poster
from tests.conftest import require_or_skip

ADDRESS = "https://report.example.go.th"


@pytest.fixture
def published(app: Flask) -> Flask:
    app.config["PUBLIC_BASE_URL"] = ADDRESS
    return app


def _decode(image: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("http://127.0.0.1:5000", None),
        ("http://localhost:8000/", None),
        ("http://[::1]:5000", None),
        ("report.example.go.th", None),  # no scheme: not an address a phone can open
        ("https://report.example.go.th", "https://report.example.go.th/"),
        ("https://www.example.go.th/complaints/", "https://www.example.go.th/complaints/"),
    ],
)
def test_the_channel_address_refuses_the_loopback_default(configured: str, expected: str | None) -> None:
    assert poster.channel_address(configured) == expected


def test_the_qr_code_decodes_to_the_address() -> None:
    with Image.open(io.BytesIO(poster.qr_png(ADDRESS + "/"))) as image:
        assert _decode(image) == [ADDRESS + "/"]


def test_the_printed_pdf_is_one_a4_page_whose_code_opens_the_channel(
    published: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    response = client.get("/poster.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = reader.pages[0].extract_text()
    assert "report.example.go.th" in text
    assert "1205" in text
    assert "Report corruption and misconduct" in text
    require_or_skip(
        shutil.which("pdftoppm") is not None, "pdftoppm (Debian's poppler-utils) is not installed"
    )
    (tmp_path / "poster.pdf").write_bytes(response.data)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "100",
            "-singlefile",
            str(tmp_path / "poster.pdf"),
            str(tmp_path / "poster"),
        ],
        check=True,
    )
    with Image.open(tmp_path / "poster.png") as page:
        assert _decode(page) == [ADDRESS + "/"]


def test_the_page_shows_both_languages_and_the_code(published: Flask, client: FlaskClient) -> None:
    for language in ("th", "en"):
        page = client.get("/poster", headers={"Cookie": f"lang={language}"}).text
        assert 'id="poster-qr"' in page
        assert "<svg" in page
        assert "report.example.go.th" in page
        assert "แจ้งเบาะแสการทุจริตและประพฤติมิชอบ" in page
        assert "Report corruption and misconduct" in page
        assert "ป.ป.ช.: <strong>1205</strong>" in page
        assert "NACC: <strong>1205</strong>" in page
        assert "style=" not in page[page.index('id="poster-qr"') : page.index("</svg>")]


def test_the_loopback_default_asks_the_admin_to_set_the_address(client: FlaskClient) -> None:
    page = client.get("/poster")
    assert page.status_code == 200
    assert 'id="poster-not-ready"' in page.text
    assert "PUBLIC_BASE_URL" in page.text
    assert "<svg" not in page.text
    refused = client.get("/poster.pdf")
    assert refused.status_code == 409
    assert refused.mimetype == "text/html"
