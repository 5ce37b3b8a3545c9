"""When a dependency fails — the database, the rate-limit storage, the disk — the service answers
with a clear page (503 and ``Retry-After``), keeps what a citizen typed, and says so at ``/readyz``.

``/healthz`` stays what DESIGN §6 says (liveness and the database); ``/readyz`` checks all three
dependencies a request may need, for a load balancer to stop sending traffic while one is down.
"""

from __future__ import annotations

import os

from flask import render_template
from sqlalchemy import text

from complaints import db, settings
from complaints.security import shared_storage_answers

RETRY_AFTER_SECONDS = 30


def unavailable_page() -> str:
    """The page that says the service is briefly unavailable and nothing was saved."""
    return render_template("errors/503.html", seconds=RETRY_AFTER_SECONDS)


def _database() -> str:
    try:
        db.session().execute(text("SELECT 1"))
    except Exception:  # any failure to reach it means not ready
        db.session().rollback()
        return "unavailable"
    return "ok"


def _rate_limits() -> str:
    return "ok" if shared_storage_answers() else "unavailable"


def _uploads() -> str:
    folder = settings.upload_dir()
    probe = folder / ".readyz"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"ready")
        finally:
            os.close(fd)
        probe.unlink()
    except OSError:
        return "unavailable"
    return "ok"


def readiness() -> dict[str, str]:
    """Each dependency and whether it answers: ``ok`` or ``unavailable``."""
    return {"database": _database(), "rate_limits": _rate_limits(), "uploads": _uploads()}
