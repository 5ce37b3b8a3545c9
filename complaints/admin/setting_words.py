"""The settings page in words: a rate limit such as ``10 per 15 minutes`` as "10 attempts in 15
minutes" in the reader's language; a value it cannot read is shown as written in the config."""

from __future__ import annotations

import re
from typing import Any

from complaints.i18n import gettext as _
from complaints.i18n import lazy_gettext as _l

# Flask-Limiter's notation: "10 per 15 minutes", "5/minute", several joined by ";" or ",".
_ONE_LIMIT = re.compile(
    r"^\s*(?P<count>\d+)\s*(?:per|/)\s*(?P<n>\d+)?\s*(?P<unit>second|minute|hour|day|month|year)s?\s*$",
    re.IGNORECASE,
)
# (one unit, several units) for each unit of time.
PER_UNIT: dict[str, tuple[Any, Any]] = {
    "second": (_l("%(count)s attempts a second"), _l("%(count)s attempts in %(n)s seconds")),
    "minute": (_l("%(count)s attempts a minute"), _l("%(count)s attempts in %(n)s minutes")),
    "hour": (_l("%(count)s attempts an hour"), _l("%(count)s attempts in %(n)s hours")),
    "day": (_l("%(count)s attempts a day"), _l("%(count)s attempts in %(n)s days")),
    "month": (_l("%(count)s attempts a month"), _l("%(count)s attempts in %(n)s months")),
    "year": (_l("%(count)s attempts a year"), _l("%(count)s attempts in %(n)s years")),
}


def _one(spec: str) -> str | None:
    found = _ONE_LIMIT.match(spec)
    if found is None:
        return None
    count, n = int(found["count"]), int(found["n"] or 1)
    one, several = PER_UNIT[found["unit"].lower()]
    return str(one % {"count": count}) if n == 1 else str(several % {"count": count, "n": n})


def rate_limit_text(spec: object) -> str:
    """A Flask-Limiter limit in words; anything unreadable is returned as it was written."""
    written = str(spec)
    parts = [_one(part) for part in re.split(r"[;,]", written) if part.strip()]
    if not parts or any(part is None for part in parts):
        return written
    return str(_(" and ")).join(part for part in parts if part)
