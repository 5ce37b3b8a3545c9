"""The label namers staff and admin templates use, each looking a code up once per page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from complaints.labels import (
    ACTION_LABELS,
    APPEAL_RESULT_LABELS,
    AUDIT_ACTION_LABELS,
    CHANNEL_LABELS,
    CHECKLIST_ANSWER_LABELS,
    CHECKLIST_QUESTION_LABELS,
    CLOCK_STATE_LABELS,
    CLOSE_REASON_LABELS,
    CRIMINAL_OUTCOME_LABELS,
    DEADLINE_KIND_LABELS,
    DEADLINE_STATE_LABELS,
    DISCLOSURE_LABELS,
    EXCLUSION_REASON_LABELS,
    EXECUTIVE_SUBJECT_LABELS,
    KEY_KIND_LABELS,
    NOT_ACCEPTED_REASON_LABELS,
    OUTCOME_LABELS,
    PENALTY_LABELS,
    PUBLIC_STATUS_LABELS,
    REFERRAL_BODY_LABELS,
    REFERRAL_RESULT_LABELS,
    REVEAL_REASON_LABELS,
    ROLE_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    category_label,
    department_label,
    label,
)

# What staff and admin templates use to name codes.
_NAMERS: dict[str, Callable[[Any], str]] = {
    "status_label": lambda code: label(STATUS_LABELS, code),
    "public_status_label": lambda code: label(PUBLIC_STATUS_LABELS, code),
    "action_label": lambda code: label(ACTION_LABELS, code),
    "category_label": category_label,
    "department_label": department_label,
    "channel_label": lambda code: label(CHANNEL_LABELS, code),
    "deadline_state_label": lambda code: label(DEADLINE_STATE_LABELS, code),
    "deadline_kind_label": lambda code: label(DEADLINE_KIND_LABELS, code),
    "reason_label": lambda code: label(NOT_ACCEPTED_REASON_LABELS, code),
    "referral_label": lambda code: label(REFERRAL_BODY_LABELS, code),
    "penalty_label": lambda code: label(PENALTY_LABELS, code),
    "outcome_label": lambda code: label(OUTCOME_LABELS, code),
    "severity_label": lambda code: label(SEVERITY_LABELS, code),
    "role_label": lambda code: label(ROLE_LABELS, code),
    "disclosure_label": lambda code: label(DISCLOSURE_LABELS, code),
    "exclusion_label": lambda code: label(EXCLUSION_REASON_LABELS, code),
    "key_kind_label": lambda code: label(KEY_KIND_LABELS, code),
    "reveal_reason_label": lambda code: label(REVEAL_REASON_LABELS, code),
    "audit_label": lambda code: label(AUDIT_ACTION_LABELS, code),
    "close_reason_label": lambda code: label(CLOSE_REASON_LABELS, code),
    "referral_result_label": lambda code: label(REFERRAL_RESULT_LABELS, code),
    "appeal_result_label": lambda code: label(APPEAL_RESULT_LABELS, code),
    "criminal_outcome_label": lambda code: label(CRIMINAL_OUTCOME_LABELS, code),
    "clock_state_label": lambda code: label(CLOCK_STATE_LABELS, code),
    "checklist_label": lambda code: label(CHECKLIST_QUESTION_LABELS, code),
    "executive_label": lambda code: label(EXECUTIVE_SUBJECT_LABELS, code),
    "checklist_answer_label": lambda code: label(CHECKLIST_ANSWER_LABELS, code),
}


class _OncePerCode:
    """A namer that looks each code up once for the page it is made for."""

    __slots__ = ("namer", "named")

    def __init__(self, namer: Callable[[Any], str]) -> None:
        self.namer, self.named = namer, dict[Any, str]()

    def __call__(self, code: Any) -> str:
        if code not in self.named:
            self.named[code] = self.namer(code)
        return self.named[code]


def template_helpers() -> dict[str, Any]:
    """The namers for one page: a queue page names the same few codes fifty times over (the
    reader's language does not change within a page)."""
    return {name: _OncePerCode(namer) for name, namer in _NAMERS.items()}
