"""How strong a staff password must be: estimated offline by zxcvbn, with a higher floor for the
accounts that can hold a key (an officer's password guards the unit key, a custodian's every
reporter's identity).

The floor is set in guesses, not characters: at 0.35–0.9 s per guess per core for Argon2id at
64 MiB, 10^12 guesses keep one core busy for more than ten thousand years and a thousand-GPU
rig for years; ``password1234`` (10^4 guesses) falls at once however long it looks.
"""

from __future__ import annotations

from collections.abc import Iterable

KEY_HOLDER_ROLES = frozenset({"officer", "lead", "custodian"})
KEY_HOLDER_GUESSES_LOG10 = 12.0
OTHER_GUESSES_LOG10 = 10.0
# zxcvbn's running time grows with length; longer passwords are cut for the estimate only.
ESTIMATE_CHARS = 100


def required_guesses_log10(roles: Iterable[str]) -> float:
    """The floor for an account with these roles."""
    return KEY_HOLDER_GUESSES_LOG10 if KEY_HOLDER_ROLES & set(roles) else OTHER_GUESSES_LOG10


def guesses_log10(password: str, hints: Iterable[str] = ()) -> float:
    """About how many guesses (log10) an attacker needs, knowing the hints (username, names)."""
    from zxcvbn import zxcvbn  # its dictionaries take 12 MiB: loaded when a password is set

    result = zxcvbn(password[:ESTIMATE_CHARS], user_inputs=[hint for hint in hints if hint])
    return float(result["guesses_log10"])


def strong_enough(password: str, roles: Iterable[str], hints: Iterable[str] = ()) -> bool:
    """Whether the password clears the floor for these roles."""
    return guesses_log10(password, hints) >= required_guesses_log10(roles)
