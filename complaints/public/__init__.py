"""Public pages: landing, protection measures, guideline, report form, statistics, poster."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("public", __name__)

from complaints.public import routes  # noqa: E402 - the views attach to the blueprint defined above

__all__ = ["blueprint", "routes"]
