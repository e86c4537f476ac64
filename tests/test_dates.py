"""Dates as archivists write them parse to the right EDTF and bounds; nothing makes them crash."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.read.dates import find_dates, parse_date

EXAMPLES = [
    ("June 26, 1986", "1986-06-26", "1986-06-26", "1986-06-26"),
    ("26 June 1986", "1986-06-26", "1986-06-26", "1986-06-26"),
    ("26th June, 1986", "1986-06-26", "1986-06-26", "1986-06-26"),
    ("Sept. 12, 1986", "1986-09-12", "1986-09-12", "1986-09-12"),
    ("1986-06-26", "1986-06-26", "1986-06-26", "1986-06-26"),
    ("26.06.1986", "1986-06-26", "1986-06-26", "1986-06-26"),
    ("27.I.1989", "1989-01-27", "1989-01-27", "1989-01-27"),
    ("6/26/1986", "1986-06-26", "1986-06-26", "1986-06-26"),
    ("October 1988", "1988-10", "1988-10-01", "1988-10-31"),
    ("1986", "1986", "1986-01-01", "1986-12-31"),
    ("c. 1986", "1986~", "1986-01-01", "1986-12-31"),
    ("[c. 1986]", "1986%", "1986-01-01", "1986-12-31"),
    ("[1987]", "1987?", "1987-01-01", "1987-12-31"),
    ("[June 26, 1986]", "1986-06-26?", "1986-06-26", "1986-06-26"),
    ("early 1987", "1987-01~/1987-04~", "1987-01-01", "1987-04-30"),
    ("mid-June 1986", "1986-06-11~/1986-06-20~", "1986-06-11", "1986-06-20"),
    ("late December 1988", "1988-12-21~/1988-12-31~", "1988-12-21", "1988-12-31"),
    ("Spring 1989", "1989-21", "1989-03-01", "1989-05-31"),
    ("Winter 1988", "1988-24", "1988-12-01", "1989-02-28"),
    ("1980s", "198X", "1980-01-01", "1989-12-31"),
    ("June 26-28, 1986", "1986-06-26/1986-06-28", "1986-06-26", "1986-06-28"),
    ("between May 1 and June 3, 1987", "1987-05-01/1987-06-03", "1987-05-01", "1987-06-03"),
    (
        "late December [1988]–early January 1989",
        "1988-12-21%/1989-01-10~",
        "1988-12-21",
        "1989-01-10",
    ),
    ("late December [1988]-early January 1989", None, "1988-12-21", "1989-01-10"),
    ("(21 December 1988 – 10 January 1989)", None, "1988-12-21", "1989-01-10"),
    (["Berlin", "den 14. Oktober 1987"][1], "1987-10-14", "1987-10-14", "1987-10-14"),
    ("le 15 décembre 1981", "1981-12-15", "1981-12-15", "1981-12-15"),
    ("2 февраля 1990 г.", "1990-02-02", "1990-02-02", "1990-02-02"),
]


@pytest.mark.parametrize(("written", "edtf", "earliest", "latest"), EXAMPLES)
def test_examples(written: str, edtf: str | None, earliest: str, latest: str) -> None:
    value = parse_date(written)
    assert value is not None, written
    if edtf is not None:
        assert value.edtf == edtf
    assert (value.earliest.isoformat(), value.latest.isoformat()) == (earliest, latest)


@pytest.mark.parametrize(
    "written", ["undated", "n.d.", "", "February 30, 1987", "03/04/1987", "13.13.1987", "II 1945"]
)
def test_not_a_date_is_none(written: str) -> None:
    assert parse_date(written) is None


FORMATS = [
    lambda d: f"{d:%B} {d.day}, {d.year}",
    lambda d: f"{d.day} {d:%B} {d.year}",
    lambda d: f"{d:%b}. {d.day}, {d.year}" if d.month != 5 else f"May {d.day}, {d.year}",
    lambda d: d.isoformat(),
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    lambda d: f"{d.month}/{d.day}/{d.year}" if d.day > 12 or d.day == d.month else d.isoformat(),
]


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.sampled_from(FORMATS),
)
def test_any_written_day_is_that_day(day: dt.date, form) -> None:  # noqa: ANN001
    value = parse_date(form(day))
    assert value is not None
    assert value.earliest == value.latest == day
    assert value.edtf == day.isoformat()


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_month_and_year_bound_the_whole_period(day: dt.date) -> None:
    month = parse_date(f"{day:%B} {day.year}")
    assert month is not None and month.earliest <= day <= month.latest
    assert month.earliest.day == 1 and (month.latest + dt.timedelta(days=1)).day == 1
    year = parse_date(str(day.year))
    assert year is not None and (year.earliest, year.latest) == (
        dt.date(day.year, 1, 1),
        dt.date(day.year, 12, 31),
    )


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_no_input_makes_the_parsers_crash(text: str) -> None:
    value = parse_date(text)
    if value is not None:
        assert value.earliest <= value.latest
    for start, end, found in find_dates(text):
        assert 0 <= start < end <= len(text)
        assert found.earliest <= found.latest


def test_dates_inside_running_text_are_found_with_offsets() -> None:
    text = "as early as late December [1988]–early January 1989. There will be a meeting"
    ((start, end, value),) = find_dates(text)
    assert text[start:end] == "late December [1988]–early January 1989"
    assert value.qualifier == "interval"
