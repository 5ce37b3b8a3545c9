"""What the public pages and the reporter read: category examples, plain-language status and
outcome explanations, and the other agencies a citizen can report to. Code labels shared with
the staff side are in :mod:`complaints.labels` (re-exported here for the reporter's templates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from complaints.i18n import lazy_gettext as _l
from complaints.labels import PUBLIC_STATUS_LABELS, category_label, department_label
from complaints.procedure import PublicStatus

__all__ = [
    "CATEGORY_EXAMPLES",
    "EXTERNAL_CHANNELS",
    "NOT_ACCEPTED_LABELS",
    "OUTCOME_LABELS",
    "PUBLIC_STATUS_EXPLANATIONS",
    "PUBLIC_STATUS_LABELS",
    "REFERRAL_LABELS",
    "ExternalChannel",
    "category_label",
    "department_label",
]

CATEGORY_EXAMPLES: dict[str, Any] = {
    "public_property": _l("using municipal cars, tools or buildings for private purposes"),
    "budget": _l("paying for work that was never done, inflated or fake receipts"),
    "procurement": _l("rigged bids, splitting contracts, favouring a company"),
    "abuse_of_power": _l("demanding favours, unfair treatment, conflicts of interest"),
    "bribery": _l("asking for or taking money or gifts to do or skip a job"),
    "other": _l("anything else an official does that breaks the rules"),
}

PUBLIC_STATUS_EXPLANATIONS: dict[str, Any] = {
    PublicStatus.RECEIVED: _l("Your report has arrived and is waiting for the legal officer to look at it."),
    PublicStatus.IN_PROGRESS: _l("The legal officer is checking or investigating the matter."),
    PublicStatus.REFERRED: _l("The matter was sent to the agency that has the power to deal with it."),
    PublicStatus.COMPLETED: _l("The municipality has finished handling your report."),
    PublicStatus.NOT_ACCEPTED: _l("The municipality could not take up this report."),
}

OUTCOME_LABELS: dict[str, Any] = {
    "unfounded": _l("The facts found did not support the report."),
    "founded_penalised": _l("The report was found to have grounds and action was taken."),
    "founded_waived": _l("The report was found to have grounds and action was taken."),
    "overturned_on_appeal": _l("The report was found to have grounds and action was taken."),
    "closed": _l("The matter was closed."),
}

NOT_ACCEPTED_LABELS: dict[str, Any] = {
    "anonymous_insufficient": _l("There was not enough detail or evidence to act on an anonymous report."),
    "in_court": _l("The matter is already before a court."),
    "already_decided": _l("Another authority has already decided the matter."),
    "outside_jurisdiction": _l("The matter is outside the municipality's powers."),
    "insufficient_detail": _l("There was not enough information to act on."),
}

REFERRAL_LABELS: dict[str, Any] = {
    "nacc": _l("the National Anti-Corruption Commission (NACC)"),
    "pacc": _l("the Public Sector Anti-Corruption Commission (PACC)"),
    "police": _l("the police"),
    "district": _l("the District Office"),
    "governor": _l("the Provincial Governor"),
    "damrongdhama": _l("the Damrongdhama Centre"),
    "other_agency": _l("another responsible agency"),
}


@dataclass(frozen=True)
class ExternalChannel:
    """Another place a citizen can report corruption (shown on the guideline page, DOMAIN A10)."""

    name: Any
    phone: str
    website: str


EXTERNAL_CHANNELS = (
    ExternalChannel(_l("National Anti-Corruption Commission (NACC)"), "1205", "https://www.nacc.go.th"),
    ExternalChannel(_l("Public Sector Anti-Corruption Commission (PACC)"), "1206", "https://www.pacc.go.th"),
    ExternalChannel(
        _l("Damrongdhama Centre, Ministry of Interior"), "1567", "https://www.damrongdhama.moi.go.th"
    ),
)
