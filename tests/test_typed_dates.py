"""The report's limits, said and kept: a description of at least 20 and at most 20,000 characters,
and an incident date read the way a Thai user writes it (B.E. or C.E., day first) and never later
than today; free text about when it happened stays free."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from complaints import dates, typed_dates
from complaints.typed_dates import NotADate, first_in_the_future, mentioned_dates
from tests.conftest import stored_counts, submit_report

TODAY = date(2026, 3, 10)  # 10 มีนาคม 2569


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("5/3/2569", date(2026, 3, 5)),
        ("05-03-2026", date(2026, 3, 5)),
        ("5.3.2569", date(2026, 3, 5)),
        ("5/3/69", date(2026, 3, 5)),
        ("2026-03-05", date(2026, 3, 5)),
        ("5 มี.ค. 2569", date(2026, 3, 5)),
        ("5 มีค 69", date(2026, 3, 5)),
        ("๕ มี.ค. ๒๕๖๙", date(2026, 3, 5)),
        ("วันที่ 5 มีนาคม พ.ศ. 2569", date(2026, 3, 5)),
        ("5 March 2026", date(2026, 3, 5)),
        ("5 Mar 2026", date(2026, 3, 5)),
        ("มีนาคม 2568", date(2025, 3, 1)),
        ("มีนา 68", date(2025, 3, 1)),
        ("Sept. 2025", date(2025, 9, 1)),
        ("3/2569", date(2026, 3, 1)),
        ("ตั้งแต่ปี 2565", date(2022, 1, 1)),
        ("2568", date(2025, 1, 1)),
    ],
)
def test_a_date_is_read_the_way_it_is_written(typed: str, meant: date) -> None:
    (mention,) = mentioned_dates(typed)
    assert mention.first_day == meant
    assert mention.typed in typed


@pytest.mark.parametrize(
    "typed",
    [
        "every month since last year",
        "ทุกเดือนตั้งแต่ปีที่แล้ว",
        "ช่วงสงกรานต์",
        "MARKER-ลับเฉพาะ-9c41e",
        "เวลา 10.30 น.",
        "",
    ],
)
def test_free_text_mentions_no_date(typed: str) -> None:
    assert mentioned_dates(typed) == []


@pytest.mark.parametrize("typed", ["31/02/2569", "13/13/2569", "32 มีนาคม 2569", "0/3/2569", "1/1/1200"])
def test_a_day_that_does_not_exist_is_named(typed: str) -> None:
    with pytest.raises(NotADate) as refused:
        mentioned_dates(f"ประมาณ {typed} ตอนเช้า")
    assert refused.value.typed == typed


@pytest.mark.parametrize(
    ("typed", "ahead"),
    [
        ("31/12/2599", "31/12/2599"),
        ("11/3/2569", "11/3/2569"),
        ("1 January 2030", "1 January 2030"),
        ("เมษายน 2569", "เมษายน 2569"),
        ("ปี 2570", "ปี 2570"),
        ("ตั้งแต่ 1/1/2568 ถึง 5/4/2569", "5/4/2569"),
    ],
)
def test_a_date_after_today_is_found(typed: str, ahead: str) -> None:
    found = first_in_the_future(typed, TODAY)
    assert found is not None
    assert found.typed == ahead


@pytest.mark.parametrize(
    "typed", ["10/3/2569", "มีนาคม 2569", "ปี 2569", "1/1/2568 ถึง 10/3/2569", "2026-03-10"]
)
def test_today_and_this_month_are_not_in_the_future(typed: str) -> None:
    assert first_in_the_future(typed, TODAY) is None


def test_two_digit_years_and_four_digit_years_of_both_eras() -> None:
    assert typed_dates.common_era_year("69") == 2026
    assert typed_dates.common_era_year("2569") == 2026
    assert typed_dates.common_era_year("2026") == 2026
    assert typed_dates.common_era_year("2400") == 1857


# --- on the form ------------------------------------------------------------------------------


def test_the_form_states_the_description_limits_and_how_to_write_a_date(client: FlaskClient) -> None:
    page = client.get("/report").text
    assert "อย่างน้อย 20 ตัวอักษร และไม่เกิน 20,000 ตัวอักษร" in page
    assert "5/3/2569, 05-03-2026 หรือ 5 มี.ค. 2569" in page
    client.get("/lang/en")
    english = client.get("/report").text
    assert "at least 20 and at most 20,000 characters" in english
    assert "5/3/2569, 05-03-2026 or 5 March 2026" in english


def test_three_characters_are_not_a_report_and_stay_in_the_box(app: Flask, client: FlaskClient) -> None:
    response = submit_report(client, description="โกง")
    assert response.status_code == 422
    assert "อย่างน้อย 20 ตัวอักษร (ขณะนี้ 3 ตัวอักษร)" in response.text
    assert re.search(
        r'<textarea[^>]*aria-invalid="true"[^>]*name="description"[^>]*>\s*โกง</textarea>', response.text
    )
    assert stored_counts(app)["cases"] == 0
    spaces = submit_report(client, description="   " + "ก" * 19 + "\n\n")
    assert "(ขณะนี้ 19 ตัวอักษร)" in spaces.text  # spaces around the text do not count


def test_twenty_characters_are_enough(app: Flask, client: FlaskClient) -> None:
    assert submit_report(client, description="ก" * 20).status_code == 200


def test_a_future_date_is_refused_and_kept(app: Flask, client: FlaskClient) -> None:
    response = submit_report(client, incident_date="31/12/2599")
    assert response.status_code == 422
    today = dates.format_day(dates.today(), "th")
    assert f"“31/12/2599” เป็นวันที่หลังวันนี้ ({today})" in response.text
    assert 'value="31/12/2599"' in response.text
    assert 'href="#incident_date"' in response.text
    assert stored_counts(app)["cases"] == 0


def test_a_day_that_does_not_exist_is_refused_in_english_too(app: Flask, client: FlaskClient) -> None:
    client.get("/lang/en")
    response = submit_report(client, incident_date="31/02/2569 around noon")
    assert response.status_code == 422
    assert "“31/02/2569” is not a day in the calendar." in response.text
    assert 'value="31/02/2569 around noon"' in response.text


@pytest.mark.parametrize("typed", ["5/3/2569", "05-03-2026", "5 มี.ค. 2569", "มีนาคม 2568", "ทุกเดือนตั้งแต่ปีที่แล้ว"])
def test_past_dates_and_free_text_are_accepted(app: Flask, client: FlaskClient, typed: str) -> None:
    assert submit_report(client, incident_date=typed).status_code == 200


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_every_way_of_writing_a_day_reads_back_to_it(day: date) -> None:
    be = day.year + dates.BUDDHIST_ERA_OFFSET
    written = [
        f"{day.day}/{day.month}/{be}",
        f"{day.day:02d}-{day.month:02d}-{day.year}",
        f"{day.day} {dates.THAI_MONTHS_SHORT[day.month - 1]} {be}",
        f"{day.day} {dates.THAI_MONTHS[day.month - 1]} พ.ศ. {be}",
        f"{day.day} {dates.ENGLISH_MONTHS[day.month - 1]} {day.year}",
        day.isoformat(),
    ]
    for text in written:
        assert [mention.first_day for mention in mentioned_dates(text)] == [day], text


@pytest.mark.parametrize(
    "typed",
    ["2/12/2569", "02-12-2026", "๒/๑๒/๒๕๖๙", "2 ธ.ค. 69", "2 ธันวาคม พ.ศ. 2569", "2 Dec 2026", "2026-12-02"],
)
def test_a_field_that_asks_for_a_day_reads_one_whole_day(typed: str) -> None:
    assert typed_dates.exact_day(typed) == date(2026, 12, 2)


@pytest.mark.parametrize(
    "typed", ["", "ธันวาคม 2569", "2569", "31/2/2569", "2/12/2569 ถึง 3/12/2569", "เมื่อวาน"]
)
def test_a_field_that_asks_for_a_day_refuses_anything_else(typed: str) -> None:
    assert typed_dates.exact_day(typed) is None
