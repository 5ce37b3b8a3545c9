"""The reporter's identity on the staff side: shown to the assignee when the reporter shared it,
otherwise only through a two-step reveal — the case's handler asks with a legal reason (the
reporter is told in their thread at that moment), an identity custodian who is not the asker
approves, and the identity key is sealed to the asker's personal key alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import alerts, audit, cases, crypto, keys, labels, notices, pins
from complaints.models import Case, CaseExclusion, CaseKey, RevealRequest, StaffUser
from complaints.staff import reveal_history
from complaints.staff.case_access import is_excluded
from complaints.staff.case_page import staff_names
from complaints.staff.casework import require_handler
from complaints.staff.refusals import CaseActionRefused
from complaints.workspace.sessions import StaffContext

APPROVED = reveal_history.APPROVED
DECLINED = reveal_history.DECLINED


@dataclass(frozen=True)
class RevealAsked:
    """What the handler records when asking for a reveal: the legal reason code and an order number."""

    reason: str
    reference: str
    on: date


@dataclass(frozen=True)
class RevealRequestView:
    """A reveal request as listed: metadata only, never content or identity."""

    id: int
    case_number: str
    requester_id: int
    requester_name: str
    reason: str
    reference: str
    requested_on: date
    decision: str | None
    decided_on: date | None
    decided_by_name: str = ""
    # The custodian's reason code (complaints.staff.reveal_history); None before reasons were kept.
    decision_reason: str | None = None


# --- seeing the identity ------------------------------------------------------------------------


def visible_identity(db: Session, case: Case, context: StaffContext) -> cases.ReporterIdentity | None:
    """The identity sealed to this person's own key — by the reporter's consent while they handle
    the case, or by an approved reveal — if any; every view audited."""
    if case.identity_ciphertext is None:
        return None
    copy = db.scalars(
        select(CaseKey).where(
            CaseKey.case_id == case.id,
            CaseKey.purpose == cases.IDENTITY,
            CaseKey.recipient_key_id == context.user.key_id,
        )
    ).first()
    if copy is None or (copy.recipient == cases.CONSENT and case.assigned_to_id != context.user.id):
        return None
    try:
        identity_key = cases.identity_key_for_staff(db, case, context.personal_key)
    except crypto.CryptoError:  # a copy that does not open is no copy
        return None
    if identity_key is None:
        return None
    identity = cases.read_identity(case, identity_key)
    via = "consent" if copy.recipient == cases.CONSENT else "reveal"
    audit.record(db, "identity_viewed", audit.STAFF, context.user.id, case.id, f"via={via}")
    return identity


# --- consent given while nobody handled the case --------------------------------------------------


@dataclass(frozen=True)
class ConsentToSeal:
    """A reporter agreed to let their handler see their identity; the handler has no copy yet."""

    case_id: int
    case_number: str
    assignee_id: int
    assignee_name: str


def consents_to_seal(db: Session, custodian: StaffUser, limit: int = 100) -> list[ConsentToSeal]:
    """Consented cases whose assignee holds no copy yet (consent given before anyone was assigned,
    or the case was reassigned since): a one-click task for the custodian."""
    excluded = select(CaseExclusion.case_id).where(CaseExclusion.user_id == custodian.id)
    sealed_to_assignee = (
        select(CaseKey.id)
        .where(
            CaseKey.case_id == Case.id,
            CaseKey.purpose == cases.IDENTITY,
            CaseKey.recipient_key_id == StaffUser.key_id,
        )
        .exists()
    )
    rows = db.execute(
        select(Case.id, Case.number, StaffUser.id, StaffUser.username, StaffUser.display_name)
        .join(StaffUser, StaffUser.id == Case.assigned_to_id)
        .where(Case.identity_shared.is_(True), Case.id.not_in(excluded), ~sealed_to_assignee)
        .order_by(Case.id)
        .limit(limit)
    ).all()
    return [ConsentToSeal(row[0], row[1], row[2], row[4] or row[3]) for row in rows]


def seal_consent_to_assignee(db: Session, case_id: int, context: StaffContext) -> StaffUser:
    """The custodian opens the identity key and seals it to the case's current assignee only."""
    if "custodian" not in context.user.role_set:
        raise CaseActionRefused("custodian_only")
    case = db.get(Case, case_id)
    if case is None or is_excluded(db, case.id, context.user.id) or not case.identity_shared:
        raise cases.CaseNotFound
    assignee = db.get(StaffUser, case.assigned_to_id) if case.assigned_to_id else None
    if assignee is None or assignee.disabled:
        raise CaseActionRefused("requester_unavailable")
    try:
        custodian_private = keys.private_key_for(db, keys.CUSTODIAN, context.user, context.personal_key)
        identity_key = cases.open_with_org_key(db, case, cases.IDENTITY, custodian_private)
    except (keys.KeyringError, crypto.CryptoError) as error:
        raise CaseActionRefused("no_custodian_key") from error
    if not pins.staff_key_verifies(assignee):
        alerts.raise_key_alert(db, "staff", assignee.key_id)
        raise CaseActionRefused("unpinned_key")
    cases.share_identity_with_handler(db, case, identity_key, assignee.public_key)
    audit.record(db, "consent_sealed", audit.STAFF, context.user.id, case.id, f"to={assignee.id}")
    return assignee


# --- step 1: the handler asks ---------------------------------------------------------------------


def may_request(case: Case, context: StaffContext) -> bool:
    """The case's handler may ask: its assignee, or a legal lead."""
    return case.assigned_to_id == context.user.id or "lead" in context.user.role_set


def _has_grant(db: Session, case: Case, user: StaffUser) -> bool:
    found = db.scalars(
        select(CaseKey.id).where(
            CaseKey.case_id == case.id,
            CaseKey.purpose == cases.IDENTITY,
            CaseKey.recipient_key_id == user.key_id,
        )
    ).first()
    return found is not None


def pending_on_case(db: Session, case: Case) -> RevealRequest | None:
    """The case's request still waiting for the custodian, whoever asked (there is one at most)."""
    return db.scalars(
        select(RevealRequest)
        .where(RevealRequest.case_id == case.id, RevealRequest.decision.is_(None))
        .order_by(RevealRequest.id)
    ).first()


def _refuse_while_pending(db: Session, case: Case, user: StaffUser) -> None:
    """One request at a time per case: a second one, from anyone, waits for the first decision."""
    # Lock the case row, so two requests sent at once are checked one after the other.
    db.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    waiting = pending_on_case(db, case)
    if waiting is not None:
        raise CaseActionRefused(
            "reveal_pending" if waiting.requester_id == user.id else "reveal_pending_other"
        )


def request_reveal(
    db: Session, case: Case, content_key: bytes, context: StaffContext, asked: RevealAsked
) -> RevealRequest:
    """Record the handler's request and tell the reporter in their thread, in one transaction.

    The audit log keeps the reason code only; the order number stays on the request row.
    """
    require_handler(context)
    if not may_request(case, context):
        raise CaseActionRefused("not_case_handler")
    if asked.reason not in labels.REVEAL_REASON_LABELS:
        raise CaseActionRefused("step_detail")
    if case.identity_ciphertext is None:
        raise CaseActionRefused("no_identity")
    if _has_grant(db, case, context.user):
        raise CaseActionRefused("reveal_granted")
    _refuse_while_pending(db, case, context.user)
    request = RevealRequest(
        case_id=case.id,
        requester_id=context.user.id,
        reason=asked.reason,
        reference=None,
        requested_on=asked.on,
    )
    db.add(request)
    db.flush()
    if asked.reference:
        cases.seal_reveal_reference(db, case, request, content_key, asked.reference)
    cases.add_message(
        db,
        case,
        content_key,
        cases.SYSTEM,
        notices.encode(notices.REVEAL_REQUESTED, asked.on, reason=asked.reason),
        asked.on,
        context.user.id,
    )
    audit.record(
        db, "identity_reveal_requested", audit.STAFF, context.user.id, case.id, f"reason={asked.reason}"
    )
    return request


# --- step 2: the custodian decides --------------------------------------------------------------


def _views(
    db: Session, rows: list[tuple[RevealRequest, Case]], content_key: bytes | None, custodian: bytes | None
) -> list[RevealRequestView]:
    people: set[int | None] = {request.requester_id for request, _case in rows}
    names = staff_names(db, people | {request.decided_by_id for request, _case in rows})
    reasons = reveal_history.decision_reasons([request for request, _case in rows])
    return [
        RevealRequestView(
            id=request.id,
            case_number=case.number,
            requester_id=request.requester_id,
            requester_name=names.get(request.requester_id, ""),
            reason=request.reason,
            reference=cases.read_reveal_reference(case, request, content_key, custodian),
            requested_on=request.requested_on,
            decision=request.decision,
            decided_on=request.decided_on,
            decided_by_name=names.get(request.decided_by_id, "") if request.decided_by_id else "",
            decision_reason=reasons.get(request.id),
        )
        for request, case in rows
    ]


def pending_requests(
    db: Session, custodian: StaffUser, custodian_private: bytes | None = None, limit: int = 200
) -> list[RevealRequestView]:
    """Requests awaiting a decision, oldest first, on cases the custodian is not excluded from."""
    excluded = select(CaseExclusion.case_id).where(CaseExclusion.user_id == custodian.id)
    rows = db.execute(
        select(RevealRequest, Case)
        .join(Case, Case.id == RevealRequest.case_id)
        .where(RevealRequest.decision.is_(None), RevealRequest.case_id.not_in(excluded))
        .order_by(RevealRequest.requested_on, RevealRequest.id)
        .limit(limit)
    ).all()
    return _views(db, [(row[0], row[1]) for row in rows], None, custodian_private)


def past_decisions(
    db: Session, custodian: StaffUser, custodian_private: bytes | None = None
) -> list[RevealRequestView]:
    """The latest decided requests, newest first, with who decided and why (metadata only)."""
    return _views(db, reveal_history.decided_requests(db, custodian), None, custodian_private)


def case_requests(db: Session, case: Case, content_key: bytes) -> list[RevealRequestView]:
    """Every reveal request of a case, oldest first (for its handlers)."""
    rows = db.scalars(
        select(RevealRequest).where(RevealRequest.case_id == case.id).order_by(RevealRequest.id)
    ).all()
    return _views(db, [(row, case) for row in rows], content_key, None)


def _decidable(db: Session, request_id: int, context: StaffContext) -> tuple[RevealRequest, Case]:
    """The request, if this custodian may decide it now; an excluded custodian finds nothing."""
    if "custodian" not in context.user.role_set:
        raise CaseActionRefused("custodian_only")
    # Locked, so two custodians deciding at once are served one after the other.
    request = db.get(RevealRequest, request_id, with_for_update=True)
    if request is None or is_excluded(db, request.case_id, context.user.id):
        raise cases.CaseNotFound
    if request.decision is not None:
        raise CaseActionRefused("reveal_decided")
    if request.requester_id == context.user.id:
        raise CaseActionRefused("own_reveal")
    return request, db.get_one(Case, request.case_id)


def _eligible_requester(db: Session, request: RevealRequest) -> StaffUser:
    requester = db.get_one(StaffUser, request.requester_id)
    if requester.disabled or is_excluded(db, request.case_id, requester.id):
        raise CaseActionRefused("requester_unavailable")
    return requester


def _check_reason(decision: str, because: str) -> None:
    if because not in reveal_history.DECISION_REASONS[decision]:
        raise CaseActionRefused("decision_reason")


def approve_reveal(
    db: Session, request_id: int, context: StaffContext, on: date, because: str
) -> RevealRequest:
    """The custodian opens the identity key and seals it to the requester's personal key only."""
    _check_reason(APPROVED, because)
    request, case = _decidable(db, request_id, context)
    requester = _eligible_requester(db, request)
    try:
        custodian_private = keys.private_key_for(db, keys.CUSTODIAN, context.user, context.personal_key)
        identity_key = cases.open_with_org_key(db, case, cases.IDENTITY, custodian_private)
        requester_key = pins.require_staff_key(requester)
        cases.share_identity_with_staff(db, case, identity_key, requester_key)
    except pins.UnpinnedKey as error:
        alerts.raise_key_alert(db, "staff", requester.key_id)
        raise CaseActionRefused("unpinned_key") from error
    except (keys.KeyringError, crypto.CryptoError) as error:
        raise CaseActionRefused("no_custodian_key") from error
    except cases.NoIdentityToShare as error:
        raise CaseActionRefused("no_identity") from error
    _decide(db, request, context, (APPROVED, because), on)
    return request


def decline_reveal(
    db: Session, request_id: int, context: StaffContext, on: date, because: str
) -> RevealRequest:
    """The custodian refuses: the decision and its reason are recorded and nothing is sealed."""
    _check_reason(DECLINED, because)
    request, _case = _decidable(db, request_id, context)
    _decide(db, request, context, (DECLINED, because), on)
    return request


def _decide(
    db: Session, request: RevealRequest, context: StaffContext, decided: tuple[str, str], on: date
) -> None:
    decision, because = decided
    request.decision = decision
    request.decided_by_id = context.user.id
    request.decided_on = on
    request.decision_reason = because
    detail = reveal_history.decision_detail(request, because)
    audit.record(db, f"identity_reveal_{decision}", audit.STAFF, context.user.id, request.case_id, detail)
