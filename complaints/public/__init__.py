"""Public pages: landing, protection measures, guideline, the report form and its receipt."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("public", __name__)

from complaints.public import routes, statistics  # noqa: E402 - the views attach to the blueprint above

__all__ = ["blueprint", "routes", "statistics"]
