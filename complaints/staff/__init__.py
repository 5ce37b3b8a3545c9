"""The legal unit's workspace: login with TOTP, triage queue, case handling."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("staff", __name__)

from complaints.staff import case_routes, reveal_routes, routes  # noqa: E402,F401  (routes attach to the blueprint)
