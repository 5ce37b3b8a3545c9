"""Security middleware: headers, CSRF, rate limits, the encrypting upload stream, quiet logs."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from flask import Flask, Request, abort, current_app, g, request, session
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect
from limits import RateLimitItem
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import RateLimiter
from redis.exceptions import RedisError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix

from complaints import settings, slowclients
from complaints.assets import LONG_LIVED
from complaints.storage import EncryptedUpload, SurplusFile

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


@dataclass(frozen=True)
class FormLimit:
    """The two buckets of a public form. Every POST counts in ``posts`` (a larger bound on abuse);
    only a form that is accepted spends ``accepted``, the limit the settings name, so mistakes a
    person corrects, an oversized file or an expired form never lock them out. Both are looked at
    *before* the body is read (``accepted`` without being spent), so an over-limit client is
    refused before it streams its uploads."""

    accepted: str
    posts: str


# The CSRF check parses the whole multipart body, so a limit applied only at the view would let an
# over-limit client stream its uploads first, and requests without a valid token would never count.
FORM_LIMITS = {
    "public.report": FormLimit("RATELIMIT_REPORT", "RATELIMIT_REPORT_POSTS"),
    "followup.login": FormLimit("RATELIMIT_FOLLOWUP", "RATELIMIT_FOLLOWUP_POSTS"),
    "followup.evidence": FormLimit("RATELIMIT_REPORT", "RATELIMIT_REPORT_POSTS"),
}
# Endpoints where every POST spends the limit, counted before the body is read.
LIMITS_BEFORE_BODY = {
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


def _count_in(
    counting: RateLimiter, limit: RateLimitItem, identifiers: tuple[str, ...], spend: bool
) -> tuple[bool, float]:
    allowed = counting.hit(limit, *identifiers) if spend else counting.test(limit, *identifiers)
    # When the window resets matters only to a refused client (one storage round trip less).
    return allowed, 0.0 if allowed else float(counting.get_window_stats(limit, *identifiers).reset_time)


def _count(limit: RateLimitItem, identifiers: tuple[str, ...], spend: bool) -> tuple[bool, float]:
    """Spend one use of ``limit`` (or only look whether one is left): allowed, and — when refused —
    the reset time. The shared storage is simply tried (no separate health check per count): when
    it does not answer, the count goes to this process's storage instead."""
    try:
        return _count_in(limiter.limiter, limit, identifiers, spend)
    except (RedisError, OSError, ConnectionError):
        return _count_in(_local_limiter(), limit, identifiers, spend)


def hit(limit: RateLimitItem, *identifiers: str) -> tuple[bool, float]:
    """Count one use against ``limit``: whether it is allowed, and when refused, when the window resets."""
    return _count(limit, identifiers, spend=True)


def _refuse_unless(allowed_until: tuple[bool, float]) -> None:
    allowed, reset_at = allowed_until
    if not allowed:
        raise TooManyRequests(retry_after=max(1, math.ceil(reset_at - time.time())))


def _bucket(endpoint: str, bucket: str = "") -> tuple[str, ...]:
    """The identifiers of one client's bucket at ``endpoint`` (the accepted one has no suffix)."""
    return settings.rate_limit_prefix(), endpoint + bucket, anonymous_rate_key()


def _limit_before_body_is_read() -> None:
    endpoint = request.endpoint or ""
    if request.method != "POST" or not settings.rate_limits_enabled():
        return
    form_limit = FORM_LIMITS.get(endpoint)
    if form_limit is not None:
        _refuse_unless(hit(parse_limit(settings.rate_limit(form_limit.posts)), *_bucket(endpoint, "|posts")))
        accepted = parse_limit(settings.rate_limit(form_limit.accepted))
        _refuse_unless(_count(accepted, _bucket(endpoint), spend=False))
        return
    setting = LIMITS_BEFORE_BODY.get(endpoint)
    if setting is not None:
        _refuse_unless(hit(parse_limit(settings.rate_limit(setting)), *_bucket(endpoint)))


def _refuse_nul_in_url() -> None:
    """A NUL byte in the path or the query string is never one of ours, and PostgreSQL refuses it
    in any text value. In the path the request ends here (404) instead of as a 500 at the first
    query; in the query string it becomes U+FFFD, so the value is one no list of choices holds and
    the page falls back to its default as for any other nonsense (a forged page link included)."""
    if "\x00" in request.path:
        abort(404)
    pairs = list(request.args.items(multi=True))
    if any("\x00" in key + value for key, value in pairs):
        cleaned = [(key.replace("\x00", "\ufffd"), value.replace("\x00", "\ufffd")) for key, value in pairs]
        request.args = ImmutableMultiDict(cleaned)


def spend_accepted_form() -> int | None:
    """This request's form is accepted: spend one use of its endpoint's limit. Returns the seconds
    to wait when none was left (several accepted at once), for a view that spends before the work
    it guards; None when it was spent or the endpoint has no such limit."""
    endpoint = request.endpoint or ""
    form_limit = FORM_LIMITS.get(endpoint)
    if form_limit is None or not settings.rate_limits_enabled():
        return None
    limit = parse_limit(settings.rate_limit(form_limit.accepted))
    allowed, reset_at = hit(limit, *_bucket(endpoint))
    return None if allowed else max(1, math.ceil(reset_at - time.time()))


def retry_after_seconds(error: HTTPException) -> int | None:
    """How many seconds a refused client must wait, when the limit that refused it is known."""
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int):
        return max(1, retry_after)
    if limiter.current_limit is not None and limiter.current_limit.breached:
        return max(1, math.ceil(limiter.current_limit.reset_at - time.time()))
    return None


def minutes_until_retry(error: HTTPException) -> int | None:
    """About how many minutes a refused client must wait, when the limit that refused it is known."""
    seconds = retry_after_seconds(error)
    return None if seconds is None else max(1, round(seconds / 60))


def posted_from_our_pages() -> bool:
    """Whether a POST says it came from one of this site's own pages. Browsers send
    ``Sec-Fetch-Site`` (and ``Origin``) with every form; a refused form's text is shown back only
    then, so a page elsewhere cannot make this site display a report it wrote."""
    fetched_from = request.headers.get("Sec-Fetch-Site")
    if fetched_from is not None:
        return fetched_from == "same-origin"
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/")


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
            return SurplusFile()  # type: ignore[return-value]  # read and dropped; the form says so
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
    app.before_request(_refuse_nul_in_url)
    csrf.init_app(app)
    app.after_request(_set_headers)
    app.teardown_request(_discard_unpromoted_uploads)
    quiet_request_logs()


def limit_value(name: str) -> Any:
    """A rate limit read from config at request time, e.g. ``limit_value("RATELIMIT_REPORT")``."""
    return lambda: current_app.config[name]
