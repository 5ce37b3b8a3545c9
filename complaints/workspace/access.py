"""Who is logged in to the workspace and what they may open: roles, the request's staff member,
the view guard, and what every staff and admin template knows about the person."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, request, url_for
from sqlalchemy.orm import Session

from complaints import crypto, db, keys, label_namers, pins, settings
from complaints.dates import utcnow
from complaints.i18n import gettext as _
from complaints.models import StaffUser
from complaints.workspace.sessions import (
    SessionExpired,
    StaffContext,
    cookie_half,
    forget_cookie,
    resume_session,
)

LEGAL_ROLES = frozenset({"officer", "lead", "custodian"})
HANDLER_ROLES = frozenset({"officer", "lead"})
ADMIN_ROLES = frozenset({"admin"})
LEAD_ROLES = frozenset({"lead"})
CUSTODIAN_ROLES = frozenset({"custodian"})
# The log-out view deletes whatever the cookie names without opening it.
_LOGOUT_ENDPOINT = "staff.logout"

View = TypeVar("View", bound=Callable[..., Any])


def load_current_staff(database: Session) -> bool:
    """Set ``g.staff`` from the cookie; returns False when a session existed but has expired."""
    g.staff = None
    half = cookie_half()
    if half is None:
        return True
    try:
        g.staff = resume_session(database, half[0], half[1], utcnow(), settings.login_policy())
    except SessionExpired:
        forget_cookie()
        return False
    return True


def load_staff_session() -> None:
    """``before_request`` of the staff and admin blueprints: find the session, say when it ended."""
    if request.endpoint == _LOGOUT_ENDPOINT:
        return
    database = db.session()
    if not load_current_staff(database):
        flash(_("Your session has ended. Please log in again."), "info")
    database.commit()


def current_staff() -> StaffContext | None:
    """The logged-in staff member of this request, if any."""
    context: StaffContext | None = g.get("staff")
    return context


def staff() -> StaffContext:
    """The logged-in staff member (inside views protected by :func:`requires_roles`)."""
    context = current_staff()
    if context is None:
        abort(401)
    return context


def home_endpoint(user: StaffUser) -> str:
    """Where a person lands after log-in and on the workspace's home address: the page their role
    works from. Administrators hold no key, so their accounts page comes first even when they
    have a legal role too; then the queue for officers and leads; the reveal requests for the
    identity custodian, who never holds the legal unit key the queue needs."""
    roles = user.role_set
    if "admin" in roles:
        return "admin.users"
    if roles & HANDLER_ROLES:
        return "staff.queue"
    return "staff.reveals" if roles & CUSTODIAN_ROLES else "admin.users"


def safe_next(target: str | None) -> str | None:
    """A post-login redirect target, only if it stays inside the staff or admin area."""
    if not target:
        return None
    parts = urlsplit(target)
    # Not printable: a CR or LF would split the Location header (Werkzeug refuses it: a 500).
    if parts.scheme or parts.netloc or target.startswith("//") or "\\" in target or not target.isprintable():
        return None
    return target if target.startswith(("/staff/", "/admin/")) else None


def requires_roles(roles: frozenset[str]) -> Callable[[View], View]:
    """Protect a view: logged in, own password set, and holding one of ``roles``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            context = current_staff()
            if context is None:
                target = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("staff.login", next=target))
            if context.user.must_change_password:
                return redirect(url_for("staff.change_password"))
            if not context.has_any(roles):
                abort(403)
            return view(*args, **kwargs)

        return cast(View, wrapper)

    return decorate


def holds_key(database: Session, context: StaffContext, kind: str) -> bool:
    """Whether the person holds a usable grant of an organisation key."""
    try:
        keys.private_key_for(database, kind, context.user, context.personal_key)
    except (keys.KeyringError, crypto.CryptoError):
        return False
    return True


# A case number as the counter writes it ("2569-0007") goes into a path unchanged.
_PLAIN_NUMBER = re.compile(r"[0-9A-Za-z-]+")
_MARK = "N0"


def case_urls() -> Callable[[str], str]:
    """``url_for("staff.case", number=…)`` with the route built once per page (a queue page links
    fifty cases); a number with any other character goes through ``url_for`` itself."""
    built: list[str] = []

    def case_url(number: str) -> str:
        if not _PLAIN_NUMBER.fullmatch(number):
            return url_for("staff.case", number=number)
        if not built:
            built[:] = url_for("staff.case", number=_MARK).rpartition(_MARK)[::2]
        return built[0] + number + built[1]

    return case_url


def template_helpers() -> dict[str, Any]:
    """``context_processor`` of the staff and admin blueprints: the person, their roles, labels."""
    context = current_staff()
    roles = context.user.role_set if context else frozenset()
    return {
        **label_namers.template_helpers(),
        "case_url": case_urls(),
        "staff_user": context.user if context else None,
        "is_lead": "lead" in roles,
        "is_handler": bool(roles & HANDLER_ROLES),
        "is_legal": bool(roles & LEGAL_ROLES),
        "is_admin": "admin" in roles,
        "may_grant": bool(roles & {"lead", "custodian"}),
        "is_custodian": "custodian" in roles,
        # What this person reads out when a lead or the custodian grants them a key in person.
        "my_fingerprint": pins.spoken_fingerprint(context.user.public_key) if context else "",
    }
