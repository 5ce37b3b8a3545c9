"""The administrator's statistics: every breakdown with small cells hidden, and the same figures
as CSV, JSON and Excel (``/admin/statistics.csv?fy=2569``). Only metadata is counted; no key is
opened. Every export is audited."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue

from complaints import audit, db, exports, settings, stats, stats_tables
from complaints.admin import blueprint
from complaints.dates import today
from complaints.workspace.access import ADMIN_ROLES, requires_roles, staff


def _year(choices: list[int]) -> int:
    return stats.chosen_year(choices, request.args.get("fy", ""))


def _figures(year: int) -> stats.Figures:
    return stats.compute(db.session(), year, today(), settings.counting_rule(), settings.statistics_codes())


@blueprint.get("/statistics", endpoint="statistics")
@requires_roles(ADMIN_ROLES)
def statistics_page() -> ResponseReturnValue:
    choices = stats.fiscal_years(db.session(), today())
    year = _year(choices)
    figures = _figures(year)
    return render_template(
        "admin/statistics.html",
        figures=figures,
        year=year,
        choices=choices,
        tables=stats_tables.tables(figures),
        formats=exports.FORMATS,
    )


@blueprint.get("/statistics.<fmt>", endpoint="statistics_export")
@requires_roles(ADMIN_ROLES)
def statistics_export(fmt: str) -> ResponseReturnValue:
    if fmt not in exports.FORMATS:
        abort(404)
    database = db.session()
    year = _year(stats.fiscal_years(database, today()))
    body = exports.export(_figures(year), fmt)
    audit.record(
        database, "statistics_exported", audit.STAFF, staff().user.id, None, f"fy={year} format={fmt}"
    )
    database.commit()
    response = Response(body, mimetype=exports.MEDIA_TYPES[fmt].split(";")[0])
    response.headers["Content-Type"] = exports.MEDIA_TYPES[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{exports.file_name(year, fmt)}"'
    return response
