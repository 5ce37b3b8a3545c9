"""Administration: accounts, settings and the audit log — never case content."""

from __future__ import annotations

from flask import Blueprint

from complaints.workspace.access import load_staff_session, template_helpers

blueprint = Blueprint("admin", __name__)
blueprint.before_request(load_staff_session)
blueprint.context_processor(template_helpers)

from complaints.admin import routes, statistics_routes  # noqa: E402 - the views attach to the blueprint

__all__ = ["blueprint", "routes", "statistics_routes"]
