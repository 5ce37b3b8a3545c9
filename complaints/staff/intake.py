"""Offline intake: a report that came by letter, in person, by phone, through the complaint box,
Damrongdhama 1567 or an NACC/PACC referral is entered by an officer and encrypted exactly like
an online one, so the statistics are complete and the citizen can follow up with a receipt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from complaints import audit, cases, keys, procedure
from complaints.models import Case
from complaints.staff.auth import StaffContext
from complaints.staff.casework import CaseActionRefused, require_handler

OFFLINE_CHANNELS = tuple(channel for channel in procedure.CHANNELS if channel != "online")


@dataclass(frozen=True)
class OfflineReport:
    """What the officer typed in from the letter, the call or the visit."""

    channel: str
    received_on: date
    category: str
    department: str
    content: cases.ReportContent
    identity: cases.ReporterIdentity | None
    evidence: list[cases.EvidenceFile] = field(default_factory=list)


@dataclass(frozen=True)
class RecordedReport:
    """The stored case and what the officer hands to the citizen once."""

    case: Case
    receipt: str = field(repr=False)
    prepared: cases.PreparedCase = field(repr=False)


def record_offline_report(
    db: Session,
    report: OfflineReport,
    context: StaffContext,
    lookup_secret: bytes,
    today: date,
    deadline_days: dict[str, Any],
) -> RecordedReport:
    """Encrypt and store the report (the caller commits, then promotes the evidence files)."""
    require_handler(context)
    if report.channel not in OFFLINE_CHANNELS:
        raise CaseActionRefused("intake_channel")
    if report.received_on > today:
        raise CaseActionRefused("intake_date")
    prepared = cases.prepare_case(
        report.content,
        report.identity,
        report.evidence,
        keys.recipient_keys(db),
        lookup_secret,
        report.received_on,
    )
    case = cases.store_case(
        db,
        prepared,
        report.category,
        report.department,
        report.channel,
        report.received_on,
        deadline_days,
        actor_kind=audit.STAFF,
        actor_id=context.user.id,
    )
    # Recording it is the municipality's acknowledgement; the receipt is handed over now.
    case.acknowledged_on = today
    return RecordedReport(case=case, receipt=prepared.receipt, prepared=prepared)
