"""SQL injection (and its cousins: LIKE wildcards, NUL bytes, overlong and non-numeric values) in
every query-string parameter, path part and form field of the queue, search, statistics, key,
protection and admin pages: never a 5xx, never a row the benign value would not show (the excluded
officer never sees case B), every refused request changes nothing, and every table is still there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select
from werkzeug.test import TestResponse

from complaints.admin.accounts import USERNAME_PATTERN
from complaints.db import engine_of, new_session
from complaints.models import Base, Case, StaffUser
from tests.attack_world import MARK, World, fingerprint, shared_world
from tests.conftest import csrf_token_from

HOSTILE = (
    "' OR 1=1--",
    '" OR ""="',
    "1;DROP TABLE cases",
    "1); DROP TABLE staff_users;--",
    "2569-0001' UNION SELECT username, password_hash FROM staff_users--",
    "%",
    "_",
    "%' OR number LIKE '%",
    "\x00",
    "2569\x00-0001",
    "x" * 5000,
    "-1",
    "1.5",
    "1e9",
    "99999999999999999999",
    "0x10",
    "๑๒",
    "²",
)
ID_SHAPED = ("' OR 1=1--", "1;DROP TABLE cases", "%", "\x00", "x" * 5000, "-1", "99999999999999999999", "๑๒")
CSRF_PAGE = "แบบฟอร์มหมดอายุ"
# Tables whose rows a refused request may touch: the audit log records refusals, sessions are
# touched by every request.
VOLATILE = {"audit_events", "audit_head", "staff_sessions", "reporter_sessions"}
QUEUE_PARAMS = (
    "number",
    "status",
    "category",
    "department",
    "deadline",
    "fy",
    "sort",
    "mine",
    "page",
    "after",
    "before",
    "last",
)
TYPED_PARAMS = {"number", "fy", "page", "after", "before"}
LISTED = re.compile(r'<td><a href="/staff/cases/([^"]+)">')


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    names = ("RATELIMIT_FOLLOWUP", "RATELIMIT_FOLLOWUP_POSTS", "RATELIMIT_STAFF_INVITATION")
    limits = {name: "100000 per hour" for name in names}
    with shared_world(tmp_path_factory.mktemp("injection"), **limits) as built:
        yield built


def _ok(response: TestResponse, what: object) -> TestResponse:
    response.get_data()
    response.close()
    assert response.status_code < 500, (what, response.status_code, response.text[:300])
    return response


def _listed(client: FlaskClient, query: dict[str, str]) -> set[str]:
    """The case numbers listed (a NUL byte in the query counts as any other nonsense)."""
    response = _ok(client.get("/staff/", query_string=query), query)
    assert response.status_code == 200, query
    return set(LISTED.findall(response.text))


def _unchanged(world: World, before: dict[str, list[str]], what: object) -> None:
    after = fingerprint(world.app)
    changed = {name for name, rows in after.items() if rows != before[name]} - VOLATILE
    assert not changed, (what, changed)


@pytest.mark.parametrize("role", ["lead", "officer2"])
def test_hostile_queue_parameters_list_nothing_more_than_the_default(world: World, role: str) -> None:
    """Every filter falls back to its default; a hostile search finds nothing; nobody's queue ever
    shows more rows than the benign listing, and the excluded officer never sees case B."""
    client = world.client(role)
    default = _listed(client, {})
    everything = _listed(client, {"status": "all"})
    assert default
    assert everything >= default
    assert (world.number_b in everything) is (role == "lead")
    assert _listed(client, {"number": "no-such-letter"}) == set()
    for name in QUEUE_PARAMS:
        # A choice is checked against its list of choices: the id-shaped values are enough there.
        for value in HOSTILE if name in TYPED_PARAMS else ID_SHAPED:
            listed = _listed(client, {name: value})
            if name == "number":
                assert listed == set(), (name, value, listed)
            else:
                assert listed == default, (name, value, listed)
            if name in ("after", "before", "page", "last"):  # the pager also over every case
                assert _listed(client, {"status": "all", name: value}) <= everything, (name, value)


def test_hostile_search_with_every_filter_at_once(world: World) -> None:
    client = world.client("officer2")
    for value in HOSTILE:
        listed = _listed(client, dict.fromkeys(QUEUE_PARAMS, value))
        assert world.number_b not in listed
        assert listed <= _listed(client, {"status": "all"})


def test_hostile_years_and_periods_on_the_statistics_pages(world: World) -> None:
    pages = [
        ("lead", "/staff/statistics", ("fy",)),
        ("admin", "/admin/statistics", ("fy",)),
        ("admin", "/admin/statistics/report", ("fy", "period")),
        ("admin", "/admin/statistics/report/print", ("fy", "period")),
        ("admin", "/admin/audit", ("before",)),
        ("anonymous", "/statistics", ("fy", "by")),
    ]
    admin = world.client("admin")
    baseline_csv = _ok(admin.get("/admin/statistics.csv"), "csv").data
    for value in HOSTILE:
        for role, url, keys in pages:
            for key in keys:
                _ok(world.client(role).get(url, query_string={key: value}), (url, key, value))
        exported = _ok(admin.get("/admin/statistics.csv", query_string={"fy": value}), value)
        assert exported.data == baseline_csv, value  # an unknown year is the newest one


def _path_targets(world: World) -> list[tuple[str, str, str]]:
    """(role, method, URL with {} for the hostile value) for every id or number in a path."""
    a = world.number_a
    return [
        ("lead", "GET", "/staff/cases/{}"),
        ("lead", "GET", "/staff/cases/{}/record"),
        ("lead", "GET", f"/staff/cases/{a}/files/{{}}"),
        ("lead", "POST", f"/staff/cases/{a}/steps/{{}}"),
        ("admin", "GET", "/admin/users/{}"),
        ("admin", "POST", "/admin/users/{}/disable"),
        ("admin", "POST", "/admin/users/{}/roles"),
        ("admin", "POST", f"/admin/users/{world.ids['officer2']}/{{}}"),
        ("custodian", "POST", "/staff/reveals/{}/decline"),
        ("custodian", "POST", "/staff/reveals/consents/{}"),
        ("custodian", "POST", "/staff/protection/checks/{}"),
        ("admin", "GET", "/admin/statistics.{}"),
        ("anonymous", "GET", "/lang/{}"),
    ]


def test_hostile_ids_and_numbers_in_paths_are_refused_without_a_trace(world: World) -> None:
    for role, method, template in _path_targets(world):
        token = world.token(role) if role != "anonymous" else ""  # before the fork copies the cookie
        client = world.fork(role)
        before = fingerprint(world.app)
        for value in HOSTILE:
            url = template.format(quote(value, safe=""))
            if method == "GET":
                response = _ok(client.get(url), url)
            else:
                data = {"csrf_token": token, "because": "basis_checked", "answer": "not_protected"}
                response = _ok(client.post(url, data=data), url)
            assert response.status_code in (302, 303, 400, 404, 409), (url, response.status_code)
            assert MARK not in response.text, url
            assert CSRF_PAGE not in response.text, url  # the value was tried, not the token
        _unchanged(world, before, template)


def _form_targets(world: World) -> list[tuple[str, str, dict[str, str], str]]:
    """(role, URL, other fields, the field the hostile value goes in) for every form with a typed
    value that reaches a query: ids, numbers, names, dates, the receipt."""
    a = world.number_a
    step = f"/staff/cases/{a}/steps/start_screening"
    record = {"reference": "คำสั่ง 1/2569", "from_on": "2026-01-01"}
    return [
        ("anonymous", "/staff/login", {"password": "x", "totp": "123456"}, "username"),
        ("anonymous", "/staff/login", {"username": "nobody", "totp": "123456"}, "password"),
        ("anonymous", "/staff/login", {"username": "nobody", "password": "x"}, "totp"),
        ("anonymous", "/staff/welcome", {"code": "ABCD-EFGH"}, "username"),
        ("anonymous", "/staff/welcome", {"username": "lead"}, "code"),
        ("anonymous", "/follow-up", {}, "receipt"),
        ("lead", f"/staff/cases/{a}/assign", {}, "assignee"),
        ("lead", f"/staff/cases/{a}/exclude", {}, "user"),
        ("lead", f"/staff/cases/{a}/exclusions/lift", {"reason": "resolved"}, "user"),
        ("lead", f"/staff/cases/{a}/exclusions/lift", {"user": str(world.ids["officer2"])}, "reason"),
        ("lead", f"/staff/cases/{a}/reveal", {"reference": "1/2569"}, "reason"),
        ("lead", step, {}, "start_screening-event_on"),
        ("lead", "/staff/keys/grant", {"kind": "unit", "compared": "y"}, "user_id"),
        ("lead", "/staff/keys/grant", {"user_id": str(world.ids["officer2"]), "compared": "y"}, "kind"),
        ("lead", "/staff/keys/revoke", {"confirm": "y"}, "user_id"),
        ("custodian", "/staff/protection/records", record, "number"),
        ("custodian", "/staff/protection/records", {"number": a, "reference": "1/2569"}, "from_on"),
    ]


def test_hostile_form_fields_are_refused_without_a_trace(world: World) -> None:
    for role, url, fields, target in _form_targets(world):
        client = world.fork(role) if role == "anonymous" else None
        token = world.token(role) if client is None else csrf_token_from(client.get(url).text)
        client = client or world.fork(role)  # after the token, so the copy holds its session
        before = fingerprint(world.app)
        # The case page (re-rendered with every refusal) is slow to build: the id-shaped values only.
        for value in ID_SHAPED if "/cases/" in url else HOSTILE:
            posted = client.post(url, data={"csrf_token": token, **fields, target: value})
            response = _ok(posted, (url, target))
            assert response.status_code != 302 or role != "anonymous", (url, target, value)
            assert role != "anonymous" or MARK not in response.text, (url, target)
            assert CSRF_PAGE not in response.text, (url, target)
        _unchanged(world, before, (url, target))


def test_hostile_text_is_kept_exactly_where_text_is_allowed(world: World) -> None:
    """A display name, an email and the report's words are data: stored as typed or refused with a
    message, never run (the NUL byte is the one value a PostgreSQL text column cannot hold)."""
    token = world.token("admin")
    admin = world.fork("admin")
    for index, value in enumerate(HOSTILE):
        for username, name in ((f"inject{index}", value[:120]), (value, "")):
            data = {"csrf_token": token, "username": username, "display_name": name, "role_officer": "y"}
            response = _ok(admin.post("/admin/users/new", data=data), value)
            with new_session(world.app) as db:  # (a NUL username cannot even be looked up there)
                found = select(StaffUser.display_name).where(StaffUser.username == username)
                stored = None if "\x00" in username else db.scalars(found).first()
            if response.status_code == 200:  # the printable invitation of the new account
                assert USERNAME_PATTERN.match(username), username
                assert stored == name.strip(), value
            else:
                assert response.status_code == 400, (value, response.status_code)
                assert stored is None
                if "\x00" in username + name:  # refused with a message, in Thai, at the field
                    assert "ช่องนี้มีอักขระ NUL (รหัส 0)" in response.text


def test_every_table_is_still_there(world: World) -> None:
    """Run last in the module: after every attack above the schema is whole and the cases remain."""
    tables = set(inspect(engine_of(world.app)).get_table_names())
    assert tables >= {table.name for table in Base.metadata.sorted_tables}
    with new_session(world.app) as db:
        assert db.scalar(select(func.count()).select_from(Case)) == 3
        assert db.scalars(select(Case.number).where(Case.id == world.ids["case_a"])).one() == world.number_a
