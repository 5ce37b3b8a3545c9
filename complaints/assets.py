"""Static files under URLs that name their content (``/assets/site.<digest>.css``), cached for a year.

A changed stylesheet gets a new URL, so browsers may keep each one for a year without asking
again; pages (never cached, ``no-store``) always name the current one. The plain ``/static/``
URLs keep working for anything that linked them.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, redirect, send_from_directory, url_for
from werkzeug.wrappers import Response

# Safe only because the URL changes whenever the content does.
LONG_LIVED = "public, max-age=31536000, immutable"
DIGEST_HEX_CHARS = 16  # 64 bits of SHA-256: no two versions of a file share a URL
FOUND = 302

blueprint = Blueprint("assets", __name__)

# Absolute path -> (mtime in ns, size, digest): a file is hashed again only when it changes.
_digests: dict[str, tuple[int, int, str]] = {}


def _static_folder() -> str:
    folder = current_app.static_folder
    if folder is None:
        raise RuntimeError("the app has no static folder")
    return folder


def _static_root() -> Path:
    return Path(_static_folder()).resolve()


@functools.lru_cache(maxsize=256)
def _inside(folder: str, filename: str) -> Path | None:
    """Where ``filename`` resolves to, when that is inside ``folder`` (resolved once: every page
    names its stylesheet and icon, and resolving walks the path with a system call per part)."""
    root = Path(folder).resolve()
    path = (root / filename).resolve()
    return path if root in path.parents else None


def static_file(filename: str) -> Path | None:
    """The file ``filename`` inside the static folder, or None (missing, or outside it)."""
    path = _inside(_static_folder(), filename)
    return path if path is not None and path.is_file() else None


def content_digest(path: Path) -> str:
    """The first hex characters of the file's SHA-256."""
    status = path.stat()
    cached = _digests.get(str(path))
    if cached is not None and cached[:2] == (status.st_mtime_ns, status.st_size):
        return cached[2]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_HEX_CHARS]
    _digests[str(path)] = (status.st_mtime_ns, status.st_size, digest)
    return digest


def hashed_name(filename: str) -> str:
    """``site.css`` -> ``site.<digest>.css`` for the file as it is now."""
    path = static_file(filename)
    if path is None:
        raise FileNotFoundError(filename)
    stem, _, suffix = filename.rpartition(".")
    return f"{stem}.{content_digest(path)}.{suffix}"


def asset_url(filename: str) -> str:
    """The long-cached URL of a static file, for templates: ``asset_url('site.css')``."""
    return url_for("assets.asset", name=hashed_name(filename))


def _split(name: str) -> tuple[str, str]:
    """``site.<digest>.css`` -> (``site.css``, digest); ('', '') when it has no digest part."""
    stem, dot, suffix = name.rpartition(".")
    base, _, digest = stem.rpartition(".")
    if not (dot and base and digest):
        return "", ""
    return f"{base}.{suffix}", digest


@blueprint.get("/<path:name>")
def asset(name: str) -> Response:
    """The file at its hashed name; an older digest is sent on to the current one (not cached),
    and a name that is no static file is a plain 404."""
    filename, digest = _split(name)
    path = static_file(filename) if filename else None
    if path is None:
        abort(404)
    if digest != content_digest(path):
        return redirect(url_for("assets.asset", name=hashed_name(filename)), FOUND)
    response = send_from_directory(_static_root(), filename, max_age=None, etag=False)
    response.headers["Cache-Control"] = LONG_LIVED
    return response


def init_app(app: Flask) -> None:
    """Give templates ``asset_url``."""
    app.jinja_env.globals["asset_url"] = asset_url
