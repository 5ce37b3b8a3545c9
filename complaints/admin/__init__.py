"""Administration: accounts, settings, statistics export, audit log — never case content."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("admin", __name__)

from complaints.admin import routes  # noqa: E402,F401  (routes attach to the blueprint)
