"""Typed access to the settings: every translation from ``app.config`` to typed values lives here.

:mod:`complaints.config` loads the layers (defaults, ``instance/config.py``, ``COMPLAINTS_*``,
tests); everything else asks this module for what it needs — key-derivation costs, secrets,
deadlines, limits, the log-in policy — instead of reading raw config keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from complaints import clocks, contexts, crypto, slowclients, stats


def app() -> Flask:
    """The application object behind ``current_app`` (for threads and CLI commands)."""
    # current_app is declared as Flask, so the proxy's own method is unknown to the type checker.
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _config(application: Flask | None) -> Any:
    return (application or current_app).config


# --- key derivation and secrets -------------------------------------------------------------------


def argon2_params(application: Flask | None = None) -> crypto.Argon2Params:
    """The cost of the staff password key (an account keeps the cost it was wrapped with)."""
    config = _config(application)
    return crypto.Argon2Params(
        memory_kib=int(config["ARGON2_MEMORY_KIB"]),
        iterations=int(config["ARGON2_ITERATIONS"]),
        lanes=int(config["ARGON2_LANES"]),
    )


def _receipt_cost(application: Flask | None, prefix: str) -> crypto.Argon2Params:
    config = _config(application)
    return crypto.Argon2Params(
        memory_kib=int(config[prefix + "MEMORY_KIB"]), iterations=int(config[prefix + "ITERATIONS"]), lanes=1
    )


def receipt_params(application: Flask | None = None) -> crypto.Argon2Params:
    """The cost of the one receipt stretch per submission and per follow-up log-in."""
    return _receipt_cost(application, "RECEIPT_ARGON2_")


def legacy_receipt_params(application: Flask | None = None) -> crypto.Argon2Params:
    """The cost of receipts filed before each case recorded its own (NULL in the case row)."""
    return _receipt_cost(application, "RECEIPT_ARGON2_LEGACY_")


def _data_secret(application: Flask | None) -> bytes:
    return str(_config(application)["SERVER_DATA_SECRET"]).encode()


def data_secret_version(application: Flask | None = None) -> int:
    """The version of SERVER_DATA_SECRET in use (raised by `flask secrets rotate data`)."""
    return int(_config(application).get("SERVER_DATA_SECRET_VERSION", 1))


def data_secrets(application: Flask | None = None) -> dict[int, bytes]:
    """Every SERVER_DATA_SECRET by version: the current one and those retired by rotations (kept
    only to verify the audit chain written under them and to find what was filed under them)."""
    retired = dict(_config(application).get("SERVER_DATA_SECRETS_RETIRED") or {})
    found = {int(version): str(secret).encode() for version, secret in retired.items()}
    found[data_secret_version(application)] = _data_secret(application)
    return found


def audit_keys(application: Flask | None = None) -> dict[int, bytes]:
    """The audit chains' MAC key of every data-secret version."""
    return {
        version: crypto.derive_key(secret, contexts.AUDIT_CHAIN_KEY)
        for version, secret in data_secrets(application).items()
    }


def pepper_version(application: Flask | None = None) -> int:
    """The version of RECEIPT_LOOKUP_SECRET new cases are filed under."""
    return int(_config(application).get("RECEIPT_PEPPER_VERSION", 1))


def retired_peppers(application: Flask | None = None) -> list[tuple[int, bytes]]:
    """Receipt peppers retired by rotations, newest first: the receipts filed under them still
    open their cases (a reporter's key derives from the pepper, so it cannot be re-keyed)."""
    retired = dict(_config(application).get("RECEIPT_LOOKUP_SECRETS_RETIRED") or {})
    return sorted(((int(version), str(secret).encode()) for version, secret in retired.items()), reverse=True)


def server_secret(application: Flask | None = None) -> bytes:
    """The 32-byte key for server-held secrets (TOTP seeds)."""
    return crypto.derive_key(_data_secret(application), contexts.SERVER_DATA_KEY)


def audit_key(application: Flask | None = None) -> bytes:
    """The key of the audit chains' MACs."""
    return crypto.derive_key(_data_secret(application), contexts.AUDIT_CHAIN_KEY)


def key_pin_key(application: Flask | None = None) -> bytes:
    """The key of the pins that authenticate public keys kept in the database."""
    return crypto.derive_key(_data_secret(application), contexts.KEY_PIN_KEY)


def lookup_secret(application: Flask | None = None) -> bytes:
    """The receipt pepper: keys the receipt stretch and the lookup HMAC."""
    return str(_config(application)["RECEIPT_LOOKUP_SECRET"]).encode()


def rate_key_secret(application: Flask | None = None) -> bytes:
    """What keys the transient rate-limit hashes of addresses and usernames."""
    return str(_config(application)["SECRET_KEY"]).encode()


# --- the procedure's clocks ----------------------------------------------------------------------


def deadline_days(application: Flask | None = None) -> dict[str, int]:
    """Days allowed for each clock of the procedure, by clock name."""
    return {name: int(days) for name, days in dict(_config(application)["DEADLINE_DAYS"]).items()}


def calendar(application: Flask | None = None) -> clocks.Calendar:
    """The clocks' lengths and the public holidays their working days skip."""
    config = _config(application)
    recurring = {str(day) for day in config["PUBLIC_HOLIDAYS_RECURRING"]}
    listed = {str(day) for day in config["PUBLIC_HOLIDAYS"]}

    def is_holiday(day: date) -> bool:
        return day.isoformat() in listed or day.strftime("%m-%d") in recurring

    return clocks.Calendar(days=deadline_days(application), is_holiday=is_holiday)


def penalties_by_severity(application: Flask | None = None) -> dict[str, tuple[str, ...]]:
    """Which penalties a finding of each severity allows."""
    table = dict(_config(application)["PENALTIES_BY_SEVERITY"])
    return {str(severity): tuple(str(code) for code in codes) for severity, codes in table.items()}


def reference_key(application: Flask | None = None) -> bytes:
    """The key of the keyed hashes that find a case by an order or letter number."""
    return crypto.derive_key(_data_secret(application), contexts.REFERENCE_LOOKUP_KEY)


def reference_keys(application: Flask | None = None) -> list[bytes]:
    """The reference key of every data-secret version, the current one first: a number recorded
    before a rotation is still found by the search."""
    newest_first = sorted(data_secrets(application).items(), reverse=True)  # versions only go up
    return [crypto.derive_key(secret, contexts.REFERENCE_LOOKUP_KEY) for _version, secret in newest_first]


def intake_oldest_days(application: Flask | None = None) -> int:
    """How far back an offline report's date of arrival may lie (a typo like 0001-01-01 is refused)."""
    return int(_config(application)["INTAKE_OLDEST_YEARS"]) * 365


def due_soon_days(application: Flask | None = None) -> int:
    """How many days before a deadline the queue says "due soon"."""
    return int(_config(application)["DUE_SOON_DAYS"])


# --- limits and folders ---------------------------------------------------------------------------


def upload_dir(application: Flask | None = None) -> Path:
    """Where encrypted evidence files are kept."""
    return Path(_config(application)["UPLOAD_DIR"])


def max_attachments(application: Flask | None = None) -> int:
    """How many files one request may carry."""
    return int(_config(application)["MAX_ATTACHMENTS"])


def max_attachment_bytes(application: Flask | None = None) -> int:
    """The largest evidence file accepted."""
    return int(_config(application)["MAX_ATTACHMENT_BYTES"])


def max_request_bytes(application: Flask | None = None) -> int:
    """The largest request accepted: all files and text of one form together."""
    return int(_config(application)["MAX_CONTENT_LENGTH"])


def max_text_chars(application: Flask | None = None) -> int:
    """The longest description or message accepted."""
    return int(_config(application)["MAX_TEXT_CHARS"])


def min_description_chars(application: Flask | None = None) -> int:
    """The fewest characters a citizen's description may have."""
    return int(_config(application)["MIN_DESCRIPTION_CHARS"])


def reporter_idle(application: Flask | None = None) -> timedelta:
    """How long a reporter's follow-up session lives without activity."""
    return timedelta(minutes=int(_config(application)["REPORTER_IDLE_MINUTES"]))


def categories(application: Flask | None = None) -> list[str]:
    """The complaint category codes offered."""
    return [str(code) for code in _config(application)["CATEGORIES"]]


def departments(application: Flask | None = None) -> list[str]:
    """The department codes offered."""
    return [str(code) for code in _config(application)["DEPARTMENTS"]]


def rate_limits_enabled(application: Flask | None = None) -> bool:
    """False only when tests switch the limiter off."""
    return bool(_config(application).get("RATELIMIT_ENABLED", True))


def rate_limit(name: str, application: Flask | None = None) -> str:
    """A rate limit in the limiter's words, e.g. ``10 per hour``."""
    return str(_config(application)[name])


def rate_limit_prefix(application: Flask | None = None) -> str:
    """The prefix every limiter key of this installation starts with."""
    return str(_config(application)["RATELIMIT_KEY_PREFIX"])


def slow_client_limits(application: Flask | None = None) -> slowclients.Limits:
    """What one client may take while sending request bodies."""
    config = _config(application)
    return slowclients.Limits(
        max_in_flight=int(config["SLOW_CLIENT_MAX_IN_FLIGHT"]),
        min_bytes_per_second=int(config["SLOW_CLIENT_MIN_BYTES_PER_SECOND"]),
        grace_seconds=float(config["SLOW_CLIENT_GRACE_SECONDS"]),
        read_timeout_seconds=float(config["SLOW_CLIENT_READ_TIMEOUT_SECONDS"]),
    )


# --- staff log-in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginPolicy:
    """The settings that govern staff log-in and sessions."""

    argon2: crypto.Argon2Params
    server_secret: bytes
    max_failures: int
    lockout: timedelta
    idle: timedelta
    absolute: timedelta


def login_policy(application: Flask | None = None) -> LoginPolicy:
    """The log-in policy from config."""
    config = _config(application)
    return LoginPolicy(
        argon2=argon2_params(application),
        server_secret=server_secret(application),
        max_failures=int(config["STAFF_LOGIN_MAX_FAILURES"]),
        lockout=timedelta(minutes=int(config["STAFF_LOCKOUT_MINUTES"])),
        idle=timedelta(minutes=int(config["STAFF_IDLE_MINUTES"])),
        absolute=timedelta(hours=float(config["STAFF_ABSOLUTE_HOURS"])),
    )


def invitation_key(application: Flask | None = None) -> bytes:
    """The key of the hashes that find a printed staff invitation from its code."""
    return crypto.derive_key(_data_secret(application), contexts.INVITATION_KEY)


def invitation_days(application: Flask | None = None) -> int:
    """How long a printed staff invitation stays usable."""
    return int(_config(application)["INVITATION_DAYS"])


def counting_rule(application: Flask | None = None) -> stats.CountingRule:
    """The statistics' counting rule and small-cell threshold, from the settings."""
    config = _config(application)
    as_at = str(config["STATS_COUNT_AS_AT"])
    if as_at not in (stats.AS_AT_TODAY, stats.AS_AT_PERIOD_END):
        as_at = stats.AS_AT_TODAY
    return stats.CountingRule(
        completed_statuses=frozenset(str(code) for code in config["STATS_COMPLETED_STATUSES"]),
        as_at=as_at,
        threshold=max(1, int(config["STATS_SUPPRESSION_THRESHOLD"])),
    )


def statistics_codes(application: Flask | None = None) -> dict[str, tuple[str, ...]]:
    """Every code each statistics breakdown can take (its zero cells included)."""
    return stats.known_codes(categories(application), departments(application))


def ita_code(fiscal_year: int, application: Flask | None = None) -> str | None:
    """The ITA item code of the statistics page for a fiscal year, when one is configured."""
    codes = dict(_config(application).get("ITA_STATISTICS_CODES") or {})
    found = codes.get(str(fiscal_year)) or codes.get(fiscal_year)
    return str(found) if found else None


def retention_years(application: Flask | None = None) -> dict[str, int]:
    """Years a closed case is kept, by final status (only completed statuses are ever purged)."""
    configured = dict(_config(application)["RETENTION_YEARS"] or {})
    return {str(status): max(1, int(years)) for status, years in configured.items()}
