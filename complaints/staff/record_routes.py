"""The case record: a printable page and the same record as a PDF (audited, like every view)."""

from __future__ import annotations

from flask import Response, render_template
from flask.typing import ResponseReturnValue

from complaints import audit, clocks, db, documents
from complaints.dates import today
from complaints.i18n import current_language
from complaints.models import Case
from complaints.staff import blueprint, case_page, record
from complaints.staff.case_views import open_case
from complaints.workspace.access import HANDLER_ROLES, requires_roles, staff


def _document(found: Case, content_key: bytes, kind: str) -> documents.Document:
    database = db.session()
    content = case_page.read_case(database, found, content_key, staff().user)
    audit.record(database, "case_record_printed", audit.STAFF, staff().user.id, found.id, f"as={kind}")
    document = record.case_record(
        found,
        content,
        clocks.views(database, found, today()),
        str(render_template("_municipality.txt")).strip(),
        current_language(),
        today(),
    )
    database.commit()
    return document


@blueprint.get("/cases/<number>/record")
@requires_roles(HANDLER_ROLES)
def case_record(number: str) -> ResponseReturnValue:
    found, content_key = open_case(number)
    return render_template("staff/record.html", case=found, document=_document(found, content_key, "page"))


@blueprint.get("/cases/<number>/record.pdf")
@requires_roles(HANDLER_ROLES)
def case_record_pdf(number: str) -> ResponseReturnValue:
    found, content_key = open_case(number)
    pdf = documents.render_pdf(_document(found, content_key, "pdf"))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="case-{found.number}.pdf"'},
    )
