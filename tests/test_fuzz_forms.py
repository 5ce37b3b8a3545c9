"""Every form of the app posted with generated values (any Unicode, Thai, control characters, huge
numbers, impossible dates, empty, doubled, missing and extra fields): never a server error, and a
refused citizen report comes back with what was typed.

The forms are read from the pages the way a browser sees them (tests/fuzz.py), so a form added to
a page is fuzzed without touching this file.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from complaints import cases
from complaints.db import new_session
from complaints.models import Case, StaffUser
from tests.conftest import (
    LEAD_PASSWORD,
    OFFICER_PASSWORD,
    POSTGRES_URL,
    create_custodian,
    create_staff,
    csrf_token_from,
    file_case,
    forget_used_totp,
    log_in_reporter,
    make_config,
    report_fields,
    staff_login,
)
from tests.fuzz import (
    ANY_TEXT,
    CONTROL_TEXT,
    THAI_TEXT,
    FormPlan,
    field_values,
    form_plans,
    fuzz_settings,
    post_forms,
)

# Limits high enough that the examples test the forms, not the rate limiter (tested elsewhere).
UNLIMITED = {
    name: "100000 per hour"
    for name in (
        "RATELIMIT_REPORT",
        "RATELIMIT_REPORT_POSTS",
        "RATELIMIT_FOLLOWUP",
        "RATELIMIT_FOLLOWUP_POSTS",
        "RATELIMIT_STAFF_LOGIN",
        "RATELIMIT_STAFF_LOGIN_PER_CLIENT",
        "RATELIMIT_STAFF_PASSWORD",
        "RATELIMIT_REPORTER_ACTIONS",
        "RATELIMIT_REPORTER_POSTS",
        "RATELIMIT_STAFF_INVITATION",
    )
}
# PostgreSQL makes each example's case far slower to file and step: lighter there (SQLite runs all).
ON_POSTGRES = bool(POSTGRES_URL)


def per_database(sqlite: int, postgres: int) -> int:
    return postgres if ON_POSTGRES else sqlite


# Forms that end the session the other examples run in.
SESSION_ENDERS = re.compile(r"/logout")


@pytest.fixture
def app_config(tmp_path: Path, database_url: str) -> dict[str, Any]:
    return make_config(tmp_path, database_url, **UNLIMITED)


def _assert_answered(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}\n{response.text[:2000]}"


# --- the citizen's report -------------------------------------------------------------------------

REPORT_TEXT_FIELDS = (
    "accused_name",
    "accused_position",
    "incident_date",
    "location",
    "amount",
    "witnesses",
    "reported_elsewhere",
    "desired_action",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
)
CHOICE_FIELDS = {
    "category": ["budget", "property", "", "nope"],
    "department": ["finance", "", "x"],
    "disclosure": ["anonymous", "confidential", "both"],
    "executive_subject": ["no", "mayor", "yes"],
    "consent": ["y", ""],
}


@st.composite
def report_posts(draw: st.DrawFn) -> dict[str, Any]:
    fields = report_fields()
    for name in REPORT_TEXT_FIELDS:
        if draw(st.integers(0, 3)) == 0:
            fields[name] = draw(field_values([]))
    for name, offered in CHOICE_FIELDS.items():
        if draw(st.integers(0, 3)) == 0:
            fields[name] = draw(field_values(offered))
    for name in list(fields):
        if draw(st.integers(0, 15)) == 0:
            del fields[name]
    # The description is what a refusal must never lose: ordinary words with the odd strange one.
    words = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20)
    fields["description"] = " ".join(draw(st.lists(words | THAI_TEXT | ANY_TEXT, min_size=1, max_size=6)))
    if draw(st.booleans()):
        fields["website"] = draw(ANY_TEXT)  # the honeypot
    return fields


def _kept(description: str, page: str) -> bool:
    """Whether the page shows the description as typed (line ends as a form sends them back)."""
    shown = html.unescape(page).replace("\r\n", "\n")
    return description.replace("\r\n", "\n").strip() in shown


@fuzz_settings(per_database(150, 75))
@given(fields=report_posts(), files=st.lists(st.tuples(ANY_TEXT, st.binary(max_size=64)), max_size=2))
def test_the_report_form_never_fails_and_a_refusal_keeps_the_description(
    client: FlaskClient, fields: dict[str, Any], files: list[tuple[str, bytes]]
) -> None:
    token = csrf_token_from(client.get("/report").text)
    data: dict[str, Any] = {"csrf_token": token, **fields}
    if files:
        data["attachments"] = [
            (io.BytesIO(content), name or "x", "application/octet-stream") for name, content in files
        ]
    response = client.post("/report", data=data, content_type="multipart/form-data")
    _assert_answered(response, "POST /report")
    if 'id="receipt"' in response.text or fields.get("website"):
        return  # accepted (or the honeypot's quiet answer)
    description = fields["description"]
    if description.strip() and "\x00" not in description:
        assert _kept(description, response.text), f"the refused form lost {description!r}"


# --- every form on every page, by role ------------------------------------------------------------


def _fuzz_page_forms(
    client: FlaskClient, page: str, plans: list[FormPlan], log_in: Callable[[], None] | None = None
) -> None:
    """Post one mangled submission per plan of the page's forms (re-read after each: steps move
    on); a staff client whose session a refused token ended logs in again."""
    for plan in plans:
        shown = client.get(page)
        if shown.status_code == 302 and log_in is not None:
            log_in()
            shown = client.get(page)
        _assert_answered(shown, f"GET {page}")
        forms = [form for form in post_forms(shown.text, page) if not SESSION_ENDERS.search(form.action)]
        if not forms:
            return
        form = forms[plan.pick % len(forms)]
        fields = plan.fill(form)
        kind = "multipart/form-data" if form.multipart else "application/x-www-form-urlencoded"
        response = client.post(form.action, data=fields, content_type=kind)
        _assert_answered(response, f"POST {form.action} from {page} with {fields!r}")


def _relogin(
    app: Flask, client: FlaskClient, username: str, password: str, secret: str
) -> Callable[[], None]:
    def log_in() -> None:
        forget_used_totp(app, username)
        assert staff_login(client, username, password, secret).status_code == 302

    return log_in


def _number(app: Flask, case_id: int) -> str:
    with new_session(app) as db:
        return db.get_one(Case, case_id).number


def _user_id(app: Flask, username: str) -> int:
    from sqlalchemy import select

    with new_session(app) as db:
        return db.scalars(select(StaffUser.id).where(StaffUser.username == username)).one()


def _logged_in(app: Flask, username: str, secret: str) -> FlaskClient:
    client = app.test_client()
    assert staff_login(client, username, OFFICER_PASSWORD, secret).status_code == 302
    return client


PUBLIC_PAGES = ["/report", "/follow-up", "/staff/login", "/staff/welcome", "/lang/en"]


def plans(count: int) -> st.SearchStrategy[list[FormPlan]]:
    return st.lists(form_plans(), min_size=count, max_size=count)


@fuzz_settings(25)
@given(page=st.sampled_from(PUBLIC_PAGES), posts=plans(2))
def test_public_forms_never_fail(client: FlaskClient, page: str, posts: list[FormPlan]) -> None:
    _fuzz_page_forms(client, page, posts)


@fuzz_settings(per_database(20, 10))
@given(posts=plans(4))
def test_the_reporters_forms_never_fail(app: Flask, posts: list[FormPlan]) -> None:
    _, receipt = file_case(app, cases.ReportContent(description="รายงานเพื่อทดสอบแบบฟอร์ม"))
    client = app.test_client()
    assert log_in_reporter(client, receipt).status_code == 302
    _fuzz_page_forms(client, "/follow-up/case", posts)


def _lead_relogin(app: Flask, client: FlaskClient) -> Callable[[], None]:
    return _relogin(app, client, "lead", LEAD_PASSWORD, app.config["TEST_LEAD_TOTP_SECRET"])


@fuzz_settings(per_database(30, 6))
@given(posts=plans(6))
def test_the_case_page_forms_never_fail(app: Flask, lead_client: FlaskClient, posts: list[FormPlan]) -> None:
    """Every step, note, reply, assignment, exclusion, reveal and protection form of a case."""
    case_id, _ = file_case(app, cases.ReportContent(description="คดีทดสอบแบบฟอร์มขั้นตอน"))
    page = f"/staff/cases/{_number(app, case_id)}"
    _fuzz_page_forms(lead_client, page, posts, _lead_relogin(app, lead_client))


STAFF_PAGES = [
    "/staff/",
    "/staff/intake",
    "/staff/password",
    "/staff/keys",
    "/staff/protection",
    "/staff/reveals",
]


@fuzz_settings(per_database(30, 15))
@given(page=st.sampled_from(STAFF_PAGES), posts=plans(3))
def test_the_workspace_forms_never_fail(
    app: Flask, lead_client: FlaskClient, page: str, posts: list[FormPlan]
) -> None:
    file_case(app, cases.ReportContent(description="คดีที่มีในคิว"))
    _fuzz_page_forms(lead_client, page, posts, _lead_relogin(app, lead_client))


ADMIN_SECRET: dict[str, str] = {}


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    """An administrator, with a custodian account beside it for the account pages."""
    create_custodian(app, "keeper1")
    ADMIN_SECRET["admin1"] = create_staff(app, "admin1", "admin")
    return _logged_in(app, "admin1", ADMIN_SECRET["admin1"])


ADMIN_PAGES = [
    "/admin/",
    "/admin/users/new",
    "/admin/users/keeper1",
    "/admin/audit",
    "/admin/settings",
    "/admin/statistics/report",
]


@fuzz_settings(25)
@given(page=st.sampled_from(ADMIN_PAGES), posts=plans(3))
def test_the_admin_forms_never_fail(
    app: Flask, admin_client: FlaskClient, page: str, posts: list[FormPlan]
) -> None:
    page = page.replace("keeper1", str(_user_id(app, "keeper1")))
    log_in = _relogin(app, admin_client, "admin1", OFFICER_PASSWORD, ADMIN_SECRET["admin1"])
    _fuzz_page_forms(admin_client, page, posts, log_in)


# --- query strings --------------------------------------------------------------------------------

QUERY_PAGES = [
    ("/statistics", ["fy", "lang"]),
    ("/staff/", ["status", "category", "department", "deadline", "fy", "sort", "mine", "number", "page"]),
    ("/staff/statistics", ["fy"]),
    ("/admin/statistics", ["fy"]),
    ("/admin/statistics.csv", ["fy"]),
    ("/admin/statistics.json", ["fy"]),
    ("/admin/audit", ["before"]),
    ("/follow-up", ["receipt"]),
]


@fuzz_settings(60)
@given(
    page=st.sampled_from(QUERY_PAGES),
    values=st.lists(field_values([]) | CONTROL_TEXT, min_size=9, max_size=9),
    used=st.integers(0, 511),
)
def test_query_strings_never_fail(
    client: FlaskClient,
    lead_client: FlaskClient,
    admin_client: FlaskClient,
    page: tuple[str, list[str]],
    values: list[str],
    used: int,
) -> None:
    page, names = page
    query = {name: values[i] for i, name in enumerate(names) if used >> i & 1}
    client = {"/staff": lead_client, "/admin": admin_client}.get(page[:6], client)
    _assert_answered(client.get(page, query_string=query), f"GET {page}?{query!r}")
