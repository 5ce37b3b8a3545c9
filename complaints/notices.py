"""System notices in a case's thread: stored as a code and its values (under the case key) and
written out in the reader's language when shown, so the reporter reads them in their language."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from complaints import labels
from complaints.i18n import lazy_gettext as _l
from complaints.i18n import localised_day

REVEAL_REQUESTED = "reveal_requested"
RETALIATION_REPORTED = "retaliation_reported"

NOTICE_TEXTS: dict[str, Any] = {
    REVEAL_REQUESTED: _l(
        "Notice: on %(date)s the officer handling this case asked for your identity as the "
        "reporter to be disclosed to them, for this legal reason: %(reason)s. If the identity "
        "custodian approves, your identity will be disclosed to that officer only. "
        "Your report is still handled in confidence."
    ),
    RETALIATION_REPORTED: _l(
        "On %(date)s the reporter reported retaliation for making this report. The legal unit must "
        "refer it to the NACC for protection within 15 days."
    ),
}


def encode(code: str, on: date, **values: str) -> str:
    """The stored form of a notice: its code, its date and its values (codes, never names)."""
    return json.dumps({"notice": code, "on": on.isoformat(), **values}, sort_keys=True)


def render(stored: str) -> str:
    """A stored notice in the current reader's language."""
    values: dict[str, str] = json.loads(stored)
    code = values.pop("notice")
    on = localised_day(date.fromisoformat(values.pop("on")))
    if "reason" in values:
        values["reason"] = labels.label(labels.REVEAL_REASON_LABELS, values["reason"])
    return str(NOTICE_TEXTS[code]) % {"date": on, **values}
