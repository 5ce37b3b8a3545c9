"""The public statistics page (the ITA item): received, completed and in progress for a fiscal year
by month, quarter or half-year, a chart drawn on the server, the counting rule, and the kinds of
complaint with small cells hidden."""

from __future__ import annotations

from flask import render_template, request

from complaints import charts, db, settings, stats, stats_tables
from complaints.dates import today
from complaints.i18n import gettext as _
from complaints.public import blueprint

PUBLIC_BREAKDOWNS = ("category",)


def _chosen(choices: list[int]) -> tuple[int, str]:
    kind = request.args.get("by", "month")
    return stats.chosen_year(choices, request.args.get("fy", "")), (
        kind if kind in stats.PERIOD_KINDS else "month"
    )


@blueprint.get("/statistics")
def statistics() -> str:
    choices = stats.fiscal_years(db.session(), today())
    year, kind = _chosen(choices)
    figures = stats.compute(
        db.session(), year, today(), settings.counting_rule(), settings.statistics_codes()
    )
    periods = figures.periods[kind]
    chart = charts.stacked_bars(
        [charts.Bar(stats_tables.period_label(p, short=True), p.completed, p.in_progress) for p in periods],
        title=_("Complaints received in fiscal year %(year)s", year=year),
        description=_(
            "Completed and in progress, %(kind)s. The same figures are in the table below.",
            kind=str(stats_tables.PERIOD_TITLES[kind]).lower(),
        ),
        legend=(_("Completed cases"), _("Cases in progress")),
    )
    return render_template(
        "public/statistics.html",
        figures=figures,
        year=year,
        kind=kind,
        choices=choices,
        chart=chart,
        table=stats_tables.ita_tables(figures)[stats.PERIOD_KINDS.index(kind)],
        breakdowns=[t for t in stats_tables.tables(figures, PUBLIC_BREAKDOWNS) if t.key in PUBLIC_BREAKDOWNS],
        ita_code=settings.ita_code(year),
        period_titles=stats_tables.PERIOD_TITLES,
    )
