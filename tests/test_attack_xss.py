"""Stored and reflected XSS, swept over the URL map: with the hostile case of the attack world (and
the hostile words an administrator can type into the statistics report), every GET page, as every
role, renders the payload escaped; files and exports are never served as HTML and their
``Content-Disposition`` never carries the raw payload; the citizen's follow-up page shows the
officer's hostile reply escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from werkzeug.test import TestResponse

from tests.attack_world import MARK, PAYLOAD, ROLES, World, assert_escaped, shared_world
from tests.conftest import approve_pending_reveals, csrf_token_from

HOSTILE = quote(PAYLOAD, safe="")
# Rules that serve the site's own files, never anything a person typed.
OWN_FILES = {"static", "assets.asset", "public.favicon", "public.robots"}
SAFE_TYPES = ("application/pdf", "application/octet-stream", "application/json", "text/csv", "text/plain")
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The attack world, plus: case A handled by the officer whose display name is hostile, the
    reveal approved (so the hostile identity shows), and hostile statistics-report words."""
    with shared_world(tmp_path_factory.mktemp("xss")) as built:
        lead, page = built.clients["lead"], f"/staff/cases/{built.number_a}"
        token = csrf_token_from(lead.get(page).text)
        assigned = lead.post(
            f"{page}/assign", data={"csrf_token": token, "assignee": str(built.ids["officer1"])}
        )
        assert assigned.status_code == 302, assigned.text[:300]
        assert approve_pending_reveals(built.app, built.clients["custodian"]) == 1
        admin = built.clients["admin"]
        form = "/admin/statistics/report?period=half"
        words = {name: PAYLOAD for name in ("analysis", "measures")} | {
            name: PAYLOAD[:120]
            for name in ("prepared_by_name", "prepared_by_position", "signer_name", "signer_position")
        }
        saved = admin.post(form, data={"csrf_token": csrf_token_from(admin.get(form).text), **words})
        assert saved.status_code == 302, saved.text[:300]
        yield built


def _variants(world: World) -> dict[str, list[str]]:
    """Every GET rule with the URLs tried on it: the world's objects, and hostile query strings
    (a reflected payload is as bad as a stored one)."""
    a, b, intake = world.number_a, world.number_b, world.intake_number
    fy = f"fy={HOSTILE}&period=half"
    return {
        "public.landing": ["/", f"/?q={HOSTILE}"],
        "public.guideline": ["/guideline"],
        "public.protection": ["/protection"],
        "public.report": ["/report"],
        "public.statistics": [f"/statistics?fy={HOSTILE}&by={HOSTILE}", "/statistics?by=quarter"],
        "public.poster_page": ["/poster"],
        "public.poster_pdf": ["/poster.pdf"],
        "public.healthz": ["/healthz"],
        "public.readyz": ["/readyz"],
        "public.choose_language": [f"/lang/{HOSTILE}?next={HOSTILE}", f"/lang/en?next=/{HOSTILE}"],
        "followup.login": ["/follow-up"],
        "followup.case": ["/follow-up/case"],
        "staff.welcome": [f"/staff/welcome?code={HOSTILE}"],
        "staff.login": [f"/staff/login?next={HOSTILE}", f"/staff/login?next=/staff/{HOSTILE}"],
        "staff.queue": [
            "/staff/?status=all",
            f"/staff/?number={HOSTILE}",
            f"/staff/?status={HOSTILE}&category={HOSTILE}&sort={HOSTILE}&fy={HOSTILE}&page={HOSTILE}",
            f"/staff/?after={HOSTILE}",
            f"/staff/?before={HOSTILE}&last=1",
        ],
        "staff.case": [f"/staff/cases/{number}" for number in (a, b, intake, HOSTILE)],
        "staff.download": [
            f"/staff/cases/{a}/files/{world.file_a}",
            f"/staff/cases/{b}/files/{world.file_b}",
        ],
        "staff.case_record": [f"/staff/cases/{a}/record", f"/staff/cases/{intake}/record"],
        "staff.case_record_pdf": [f"/staff/cases/{a}/record.pdf"],
        "staff.intake": ["/staff/intake"],
        "staff.key_access": ["/staff/keys"],
        "staff.change_password": ["/staff/password"],
        "staff.protection_page": ["/staff/protection"],
        "staff.reveals": ["/staff/reveals"],
        "staff.statistics": ["/staff/statistics", f"/staff/statistics?fy={HOSTILE}"],
        "admin.users": ["/admin/"],
        "admin.user": [f"/admin/users/{world.ids['officer1']}", f"/admin/users/{HOSTILE}"],
        "admin.new_user": ["/admin/users/new"],
        "admin.audit_log": ["/admin/audit", f"/admin/audit?before={HOSTILE}"],
        "admin.settings": ["/admin/settings"],
        "admin.statistics": ["/admin/statistics", f"/admin/statistics?fy={HOSTILE}"],
        "admin.statistics_export": [
            *(f"/admin/statistics.{fmt}?fy={HOSTILE}" for fmt in ("csv", "json", "xlsx")),
            "/admin/statistics.html",
        ],
        "admin.statistics_report": ["/admin/statistics/report?period=half", f"/admin/statistics/report?{fy}"],
        "admin.statistics_report_print": ["/admin/statistics/report/print?period=half"],
        "admin.statistics_report_pdf": ["/admin/statistics/report.pdf?period=half"],
    }


# (endpoint, role): pages that must show the hostile text (escaped), so the sweep cannot pass by
# showing nothing. The officer handles case A; the lead, who asked for the reveal, sees the identity.
MUST_SHOW = {
    ("staff.case", "lead"),
    ("staff.case", "officer"),
    ("staff.case_record", "lead"),
    ("staff.queue", "lead"),  # the assigned officer's display name
    ("staff.key_access", "lead"),
    ("staff.protection_page", "custodian"),
    ("followup.case", "reporter"),
    ("admin.users", "admin"),
    ("admin.user", "admin"),
    ("admin.statistics_report", "admin"),
    ("admin.statistics_report_print", "admin"),
}


def _read(response: TestResponse) -> bytes:
    body = response.get_data()
    response.close()
    return body


def _assert_not_html_file(response: TestResponse, url: str) -> None:
    """A file or export: a non-HTML type the browser may not sniff, a safe attachment name."""
    media = response.headers.get("Content-Type", "")
    assert media.startswith((*SAFE_TYPES, XLSX)), (url, media)
    assert "html" not in media, url
    assert response.headers["X-Content-Type-Options"] == "nosniff", url
    disposition = response.headers.get("Content-Disposition", "")
    for raw in ("<", ">", "\n", "\r", "javascript:", "{{"):
        assert raw not in disposition, (url, disposition)
    quoted = re.findall(r'filename="([^"]*)"', disposition)
    assert all('"' not in name and "/" not in name for name in quoted), disposition


def _rules(world: World) -> list[str]:
    return sorted(
        rule.endpoint
        for rule in world.app.url_map.iter_rules()
        if rule.methods and "GET" in rule.methods and rule.endpoint not in OWN_FILES
    )


def test_every_get_rule_has_urls_to_attack(world: World) -> None:
    """A new page must be given its URLs here before the sweep below passes."""
    assert set(_rules(world)) == set(_variants(world))


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_the_stored_and_reflected_payload_escaped(world: World, role: str) -> None:
    client = world.client(role)
    shown: set[str] = set()
    for endpoint, urls in sorted(_variants(world).items()):
        for url in urls:
            response = client.get(url)
            body = _read(response)
            assert response.status_code < 500, (url, response.status_code)
            if response.mimetype != "text/html":
                if response.status_code == 200:
                    _assert_not_html_file(response, url)
                continue
            html = body.decode()
            assert_escaped(html, rendered=MARK in html)
            if ESCAPED_SCRIPT in html:  # a display name holds only the first 120 characters
                shown.add(endpoint)
    expected = {endpoint for endpoint, who in MUST_SHOW if who == role}
    assert expected <= shown, expected - shown


def test_the_hostile_file_name_is_downloaded_as_a_safe_attachment(world: World) -> None:
    for number, uid in ((world.number_a, world.file_a), (world.number_b, world.file_b)):
        response = world.client("lead").get(f"/staff/cases/{number}/files/{uid}")
        assert response.status_code == 200
        _read(response)
        _assert_not_html_file(response, uid)
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        if uid == world.file_b:  # (case A's name was cut at its quote by the multipart encoding)
            assert quote(MARK, safe="") in disposition  # the real name travels RFC 5987-encoded
        parts = re.fullmatch(r'attachment; filename="(.*)"; filename\*=UTF-8\'\'(.*)', disposition)
        assert parts, disposition
        fallback, encoded = parts.groups()
        assert re.fullmatch(r"[A-Za-z0-9._-]+", fallback), fallback  # the ASCII fallback is tamed
        assert re.fullmatch(r"[A-Za-z0-9._~%-]+", encoded), encoded  # the real name only percent-encoded


def test_the_exports_are_attachments_and_never_html(world: World) -> None:
    admin = world.client("admin")
    for fmt in ("csv", "json", "xlsx"):
        response = admin.get(f"/admin/statistics.{fmt}")
        assert response.status_code == 200
        _read(response)
        _assert_not_html_file(response, fmt)
        assert response.headers["Content-Disposition"].startswith("attachment;")
    assert admin.get("/admin/statistics.html").status_code == 404


def test_the_reporter_sees_the_officers_hostile_reply_escaped(world: World) -> None:
    html = world.client("reporter").get("/follow-up/case").text
    assert_escaped(html)
    # The report (several fields), the reporter's own message and the officer's reply.
    assert html.count(MARK) >= 3
