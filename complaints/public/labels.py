"""Human labels for the codes stored as plaintext metadata: categories, departments, statuses.

Codes come from settings (``CATEGORIES``, ``DEPARTMENTS``); a municipality that adds its own
codes can name them in ``CATEGORY_LABELS`` / ``DEPARTMENT_LABELS`` as ``{"code": {"th": ..., "en": ...}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from complaints.i18n import current_language
from complaints.procedure import PublicStatus

CATEGORY_LABELS: dict[str, Any] = {
    "public_property": _l("Misuse of public property"),
    "budget": _l("Budget misuse or false disbursement"),
    "procurement": _l("Procurement irregularities"),
    "abuse_of_power": _l("Abuse of power, favouritism or ethics breaches"),
    "bribery": _l("Bribery or extortion"),
    "other": _l("Other misconduct"),
}

CATEGORY_EXAMPLES: dict[str, Any] = {
    "public_property": _l("using municipal cars, tools or buildings for private purposes"),
    "budget": _l("paying for work that was never done, inflated or fake receipts"),
    "procurement": _l("rigged bids, splitting contracts, favouring a company"),
    "abuse_of_power": _l("demanding favours, unfair treatment, conflicts of interest"),
    "bribery": _l("asking for or taking money or gifts to do or skip a job"),
    "other": _l("anything else an official does that breaks the rules"),
}

DEPARTMENT_LABELS: dict[str, Any] = {
    "office_of_clerk": _l("Office of the Municipal Clerk"),
    "finance": _l("Finance Division"),
    "engineering": _l("Engineering Division"),
    "public_health": _l("Public Health and Environment Division"),
    "education": _l("Education Division"),
    "other": _l("Other, or I am not sure"),
}

PUBLIC_STATUS_LABELS: dict[str, Any] = {
    PublicStatus.RECEIVED: _l("Received"),
    PublicStatus.IN_PROGRESS: _l("In progress"),
    PublicStatus.REFERRED: _l("Referred"),
    PublicStatus.COMPLETED: _l("Completed"),
    PublicStatus.NOT_ACCEPTED: _l("Not accepted"),
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


def _configured_label(setting: str, code: str) -> str | None:
    custom: dict[str, dict[str, str]] = current_app.config.get(setting, {}) or {}
    names = custom.get(code)
    if not names:
        return None
    return names.get(current_language()) or names.get("th") or next(iter(names.values()), None)


def category_label(code: str) -> str:
    """The reader's-language name of a complaint category."""
    custom = _configured_label("CATEGORY_LABELS", code)
    if custom:
        return custom
    return str(CATEGORY_LABELS.get(code, code.replace("_", " ")))


def department_label(code: str) -> str:
    """The reader's-language name of a department."""
    custom = _configured_label("DEPARTMENT_LABELS", code)
    if custom:
        return custom
    return str(DEPARTMENT_LABELS.get(code, code.replace("_", " ")))


def category_choices() -> list[tuple[str, str]]:
    """(code, label) for every configured category, in the configured order."""
    return [(code, category_label(code)) for code in current_app.config["CATEGORIES"]]


def department_choices() -> list[tuple[str, str]]:
    """(code, label) for every configured department, in the configured order."""
    return [(code, department_label(code)) for code in current_app.config["DEPARTMENTS"]]
