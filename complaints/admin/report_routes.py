"""The six- and twelve-month report: the administrator writes the analysis and measures, then
prints the page or downloads the PDF for the executive to sign."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from complaints import db, documents, settings, statistics_report, stats
from complaints.admin import blueprint
from complaints.admin.forms import ReportWordsForm
from complaints.dates import today, utcnow
from complaints.document_model import Document
from complaints.i18n import current_language
from complaints.i18n import gettext as _
from complaints.workspace.access import ADMIN_ROLES, requires_roles, staff


def _chosen() -> tuple[int, str]:
    choices = stats.fiscal_years(db.session(), today())
    period = request.args.get("period", "half")
    if period not in statistics_report.PERIODS:
        abort(404)
    return stats.chosen_year(choices, request.args.get("fy", "")), period


def _figures(year: int, period: str) -> stats.Figures:
    return stats.compute(
        db.session(),
        year,
        today(),
        settings.counting_rule(),
        settings.statistics_codes(),
        months=statistics_report.PERIODS[period],
    )


def _municipality() -> str:
    key = "MUNICIPALITY_NAME_TH" if current_language() == "th" else "MUNICIPALITY_NAME_EN"
    return str(current_app.config[key])


@blueprint.route("/statistics/report", methods=["GET", "POST"], endpoint="statistics_report")
@requires_roles(ADMIN_ROLES)
def report_words() -> ResponseReturnValue:
    year, period = _chosen()
    database = db.session()
    words = statistics_report.words_of(database, year, period)
    form = ReportWordsForm(data=words.__dict__) if request.method == "GET" else ReportWordsForm()
    if form.validate_on_submit():
        saved = statistics_report.ReportWords(
            **{
                name: (form[name].data or "").strip()
                for name in statistics_report.ReportWords.__dataclass_fields__
            }
        )
        statistics_report.save_words(database, staff().user, year, period, saved, utcnow())
        database.commit()
        flash(_("The report was saved."), "ok")
        return redirect(url_for("admin.statistics_report", fy=year, period=period))
    heading, span = statistics_report.title(_figures(year, period), period)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/report_form.html", form=form, year=year, period=period, heading=heading, span=span
    ), status


def _document() -> tuple[int, str, Document]:
    """The chosen year's and period's report, figures and words together."""
    year, period = _chosen()
    words = statistics_report.words_of(db.session(), year, period)
    return year, period, statistics_report.document(_figures(year, period), period, words, _municipality())


@blueprint.get("/statistics/report/print", endpoint="statistics_report_print")
@requires_roles(ADMIN_ROLES)
def report_print() -> ResponseReturnValue:
    year, period, document = _document()
    return render_template("admin/report_print.html", document=document, year=year, period=period)


@blueprint.get("/statistics/report.pdf", endpoint="statistics_report_pdf")
@requires_roles(ADMIN_ROLES)
def report_pdf() -> ResponseReturnValue:
    year, period, document = _document()
    response = Response(documents.render_pdf(document), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="statistics-report-{year}-{period}.pdf"'
    return response
