"""Security middleware: headers, CSRF, rate limits, the encrypting upload stream, quiet logs."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import IO, Any, TypeVar

from flask import Flask, Request, current_app, g, request, session
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect
from limits import RateLimitItem
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import RateLimiter
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException, TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix

from complaints import settings, slowclients
from complaints.assets import LONG_LIVED
from complaints.storage import EncryptedUpload, TooManyFiles

csrf = CSRFProtect()
ViewFunction = TypeVar("ViewFunction", bound=Callable[..., Any])

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


def anonymous_rate_key() -> str:
    """A rate-limit key that is not an address: a keyed hash, kept only in limiter storage."""
    secret = settings.rate_key_secret()
    address = (request.remote_addr or "unknown").encode()
    return hashlib.sha256(b"rate|" + secret + b"|" + address).hexdigest()[:24]


limiter = Limiter(key_func=anonymous_rate_key, default_limits=[], headers_enabled=False)

# Public POST endpoints limited *before* the body is read. The CSRF check parses the whole
# multipart body, so a limit applied at the view would let an over-limit client stream its
# uploads first, and requests without a valid token would never be counted.
LIMITS_BEFORE_BODY = {
    "public.report": "RATELIMIT_REPORT",
    "followup.login": "RATELIMIT_FOLLOWUP",
    "followup.evidence": "RATELIMIT_REPORT",
    "staff.welcome": "RATELIMIT_STAFF_INVITATION",
    "staff.welcome_password": "RATELIMIT_STAFF_INVITATION",
    "staff.welcome_authenticator": "RATELIMIT_STAFF_INVITATION",
}


# When the shared limit storage (Redis) cannot be reached, limits are counted in this process
# instead: a citizen's report is still accepted (never refused because a cache is down), and a
# staff log-in stays bounded here and by the account lock-out kept in the database.
_LOCAL_LIMITS = "complaints.local_limits"


def _local_limiter() -> RateLimiter:
    local: RateLimiter | None = current_app.extensions.get(_LOCAL_LIMITS)
    if local is None:
        current_app.logger.warning("rate-limit storage unreachable: counting limits in this process only")
        local = current_app.extensions[_LOCAL_LIMITS] = type(limiter.limiter)(MemoryStorage())
    return local


def shared_storage_answers() -> bool:
    """Whether the configured rate-limit storage (Redis in production) answers."""
    try:
        return bool(limiter.storage.check())
    except (RedisError, OSError, ConnectionError):
        return False


def hit(limit: RateLimitItem, *identifiers: str) -> tuple[bool, float]:
    """Count one use against ``limit``: whether it is allowed, and when the window resets."""
    counting = limiter.limiter if shared_storage_answers() else _local_limiter()
    try:
        allowed = counting.hit(limit, *identifiers)
        return allowed, float(counting.get_window_stats(limit, *identifiers).reset_time)
    except (RedisError, OSError, ConnectionError):  # went away between the check and the hit
        local = _local_limiter()
        return local.hit(limit, *identifiers), float(local.get_window_stats(limit, *identifiers).reset_time)


def _limit_before_body_is_read() -> None:
    setting = LIMITS_BEFORE_BODY.get(request.endpoint or "")
    if request.method != "POST" or setting is None or not settings.rate_limits_enabled():
        return
    limit = parse_limit(settings.rate_limit(setting))
    allowed, reset_at = hit(limit, settings.rate_limit_prefix(), str(request.endpoint), anonymous_rate_key())
    if not allowed:
        raise TooManyRequests(retry_after=max(1, math.ceil(reset_at - time.time())))


def minutes_until_retry(error: HTTPException) -> int | None:
    """About how many minutes a refused client must wait, when the limit that refused it is known."""
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int):
        seconds = float(retry_after)
    elif limiter.current_limit is not None and limiter.current_limit.breached:
        seconds = limiter.current_limit.reset_at - time.time()
    else:
        return None
    return max(1, round(seconds / 60))


class UploadRequest(Request):
    """A request whose file parts are encrypted from the first byte (no plaintext temp file)."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        import io

        if not filename:
            return io.BytesIO()  # an empty file input: nothing to keep
        uploads: list[EncryptedUpload] = g.setdefault("encrypted_uploads", [])
        if len(uploads) >= settings.max_attachments():
            raise TooManyFiles
        upload = EncryptedUpload(directory=settings.upload_dir(), max_bytes=settings.max_attachment_bytes())
        uploads.append(upload)
        return upload  # type: ignore[return-value]  # a writable stream, not an IO[bytes] subclass


def _discard_unpromoted_uploads(_exc: BaseException | None) -> None:
    for upload in g.pop("encrypted_uploads", []):
        if not upload.final_path.exists():
            upload.discard()


def _set_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if request.endpoint != "static" and headers.get("Cache-Control") != LONG_LIVED:
        # no-transform: a proxy or CDN must not compress pages that carry a receipt or a CSRF
        # token (BREACH); nginx ignores it, hence `gzip off` in the README's server block.
        headers["Cache-Control"] = "no-store, no-transform"
        headers["Pragma"] = "no-cache"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response


class _NoAddressFilter(logging.Filter):
    """Werkzeug's development server logs the client address on every request line: drop it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return " - - [" not in record.getMessage()


def quiet_request_logs() -> None:
    """Keep addresses and user agents out of the development server's log."""
    logging.getLogger("werkzeug").addFilter(_NoAddressFilter())


def trust_proxy(app: Flask) -> None:
    """Behind a reverse proxy, take the client address from X-Forwarded-For.

    Without this every citizen shares the proxy's address, and so one rate-limit bucket: ten
    junk requests would close the channel for everybody. The address is only ever used for the
    transient, keyed rate-limit hash.
    """
    hops = int(app.config["PROXY_HOPS"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]  # Flask's documented way to wrap the WSGI app


def csrf_exempt(view: ViewFunction) -> ViewFunction:
    """Exempt one view from CSRF (typed wrapper; only for actions a forgery cannot abuse)."""
    csrf.exempt(view)
    return view


def reporter_session_key() -> str:
    """Rate-limit key for a reporter's own actions: their (hashed) session token."""
    cookie = session.get("reporter")
    token = cookie[0] if isinstance(cookie, list) and cookie else ""
    return "reporter|" + hashlib.sha256(str(token).encode()).hexdigest()[:24]


def init_app(app: Flask) -> None:
    """Attach headers, CSRF, the limiter and the upload stream to ``app``."""
    # Inside the proxy fix, so the guard counts per real client, not per proxy.
    app.wsgi_app = slowclients.SlowClientGuard(  # type: ignore[method-assign]  # Flask's documented way to wrap the WSGI app
        app.wsgi_app, settings.rate_key_secret(app), settings.slow_client_limits(app)
    )
    trust_proxy(app)
    app.request_class = UploadRequest
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        RATELIMIT_STORAGE_URI=app.config["RATELIMIT_STORAGE_URI"],
        RATELIMIT_KEY_PREFIX="complaints",
        RATELIMIT_SWALLOW_ERRORS=False,
        # The decorated limits (staff log-in per client, password changes) fall back the same way.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
    )
    limiter.init_app(app)
    app.before_request(_limit_before_body_is_read)  # registered before CSRF's own hook
    csrf.init_app(app)
    app.after_request(_set_headers)
    app.teardown_request(_discard_unpromoted_uploads)
    quiet_request_logs()


def limit_value(name: str) -> Any:
    """A rate limit read from config at request time, e.g. ``limit_value("RATELIMIT_REPORT")``."""
    return lambda: current_app.config[name]
