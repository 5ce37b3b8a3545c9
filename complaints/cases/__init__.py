"""Cases as the application sees them, one module per seam:

* :mod:`.values` — what a case holds (report, identity, evidence, opened keys) and its errors;
* :mod:`.filing` — keys, receipt and encryption in memory, then one short insert with a number;
* :mod:`.opening` — opening with a receipt, an organisation key or a personal key; reading;
* :mod:`.threads` — messages, internal notes and procedure notes added over time;
* :mod:`.recovery` — re-sealing every case with the recovery code.

The names below are the package's API; callers write ``cases.read_report(...)``.
"""

from __future__ import annotations

from complaints.cases.filing import (
    allocate_case_number,
    prepare_case,
    seal_attachment,
    seal_case_key,
    store_case,
)
from complaints.cases.opening import (
    altered_attachment,
    identity_key_for_staff,
    open_with_org_key,
    or_altered,
    read_attachment_meta,
    read_identity,
    read_report,
    share_identity_with_handler,
    share_identity_with_staff,
    unlock_by_receipt,
)
from complaints.cases.recovery import rotate_with_recovery
from complaints.cases.threads import (
    add_internal_note,
    add_message,
    attachments_of,
    encrypt_event_details,
    encrypt_event_note,
    internal_notes,
    read_event_details,
    read_event_note,
    read_internal_note,
    read_message,
    read_reveal_reference,
    seal_reveal_reference,
    thread,
)
from complaints.cases.values import (
    CONSENT,
    CONTENT,
    IDENTITY,
    REPORTER,
    STAFF,
    SYSTEM,
    AttachmentMeta,
    CaseKeys,
    CaseNotFound,
    EvidenceFile,
    NoIdentityToShare,
    PreparedCase,
    ReportContent,
    ReporterIdentity,
)

__all__ = [
    "altered_attachment",
    "CONSENT",
    "CONTENT",
    "IDENTITY",
    "REPORTER",
    "STAFF",
    "SYSTEM",
    "AttachmentMeta",
    "CaseKeys",
    "CaseNotFound",
    "EvidenceFile",
    "NoIdentityToShare",
    "PreparedCase",
    "ReportContent",
    "ReporterIdentity",
    "add_internal_note",
    "add_message",
    "allocate_case_number",
    "attachments_of",
    "encrypt_event_details",
    "encrypt_event_note",
    "identity_key_for_staff",
    "internal_notes",
    "open_with_org_key",
    "prepare_case",
    "or_altered",
    "read_attachment_meta",
    "read_event_details",
    "read_event_note",
    "read_identity",
    "read_internal_note",
    "read_message",
    "read_reveal_reference",
    "read_report",
    "rotate_with_recovery",
    "seal_attachment",
    "seal_reveal_reference",
    "seal_case_key",
    "share_identity_with_handler",
    "share_identity_with_staff",
    "store_case",
    "thread",
    "unlock_by_receipt",
]
