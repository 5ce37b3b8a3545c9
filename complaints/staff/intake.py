"""Offline intake: a report that came by letter, in person, by phone, through the complaint box,
Damrongdhama 1567 or an NACC/PACC referral is entered by an officer and filed through the same
path as an online one (:mod:`complaints.reporting.filing`), so the statistics are complete and
the citizen can follow up with a receipt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from complaints import audit, cases, procedure
from complaints.dates import add_days
from complaints.references import reference_digest
from complaints.reporting import filing
from complaints.staff.casework import require_handler
from complaints.staff.refusals import CaseActionRefused
from complaints.workspace.sessions import StaffContext

OFFLINE_CHANNELS = tuple(channel for channel in procedure.CHANNELS if channel != filing.ONLINE)


@dataclass(frozen=True)
class OfflineReport:
    """What the officer typed in from the letter, the call or the visit."""

    channel: str
    received_on: date
    submission: filing.Submission
    evidence: list[cases.EvidenceFile] = field(default_factory=list)

    @property
    def letter_number(self) -> str:
        """The incoming letter's number as typed (sealed with the report)."""
        return self.submission.content.letter_number.strip()


def record_offline_report(
    db: Session,
    report: OfflineReport,
    context: StaffContext,
    lookup_secret: bytes,
    today: date,
    deadline_days: dict[str, int],
    oldest_days: int = 5 * 365,
    reference_key: bytes = b"",
) -> filing.Filed:
    """Check, encrypt, store and commit the report with its files (all or nothing).

    Recording it is the municipality's acknowledgement; the receipt is handed over now. The
    incoming letter number is sealed in the report and, with ``reference_key``, also kept as a
    keyed hash, so the queue's search box finds the case by it.
    """
    require_handler(context)
    if report.channel not in OFFLINE_CHANNELS:
        raise CaseActionRefused("intake_channel")
    if report.received_on > today:
        raise CaseActionRefused("intake_date")
    if report.received_on < add_days(today, -oldest_days):
        raise CaseActionRefused("intake_date_past")
    arrival = filing.Arrival(
        channel=report.channel,
        received_on=report.received_on,
        acknowledged_on=today,
        actor_kind=audit.STAFF,
        actor_id=context.user.id,
        reference_digests=(reference_digest(report.letter_number, reference_key),)
        if report.letter_number and reference_key
        else (),
    )
    return filing.file_report(db, report.submission, report.evidence, arrival, lookup_secret, deadline_days)
