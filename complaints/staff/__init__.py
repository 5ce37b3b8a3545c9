"""The legal unit's workspace, one routes module per area with its services beside it:

* log-in and passwords — :mod:`.login_routes` (on :mod:`complaints.workspace`); a printed
  invitation used — :mod:`.welcome_routes`;
* the triage queue — :mod:`.queue_routes`, :mod:`.queue`;
* one case — :mod:`.case_routes`, :mod:`.case_views`, :mod:`.case_access`, :mod:`.case_page`,
  :mod:`.casework`, :mod:`.evidence`;
* the procedure — :mod:`.steps`, :mod:`.step_checks`, :mod:`.step_forms`; the case record —
  :mod:`.record_routes`, :mod:`.record`;
* who handles it — :mod:`.assignment_routes`, :mod:`.assignment`;
* offline intake — :mod:`.intake_routes`, :mod:`.intake`;
* key grants — :mod:`.key_routes`, :mod:`.grants`;
* identity reveals — :mod:`.reveal_routes`, :mod:`.reveals`; whistleblower protection —
  :mod:`.protection_routes`, :mod:`.protection`, :mod:`.protection_forms`;
* the lead's statistics without suppression — :mod:`.statistics_routes`;
* refusals — :mod:`.refusals`.
"""

from __future__ import annotations

from flask import Blueprint

from complaints.workspace.access import load_staff_session, template_helpers

blueprint = Blueprint("staff", __name__)
blueprint.before_request(load_staff_session)
blueprint.context_processor(template_helpers)

# The route modules attach their views to the blueprint when imported.
from complaints.staff import (  # noqa: E402 - they need the blueprint defined above
    assignment_routes,
    case_routes,
    intake_routes,
    key_routes,
    login_routes,
    protection_routes,
    queue_routes,
    record_routes,
    reveal_routes,
    statistics_routes,
    welcome_routes,
)

__all__ = [
    "assignment_routes",
    "blueprint",
    "case_routes",
    "intake_routes",
    "key_routes",
    "login_routes",
    "protection_routes",
    "queue_routes",
    "record_routes",
    "reveal_routes",
    "statistics_routes",
    "welcome_routes",
]
