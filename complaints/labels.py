"""Human labels for every code the app stores or shows: categories, departments, statuses, actions,
reasons, roles, audit entries. Codes come from settings and :mod:`complaints.procedure`; a
municipality that adds its own category or department codes names them in ``CATEGORY_LABELS`` /
``DEPARTMENT_LABELS`` as ``{"code": {"th": ..., "en": ...}}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from complaints.clocks import ClockState, DeadlineState
from complaints.i18n import current_language
from complaints.i18n import lazy_gettext as _l
from complaints.procedure import Action, PublicStatus, Status

CATEGORY_LABELS: dict[str, Any] = {
    "public_property": _l("Misuse of public property"),
    "budget": _l("Budget misuse or false disbursement"),
    "procurement": _l("Procurement irregularities"),
    "abuse_of_power": _l("Abuse of power, favouritism or ethics breaches"),
    "bribery": _l("Bribery or extortion"),
    "other": _l("Other misconduct"),
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

STATUS_LABELS: dict[str, Any] = {
    Status.RECEIVED: _l("Received, not yet screened"),
    Status.SCREENING: _l("Screening"),
    Status.AWAITING_INFORMATION: _l("Awaiting more information"),
    Status.REFERRED: _l("Referred to the responsible agency"),
    Status.NOT_ACCEPTED: _l("Not accepted for consideration"),
    Status.FACT_FINDING: _l("Fact-finding inquiry"),
    Status.UNFOUNDED: _l("Found unfounded, to be closed"),
    Status.DISCIPLINARY_INVESTIGATION: _l("Disciplinary investigation"),
    Status.PENALTY_CONSIDERATION: _l("Penalty under consideration"),
    Status.PENALTY_ORDERED: _l("Penalty ordered: appeal window open"),
    Status.APPEAL: _l("Appeal under consideration"),
    Status.CONCLUDED: _l("Concluded"),
}

ACTION_LABELS: dict[str, Any] = {
    Action.START_SCREENING: _l("Start screening"),
    Action.RECORD_CHECKLIST: _l("Record the anonymous-letter checklist"),
    Action.REQUEST_INFORMATION: _l("Ask the reporter for more information"),
    Action.INFORMATION_RECEIVED: _l("Information received: back to screening"),
    Action.NOT_ACCEPT: _l("Do not accept for consideration"),
    Action.CLOSE: _l("Close the matter (no further action)"),
    Action.REFER: _l("Refer to the responsible agency"),
    Action.ROUTE_OUTSIDE: _l("Route outside: the report concerns an executive"),
    Action.RECORD_REFERRAL_RESULT: _l("Record what the other agency decided"),
    Action.START_FACT_FINDING: _l("Start a fact-finding inquiry"),
    Action.APPOINT_FACT_FINDING_COMMITTEE: _l("Record the fact-finding committee"),
    Action.FIND_UNFOUNDED: _l("Record the finding: unfounded"),
    Action.START_DISCIPLINARY: _l("Finding founded: start a disciplinary investigation"),
    Action.APPOINT_INVESTIGATION_COMMITTEE: _l("Record the investigation committee"),
    Action.NOTIFY_CHARGES: _l("Record the notice of charges"),
    Action.EXTEND_INVESTIGATION: _l("Extend the investigation"),
    Action.CONSIDER_PENALTY: _l("Send for a penalty decision"),
    Action.RECORD_NACC_FINDING: _l("Record an NACC or PACC finding of wrongdoing"),
    Action.DECIDE_PENALTY: _l("Record the penalty order"),
    Action.SEND_COPY_TO_NACC: _l("Record the copy of the order sent to the NACC"),
    Action.FILE_APPEAL: _l("Record an appeal against the penalty"),
    Action.DECIDE_APPEAL: _l("Record the appeal decision"),
    Action.CONCLUDE: _l("Close the case"),
    Action.REFER_CRIMINAL: _l("Refer for criminal proceedings"),
    Action.RECORD_CRIMINAL_OUTCOME: _l("Record the outcome of the criminal case"),
    Action.RECORD_DELAY_REASON: _l("Record the reason the final answer is late"),
    Action.REFER_RETALIATION: _l("Record the referral of the retaliation report to the NACC"),
}

NOT_ACCEPTED_REASON_LABELS: dict[str, Any] = {
    "anonymous_insufficient": _l("Anonymous letter that does not meet the criteria"),
    "in_court": _l("Already in the justice process"),
    "already_decided": _l("Already decided by another agency"),
    "outside_jurisdiction": _l("Outside the municipality's powers"),
    "insufficient_detail": _l("Insufficient information"),
}

REFERRAL_BODY_LABELS: dict[str, Any] = {
    "nacc": _l("NACC"),
    "pacc": _l("PACC"),
    "police": _l("Police"),
    "district": _l("District Office"),
    "damrongdhama": _l("Damrongdhama Centre"),
    "governor": _l("Provincial Governor"),
    "other_agency": _l("Another agency"),
}

CLOSE_REASON_LABELS: dict[str, Any] = {
    "resolved": _l("The matter was put right"),
    "withdrawn": _l("The reporter withdrew the complaint"),
    "duplicate": _l("The same matter is already a case"),
    "no_further_action": _l("No further action is possible or needed"),
}

REFERRAL_RESULT_LABELS: dict[str, Any] = {
    "wrongdoing_found": _l("Wrongdoing found"),
    "no_wrongdoing": _l("No wrongdoing found"),
    "returned": _l("Sent back to the municipality"),
    "other_result": _l("Another decision"),
}

APPEAL_RESULT_LABELS: dict[str, Any] = {
    "upheld": _l("Penalty upheld"),
    "reduced": _l("Penalty reduced"),
    "overturned": _l("Penalty overturned"),
}

CRIMINAL_OUTCOME_LABELS: dict[str, Any] = {
    "prosecuted": _l("Prosecution brought"),
    "convicted": _l("Convicted"),
    "acquitted": _l("Acquitted"),
    "not_prosecuted": _l("Not prosecuted"),
    "other_outcome": _l("Another outcome"),
}

CLOCK_STATE_LABELS: dict[str, Any] = {
    ClockState.RUNNING: _l("Running"),
    ClockState.MET: _l("Met"),
    ClockState.MISSED: _l("Missed"),
    ClockState.EXCUSED: _l("Late, reason recorded"),
}

CHECKLIST_ANSWER_LABELS: dict[str, Any] = {"yes": _l("Yes"), "no": _l("No")}

# The answer to "is the person you report the mayor, a deputy mayor or the municipal clerk?"
EXECUTIVE_SUBJECT_LABELS: dict[str, Any] = {
    "no": _l("No"),
    "unsure": _l("I am not sure"),
    "mayor": _l("The mayor"),
    "deputy_mayor": _l("A deputy mayor"),
    "clerk": _l("The municipal clerk"),
}
EXECUTIVES = ("mayor", "deputy_mayor", "clerk")

CHECKLIST_QUESTION_LABELS: dict[str, Any] = {
    "accused_identified": _l("Is the person complained about identified?"),
    "evidence_clear": _l("Are the evidence or circumstances clear enough to look into?"),
    "witnesses_named": _l("Are witnesses named?"),
}

PENALTY_LABELS: dict[str, Any] = {
    "probation": _l("Formal reprimand"),
    "salary_deduction": _l("Salary deduction"),
    "salary_reduction": _l("Salary reduction"),
    "discharge": _l("Discharge"),
    "dismissal": _l("Dismissal"),
    "waived": _l("Penalty waived"),
    "waived_bond": _l("Penalty waived: written bond"),
    "waived_warning": _l("Penalty waived: verbal warning"),
}

OUTCOME_LABELS: dict[str, Any] = {
    "unfounded": _l("Unfounded"),
    "founded_penalised": _l("Founded, penalised"),
    "founded_waived": _l("Founded, penalty waived"),
    "overturned_on_appeal": _l("Penalty overturned on appeal"),
    "closed": _l("Closed with no further action"),
}

SEVERITY_LABELS: dict[str, Any] = {
    "minor": _l("Minor disciplinary offence"),
    "serious": _l("Serious disciplinary offence"),
}

CHANNEL_LABELS: dict[str, Any] = {
    "online": _l("Online form"),
    "letter": _l("Letter"),
    "walk_in": _l("In person"),
    "phone": _l("Telephone"),
    "complaint_box": _l("Complaint box"),
    "damrongdhama": _l("Damrongdhama Centre 1567"),
    "nacc": _l("Referred by the NACC"),
    "pacc": _l("Referred by the PACC"),
    "social_media": _l("Facebook or LINE"),
}

DEADLINE_STATE_LABELS: dict[str, Any] = {
    DeadlineState.OVERDUE: _l("Overdue"),
    DeadlineState.DUE_SOON: _l("Due soon"),
    DeadlineState.ON_TIME: _l("On time"),
    DeadlineState.NONE: _l("No deadline"),
}

DEADLINE_KIND_LABELS: dict[str, Any] = {
    "acknowledge": _l("Acknowledge receipt"),
    "first_feedback": _l("First feedback to the reporter"),
    "progress_feedback": _l("Progress feedback to the reporter"),
    "final_feedback": _l("Final feedback to the reporter"),
    "fact_finding": _l("End of the fact-finding inquiry"),
    "disciplinary_investigation": _l("End of the disciplinary investigation"),
    "awaiting_information": _l("End of the reporter's reply window"),
    "penalty_after_finding": _l("Penalty decision"),
    "copy_to_nacc": _l("Copy of the order to the NACC"),
    "appeal_window": _l("End of the appeal window"),
    "retaliation_referral": _l("Referral of a retaliation report to the NACC"),
}

ROLE_LABELS: dict[str, Any] = {
    "officer": _l("Legal officer"),
    "lead": _l("Legal lead"),
    "custodian": _l("Identity custodian"),
    "admin": _l("Administrator"),
}

DISCLOSURE_LABELS: dict[str, Any] = {
    "anonymous": _l("Anonymous"),
    "confidential": _l("Confidential: identity given, sealed away from handlers"),
}

EXCLUSION_REASON_LABELS: dict[str, Any] = {
    "subject": _l("Subject of the report"),
    "conflict": _l("Declared a conflict of interest"),
}

LIFT_REASON_LABELS: dict[str, Any] = {
    "mistaken": _l("Excluded by mistake"),
    "not_subject": _l("The person turned out not to be the subject of the report"),
    "conflict_ended": _l("The conflict of interest no longer exists"),
}

REVEAL_REASON_LABELS: dict[str, Any] = {
    "court_order": _l("Order of a court or investigating authority"),
    "reporter_consent": _l("The reporter asked for or agreed to it"),
    "protection": _l("Needed to protect the reporter"),
    "legal_duty": _l("Another duty under the law"),
}

KEY_KIND_LABELS: dict[str, Any] = {
    "unit": _l("Legal unit key (reads case content)"),
    "custodian": _l("Custodian key (reads reporter identities)"),
}

AUDIT_ACTION_LABELS: dict[str, Any] = {
    "initialised": _l("Installation initialised"),
    "case_submitted": _l("Report filed"),
    "user_created": _l("Account created"),
    "staff_login": _l("Logged in"),
    "login_failed": _l("Failed log-in"),
    "account_locked": _l("Account locked after failed log-ins"),
    "logout": _l("Logged out"),
    "logout_everywhere": _l("Logged out everywhere"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset by an administrator"),
    "totp_reset": _l("Two-step code reset by an administrator"),
    "user_disabled": _l("Account disabled"),
    "user_enabled": _l("Account enabled"),
    "user_unlocked": _l("Account unlocked"),
    "user_roles_changed": _l("Account roles changed by an administrator"),
    "key_granted": _l("Key granted"),
    "keys_recovered": _l("Keys recovered with the recovery code"),
    "case_viewed": _l("Case content viewed"),
    "attachment_downloaded": _l("Evidence file downloaded"),
    "message_sent": _l("Message sent to the reporter"),
    "note_added": _l("Internal note added"),
    "procedure_step": _l("Procedure step recorded"),
    "case_assigned": _l("Case assigned"),
    "conflict_declared": _l("Conflict of interest declared"),
    "staff_excluded": _l("Staff member excluded from a case"),
    "exclusion_lifted": _l("Exclusion from a case lifted"),
    "identity_revealed": _l("Reporter identity revealed"),
    "identity_reveal_requested": _l("Reveal of the reporter's identity requested"),
    "identity_reveal_approved": _l("Reveal of the reporter's identity approved"),
    "identity_reveal_declined": _l("Reveal of the reporter's identity declined"),
    "identity_viewed": _l("Reporter identity viewed"),
    "identity_shared": _l("Reporter shared their identity with the legal unit"),
    "case_record_printed": _l("Case record printed or downloaded"),
    "references_sealed": _l("Order numbers moved under the case keys"),
    "protection_check_requested": _l("Protection check asked of the identity custodian"),
    "protection_check_answered": _l("Protection check answered"),
    "protection_recorded": _l("Reporter's protection recorded"),
    "retaliation_reported": _l("Reporter reported retaliation"),
    "consent_sealed": _l("Consented identity sealed to the handler"),
    "key_pin_mismatch": _l("A public key in the database did not verify: nothing was sealed to it"),
    "keys_pinned": _l("Public keys pinned"),
    "invitation_created": _l("Invitation printed"),
    "invitation_password_set": _l("Own password set with an invitation"),
    "invitation_totp_set": _l("Own authenticator set with an invitation"),
    "invitation_used": _l("Invitation used"),
    "statistics_exported": _l("Statistics exported"),
    "statistics_report_saved": _l("Six- or twelve-month report saved"),
    "destruction_list_drawn": _l("Destruction list drawn up"),
    "destruction_list_approved": _l("Destruction list approved"),
    "destruction_list_purged": _l("Destruction list carried out"),
    "case_purged": _l("Case destroyed at the end of its retention period"),
    "statistics_unsuppressed": _l("Statistics viewed without suppression"),
    "access_revoked": _l("Every key taken back and sessions ended (offboarding)"),
    "reporter_message": _l("Reporter sent a message"),
    "reporter_evidence_added": _l("Reporter added evidence"),
    "chain_head_missing": _l("The log's head had been deleted: the chain starts again here"),
    "restored_from_backup": _l("Restored from a backup"),
    "audit_key_rotated": _l("The audit log's key was changed"),
    "key_rotation_started": _l("Key rotation started"),
    "key_rotated": _l("Key rotated: every case sealed to the new key"),
    "secret_rotated": _l("Server secret replaced"),
}


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


def label(labels: Mapping[str, Any], code: str | None) -> str:
    """The translated label of a code, or the code itself when it has none (a custom setting)."""
    if code is None:
        return ""
    return str(labels.get(code, code))


# A message, note, step or file whose ciphertext does not open under the case it is listed in.
ALTERED_ENTRY = _l("This entry does not open under this case: it was changed outside the application.")
