"""The audit log's details in words: ``action=decide_penalty from=… to=…`` becomes "Step: Record
the penalty order · From: … · To: …" in the reader's language. The raw detail stays on the page
beside it for the security reviewer; a word without a label is shown as it was recorded."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from complaints import audit, labels
from complaints.i18n import gettext as _
from complaints.i18n import lazy_gettext as _l

# What each word of a detail is called.
FIELD_LABELS: dict[str, Any] = {
    "action": _l("Step"),
    "from": _l("From"),
    "to": _l("To"),
    "user": _l("Account"),
    "requester": _l("Asked by"),
    "roles": _l("Roles"),
    "reason": _l("Reason"),
    "was": _l("Excluded as"),
    "kind": _l("Key"),
    "key": _l("Key identifier"),
    "channel": _l("Arrived by"),
    "answer": _l("Answer"),
    "status": _l("Status"),
    "files": _l("Files"),
    "sessions": _l("Sessions ended"),
    "cases": _l("Cases"),
    "steps": _l("Steps"),
    "reveals": _l("Reveal requests"),
    "count": _l("Keys"),
    "fy": _l("Fiscal year"),
    "period": _l("Period"),
    "format": _l("Format"),
    "cli": _l("From the command line"),
    "as": _l("Printed as"),
    "via": _l("Seen through"),
    "file": _l("File"),
    "list": _l("Destruction list"),
    "password": _l("Sets own password"),
    "totp": _l("Sets own authenticator"),
    "fingerprint_compared": _l("Fingerprint compared in person"),
    "list_purge": _l("Destroyed with a destruction list"),
    "old": _l("Old key"),
    "new": _l("New key"),
    "references": _l("Order and letter numbers"),
    "version": _l("Key version"),
    "secret": _l("Secret"),
    "keys_taken_back": _l("Keys taken back"),
    "keys_left_without_holder": _l("Keys left with nobody to use them"),
    "staff": _l("Staff entries"),
    "reporters": _l("Reporters' entries"),
}
YES_NO: dict[str, Any] = {"1": _l("Yes"), "0": _l("No"), "yes": _l("Yes"), "no": _l("No")}
PROTECTION_ANSWERS: dict[str, Any] = {
    "protected": _l("Under protection"),
    "not_protected": _l("Not under protection"),
}
RECORD_FORMS: dict[str, Any] = {"page": _l("Page to print"), "pdf": _l("PDF")}
VIEWED_VIA: dict[str, Any] = {
    "reveal": _l("An approved reveal request"),
    "consent": _l("The reporter's consent"),
    "protection": _l("The protection check"),
}
REPORT_PERIODS: dict[str, Any] = {"half": _l("Six months"), "year": _l("Twelve months")}
SHARED_WITH: dict[str, Any] = {"handler": _l("The officer handling the case")}
SECRETS: dict[str, Any] = {
    "cookie": _l("The key that signs the log-in cookies"),
    "receipt-pepper": _l("The receipt pepper"),
    "data": _l("The server's data key"),
}
# Words whose value is a comma-separated list of roles, or of key kinds.
ROLE_LISTS = frozenset({"roles"})
KEY_LISTS = frozenset({"keys_taken_back", "keys_left_without_holder"})
STAFF_KEY: dict[str, Any] = {"staff": _l("A staff member's personal key")}
# Where the same word means different things, the entry's action decides the labels.
REASONS_BY_ACTION: dict[str, dict[str, Any]] = {
    "staff_excluded": labels.EXCLUSION_REASON_LABELS,
    "exclusion_lifted": labels.LIFT_REASON_LABELS,
}
ACCOUNT_WORDS = frozenset(audit.ACCOUNT_FIELDS)


@dataclass(frozen=True)
class DetailPart:
    """One word of a detail, named and in words."""

    name: str
    value: str


def _account(value: str, names: Mapping[int, str]) -> str:
    if value == "-":
        return str(_("Nobody"))
    if value.isdigit():
        return names.get(int(value), f"#{value}")
    return value


def _listed(table: Mapping[str, Any], value: str) -> str:
    if value == "-":
        return str(_("None"))
    return ", ".join(labels.label(table, code) for code in value.split(",") if code)


def _table_for(action: str, word: str) -> Mapping[str, Any] | None:
    """The label table of a word's values in an entry of this action (None: shown as recorded)."""
    tables: dict[str, Mapping[str, Any]] = {
        "action": labels.ACTION_LABELS,
        "from": labels.STATUS_LABELS,
        "to": labels.STATUS_LABELS if action == "procedure_step" else SHARED_WITH,
        "status": labels.STATUS_LABELS,
        "channel": labels.CHANNEL_LABELS,
        "was": labels.EXCLUSION_REASON_LABELS,
        "reason": REASONS_BY_ACTION.get(action, labels.REVEAL_REASON_LABELS),
        "kind": {**labels.KEY_KIND_LABELS, **STAFF_KEY},
        "answer": PROTECTION_ANSWERS,
        "as": RECORD_FORMS,
        "via": VIEWED_VIA,
        "period": REPORT_PERIODS,
        "secret": SECRETS,
    }
    if word in ("password", "totp", "fingerprint_compared", "cli"):
        return YES_NO
    return tables.get(word)


def _value(action: str, word: str, value: str, names: Mapping[int, str]) -> str:
    if word in ACCOUNT_WORDS and (value.isdigit() or value == "-"):
        return _account(value, names)
    if word in ROLE_LISTS or (action == "user_roles_changed" and word in ("from", "to")):
        return _listed(labels.ROLE_LABELS, value)
    if word in KEY_LISTS:
        return _listed(labels.KEY_KIND_LABELS, value)
    if word == "format":
        return value.upper()
    table = _table_for(action, word)
    return labels.label(table, value) if table is not None else value


def describe(action: str, detail: str, names: Mapping[int, str]) -> list[DetailPart]:
    """The words of one entry's detail, named in the reader's language."""
    return [
        DetailPart(labels.label(FIELD_LABELS, word), _value(action, word, value, names) if value else "")
        for word, value in audit.detail_fields(detail)
    ]


def describer(names: Mapping[int, str]) -> Callable[[str, str], list[DetailPart]]:
    """:func:`describe` with the page's account names, for the template."""
    return lambda action, detail: describe(action, detail, names)


# What verification can find, in words (``audit.verify`` reports these in English for the CLI).
PROBLEM_LABELS: dict[str, Any] = {
    "previous hash does not match": _l("It does not follow on from the entry before it"),
    "entry was altered": _l("The entry was changed after it was written"),
    "the log's head had been deleted; the chain restarts here": _l(
        "The log's head had been deleted: the chain starts again here"
    ),
    "the log's head is missing: entries were deleted": _l("The log's head is missing: entries were deleted"),
    "the log's head was rewritten": _l("The log's head was rewritten"),
    "entries were removed from the end": _l("Entries were removed from the end"),
}
CHAIN_LABELS: dict[str, Any] = {"staff": _l("Staff and system"), "reporter": _l("Reporters' actions")}


def problem_text(problem: audit.AuditProblem) -> str:
    """Which chain, which entry and what is wrong with it, in the reader's language."""
    return str(
        _(
            "%(chain)s, entry %(id)s: %(reason)s",
            chain=labels.label(CHAIN_LABELS, problem.chain),
            id=problem.entry_id,
            reason=labels.label(PROBLEM_LABELS, problem.reason),
        )
    )
