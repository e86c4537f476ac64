"""Dates as archivists write them -> EDTF plus the earliest and latest day they can mean.

``parse_date`` reads one date expression ("June 26, 1986", "26.06.1986",
"October 1988", "late December [1988]–early January 1989", "c. 1986",
"Spring 1989"); ``find_dates`` finds such expressions in running text with their
offsets. Neither raises on any input: what is not a date gives ``None``.

Conventions (documented in the README):
- early / mid / late of a month are days 1-10, 11-20, 21-end; of a year, months
  1-4, 5-8, 9-12; EDTF marks them approximate (``~``).
- Square brackets mean the editor supplied the part: EDTF uncertain (``?``);
  with an approximation too, ``%``.
- "c. 1986" is approximate (EDTF ``1986~``); its bounds are still the year, as
  catalogues file it: a filter on 1986 finds it, one on 1985 does not.
- Seasons are northern-hemisphere meteorological seasons (Spring = March-May),
  EDTF codes 21-24.
- A numeric d/m vs m/d date is read only when it is unambiguous (dots: day
  first, as in Russian and German usage; slashes: month first unless the first
  number exceeds 12).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from mappings.records import DateValue

HAS_DIGIT = re.compile(r"\d")

TABLES = Path(__file__).resolve().parent.parent / "tables"
MIN_YEAR, MAX_YEAR = 1000, 2100
SEASONS = {
    "spring": (21, 3, 5),
    "summer": (22, 6, 8),
    "autumn": (23, 9, 11),
    "fall": (23, 9, 11),
    "winter": (24, 12, 14),  # December to February of the next year
}
PART_BOUNDS = {
    "early": (0, 1),
    "beginning": (0, 1),
    "start": (0, 1),
    "mid": (1, 2),
    "middle": (1, 2),
    "late": (2, 3),
    "end": (2, 3),
}


@lru_cache(maxsize=1)
def _month_rows() -> list[dict[str, str]]:
    with (TABLES / "months.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=1)
def month_names() -> dict[str, int]:
    """Month names in the languages of the table; Roman numerals only in dotted dates."""
    return {r["name"]: int(r["month"]) for r in _month_rows() if r["language"] != "roman"}


@lru_cache(maxsize=1)
def roman_months() -> dict[str, int]:
    return {r["name"]: int(r["month"]) for r in _month_rows() if r["language"] == "roman"}


def _month_pattern() -> str:
    names = sorted(month_names(), key=len, reverse=True)
    return "|".join(re.escape(n) for n in names)


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _day_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


class _Point:
    """A single date expression before EDTF: year, optional month/day, qualifiers."""

    __slots__ = ("year", "month", "day", "part", "season", "approx", "inferred", "decade")

    def __init__(self) -> None:
        self.year: int | None = None
        self.month: int | None = None
        self.day: int | None = None
        self.part: str | None = None
        self.season: str | None = None
        self.approx = False
        self.inferred = False
        self.decade = False

    def bounds(self) -> tuple[dt.date, dt.date] | None:
        y = self.year
        if y is None or not MIN_YEAR <= y <= MAX_YEAR:
            return None
        if self.decade:
            return dt.date(y, 1, 1), dt.date(y + 9, 12, 31)
        if self.season:
            _, first, last = SEASONS[self.season]
            end_year, end_month = (y + 1, last - 12) if last > 12 else (y, last)
            return dt.date(y, first, 1), dt.date(
                end_year, end_month, _last_day(end_year, end_month)
            )
        if self.month is None:
            if self.part:
                lo, hi = PART_BOUNDS[self.part]
                first_month, last_month = lo * 4 + 1, hi * 4
                return dt.date(y, first_month, 1), dt.date(y, last_month, _last_day(y, last_month))
            return dt.date(y, 1, 1), dt.date(y, 12, 31)
        last = _last_day(y, self.month)
        if self.day is None:
            if self.part:
                lo, hi = PART_BOUNDS[self.part]
                first_day = lo * 10 + 1
                last_day = last if hi == 3 else hi * 10
                return dt.date(y, self.month, first_day), dt.date(y, self.month, last_day)
            return dt.date(y, self.month, 1), dt.date(y, self.month, last)
        day = _day_or_none(y, self.month, self.day)
        if day is None:
            return None
        return day, day

    def edtf(self) -> str:
        assert self.year is not None
        if self.decade:
            return f"{self.year // 10:03d}X"
        if self.season:
            core = f"{self.year:04d}-{SEASONS[self.season][0]}"
        elif self.part:
            bounds = self.bounds()
            assert bounds is not None
            lo, hi = bounds
            if self.month is None:
                core = f"{lo:%Y-%m}~/{hi:%Y-%m}~"
            else:
                core = f"{lo.isoformat()}~/{hi.isoformat()}~"
            if self.inferred:
                core = core.replace("~", "%")
            return core
        elif self.month is None:
            core = f"{self.year:04d}"
        elif self.day is None:
            core = f"{self.year:04d}-{self.month:02d}"
        else:
            core = f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.approx and self.inferred:
            return core + "%"
        if self.approx:
            return core + "~"
        if self.inferred:
            return core + "?"
        return core


def _year(text: str) -> int | None:
    value = int(text)
    return value if MIN_YEAR <= value <= MAX_YEAR else None


@lru_cache(maxsize=1)
def _single_patterns() -> list[tuple[re.Pattern[str], str]]:
    m = _month_pattern()
    y = r"(?P<y>\[?\d{4}\]?\??)"
    d = r"(?P<d>\[?\d{1,2}\]?)(?:st|nd|rd|th|\.)?"
    mm = rf"(?P<m>\[?(?:{m})\]?)\.?"
    return [
        (re.compile(rf"^{d}\s+{mm},?\s+{y}$"), "dmy"),
        (re.compile(rf"^{mm}\s+{d},?\s+{y}$"), "mdy"),
        (re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$"), "iso"),
        (re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})$"), "iso-month"),
        (re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$"), "dotted"),
        (re.compile(r"^(?P<d>\d{1,2})\.\s?(?P<m>[IVX]{1,4})\.\s?(?P<y>\d{4})$"), "dotted-roman"),
        (re.compile(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})$"), "slashed"),
        (re.compile(rf"^{mm},?\s+{y}$"), "my"),
        (re.compile(rf"^(?:{mm}\s+)?{d}$"), "md-no-year"),
        (re.compile(rf"^{d}\s+{mm}$"), "dm-no-year"),
        (re.compile(rf"^{mm}$"), "m-no-year"),
        (re.compile(rf"^{y}$"), "y"),
        (re.compile(r"^(?P<y>\d{3})0s$"), "decade"),
    ]


def _strip_brackets(token: str | None) -> tuple[str | None, bool]:
    if token is None:
        return None, False
    inferred = "[" in token or "]" in token or token.endswith("?")
    return token.strip("[]?"), inferred


def _parse_point(text: str) -> _Point | None:
    """One date without a range; the year may be missing (filled from the other end)."""
    point = _Point()
    s = text.strip().strip(",.;:")
    if s.startswith("[") and s.endswith("]") and s.count("[") == 1:
        point.inferred = True
        s = s[1:-1].strip()
    if s.endswith("?"):
        point.inferred = True
        s = s[:-1].strip()
    # Articles and markers around dates in other languages: "le 15 décembre", "den 14. Oktober",
    # "2 февраля 1990 г.".
    s = re.sub(r"^(?:le|den|am|du)\s+", "", s, flags=re.IGNORECASE)
    s = re.sub(r"\s*(?:г\.|г|года)$", "", s)
    lowered = s.lower()
    for prefix in ("c.", "ca.", "circa", "about", "approximately", "around"):
        if lowered.startswith(prefix + " ") or (
            prefix.endswith(".") and lowered.startswith(prefix)
        ):
            point.approx = True
            s = s[len(prefix) :].strip()
            break
    match = re.match(
        r"^(?:the\s+)?(early|mid|middle|late|beginning|start|end)(?:\s*-\s*|\s+)(?:of\s+)?(.*)$",
        s,
        re.IGNORECASE,
    )
    if match:
        point.part = match.group(1).lower()
        point.approx = True
        s = match.group(2).strip()
    match = re.match(r"^(spring|summer|autumn|fall|winter)(?:\s+of)?\s+(.*)$", s, re.IGNORECASE)
    if match:
        point.season = match.group(1).lower()
        s = match.group(2).strip()
    months = month_names()
    for pattern, form in _single_patterns():
        found = pattern.match(s)
        if not found:
            continue
        groups = found.groupdict()
        year_text, year_inferred = _strip_brackets(groups.get("y"))
        point.inferred |= year_inferred
        if form == "decade":
            point.year = int(groups["y"]) * 10
            point.decade = True
            return point if MIN_YEAR <= point.year <= MAX_YEAR else None
        if year_text is not None:
            point.year = _year(year_text)
            if point.year is None:
                return None
        if form == "dotted-roman":
            point.month = roman_months().get(groups["m"])
            point.day = int(groups["d"])
            if point.month is None:
                return None
        elif form in ("iso", "iso-month", "dotted"):
            point.month = int(groups["m"])
            point.day = int(groups["d"]) if groups.get("d") else None
        elif form == "slashed":
            a, b = int(groups["a"]), int(groups["b"])
            if a > 12 >= b:
                point.month, point.day = b, a
            elif b > 12 >= a or a == b:
                point.month, point.day = a, b
            else:
                return None  # 03/04/1987: month and day cannot be told apart
        else:
            month_text, month_inferred = _strip_brackets(groups.get("m"))
            day_text, day_inferred = _strip_brackets(groups.get("d"))
            point.inferred |= month_inferred or day_inferred
            if month_text is not None:
                point.month = months.get(month_text.rstrip("."))
                if point.month is None:
                    return None
            if day_text is not None:
                point.day = int(day_text)
        if point.month is not None and not 1 <= point.month <= 12:
            return None
        if point.day is not None and not 1 <= point.day <= 31:
            return None
        if point.season and (point.month is not None or point.day is not None):
            return None
        return point
    return None


RANGE_SPLIT = re.compile(r"\s*(?:–|—|‒|\s-\s|\bto\b|\buntil\b|\band\b)\s*")
HYPHEN_SPLIT = re.compile(r"(?<=[\]\w])-(?=[^\W\d_]|\[)")
DAY_RANGE = re.compile(r"^(?P<d1>\d{1,2})\s*[-–]\s*(?P<d2>\d{1,2})\s+(?P<rest>\D.*)$")
DAY_RANGE_MDY = re.compile(
    r"^(?P<m>[^\W\d_]+\.?)\s+(?P<d1>\d{1,2})\s*[-–]\s*(?P<d2>\d{1,2}),?\s+(?P<y>\d{4})$"
)


def _complete(first: _Point, second: _Point) -> bool:
    """Fill a missing year (and month) of the first end from the second."""
    if second.year is None:
        return False
    if first.year is None:
        first.year = second.year
        if first.month is not None and second.month is not None and first.month > second.month:
            first.year -= 1  # late December – early January 1989
        if first.season and second.season and SEASONS[first.season][1] > SEASONS[second.season][1]:
            first.year -= 1
    if first.month is None and first.day is not None:
        first.month = second.month
    return first.year is not None


def _interval(first: _Point, second: _Point, as_written: str) -> DateValue | None:
    if not _complete(first, second):
        return None
    a, b = first.bounds(), second.bounds()
    if a is None or b is None or a[0] > b[1]:
        return None
    edtf = f"{first.edtf()}/{second.edtf()}"
    if edtf.count("/") > 1:  # an end that is itself an interval (early 1987 – late 1988)
        edtf = f"{_endpoint(first, a[0])}/{_endpoint(second, b[1])}"
    return DateValue(edtf, a[0], b[1], as_written, "interval")


def _endpoint(point: _Point, day: dt.date) -> str:
    mark = (
        "%"
        if point.approx and point.inferred
        else "~"
        if point.approx
        else "?"
        if point.inferred
        else ""
    )
    return day.isoformat() + mark


DTG = re.compile(r"^(?:[OPRZ]{1,2}\s+)?(?P<d>\d{2})\d{4}Z\s+(?P<m>[A-Z]{3})\s+(?P<y>\d{2}|\d{4})$")


def _date_time_group(text: str) -> DateValue | None:
    """A cable's date-time group, 'O 061320Z DEC 71': day 6, 13:20 Zulu, December 1971.

    Two-digit years are read as 1930-2029, the span of the cables Fond meets.
    """
    found = DTG.match(text.strip())
    if not found:
        return None
    month = month_names().get(found.group("m").capitalize())
    year = int(found.group("y"))
    if year < 100:
        year += 1900 if year >= 30 else 2000
    day = _day_or_none(year, month, int(found.group("d"))) if month else None
    if day is None:
        return None
    return DateValue(day.isoformat(), day, day, text, "exact")


def parse_date(text: str) -> DateValue | None:
    """One date expression -> DateValue, or None if it is not a date Fond can bound."""
    # Most candidates the layout and field rules try are not dates; every date Fond can
    # bound has a digit in it, and a text repeats its dates, so both checks pay.
    if not isinstance(text, str) or len(text) > 120 or not HAS_DIGIT.search(text):
        return None
    return _parse_date(text)


@lru_cache(maxsize=8192)
def _parse_date(text: str) -> DateValue | None:
    cable = _date_time_group(text)
    if cable is not None:
        return cable
    s = re.sub(r"\s+", " ", text).strip().strip(",;")
    if not re.search(r"\b[IVX]{1,4}\.\d{4}$", s):
        s = s.rstrip(".")
    if s.startswith("(") and s.endswith(")"):
        s = s[1:-1].strip()
    if not s or s.lower() in {"undated", "n.d.", "n. d.", "no date", "not dated", "[undated]"}:
        return None
    match = re.match(r"^(?:between|from)\s+(.+?)\s+(?:and|to|until)\s+(.+)$", s, re.IGNORECASE)
    if match:
        first, second = _parse_point(match.group(1)), _parse_point(match.group(2))
        return _interval(first, second, text) if first and second else None
    match = DAY_RANGE.match(s) or DAY_RANGE_MDY.match(s)
    if match:
        groups = match.groupdict()
        rest = groups.get("rest") or f"{groups['m']} {groups['y']}"
        first, second = (
            _parse_point(f"{groups['d1']} {rest}"),
            _parse_point(f"{groups['d2']} {rest}"),
        )
        if first and second:
            return _interval(first, second, text)
    for splitter in (RANGE_SPLIT, HYPHEN_SPLIT):
        parts = splitter.split(s)
        if len(parts) == 2 and all(parts):
            first, second = _parse_point(parts[0]), _parse_point(parts[1])
            if first and second:
                return _interval(first, second, text)
    point = _parse_point(s)
    if point is None or point.year is None:
        return None
    bounds = point.bounds()
    if bounds is None:
        return None
    if point.part or point.season or point.approx:
        qualifier = "approximate"
    elif point.inferred:
        qualifier = "inferred"
    elif point.day is None:
        qualifier = "partial"
    else:
        qualifier = "exact"
    return DateValue(point.edtf(), bounds[0], bounds[1], text, qualifier)


@lru_cache(maxsize=1)
def date_in_text_pattern() -> re.Pattern[str]:
    """Date expressions as they occur in running text (for find_dates)."""
    m = rf"(?:{_month_pattern()})\.?"
    y = r"\[?\d{4}\]?"
    d = r"\[?\d{1,2}\]?(?:st|nd|rd|th|\.)?"
    part = r"(?:(?:early|mid|late|the\s+(?:beginning|middle|end)\s+of)[\s-]+)"
    season = r"(?:(?:[Ss]pring|[Ss]ummer|[Aa]utumn|[Ff]all|[Ww]inter)(?:\s+of)?\s+)"
    approx = r"(?:(?:c\.|ca\.|circa)\s*)"
    single = (
        rf"(?:{approx}?{part}?(?:{d}\s+{m},?\s+{y}|{m}\s+{d}(?:\s*[-–]\s*\d{{1,2}})?,?\s+{y}"
        rf"|\d{{1,2}}\s*[-–]\s*\d{{1,2}}\s+{m}\s+{y}|{m},?\s+{y}|{season}{y}|{y}-\d{{2}}-\d{{2}}"
        rf"|\d{{1,2}}\.\d{{1,2}}\.\d{{4}}|\d{{1,2}}\.\s?[IVX]{{1,4}}\.\s?\d{{4}}|{part}{y}|{approx}{y}"
        r"|\[(?:c\.\s*|ca\.\s*|circa\s+)?\d{4}\??\]))"
    )
    open_end = rf"(?:{part}?(?:{m}(?:\s+{d})?|{d}\s+{m})(?:\s+\[\d{{4}}\])?)"
    return re.compile(
        rf"(?<![\w\[])(?:{open_end}\s*[–—-]\s*{single}|{single}(?:\s*[–—]\s*{single})?)(?![\w])"
    )


def find_dates(text: str) -> list[tuple[int, int, DateValue]]:
    """All parseable dates in text with their offsets, in order."""
    found = []
    for match in date_in_text_pattern().finditer(text):
        value = parse_date(match.group(0))
        if value is not None:
            found.append((match.start(), match.end(), replace(value, as_written=match.group(0))))
    return found
