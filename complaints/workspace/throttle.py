"""Throttles on the staff side: log-ins per username and per client, password changes per account.

Every key is a keyed hash kept only in the limiter's storage (DESIGN §4), never a record.
"""

from __future__ import annotations

import hashlib
import math
import time

from limits import parse as parse_limit

from complaints import settings
from complaints.security import anonymous_rate_key, hit
from complaints.workspace.access import current_staff

USERNAME_SCOPE = "staff.login.username"


def _hashed(purpose: str, value: str) -> str:
    secret = settings.rate_key_secret()
    digest = hashlib.sha256(purpose.encode() + b"|" + secret + b"|" + value.encode()).hexdigest()
    return f"{purpose}|{digest[:24]}"


def username_key(username: str) -> str:
    """The limiter key of a log-in username (never the address)."""
    return _hashed("staff-login", username.strip().casefold())


def password_change_key() -> str:
    """Password changes are limited per account (each one runs Argon2id once or twice)."""
    context = current_staff()
    return _hashed("staff-password", str(context.user.id)) if context else anonymous_rate_key()


def username_wait_minutes(username: str) -> int | None:
    """Count a log-in attempt for ``username``; the minutes to wait when over the limit, else None.

    Names that do not exist are counted exactly like real ones, so the notice this drives says
    nothing about which accounts exist or are locked.
    """
    if not settings.rate_limits_enabled():
        return None
    limit = parse_limit(settings.rate_limit("RATELIMIT_STAFF_LOGIN"))
    identifiers = (settings.rate_limit_prefix(), USERNAME_SCOPE, username_key(username))
    allowed, reset_at = hit(limit, *identifiers)
    if allowed:
        return None
    return max(1, math.ceil((reset_at - time.time()) / 60))
