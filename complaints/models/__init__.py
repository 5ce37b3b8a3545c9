"""SQLAlchemy models, one module per subject: plaintext columns are metadata only; content
lives in ``*_ciphertext`` columns. Import them from here: ``from complaints.models import Case``."""

from __future__ import annotations

from complaints.models.audit import AuditEvent, AuditHead, ReporterAuditEvent
from complaints.models.base import (
    CASE_NUMBER_MAX,
    CODE_MAX,
    EMAIL_PATTERN,
    NAMING_CONVENTION,
    ORDER_NUMBER_MAX,
    USERNAME_MAX,
    Base,
)
from complaints.models.case import (
    Attachment,
    Case,
    CaseCounter,
    CaseExclusion,
    CaseKey,
    CaseStatusCount,
    InternalNote,
    Message,
    ReporterSession,
    RevealRequest,
    Setting,
)
from complaints.models.outbox import OutboxNotice
from complaints.models.procedure import (
    CaseClock,
    CaseReference,
    ProcedureEvent,
    ProtectionCheck,
    ProtectionRecord,
)
from complaints.models.retention import DestructionList
from complaints.models.staff import KeyGrant, KeyRotation, OrgKey, StaffInvitation, StaffSession, StaffUser
from complaints.models.statistics import StatisticsReport

__all__ = [
    "CASE_NUMBER_MAX",
    "CODE_MAX",
    "EMAIL_PATTERN",
    "NAMING_CONVENTION",
    "ORDER_NUMBER_MAX",
    "USERNAME_MAX",
    "Attachment",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Case",
    "CaseClock",
    "CaseCounter",
    "CaseExclusion",
    "CaseKey",
    "CaseStatusCount",
    "CaseReference",
    "DestructionList",
    "InternalNote",
    "KeyGrant",
    "KeyRotation",
    "Message",
    "OutboxNotice",
    "OrgKey",
    "ProcedureEvent",
    "ProtectionCheck",
    "ProtectionRecord",
    "ReporterAuditEvent",
    "ReporterSession",
    "RevealRequest",
    "Setting",
    "StaffInvitation",
    "StaffSession",
    "StaffUser",
    "StatisticsReport",
]
