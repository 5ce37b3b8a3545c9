"""Which receipt stretches a follow-up log-in tries: every pepper and Argon2id cost a case was
filed under, the current one first.

A receipt's stretch cannot be redone without the receipt, so a case keeps the pepper version and
the cost it was filed with, and a log-in tries each combination in use until one finds a case.
The combinations are read from the cases (a few; cached for a short while per process) and only
bounded ones are tried, so a cost someone wrote into the database is never run: a log-in cannot
be made to take minutes. The column only says which stretches to try; the receipt's lookup HMAC,
not the column, finds the case.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import crypto, settings
from complaints.models import Case

# Bounds on a cost read from the database (Argon2id's own minimum is 8 KiB per lane).
MEMORY_KIB_RANGE = range(8, 1024 * 1024 + 1)
ITERATIONS_RANGE = range(1, 17)
MOST_SCHEMES = 6
CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class ReceiptScheme:
    """One way receipts were stretched: a pepper version and an Argon2id cost."""

    pepper_version: int
    memory_kib: int
    iterations: int

    @property
    def params(self) -> crypto.Argon2Params:
        """The cost as the crypto module takes it."""
        return crypto.Argon2Params(memory_kib=self.memory_kib, iterations=self.iterations, lanes=1)


def current_scheme() -> ReceiptScheme:
    """The pepper and cost new receipts are filed under."""
    params = settings.receipt_params()
    return ReceiptScheme(settings.pepper_version(), params.memory_kib, params.iterations)


def _bounded(scheme: ReceiptScheme) -> bool:
    return scheme.memory_kib in MEMORY_KIB_RANGE and scheme.iterations in ITERATIONS_RANGE


def _read_schemes(db: Session) -> set[ReceiptScheme]:
    legacy = settings.legacy_receipt_params()
    rows = db.execute(
        select(Case.pepper_version, Case.receipt_memory_kib, Case.receipt_iterations).distinct()
    ).all()
    return {
        ReceiptScheme(
            int(version),
            legacy.memory_kib if memory is None else int(memory),
            legacy.iterations if iterations is None else int(iterations),
        )
        for version, memory, iterations in rows
    }


_cache_lock = threading.Lock()
_cache: dict[tuple[str, ReceiptScheme, crypto.Argon2Params], tuple[float, frozenset[ReceiptScheme]]] = {}


def schemes_in_use(db: Session) -> list[ReceiptScheme]:
    """The current scheme, then the others some case was filed under (newest pepper first, then
    the cheaper cost), bounded in cost and number."""
    current = current_scheme()
    bind = db.get_bind()
    key = (str(getattr(bind, "url", "")), current, settings.legacy_receipt_params())
    with _cache_lock:
        cached = _cache.get(key)
    if cached is None or time.monotonic() - cached[0] > CACHE_SECONDS:
        cached = (time.monotonic(), frozenset(_read_schemes(db)))
        with _cache_lock:
            _cache[key] = cached
    others = sorted(
        (scheme for scheme in cached[1] - {current} if _bounded(scheme)),
        key=lambda scheme: (-scheme.pepper_version, scheme.memory_kib * scheme.iterations),
    )
    return [current, *others[: MOST_SCHEMES - 1]]


def forget_schemes() -> None:
    """Drop the cached schemes (for tests that rewrite the rows; a config change needs none: the
    current scheme and the legacy cost are part of the cache key)."""
    with _cache_lock:
        _cache.clear()
