"""Converting rows written before a field was sealed: run by a key holder, since Alembic cannot
hold keys. Today: procedure steps and reveal requests whose order number was stored in plaintext."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints.cases.opening import open_with_org_key
from complaints.cases.threads import encrypt_event_details, read_event_details, seal_reveal_reference
from complaints.cases.values import CONTENT
from complaints.models import Case, CaseReference, ProcedureEvent, RevealRequest


def seal_order_numbers(
    db: Session, unit_private: bytes, digest: Callable[[str], str], batch: int = 200
) -> int:
    """Move every plaintext order number under its case key and index it; returns how many.

    Resumable: each converted step loses its plaintext number, so a second run skips it.
    """
    sealed = 0
    while events := db.scalars(
        select(ProcedureEvent).where(ProcedureEvent.order_number.is_not(None)).limit(batch)
    ).all():
        for event in events:
            case = db.get_one(Case, event.case_id)
            content_key = open_with_org_key(db, case, CONTENT, unit_private)
            words = read_event_details(case, event, content_key)
            event.details_ciphertext = encrypt_event_details(case, event.uid, content_key, words)
            key = digest(words["order_number"])
            known = db.scalars(
                select(CaseReference.id).where(CaseReference.case_id == case.id, CaseReference.digest == key)
            ).first()
            if known is None:
                db.add(CaseReference(case_id=case.id, digest=key))
            event.order_number = None
            sealed += 1
        db.flush()
    return sealed


def seal_reveal_references(db: Session, unit_private: bytes, batch: int = 200) -> int:
    """Move every plaintext reveal-request reference under its case key and the custodian key.

    Resumable like :func:`seal_order_numbers`: a converted request keeps no plaintext.
    """
    sealed = 0
    while requests := db.scalars(
        select(RevealRequest).where(RevealRequest.reference.is_not(None)).limit(batch)
    ).all():
        for request in requests:
            case = db.get_one(Case, request.case_id)
            content_key = open_with_org_key(db, case, CONTENT, unit_private)
            seal_reveal_reference(db, case, request, content_key, request.reference or "")
            sealed += 1
        db.flush()
    return sealed
