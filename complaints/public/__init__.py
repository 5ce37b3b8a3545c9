"""Public pages: landing, protection measures, guideline, the report form and its receipt."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("public", __name__)

from complaints.public import poster_routes, routes, statistics  # noqa: E402 - views attach to it

__all__ = ["blueprint", "poster_routes", "routes", "statistics"]
