"""Reporter follow-up: log in with the receipt; status, messages, more evidence."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("followup", __name__)

from complaints.followup import routes  # noqa: E402 - the views attach to the blueprint defined above

__all__ = ["blueprint", "routes"]
