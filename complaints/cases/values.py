"""What a case holds, as values: the report, the reporter's identity, evidence and opened keys."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from complaints import crypto
from complaints.models import Attachment, CaseKey
from complaints.storage import EncryptedUpload

# What a sealed case key opens, and who an author or recipient is.
CONTENT = "content"
IDENTITY = "identity"
REPORTER = "reporter"
STAFF = "staff"
SYSTEM = "system"  # a notice the app writes into the thread (see complaints.notices)
CONSENT = "consent"  # an identity key sealed to the handler because the reporter agreed


class CaseNotFound(Exception):
    """No case matches (wrong receipt, unknown number, or the viewer is excluded)."""


class NoIdentityToShare(Exception):
    """The case holds no identity (an anonymous report), or the key given does not open it."""


@dataclass(frozen=True)
class ReportContent:
    """Everything the reporter wrote about the misconduct (stored encrypted as one JSON)."""

    description: str
    accused_name: str = ""
    accused_position: str = ""
    incident_date: str = ""
    location: str = ""
    amount: str = ""
    witnesses: str = ""
    reported_elsewhere: str = ""
    desired_action: str = ""
    executive_subject: str = ""  # "mayor", "deputy_mayor", "clerk", "no", "unsure" or not asked
    letter_number: str = ""  # an offline report's incoming letter number (เลขที่หนังสือรับ), if any

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ReportContent:
        data: dict[str, Any] = json.loads(text)
        return cls(**{name: str(data.get(name, "")) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ReporterIdentity:
    """Who the reporter is, given only in confidential mode; sealed away from handlers."""

    name: str = ""
    phone: str = ""
    email: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ReporterIdentity:
        data: dict[str, Any] = json.loads(text)
        return cls(**{name: str(data.get(name, "")) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class EvidenceFile:
    """An uploaded file already encrypted on disk under its own key."""

    upload: EncryptedUpload
    filename: str
    content_type: str
    # Whether hidden details (GPS, camera, author names) were removed on arrival.
    cleaned: bool = False


@dataclass(frozen=True)
class AttachmentMeta:
    """What is kept about a file, encrypted under the case key (the file key included)."""

    filename: str
    content_type: str
    size: int
    file_key_hex: str = field(repr=False)
    # Hidden details were removed on arrival (files stored before this was recorded say False).
    cleaned: bool = False

    @property
    def file_key(self) -> bytes:
        return bytes.fromhex(self.file_key_hex)


@dataclass
class PreparedCase:
    """A case fully encrypted in memory, ready to be inserted in one short transaction."""

    uid: str
    receipt: str = field(repr=False)
    receipt_lookup: bytes
    reporter_salt: bytes
    report_ciphertext: bytes
    identity_ciphertext: bytes | None
    case_keys: list[CaseKey]
    attachments: list[Attachment]
    receipt_cost: crypto.Argon2Params
    uploads: list[EncryptedUpload] = field(default_factory=list)
    pepper_version: int = 1


@dataclass(frozen=True)
class CaseKeys:
    """The keys an opener obtained for one case; ``identity`` only if they may see it."""

    content: bytes = field(repr=False)
    identity: bytes | None = field(default=None, repr=False)
