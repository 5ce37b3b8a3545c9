"""Configuration: code defaults, then instance/config.py, then COMPLAINTS_* variables, then tests."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from flask import Flask

ENV_PREFIX = "COMPLAINTS_"
SECRET_NAMES = ("SECRET_KEY", "RECEIPT_LOOKUP_SECRET", "SERVER_DATA_SECRET")
PLACEHOLDER = "change-me"

DEFAULT_CATEGORIES = (
    "public_property",
    "budget",
    "procurement",
    "abuse_of_power",
    "bribery",
    "other",
)


class ConfigurationError(RuntimeError):
    """The app cannot start safely with this configuration; the message says how to fix it."""


# The code defaults: safe for one machine, no secrets. Where files live depends on the instance
# folder, so DATABASE_URL and UPLOAD_DIR are added by :func:`defaults`.
DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": PLACEHOLDER,
    "RECEIPT_LOOKUP_SECRET": PLACEHOLDER,
    "SERVER_DATA_SECRET": PLACEHOLDER,
    "RATELIMIT_STORAGE_URI": "memory://",
    # Accepted reports (and follow-up evidence), receipt look-ups and reporter actions per client;
    # every POST, mistakes included, also counts in the larger *_POSTS bucket (security.FormLimit).
    "RATELIMIT_REPORT": "10 per hour",
    "RATELIMIT_REPORT_POSTS": "60 per hour",
    "RATELIMIT_FOLLOWUP": "20 per hour",
    "RATELIMIT_FOLLOWUP_POSTS": "60 per hour",
    "RATELIMIT_STAFF_LOGIN": "10 per 15 minutes",
    "RATELIMIT_STAFF_LOGIN_PER_CLIENT": "30 per 15 minutes",
    "RATELIMIT_STAFF_PASSWORD": "10 per 15 minutes",
    "RATELIMIT_REPORTER_ACTIONS": "30 per hour",
    "RATELIMIT_REPORTER_POSTS": "120 per hour",
    "RATELIMIT_STAFF_INVITATION": "20 per hour",
    "NOTIFY_COALESCE": "1 per 10 minutes",
    # Reverse proxies in front of the app that set X-Forwarded-For (0: none; 1: nginx).
    "PROXY_HOPS": 0,
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_SENDER": "complaints@localhost",
    "MAIL_STARTTLS": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_TIMEOUT_SECONDS": 10,
    "LEGAL_UNIT_EMAIL": "",
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "ARGON2_MEMORY_KIB": 64 * 1024,
    "ARGON2_ITERATIONS": 3,
    "ARGON2_LANES": 1,
    # One Argon2id run per submission and per follow-up log-in (4 ms): sized to the receipt's
    # 66 random bits, not to a password (the attacker's cost is worked out in README "How the
    # keys work"). Each case records the cost it was filed with, so raising it later is safe.
    "RECEIPT_ARGON2_MEMORY_KIB": 4 * 1024,
    "RECEIPT_ARGON2_ITERATIONS": 1,
    # The cost of receipts filed before each case recorded its own (19 MiB, 2 passes until
    # 2026-12): set these to the old RECEIPT_ARGON2_* if the deployment had raised them.
    "RECEIPT_ARGON2_LEGACY_MEMORY_KIB": 19 * 1024,
    "RECEIPT_ARGON2_LEGACY_ITERATIONS": 2,
    "MAX_ATTACHMENTS": 10,
    "MAX_ATTACHMENT_BYTES": 20 * 1024 * 1024,
    "MAX_CONTENT_LENGTH": 105 * 1024 * 1024,
    "MAX_TEXT_CHARS": 20_000,
    # The citizen's description must say at least this much (the form states both limits).
    "MIN_DESCRIPTION_CHARS": 20,
    # Slow clients (complaints/slowclients.py): bodies in flight per client and process, and pace.
    "SLOW_CLIENT_MAX_IN_FLIGHT": 4,
    "SLOW_CLIENT_MIN_BYTES_PER_SECOND": 1024,
    "SLOW_CLIENT_GRACE_SECONDS": 20,
    "SLOW_CLIENT_READ_TIMEOUT_SECONDS": 30,
    "WTF_CSRF_TIME_LIMIT": 4 * 3600,
    "REPORTER_IDLE_MINUTES": 30,
    "STAFF_IDLE_MINUTES": 30,
    "STAFF_ABSOLUTE_HOURS": 12,
    "STAFF_LOGIN_MAX_FAILURES": 5,
    "STAFF_LOCKOUT_MINUTES": 15,
    # Statistics (complaints/stats.py): what counts as completed (DOMAIN D6, to confirm with the
    # legal unit); counted as at today or at the end of each period (then a past period's figures
    # never change). Breakdown cells below STATS_SUPPRESSION_THRESHOLD are shown as "<N".
    "STATS_COMPLETED_STATUSES": ["concluded", "not_accepted", "referred"],
    "STATS_COUNT_AS_AT": "today",
    # The ITA item code of the statistics page, per fiscal year (B.E.), e.g. {"2569": "O14"} [V].
    "ITA_STATISTICS_CODES": {},
    # Retention (complaints/retention.py): years a closed case is kept, by its final status, from
    # the day it was closed [V: to confirm with the legal unit and the records committee].
    "RETENTION_YEARS": {"concluded": 10, "not_accepted": 10, "referred": 10},
    # A printed staff invitation (set one's own password and authenticator) stays usable this long.
    "INVITATION_DAYS": 7,
    "SESSION_COOKIE_SECURE": False,
    "PREFERRED_URL_SCHEME": "http",
    "TIMEZONE": "Asia/Bangkok",
    "MUNICIPALITY_NAME_TH": "เทศบาลตำบลตัวอย่าง",
    "MUNICIPALITY_NAME_EN": "Example Sub-district Municipality",
    "LEGAL_UNIT_NAME_TH": "งานนิติการ สำนักปลัดเทศบาล",
    "LEGAL_UNIT_NAME_EN": "Legal Affairs Unit, Office of the Municipal Clerk",
    "CONTACT_PHONE": "0-0000-0000",
    "CATEGORIES": list(DEFAULT_CATEGORIES),
    "DEPARTMENTS": [
        "office_of_clerk",
        "finance",
        "engineering",
        "public_health",
        "education",
        "other",
    ],
    "DEADLINE_DAYS": {
        "acknowledge": 7,
        "first_feedback": 15,
        "progress_feedback": 30,
        "final_feedback": 90,
        "fact_finding": 60,
        "disciplinary_investigation": 180,
        "awaiting_information": 7,
        "penalty_after_finding": 30,
        "copy_to_nacc": 15,
        "appeal_window": 30,
        "retaliation_referral": 15,
    },
    # Working days skip weekends and these: fixed-date public holidays every year (MM-DD), and the
    # year's lunar and substitution holidays from the cabinet's announcement (YYYY-MM-DD) [V].
    "PUBLIC_HOLIDAYS_RECURRING": [
        "01-01",
        "04-06",
        "04-13",
        "04-14",
        "04-15",
        "05-01",
        "05-04",
        "06-03",
        "07-28",
        "08-12",
        "10-13",
        "10-23",
        "12-05",
        "12-10",
        "12-31",
    ],
    "PUBLIC_HOLIDAYS": [],
    # The penalties a finding of each severity allows (DOMAIN B9; to confirm with the unit [V]).
    "PENALTIES_BY_SEVERITY": {
        "minor": ["probation", "salary_deduction", "salary_reduction", "waived_bond", "waived_warning"],
        "serious": ["discharge", "dismissal"],
    },
    "DUE_SOON_DAYS": 3,
    # An offline report's date of arrival may lie at most this many years back.
    "INTAKE_OLDEST_YEARS": 5,
    "STATS_SUPPRESSION_THRESHOLD": 5,
    "ITA_ITEM_CODES": {"2568": "O30", "2569": "O30"},
    "BABEL_DEFAULT_LOCALE": "th",
    "LANGUAGES": ["th", "en"],
    "TESTING": False,
}


def defaults(instance_path: str) -> dict[str, Any]:
    """The code defaults for an instance folder (a fresh copy: callers may change it)."""
    return {
        **copy.deepcopy(DEFAULTS),
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'complaints.sqlite3'}",
        "UPLOAD_DIR": str(Path(instance_path) / "uploads"),
    }


def _parse_env_value(raw: str) -> Any:
    """Environment values may be JSON (numbers, lists, booleans); otherwise they are text."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Apply the four layers in order onto ``app.config``."""
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    for name, raw in os.environ.items():
        if name.startswith(ENV_PREFIX) and not name.startswith(f"{ENV_PREFIX}TEST_"):
            app.config[name.removeprefix(ENV_PREFIX)] = _parse_env_value(raw)
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_URL"] = app.config["DATABASE_URL"]


def is_real_secret(value: object) -> bool:
    """A secret someone set: present, not the placeholder, long enough."""
    return bool(value) and value != PLACEHOLDER and len(str(value)) >= 32


def require_secrets(app: Flask) -> None:
    """Refuse to run with missing or placeholder secrets outside testing."""
    missing = [name for name in SECRET_NAMES if not is_real_secret(app.config.get(name))]
    if missing and not app.config.get("TESTING"):
        raise ConfigurationError(
            "Missing or default secrets: "
            + ", ".join(missing)
            + ". Run `flask --app wsgi init` to write fresh ones to instance/config.py, "
            "or set COMPLAINTS_<NAME> in the environment."
        )


MINIMUM_COSTS = {
    "ARGON2_MEMORY_KIB": 64 * 1024,
    "ARGON2_ITERATIONS": 3,
    "RECEIPT_ARGON2_MEMORY_KIB": 4 * 1024,
    "RECEIPT_ARGON2_ITERATIONS": 1,
}


def require_safe_costs(app: Flask) -> None:
    """Outside tests, key-derivation costs may be raised but never lowered below DESIGN §3."""
    if app.config.get("TESTING"):
        return
    too_low = [name for name, minimum in MINIMUM_COSTS.items() if int(app.config[name]) < minimum]
    if too_low:
        raise ConfigurationError(
            "Key-derivation cost below the safe minimum: "
            + ", ".join(f"{name} (at least {MINIMUM_COSTS[name]})" for name in too_low)
        )


def write_instance_config(instance_path: str, secrets: dict[str, str]) -> Path:
    """Create instance/config.py with fresh secrets unless it exists; never overwrite."""
    path = Path(instance_path) / "config.py"
    if path.exists():
        return path
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    lines = ['"""Deployment configuration written by `flask init`; keep it secret."""', ""]
    lines += [f"{name} = {value!r}" for name, value in secrets.items()]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path
