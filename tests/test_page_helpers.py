"""The staff pages' helpers built once per page give what the slow way gives."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string, url_for

from complaints import label_namers
from complaints.workspace.access import case_urls

NUMBERS = ["2569-0007", "2570-1234", "2570/12", "ก-1", "a b", "N0", "x?y#z", "2569-N0"]


@pytest.mark.parametrize("base", ["http://localhost/", "http://localhost/mounted/here/"])
def test_a_case_link_is_the_one_url_for_builds(app: Flask, base: str) -> None:
    with app.test_request_context("/staff/", base_url=base):
        case_url = case_urls()
        for number in NUMBERS * 2:  # the second round uses the route built in the first
            assert case_url(number) == url_for("staff.case", number=number)


def test_a_label_looked_up_once_per_page_follows_the_language(app: Flask) -> None:
    page = "{{ status_label('received') }}|{{ status_label('received') }}|{{ status_label(None) }}"
    for language, expected in (("en", "Received"), ("th", "รับเรื่อง")):
        with app.test_request_context("/staff/", headers={"Cookie": f"lang={language}"}):
            shown = render_template_string(page, **label_namers.template_helpers())
            first, second, empty = shown.split("|")
            assert first == second
            assert expected in first
            assert empty == ""
