"""gunicorn settings: `gunicorn -c python:complaints.gunicorn_conf wsgi:app`.

The access log leaves out the client address and user agent (DESIGN §4): only time, request
line without the query string, status, size and duration; the error log has addresses removed
too (gunicorn writes "Invalid request from ip=…" for malformed requests).

Rate limits only mean what they say when every worker counts in one place: with the embedded
default (``memory://``) this runs one worker with more threads, and refuses to start several.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import re
from pathlib import Path
from typing import Any

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # glibc's mallopt parameters
# Blocks from this size up get a mapping of their own, returned on free: the staff log-in's 64 MiB
# and the legacy receipts' 19 MiB; the 4 MiB receipt stretch (one per submission) stays below it.
_OWN_MAPPING_FROM = 8 * 1024 * 1024
# Free memory at the top of a heap is kept up to this much: a receipt stretch's 4 MiB is used
# again by the next one instead of being returned and faulted back in (4.4 -> 2.3 ms a stretch).
_KEEP_FREE_UP_TO = 16 * 1024 * 1024
_ADDRESS = re.compile(r"\bip=\S+|\b\d{1,3}(?:\.\d{1,3}){3}\b|\[[0-9a-fA-F:]+\]")


class NoAddresses(logging.Filter):
    """Remove client addresses from gunicorn's own messages before they are written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _ADDRESS.search(message):
            record.msg, record.args = _ADDRESS.sub("[address removed]", message), ()
        return True


def _storage_uri() -> str:
    """The rate-limit storage as the app will see it: environment first, then instance/config.py."""
    if "COMPLAINTS_RATELIMIT_STORAGE_URI" in os.environ:
        return os.environ["COMPLAINTS_RATELIMIT_STORAGE_URI"]
    instance_config = Path(os.environ.get("COMPLAINTS_INSTANCE", "instance")) / "config.py"
    namespace: dict[str, Any] = {}
    if instance_config.exists():
        exec(compile(instance_config.read_text(), str(instance_config), "exec"), namespace)  # noqa: S102 - our own config file, as Flask's from_pyfile reads it
    return str(namespace.get("RATELIMIT_STORAGE_URI", "memory://"))


def _workers(storage: str) -> int:
    wanted = int(os.environ.get("COMPLAINTS_WORKERS", "1" if storage.startswith("memory://") else "2"))
    if wanted > 1 and storage.startswith("memory://"):
        raise SystemExit(
            "Refusing to start several workers with in-memory rate limits: each worker would count "
            "alone, so every limit would let through several times what it says. Set "
            "COMPLAINTS_RATELIMIT_STORAGE_URI=redis://… (shared by all workers), or run one worker "
            "(COMPLAINTS_WORKERS=1) with more threads (COMPLAINTS_THREADS)."
        )
    return wanted


def _return_large_buffers_to_the_system() -> None:
    """glibc raises its mmap threshold after a large block is freed, so later Argon2id buffers
    (19 and 64 MiB) come from the heap and stay with the worker after use (it grew from 85 to over
    200 MiB). A fixed threshold keeps every block from 8 MiB in its own mapping, returned on free;
    the receipt stretch's 4 MiB is kept in the heap for the next submission (mapping and faulting
    it in afresh each time doubled the stretch's cost). Two arenas stop each thread keeping a heap
    of its own. Set in the master, inherited by the workers it forks. Elsewhere than glibc nothing
    changes."""
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, _OWN_MAPPING_FROM)
        libc.mallopt(_M_TRIM_THRESHOLD, _KEEP_FREE_UP_TO)
        libc.mallopt(_M_ARENA_MAX, 2)
    except (OSError, AttributeError):
        pass


def _freeze_what_the_app_loaded(_worker: Any) -> None:
    """Once a worker has loaded the app, keep its ~135 000 objects (modules, templates, the
    catalogues) out of the garbage collector's full passes: each such pass walked all of them,
    about 60 ms every few hundred requests, the slowest request in any benchmark run."""
    gc.collect()
    gc.freeze()


def _quiet(server: Any) -> None:
    logging.getLogger("gunicorn.error").addFilter(NoAddresses())


_return_large_buffers_to_the_system()
bind = os.environ.get("COMPLAINTS_BIND", "127.0.0.1:8000")
workers = _workers(_storage_uri())
threads = int(os.environ.get("COMPLAINTS_THREADS", "8" if workers == 1 else "4"))
timeout = 300  # slow mobile uploads of evidence files
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("COMPLAINTS_FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 4094
# No keep-alive: gunicorn would drain a refused request's unread body on the same thread first.
keepalive = 0
on_starting = _quiet
post_fork = lambda server, _worker: _quiet(server)  # noqa: E731 - gunicorn's hook signature
post_worker_init = _freeze_what_the_app_loaded
