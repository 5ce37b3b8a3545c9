"""The triage queue's view: filters from the URL, one page of cases, counts per status."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from complaints import alerts, db, keys, labels, settings
from complaints.dates import fiscal_year_of, today
from complaints.i18n import gettext as _
from complaints.labels import category_choices, department_choices
from complaints.staff import blueprint, case_views, queue, queue_banners, queue_search
from complaints.staff.forms import QueueFilterForm
from complaints.workspace import access
from complaints.workspace.access import ADMIN_ROLES, LEGAL_ROLES, requires_roles, staff
from complaints.workspace.forms import choices


def _filter_form(filters: queue.QueueFilters, years: list[int]) -> QueueFilterForm:
    form = QueueFilterForm(
        formdata=None,
        data={
            "status": filters.status,
            "category": filters.category,
            "department": filters.department,
            "deadline": filters.deadline,
            "fy": str(filters.fiscal_year or ""),
            "sort": filters.sort,
            "mine": filters.mine,
            "number": filters.searched,
        },
    )
    form.number.render_kw = {"placeholder": queue_search.examples(fiscal_year_of(today()))[0]}
    everything = ("", _("All"))
    form.status.choices = choices(
        [("open", _("Open cases")), ("closed", _("Completed cases")), ("all", _("All cases"))]
        + [(code, labels.label(labels.STATUS_LABELS, code)) for code in labels.STATUS_LABELS]
    )
    form.category.choices = choices([everything, *category_choices()])
    form.department.choices = choices([everything, *department_choices()])
    form.deadline.choices = choices(
        [everything]
        + [
            (state.value, labels.label(labels.DEADLINE_STATE_LABELS, state))
            for state in queue.DEADLINE_FILTERS
        ]
    )
    form.fy.choices = choices([everything] + [(str(year), str(year)) for year in years])
    form.sort.choices = choices([("urgent", _("Most urgent first")), ("newest", _("Newest first"))])
    return form


@blueprint.get("/", endpoint="queue")
@requires_roles(LEGAL_ROLES | ADMIN_ROLES)
def queue_view() -> ResponseReturnValue:
    context = staff()
    # The workspace's home address: whoever cannot work cases (the identity custodian, an
    # administrator) is sent to the page their role works from instead of an empty queue.
    if access.home_endpoint(context.user) != "staff.queue":
        return redirect(url_for(access.home_endpoint(context.user)))
    database = db.session()
    # The queue lists cases only to holders of a usable legal unit key, the same rule as the case
    # page. Until then (a new account, after an administrator's password reset, a custodian
    # alone) a person sees the "ask a lead for the key" notice and no case metadata at all:
    # numbers, departments, deadlines and assignees are not for someone who cannot work on the
    # case, and only a key holder can be trusted to keep a case from its subject.
    if not access.holds_key(database, context, keys.UNIT):
        return render_template(
            "staff/queue.html", page=None, form=None, key_missing=True, **case_views.unit_key_state()
        )
    filters = queue.parse_filters(request.args, settings.categories(), settings.departments())
    page = queue.triage_queue(
        database,
        context.user.id,
        filters,
        today(),
        settings.due_soon_days(),
        reference_keys=settings.reference_keys(),
    )
    years = queue.fiscal_years(database)
    return render_template(
        "staff/queue.html",
        page=page,
        form=_filter_form(page.filters, years),
        examples=queue_search.examples(fiscal_year_of(today())),
        suggestion=queue_search.suggested_number(page.filters.searched, fiscal_year_of(today()))
        if page.filters.searched and not page.total
        else "",
        key_missing=False,
        route_outside=queue_banners.to_route_outside(database, context.user.id, excluded=list(page.excluded)),
        retaliation=queue_banners.retaliation_to_refer(
            database, context.user.id, excluded=list(page.excluded)
        ),
        key_alerts=alerts.key_alerts(database) if "lead" in context.user.role_set else [],
    )
