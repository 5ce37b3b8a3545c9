"""Shared pieces of the property tests (tests/test_fuzz_*.py): example counts, value strategies and
a reader of the forms a page offers, so every form is posted the way a browser would, then mangled.

Counts are tuned so the fuzz files add about a minute to a SQLite run; ``COMPLAINTS_FUZZ=long``
multiplies every count by ``LONG_FACTOR`` (and the "long" profile in conftest stops derandomizing).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import hypothesis
from hypothesis import strategies as st

LONG = os.environ.get("COMPLAINTS_FUZZ") == "long"
LONG_FACTOR = 20


def examples(count: int) -> int:
    """The number of examples a test runs: ``count`` in CI, ``LONG_FACTOR`` times more when long."""
    return count * LONG_FACTOR if LONG else count


def fuzz_settings(count: int, **kwargs: Any) -> hypothesis.settings:
    """The settings of one fuzz test: the loaded profile with the scaled example count."""
    return hypothesis.settings(max_examples=examples(count), **kwargs)


# --- values ---------------------------------------------------------------------------------------

# Any Unicode a browser can send (no lone surrogates: UTF-8 cannot carry them).
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
THAI_TEXT = st.text(
    st.characters(min_codepoint=0x0E00, max_codepoint=0x0E7F) | st.sampled_from(" .\n"), max_size=80
)
CONTROL_TEXT = st.text(
    st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\u200b\u202e\ufeff\x00"), max_size=20
)
HUGE_NUMBER = st.integers(min_value=-(10**40), max_value=10**40).map(str) | st.sampled_from(
    ["1e309", "-0", "NaN", "inf", "9" * 400, "0x1F", "๑๒๓"]
)
DATE_LIKE = (
    st.dates().map(lambda d: d.isoformat())
    | st.dates().map(lambda d: f"{d.day}/{d.month}/{d.year + 543}")
    | st.sampled_from(["2568-02-30", "0000-00-00", "31/02/2568", "1/1/1", "9999-12-31", "มีนาคม 2568", "-1"])
)
LONG_TEXT = st.integers(min_value=1_000, max_value=30_000).map(lambda n: "ก" * n)


def field_values(offered: list[str]) -> st.SearchStrategy[str]:
    """A value for one field: one the form offers, or anything a person or a script might send."""
    wild = ANY_TEXT | THAI_TEXT | CONTROL_TEXT | HUGE_NUMBER | DATE_LIKE | st.just("") | LONG_TEXT
    if offered:
        return st.sampled_from(offered) | wild
    return wild


@dataclass
class PageForm:
    """One ``<form method="post">`` of a page: where it goes, its fields and the values offered."""

    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    multipart: bool = False

    def csrf(self) -> str:
        return (self.fields.get("csrf_token") or [""])[0]


class _FormReader(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self._current: PageForm | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form" and attr.get("method", "get").lower() == "post":
            self._current = PageForm(
                attr.get("action") or self.page_url, multipart="multipart" in attr.get("enctype", "")
            )
            self.forms.append(self._current)
        if self._current is None or tag not in ("input", "select", "textarea", "option", "button"):
            return
        if tag == "option" and self._select:
            self._current.fields[self._select].append(attr.get("value", ""))
            return
        name = attr.get("name")
        if not name:
            return
        values = self._current.fields.setdefault(name, [])
        if tag == "select":
            self._select = name
        elif tag != "textarea" and attr.get("type") != "file" and "value" in attr:
            values.append(attr["value"])
        elif attr.get("type") in ("checkbox", "radio"):
            values.append("y")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


def post_forms(html: str, page_url: str) -> list[PageForm]:
    """Every POST form on a page, with the values its hidden fields, options and buttons offer."""
    reader = _FormReader(page_url)
    reader.feed(html)
    return [form for form in reader.forms if not form.action.startswith("http")]


PLAN_SLOTS = 24
EXTRA_NAMES = ("admin", "role", "is_lead", "case_id", "__proto__", "x" * 60)


@dataclass(frozen=True)
class FormPlan:
    """How to fill whichever form a page shows, drawn before the page is seen: its shape does not
    depend on the page, so a replayed example draws the same values even when the app's state moved
    (hypothesis refuses strategies whose draws depend on outside state)."""

    pick: int
    keep_csrf: bool
    slots: tuple[tuple[int, int, str, str], ...]
    extras: tuple[tuple[int, str], ...]

    def fill(self, form: PageForm) -> dict[str, Any]:
        """The form's fields with generated values: some dropped, some doubled, extras added."""
        data: dict[str, Any] = {}
        names = [name for name in form.fields if name != "csrf_token"]
        if self.keep_csrf and "csrf_token" in form.fields:
            data["csrf_token"] = form.csrf()
        for index, name in enumerate(names):
            mode, offered_pick, first, second = self.slots[index % PLAN_SLOTS]
            offered = form.fields[name]
            if offered and mode >= 5:  # half the time, a value the form offers
                first = offered[offered_pick % len(offered)]
            if mode == 0:
                continue  # missing field
            data[name] = [first, second] if mode == 1 else first
        for which, value in self.extras:
            data[EXTRA_NAMES[which % len(EXTRA_NAMES)]] = value
        return data


def form_plans() -> st.SearchStrategy[FormPlan]:
    """Plans for filling one form (see :class:`FormPlan`)."""
    slot = st.tuples(st.integers(0, 9), st.integers(0, 50), field_values([]), field_values([]))
    return st.builds(
        FormPlan,
        pick=st.integers(0, 1000),
        keep_csrf=st.integers(0, 9).map(bool),
        slots=st.lists(slot, min_size=PLAN_SLOTS, max_size=PLAN_SLOTS).map(tuple),
        extras=st.lists(st.tuples(st.integers(0, 9), ANY_TEXT), max_size=2).map(tuple),
    )
