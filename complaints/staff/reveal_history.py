"""The identity custodian's reasons for reveal decisions, and the decisions already taken.

A decision's reason is a code from a short list (like the request's legal reason: no free text,
so nothing identifying is written in the clear), kept on the request (``decision_reason``) and in
the decision's audit entry (``request=<id> because=<code>``); migration 0013 copied the reasons
recorded before the column existed from those entries. Decisions taken before reasons were
recorded show none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints.i18n import lazy_gettext as _l
from complaints.models import Case, CaseExclusion, RevealRequest, StaffUser

APPROVED = "approved"
DECLINED = "declined"

DECISION_REASON_LABELS: dict[str, Any] = {
    "basis_checked": _l("The legal reason and the order or letter it names were checked"),
    "consent_on_record": _l("The reporter's agreement is on record"),
    "protection_needed": _l("The identity is needed to protect the reporter"),
    "no_valid_order": _l("No valid order or letter backs the request"),
    "reason_insufficient": _l("The legal reason does not justify revealing the identity"),
    "not_needed": _l("The case can go on without the identity"),
    "consent_missing": _l("The reporter has not agreed, and no other legal reason applies"),
}
# Which reasons fit which decision.
DECISION_REASONS: dict[str, tuple[str, ...]] = {
    APPROVED: ("basis_checked", "consent_on_record", "protection_needed"),
    DECLINED: ("no_valid_order", "reason_insufficient", "not_needed", "consent_missing"),
}
DECISION_ACTIONS = (f"identity_reveal_{APPROVED}", f"identity_reveal_{DECLINED}")


def decision_detail(request: RevealRequest, because: str) -> str:
    """The audit entry's detail for a decision: codes and ids only."""
    return f"reason={request.reason} requester={request.requester_id} request={request.id} because={because}"


def decision_reasons(requests: list[RevealRequest]) -> dict[int, str]:
    """The recorded reason code of each decided request, by request id."""
    return {
        request.id: request.decision_reason
        for request in requests
        if request.decision is not None and request.decision_reason
    }


def decided_requests(db: Session, custodian: StaffUser, limit: int = 50) -> list[tuple[RevealRequest, Case]]:
    """The latest decisions, newest first, on cases the custodian is not excluded from."""
    excluded = select(CaseExclusion.case_id).where(CaseExclusion.user_id == custodian.id)
    rows = db.execute(
        select(RevealRequest, Case)
        .join(Case, Case.id == RevealRequest.case_id)
        .where(RevealRequest.decision.is_not(None), RevealRequest.case_id.not_in(excluded))
        .order_by(RevealRequest.decided_on.desc(), RevealRequest.id.desc())
        .limit(limit)
    ).all()
    return [(row[0], row[1]) for row in rows]
