"""Key access: who holds the legal unit and custodian keys, and granting them to a colleague."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from complaints import db, labels, pins
from complaints.dates import utcnow
from complaints.i18n import gettext as _
from complaints.numbers import whole_number
from complaints.staff import blueprint, grants
from complaints.staff.forms import GrantForm, RevokeForm
from complaints.staff.refusals import ALERTING, GRANT_REFUSALS
from complaints.workspace import holders
from complaints.workspace.access import requires_roles, staff

GRANTER_ROLES = frozenset({"lead", "custodian"})


@blueprint.get("/keys")
@requires_roles(GRANTER_ROLES)
def key_access() -> ResponseReturnValue:
    context = staff()
    database = db.session()
    rows = grants.key_holders(database)
    return render_template(
        "staff/keys.html",
        rows=rows,
        may_grant_kind={kind: grants.can_grant(database, context, kind) for kind in grants.GRANTABLE_KINDS},
        kinds=grants.GRANTABLE_KINDS,
        me=context.user.id,
        fingerprints={row.user.id: pins.spoken_fingerprint(row.user.public_key) for row in rows},
        my_fingerprint=pins.spoken_fingerprint(context.user.public_key),
        usable_by=holders.holders(database, utcnow()),
        names={row.user.id: row.user.display_name or row.user.username for row in rows},
    )


@blueprint.post("/keys/grant")
@requires_roles(GRANTER_ROLES)
def grant_key() -> ResponseReturnValue:
    form = GrantForm()
    recipient_id = whole_number(form.user_id.data)
    if not form.compared.data:
        flash(_("Compare the fingerprint with the colleague in person first."), "error")
        return redirect(url_for("staff.key_access"))
    if not form.validate_on_submit() or recipient_id is None:
        flash(_("The request could not be understood. Nothing was changed."), "error")
        return redirect(url_for("staff.key_access"))
    database = db.session()
    try:
        recipient = grants.grant(database, staff(), form.kind.data, recipient_id)
    except grants.GrantRefused as refusal:
        database.commit() if refusal.reason in ALERTING else database.rollback()
        flash(str(GRANT_REFUSALS[refusal.reason]), "error")
    else:
        database.commit()
        flash(
            _(
                "%(name)s now holds the %(key)s.",
                name=recipient.display_name or recipient.username,
                key=labels.label(labels.KEY_KIND_LABELS, form.kind.data),
            ),
            "ok",
        )
    return redirect(url_for("staff.key_access"))


@blueprint.post("/keys/revoke")
@requires_roles(frozenset({"lead"}))
def revoke_access() -> ResponseReturnValue:
    """Take back every key a person holds and log them out everywhere, in one step."""
    form = RevokeForm()
    person_id = whole_number(form.user_id.data)
    if not form.validate_on_submit() or person_id is None:
        flash(_("The request could not be understood. Nothing was changed."), "error")
        return redirect(url_for("staff.key_access"))
    database = db.session()
    try:
        person = grants.revoke_all(database, staff(), person_id)
    except grants.GrantRefused as refusal:
        database.rollback()
        flash(str(GRANT_REFUSALS[refusal.reason]), "error")
        return redirect(url_for("staff.key_access"))
    database.commit()
    flash(
        _(
            "%(name)s no longer holds any key and was logged out everywhere. Copies of the keys they "
            "held may survive on their devices: rotate the legal unit key with the recovery code "
            "(flask --app wsgi keys recover) if a device was lost.",
            name=person.display_name or person.username,
        ),
        "ok",
    )
    return redirect(url_for("staff.key_access"))
