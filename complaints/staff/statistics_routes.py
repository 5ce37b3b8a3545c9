"""The lead's statistics: the same tables as the administrator's, without small-cell suppression.

Only a legal lead who holds the legal unit key sees the exact small counts (they can open the
cases anyway); each view is audited, and the page says not to publish it.
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from complaints import audit, db, keys, settings, stats, stats_tables
from complaints.dates import today
from complaints.staff import blueprint
from complaints.staff.case_access import unit_private_key
from complaints.staff.case_views import key_required
from complaints.workspace.access import LEAD_ROLES, requires_roles, staff


@blueprint.get("/statistics", endpoint="statistics")
@requires_roles(LEAD_ROLES)
def lead_statistics() -> ResponseReturnValue:
    database = db.session()
    context = staff()
    try:
        unit_private_key(database, context)  # only a lead who holds the unit key
    except keys.KeyringError:
        key_required()
    choices = stats.fiscal_years(database, today())
    year = stats.chosen_year(choices, request.args.get("fy", ""))
    figures = stats.compute(
        database, year, today(), settings.counting_rule(), settings.statistics_codes(), suppress=False
    )
    audit.record(database, "statistics_unsuppressed", audit.STAFF, context.user.id, None, f"fy={year}")
    database.commit()
    return render_template(
        "staff/statistics.html",
        figures=figures,
        year=year,
        choices=choices,
        tables=stats_tables.tables(figures),
    )
