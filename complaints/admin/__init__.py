"""Administration: accounts, settings and the audit log — never case content."""

from __future__ import annotations

from flask import Blueprint

from complaints.workspace.access import load_staff_session, template_helpers

blueprint = Blueprint("admin", __name__)
blueprint.before_request(load_staff_session)
blueprint.context_processor(template_helpers)

from complaints.admin import report_routes, routes, statistics_routes  # noqa: E402 - views attach to it

__all__ = ["blueprint", "report_routes", "routes", "statistics_routes"]
