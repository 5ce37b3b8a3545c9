"""Every encryption context in one place: HPKE ``info``, AES-GCM associated data and KDF labels.

A reviewer checks here that each ciphertext names its purpose and its object, so that one moved
to another case, field, file, person or session fails to open. :mod:`complaints.crypto` puts the
format version in front of each (``v1|…``). Changing a string below makes existing data
unreadable: add a new version instead.
"""

from __future__ import annotations

# --- KDF labels and fixed salts (derived keys, not ciphertexts) ----------------------------------
SERVER_DATA_KEY = "server data key"  # TOTP seeds, from SERVER_DATA_SECRET
AUDIT_CHAIN_KEY = "audit chain key"  # the audit log's MAC key, from SERVER_DATA_SECRET
REPORTER_KEY = "reporter key"  # the reporter's keypair, from the stretched receipt and a case salt
RECOVERY_KEY = "recovery key"  # the recovery keypair, from the printed recovery code
REFERENCE_LOOKUP_KEY = "reference lookup key"  # keyed hashes of order and letter numbers
KEY_PIN_KEY = "key pin key"  # the pins that authenticate public keys stored in the database
INVITATION_KEY = "invitation key"  # keyed hashes of printed staff invitation codes
RECEIPT_STRETCH_SALT = b"complaints receipt v1"
RECEIPT_LOOKUP_PREFIX = b"receipt lookup|"
PASSWORD_VERIFIER_PREFIX = b"complaints password verifier|"
KEY_ID_PREFIX = b"complaints key id|"


# --- a case and everything in it (under the case's content or identity key) ---------------------


def case_field(case_uid: str, name: str) -> str:
    """A field of the case row: ``report`` (the report JSON) or ``identity``."""
    return f"field:{name}|case:{case_uid}"


def sealed_case_key(purpose: str, case_uid: str, recipient_key_id: str) -> str:
    """A case's content or identity key sealed (HPKE) to one recipient's public key."""
    return f"{purpose}-key|case:{case_uid}|to:{recipient_key_id}"


def attachment_meta(case_uid: str, attachment_uid: str) -> str:
    """An attachment's name, type, size and file key."""
    return f"attachment-meta|case:{case_uid}|file:{attachment_uid}"


def message(case_uid: str, message_uid: str, author: str) -> str:
    """A message of the thread; the author is bound too, so flipping the column fails to open."""
    return f"message|case:{case_uid}|msg:{message_uid}|author:{author}"


def internal_note(case_uid: str, note_uid: str) -> str:
    """An internal note of the legal unit."""
    return f"internal-note|case:{case_uid}|note:{note_uid}"


def procedure_note(case_uid: str, event_uid: str) -> str:
    """The note of a procedure step."""
    return f"procedure-note|case:{case_uid}|event:{event_uid}"


def procedure_detail(case_uid: str, event_uid: str) -> str:
    """The free-text details of a procedure step (order numbers, committee, outcome in words)."""
    return f"procedure-detail|case:{case_uid}|event:{event_uid}"


def protection_reference(case_uid: str, record_uid: str) -> str:
    """The NACC reference of a reporter's protection, sealed (HPKE) to the custodian key."""
    return f"protection-reference|case:{case_uid}|record:{record_uid}"


def protection_subject(case_uid: str, check_uid: str) -> str:
    """Who a protection check asks about, sealed (HPKE) to the custodian key."""
    return f"protection-subject|case:{case_uid}|check:{check_uid}"


def protection_answer(case_uid: str, check_uid: str) -> str:
    """The NACC reference a "protected" answer carries, sealed (HPKE) to the legal unit key."""
    return f"protection-answer|case:{case_uid}|check:{check_uid}"


def reveal_reference(case_uid: str, request_id: int) -> str:
    """The order or letter number of an identity-reveal request (case key, and custodian key)."""
    return f"reveal-reference|case:{case_uid}|request:{request_id}"


# --- evidence files (each under its own file key) -------------------------------------------------


def stored_file(stored_name: str) -> str:
    """The prefix of every chunk of a stored evidence file."""
    return f"file|{stored_name}"


def file_chunk(file_context: str, index: int, last: bool) -> str:
    """One chunk: reordering, truncation, extension and swapping files all fail to open."""
    return f"{file_context}|chunk:{index}|last:{int(last)}"


# --- people and sessions --------------------------------------------------------------------------


def org_key_grant(kind: str, org_key_id: str, recipient_key_id: str) -> str:
    """An organisation private key sealed (HPKE) to one staff member's personal key."""
    return f"org-key:{kind}|key:{org_key_id}|to:{recipient_key_id}"


def personal_key(username: str) -> str:
    """A staff member's personal private key, wrapped under their password key."""
    return f"personal-key|user:{username}"


def totp_secret(username: str) -> str:
    """A staff member's TOTP seed, under the server data key."""
    return f"totp-secret|user:{username}"


def pending_totp_secret(invitation_id: int) -> str:
    """The authenticator seed shown to an invited person, until they confirm it with a code."""
    return f"pending-totp-secret|invitation:{invitation_id}"


def staff_session(session_id: str, user_id: int, key_id: str) -> str:
    """The personal key kept for a staff session, under the key only the cookie holds."""
    return f"staff-session|session:{session_id}|user:{user_id}|key:{key_id}"


def reporter_session(session_id: str, case_uid: str) -> str:
    """The case keys kept for a reporter's follow-up session, under the key only the cookie holds."""
    return f"reporter-session|{session_id}|case:{case_uid}"
