"""Path traversal and hostile names in uploaded files, sent byte for byte as a browser or a script
would: every file lands under the upload folder with a random name, the name kept for the file is
its last component without control characters, and the download's ``Content-Disposition`` is a
tame attachment carrying that name only percent-encoded."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from complaints.db import new_session
from complaints.models import Attachment
from complaints.reporting.evidence import FILENAME_MAX
from tests.attack_world import World, shared_world
from tests.conftest import all_files_under, csrf_token_from

# (name as sent, the name kept). Old Windows browsers send the whole path; scripts send anything.
NAMES: list[tuple[str, str]] = [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\x.pdf", "x.pdf"),
    ("/etc/shadow", "shadow"),
    # In a quoted header value a backslash escapes the next character (Werkzeug reads it so):
    # what arrives is one name, without separators or the drive's colon.
    ("C:\\Windows\\System32\\cmd.exe", "CWindowsSystem32cmd.exe"),
    ("....//....//boot.ini", "boot.ini"),
    ("%2e%2e%2f%2e%2e%2fescaped.txt", "%2e%2e%2f%2e%2e%2fescaped.txt"),  # never decoded
    ("evil\x00.pdf.exe", "evil.pdf.exe"),
    ("CON", "CON"),  # a Windows device name: only ever a download name, never a path here
    ("tab\tand\x1bescape\x7f.txt", "tabandescape.txt"),
    ("x" * 3000 + ".pdf", "x" * FILENAME_MAX),
]
TAME_DISPOSITION = r'attachment; filename="([A-Za-z0-9._-]+)"; filename\*=UTF-8\'\'([A-Za-z0-9._~%-]+)'
STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{32}$")  # crypto.random_token(24)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with shared_world(tmp_path_factory.mktemp("uploads")) as built:
        yield built


def _multipart(token: str, files: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """A body whose file names are the raw bytes given, as no test client would send them."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n\r\n'.encode(),
    ]
    for name, content in files:
        header = f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="{name}"\r\n'
        parts.append(header.encode() + b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def _files_outside(root: Path, upload_dir: Path) -> set[Path]:
    return {path for path in all_files_under(root) if upload_dir not in path.parents}


@pytest.fixture(scope="module")
def sent(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The reporter adds every hostile name as evidence in one request; returns uid -> content."""
    root = Path(world.app.instance_path).parent
    upload_dir = Path(world.app.config["UPLOAD_DIR"])
    outside = _files_outside(root, upload_dir)
    reporter = world.client("reporter")
    token = csrf_token_from(reporter.get("/follow-up/case").text)
    files = [(name, f"content {index}".encode()) for index, (name, _kept) in enumerate(NAMES)]
    content_type, body = _multipart(token, files)
    with new_session(world.app) as db:
        known = set(db.scalars(select(Attachment.uid)))
    response = reporter.post("/follow-up/evidence", data=body, content_type=content_type)
    assert response.status_code == 303, response.text[:500]
    assert _files_outside(root, upload_dir) == outside  # nothing was written beside the uploads
    with new_session(world.app) as db:
        rows = db.scalars(select(Attachment).where(Attachment.uid.not_in(known))).all()
        return {row.uid: row.stored_name for row in rows}


def test_every_hostile_file_is_stored_under_a_random_name_inside_the_upload_folder(
    world: World, sent: dict[str, str]
) -> None:
    upload_dir = Path(world.app.config["UPLOAD_DIR"]).resolve()
    assert len(sent) == len(NAMES)
    for stored in sent.values():
        assert STORED_NAME.match(stored), stored
        path = (upload_dir / stored).resolve()
        assert path.parent == upload_dir
        assert path.is_file()
        assert b"content" not in path.read_bytes()  # encrypted on disk
    assert not Path("/etc/passwd.partial").exists()


def test_the_kept_names_are_the_last_component_without_control_characters(
    world: World, sent: dict[str, str]
) -> None:
    lead = world.client("lead")
    downloaded: dict[bytes, str] = {}
    for uid in sent:
        response = lead.get(f"/staff/cases/{world.number_a}/files/{uid}")
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        assert response.mimetype == "application/octet-stream"
        parts = re.fullmatch(TAME_DISPOSITION, disposition)
        assert parts, disposition
        downloaded[response.data] = unquote(parts.group(2))
    expected = {f"content {index}".encode(): kept for index, (_name, kept) in enumerate(NAMES)}
    assert downloaded == expected


def test_the_case_page_lists_the_kept_names_only(world: World, sent: dict[str, str]) -> None:
    html = world.client("lead").get(f"/staff/cases/{world.number_a}").text
    for uid in sent:
        assert f"/files/{uid}" in html
    assert "../../etc" not in html
    assert "C:\\Windows" not in html
    assert "\x00" not in html
