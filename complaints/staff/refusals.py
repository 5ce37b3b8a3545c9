"""Why an action on the workspace was refused: one exception and every message it can carry."""

from __future__ import annotations

from typing import Any

from complaints.i18n import lazy_gettext as _l

# Refusals whose transaction holds only the alert they raised: it is committed, not rolled back.
ALERTING = frozenset({"unpinned_key"})


class CaseActionRefused(Exception):
    """This person may not take this action on this case now; ``reason`` names why (a key of
    :data:`REFUSALS`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


REFUSALS: dict[str, Any] = {
    "not_handler": _l("Only legal officers and legal leads can do this."),
    "lead_only": _l("Only a legal lead can do this."),
    "custodian_only": _l("Only the identity custodian can do this."),
    "not_assignable": _l("That person cannot handle this case."),
    "already_assigned": _l("Someone already handles this case: only a legal lead can reassign it."),
    "not_excludable": _l("That account cannot be excluded from this case."),
    "last_reader": _l(
        "Nobody who holds the legal unit key would be left to see this case. Grant the key to "
        "another colleague first, then try again."
    ),
    "own_exclusion": _l("Nobody can lift their own exclusion: another legal lead must decide it."),
    "not_excluded": _l("That account is not excluded from this case."),
    "lift_reason": _l("Choose one of the listed options."),
    "no_identity": _l("The reporter gave no identity for this case."),
    "not_case_handler": _l("Only the officer handling this case or a legal lead can ask for the identity."),
    "reveal_pending": _l("You have already asked; the request is waiting for the identity custodian."),
    "reveal_pending_other": _l(
        "A colleague's request for this identity is already waiting for the identity custodian: "
        "a second one can be made once it is decided."
    ),
    "decision_reason": _l("Choose the reason for your decision from the list."),
    "reveal_granted": _l("The identity has already been disclosed to you."),
    "reveal_decided": _l("This request has already been decided."),
    "own_reveal": _l("You cannot decide your own request: another identity custodian must."),
    "requester_unavailable": _l(
        "The person who asked can no longer see this case, so the identity cannot be given to them."
    ),
    "no_custodian_key": _l(
        "You do not hold the custodian key. Ask another identity custodian to grant it to you "
        "(menu: Key access)."
    ),
    "unpinned_key": _l(
        "That account's public key does not verify: nothing was sealed to it. A legal lead has been alerted."
    ),
    "step_not_allowed": _l("This step is not possible from the case's current status."),
    "step_date": _l("The date must be between the day the report arrived and today."),
    "step_detail": _l("Choose one of the listed options."),
    "intake_channel": _l("Choose how the report arrived."),
    "intake_date": _l("The date received cannot be in the future."),
    "intake_date_past": _l(
        "The date received is too far back: check the year (a B.E. year is 543 more than the C.E. one)."
    ),
    "outside_authority": _l(
        "A case about an executive goes to the District Office, the Provincial Governor or the NACC."
    ),
    "check_needed": _l(
        "First ask the identity custodian whether the person concerned is a reporter under protection "
        "(below, under Whistleblower protection)."
    ),
    "check_pending": _l("The identity custodian has not answered the protection check yet."),
    "check_stale": _l(
        "A reporter's protection was recorded after the last answer: ask the identity custodian again."
    ),
    "protected_reporter": _l(
        "The person concerned is a reporter under protection: no disciplinary investigation may be opened."
    ),
    "check_answered": _l("This question has already been answered."),
    "check_answer": _l("Choose an answer; a yes needs the NACC protection reference."),
    "protection_details": _l("Give the NACC reference, and an end date after the start date."),
    "no_retaliation": _l("No report of retaliation is waiting to be referred."),
    "notified_on": _l(
        "The official is notified of the order on or after its date, and not later than today."
    ),
    "first_meeting": _l("The committee's first meeting cannot come before its appointment."),
    "step_message": _l("Write the message to the reporter: say what you need from them."),
    "step_text": _l("Fill in the text this step records."),
    "step_extra_date": _l("Enter the date this step asks for."),
    "referral_result_recorded": _l("The other agency's decision has already been recorded."),
    "extension_date": _l("The new end date must be later than the current one."),
    "penalty_severity": _l("This penalty is not allowed for an offence of that severity."),
    "copy_not_due": _l("No copy of an order is owed to the NACC for this case now."),
    "appeal_too_late": _l("The appeal window has ended."),
    "appeal_window_open": _l("The appeal window is still open: wait for it to end, or record the appeal."),
    "appeal_no_penalty": _l("Choose a penalty only when the appeal reduced it."),
    "appeal_lighter": _l("A reduced penalty must be lighter than the one ordered."),
    "criminal_already": _l("This case has already been referred for criminal proceedings."),
    "criminal_not_open": _l("There is no criminal referral waiting for an outcome."),
    "delay_not_due": _l("The final answer is not late yet."),
}
GRANT_REFUSALS: dict[str, Any] = {
    "last_holder": _l(
        "Nobody else holds one of this person's keys: grant it to a colleague first, or it would be lost."
    ),
    "not_holder": _l("You cannot pass on a key you do not hold."),
    "not_eligible": _l("That account may not hold this key."),
    "must_change_password": _l(
        "That person must first log in and set their own password; then grant the key again."
    ),
    "unpinned_key": _l(
        "That account's public key does not verify: nothing was sealed to it. A legal lead has been alerted."
    ),
}
PASSWORD_REFUSALS: dict[str, Any] = {
    "wrong_current": _l("The current password is not correct."),
    "unchanged": _l("Choose a password different from the current one."),
    "is_username": _l("The password must not be your username."),
    "weak": _l(
        "This password is too easy to guess. Use a passphrase of four or five unrelated words, in Thai "
        "or English, with a number — for example one you can picture as a scene."
    ),
}
