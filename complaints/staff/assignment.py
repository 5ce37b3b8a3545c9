"""Who handles a case and who must never see it: assignment, declared conflicts, subjects
excluded by a lead, and lifting an exclusion for a recorded reason (all audited)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from complaints import audit, cases, keys
from complaints.models import Case, CaseExclusion, CaseKey, KeyGrant, OrgKey, StaffUser
from complaints.staff.case_access import is_excluded
from complaints.staff.casework import require_handler
from complaints.staff.refusals import CaseActionRefused
from complaints.workspace.access import HANDLER_ROLES
from complaints.workspace.sessions import StaffContext

# Why a lead lets an excluded account see a case again (the code is what the audit log keeps).
LIFT_REASONS = ("mistaken", "not_subject", "conflict_ended")


def assignable_staff(db: Session, case: Case) -> list[StaffUser]:
    """Active officers and leads who are not excluded from the case."""
    excluded = select(CaseExclusion.user_id).where(CaseExclusion.case_id == case.id)
    users = db.scalars(
        select(StaffUser)
        .where(StaffUser.disabled.is_(False), StaffUser.id.not_in(excluded))
        .order_by(StaffUser.username)
    )
    return [user for user in users if user.role_set & HANDLER_ROLES]


def assign(db: Session, case: Case, context: StaffContext, assignee_id: int | None) -> StaffUser | None:
    """Give the case to an officer (a lead may pick anyone eligible; an officer only themself)."""
    require_handler(context)
    is_lead = "lead" in context.user.role_set
    if not is_lead and assignee_id != context.user.id:
        raise CaseActionRefused("lead_only")
    if not is_lead and case.assigned_to_id not in (None, context.user.id):
        raise CaseActionRefused("already_assigned")  # only a lead takes a case from someone
    assignee = None
    if assignee_id is not None:
        assignee = next((user for user in assignable_staff(db, case) if user.id == assignee_id), None)
        if assignee is None:
            raise CaseActionRefused("not_assignable")
    if case.assigned_to_id != (assignee.id if assignee else None):
        _drop_consent_copies(db, case)
    case.assigned_to_id = assignee.id if assignee else None
    audit.record(
        db, "case_assigned", audit.STAFF, context.user.id, case.id, f"to={case.assigned_to_id or '-'}"
    )
    return assignee


def _drop_consent_copies(db: Session, case: Case) -> None:
    """Consent was to "the officer handling my report": a new handler does not inherit it, and the
    old one keeps no copy (the custodian seals it to the new handler, a recorded one-click task)."""
    db.execute(delete(CaseKey).where(CaseKey.case_id == case.id, CaseKey.recipient == cases.CONSENT))


def readers_besides(db: Session, case: Case, user_id: int) -> int:
    """Active accounts other than ``user_id``, not excluded from the case, holding a current unit key.

    A current grant is one sealed to the account's present personal key (an administrator's
    password reset leaves the old grant unusable until a lead grants the key again).
    """
    excluded = select(CaseExclusion.user_id).where(CaseExclusion.case_id == case.id)
    count = db.scalar(
        select(func.count(func.distinct(StaffUser.id)))
        .join(KeyGrant, KeyGrant.user_id == StaffUser.id)
        .join(OrgKey, OrgKey.id == KeyGrant.org_key_id)
        .where(
            OrgKey.kind == keys.UNIT,
            OrgKey.active.is_(True),
            KeyGrant.recipient_key_id == StaffUser.key_id,
            StaffUser.disabled.is_(False),
            StaffUser.id != user_id,
            StaffUser.id.not_in(excluded),
        )
    )
    return int(count or 0)


def _exclude(db: Session, case: Case, user_id: int, reason: str) -> None:
    """Exclude an account, unless nobody who can read the case would be left to see it.

    The case row is locked first, so two leads excluding each other at the same moment are
    served one after the other and the second one sees the first exclusion.
    """
    db.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    if is_excluded(db, case.id, user_id):
        return
    if readers_besides(db, case, user_id) == 0:
        raise CaseActionRefused("last_reader")
    db.add(CaseExclusion(case_id=case.id, user_id=user_id, reason=reason))
    if case.assigned_to_id == user_id:
        case.assigned_to_id = None
    # An identity revealed to them earlier goes too: lifting the exclusion later does not bring it back.
    db.execute(
        delete(CaseKey).where(
            CaseKey.case_id == case.id,
            CaseKey.recipient == cases.STAFF,
            CaseKey.recipient_key_id == db.get_one(StaffUser, user_id).key_id,
        )
    )


def declare_conflict(db: Session, case: Case, context: StaffContext) -> None:
    """Exclude oneself from a case for good (it disappears from everything one sees).

    Refused (``last_reader``) when it would leave nobody able to read the case.
    """
    _exclude(db, case, context.user.id, "conflict")
    audit.record(db, "conflict_declared", audit.STAFF, context.user.id, case.id)


def excludable_staff(db: Session, case: Case, context: StaffContext) -> list[StaffUser]:
    """Accounts a lead may name as the subject of the case (everyone else not yet excluded)."""
    excluded = select(CaseExclusion.user_id).where(CaseExclusion.case_id == case.id)
    return list(
        db.scalars(
            select(StaffUser)
            .where(StaffUser.id != context.user.id, StaffUser.id.not_in(excluded))
            .order_by(StaffUser.username)
        )
    )


def exclude_subject(db: Session, case: Case, context: StaffContext, user_id: int) -> None:
    """A lead names a staff account as the subject of the report: it never sees the case."""
    if "lead" not in context.user.role_set:
        raise CaseActionRefused("lead_only")
    if not any(user.id == user_id for user in excludable_staff(db, case, context)):
        raise CaseActionRefused("not_excludable")
    _exclude(db, case, user_id, "subject")
    audit.record(
        db, "staff_excluded", audit.STAFF, context.user.id, case.id, f"user={user_id} reason=subject"
    )


def lift_exclusion(db: Session, case: Case, context: StaffContext, user_id: int, reason: str) -> None:
    """A lead lets an excluded account see the case again, for a recorded reason (audited).

    Nobody lifts their own exclusion: the subject of a report, or someone who declared a
    conflict, needs another lead to decide it no longer applies.
    """
    if "lead" not in context.user.role_set:
        raise CaseActionRefused("lead_only")
    if reason not in LIFT_REASONS:
        raise CaseActionRefused("lift_reason")
    if user_id == context.user.id:
        raise CaseActionRefused("own_exclusion")
    exclusion = db.get(CaseExclusion, (case.id, user_id))
    if exclusion is None:
        raise CaseActionRefused("not_excluded")
    was = exclusion.reason
    db.delete(exclusion)
    audit.record(
        db,
        "exclusion_lifted",
        audit.STAFF,
        context.user.id,
        case.id,
        f"user={user_id} was={was} reason={reason}",
    )


@dataclass(frozen=True)
class ExclusionView:
    """Who is kept away from a case and why (shown to leads)."""

    user_id: int
    name: str
    reason: str


def exclusions(db: Session, case: Case) -> list[ExclusionView]:
    """The case's exclusions."""
    rows = db.execute(
        select(StaffUser.id, StaffUser.username, StaffUser.display_name, CaseExclusion.reason)
        .join(StaffUser, StaffUser.id == CaseExclusion.user_id)
        .where(CaseExclusion.case_id == case.id)
        .order_by(StaffUser.username)
    )
    return [
        ExclusionView(user_id=row.id, name=row.display_name or row.username, reason=row.reason)
        for row in rows
    ]
