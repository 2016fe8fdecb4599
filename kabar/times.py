"""Publication times as Indonesian news pages show them, as aware UTC datetimes and windows.

Pure functions: no clock reads, no network. A relative phrase ("2 jam lalu") is resolved against
the page's fetch time, which the caller passes in. Every window is (after, until], as TimeWindow says.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from kabar.records import TimeWindow

# Hand-written with `re`, not dateparser: it mis-resolves Indonesian relative dates (its issue #912).

UTC = UTC
# Fixed offsets, not Asia/Jakarta from tzdata: Indonesia keeps no DST, so the offsets never change.
WIB = timezone(timedelta(hours=7), "WIB")
_ZONE_HOURS = {"wib": 7, "wita": 8, "wit": 9, "z": 0, "gmt": 0, "utc": 0}
YEARS = range(1900, 2200)  # a four-digit number outside this is not a news date (and keeps UTC in range)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "januari january jan",
            "februari pebruari february feb peb",
            "maret march mar",
            "april apr",
            "mei may",
            "juni june jun",
            "juli july jul",
            "agustus august agu agt ags aug",
            "september sept sep",
            "oktober october okt oct",
            "november nopember nov nop",
            "desember december des dec",
        ),
        start=1,
    )
    for name in names.split()
}

# (pattern, group numbers of year, month, day), tried in this order; day names are simply skipped.
_DATES = (
    (re.compile(r"(?<!\d)(\d{4})([/-])(\d{1,2})\2(\d{1,2})(?!\d)"), (1, 3, 4)),  # 2023-09-13 (ISO)
    (re.compile(r"(?<!\d)(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?!\d)"), (4, 3, 1)),  # 13/09/2023: day first
    (re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?[\s.-]*([a-z]+)\.?[\s,.-]*(\d{4})(?!\d)"), (3, 2, 1)),
    (re.compile(r"(?<![a-z])([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)"), (3, 1, 2)),  # Sep 13
    (re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{2})(?![\d.])"), (3, 2, 1)),  # 25.04.24: day first, 20yy
)
# 19:36, 19.36 (pukul 19.36), 19:36:05, 12:36:00.123 (fraction dropped), 7:36 pm
_TIME = re.compile(
    r"(?<![\d.:])(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,]\d+)?)?(?![\d:])(?:\s*([ap])\.?m(?![a-z])\.?)?"
)
# Right after the time: WIB/WITA/WIT, Z, GMT, GMT+7, +07:00, +0700.
_ZONE = re.compile(r"[\s,|(]*(?:(?:gmt|utc)?([+-])(\d{1,2})(?::?(\d{2}))?(?!\d)|(wita|wit|wib|z|gmt|utc)\b)")

_NUMBER_WORDS = {
    word: number
    for number, words in enumerate(
        (
            "a an one satu",
            "two dua",
            "three tiga",
            "four empat",
            "five lima",
            "six enam",
            "seven tujuh",
            "eight delapan",
            "nine sembilan",
            "ten sepuluh",
        ),
        start=1,
    )
    for word in words.split()
}
# unit word -> a timedelta, or a whole number of calendar months (see _before)
_UNITS = {
    **dict.fromkeys("detik dtk second seconds sec secs".split(), timedelta(seconds=1)),
    **dict.fromkeys("menit mnt minute minutes min mins".split(), timedelta(minutes=1)),
    **dict.fromkeys("jam hour hours hrs".split(), timedelta(hours=1)),
    **dict.fromkeys("hari day days".split(), timedelta(days=1)),
    **dict.fromkeys("minggu pekan week weeks".split(), timedelta(weeks=1)),
    **dict.fromkeys("bulan bln month months".split(), 1),
    **dict.fromkeys("tahun thn year years".split(), 12),
}
_UNIT_WORDS = "|".join(sorted(_UNITS, key=len, reverse=True))
# "2 jam lalu", "2jam yg lalu", "dua jam yang lalu", "sejam lalu" (se- = one), "an hour ago"
_AGO = re.compile(rf"(?:(\d+)\s*|([a-z]+)\s+|se)({_UNIT_WORDS})\s+(?:(?:yang|yg)\s+)?(?:lalu|ago)")
_JUST_NOW = re.compile(
    r"baru saja|barusan|just now|(?:beberapa|a few) (?:detik|seconds) (?:(?:yang|yg) )?(?:lalu|ago)"
)
# Bullets and separators around a label; not "-", which would turn "-2 jam lalu" into "2 jam lalu".
_EDGES = " .,;|•·–—()[]"


def parse_datetime(text: str) -> datetime | None:
    """An absolute time on the page as an aware UTC datetime; no zone means WIB, no time 00:00 WIB."""
    parsed = _parse(text)
    return parsed[0] if parsed else None


def resolve_relative(text: str, now: datetime) -> TimeWindow | None:
    """The window a relative label ("2 jam lalu", "kemarin", "an hour ago") fetched at `now` points to.

    "N units ago" means an age in [N, N+1) units: (now - (N+1) units, now - N units]. Months and years
    step through the WIB calendar, clamping the day (31 Mar - 1 month = 29 Feb), not 30/365 days.
    "kemarin"/"yesterday" is the whole previous WIB calendar day. None when `text` is no such label.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(text, str):
        return None
    now = now.astimezone(UTC)
    phrase = " ".join(text.lower().split()).strip(_EDGES)
    if _JUST_NOW.fullmatch(phrase):
        return TimeWindow(after=now - timedelta(minutes=1), until=now)
    if phrase in ("kemarin", "yesterday"):
        today = datetime.combine(now.astimezone(WIB).date(), time(), WIB).astimezone(UTC)
        return TimeWindow(after=today - timedelta(days=1), until=today)
    match = _AGO.fullmatch(phrase)
    if match is None:
        return None
    digits, word, unit = match.groups()
    try:
        n = int(digits) if digits else _NUMBER_WORDS[word] if word else 1
        return TimeWindow(after=_before(now, _UNITS[unit], n + 1), until=_before(now, _UNITS[unit], n))
    except (KeyError, ValueError, OverflowError):  # unknown number word; a date out of datetime's range
        return None


def resolve_time(text: str, now: datetime) -> TimeWindow | None:
    """A relative label's window; else, for an absolute time, the span its display covers: sites
    truncate, so "19:36" means [19:36, 19:37) and a date alone its whole WIB day. As an (after, until]
    window that is (t - 1 µs, t + step - 1 µs], exact at TIMESTAMPTZ's resolution. None when `text`
    is neither."""
    window = resolve_relative(text, now)
    if window is not None:
        return window
    parsed = _parse(text)
    if parsed is None:
        return None
    t, step = parsed
    tick = timedelta(microseconds=1)
    return TimeWindow(after=t - tick, until=t + (step or timedelta(days=1)) - tick)


def _parse(text: str) -> tuple[datetime, timedelta | None] | None:
    """(UTC time, precision shown: 1 s, 1 min, or None for a date alone), or None without a valid date."""
    if not isinstance(text, str):
        return None
    text = text.lower()
    found = _find_date(text)
    if found is None:
        return None
    day, start, end = found
    clock = _TIME.search(text, end) or _TIME.search(text, 0, start)  # the time follows the date, or leads
    try:
        if clock is None:
            return datetime.combine(day, time(), WIB).astimezone(UTC), None
        hour, minute, second, half = clock.groups()
        hour = int(hour)
        if half and hour <= 12:  # 12:05 am is 00:05, 12:05 pm is 12:05
            hour = hour % 12 + (12 if half == "p" else 0)
        tz = _zone(_ZONE.match(text, clock.end()))
        local = datetime.combine(day, time(hour, int(minute), int(second or 0)), tz)
    except ValueError:  # 25:00, 19:60, an offset of a day or more
        return None
    return local.astimezone(UTC), timedelta(seconds=1) if second else timedelta(minutes=1)


def _find_date(text: str) -> tuple[date, int, int] | None:
    """The first valid calendar date in `text`, with where it starts and ends."""
    for pattern, (y, m, d) in _DATES:
        for match in pattern.finditer(text):
            month = int(match[m]) if match[m].isdigit() else _MONTHS.get(match[m])
            year = int(match[y]) + (2000 if len(match[y]) == 2 else 0)
            if month and year in YEARS:
                try:
                    return date(year, month, int(match[d])), match.start(), match.end()
                except ValueError:  # 31 Februari, month 13
                    continue
    return None


def _zone(match: re.Match[str] | None) -> tzinfo:
    if match is None:
        return WIB  # Indonesian sites that name no zone mean WIB
    sign, hours, minutes, name = match.groups()
    if name:
        return timezone(timedelta(hours=_ZONE_HOURS[name]))
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return timezone(-offset if sign == "-" else offset)  # ValueError from a day or more


def _before(now: datetime, unit: timedelta | int, n: int) -> datetime:
    """`now` minus n units; a month unit moves the WIB calendar month, clamping the day to its length."""
    if isinstance(unit, timedelta):
        return now - n * unit
    local = now.astimezone(WIB)
    year, month0 = divmod(local.year * 12 + local.month - 1 - n * unit, 12)
    day = min(local.day, calendar.monthrange(year, month0 + 1)[1])
    return local.replace(year=year, month=month0 + 1, day=day).astimezone(UTC)
