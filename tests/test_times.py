"""kabar.times: every expected value is a hand-converted UTC literal, never computed by the module."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kabar.records import TimeWindow
from kabar.times import parse_datetime, resolve_relative, resolve_time


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def window(after: datetime, until: datetime) -> TimeWindow:
    return TimeWindow(after=after, until=until)


def assert_utc_window(got: TimeWindow | None, expected: TimeWindow) -> None:
    assert got == expected
    assert got.after.tzinfo is UTC and got.until.tzinfo is UTC


# 19:36 WIB on 13 September 2023 is 12:36 UTC.
SEP13_1936_WIB = utc(2023, 9, 13, 12, 36)


# --- parse_datetime ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Rabu, 13 September 2023 19:36 WIB",
        "13 September 2023 19:36 WIB",
        "13 Sep 2023 19:36 WIB",
        "13 Sep. 2023 19:36 WIB",
        "RABU, 13 SEPTEMBER 2023 19:36 WIB",
        "rabu, 13 september 2023 19:36 wib",
        "13 September 2023, 19:36 WIB",
        "Rabu, 13 September 2023 | 19:36 WIB",
        "Rabu, 13 September 2023 - 19:36 WIB",
        "Rabu, 13 September 2023 pukul 19.36 WIB",
        "Rabu, 13/09/2023 19:36 WIB",
        "13-09-2023 19:36",  # no zone: WIB
        "13.09.2023 19:36 WIB",
        "13 September 2023 19:36",
        "  Rabu,\n 13  September   2023\t19:36  WIB ",
        "19:36 WIB - Rabu, 13 September 2023",  # time before the date
        "13 September 2023 20:36 WITA",
        "13 September 2023 21:36 WIT",
        "13 September 2023 19:36 GMT+7",
        "13 September 2023 20:36 GMT+8",
        "13 September 2023 19:36 +07:00",
        "13 September 2023 19:36 +0700",
        "13 September 2023 12:36 GMT",
        "13 September 2023 12:36 UTC",
        "2023-09-13T19:36:00+07:00",
        "2023-09-13T12:36:00Z",
        "2023-09-13T12:36:00.000Z",
        "2023-09-13T12:36:00+00:00",
        "2023-09-13T08:36:00-04:00",
        "2023-09-13T19:36:00",  # naive ISO: WIB
        "2023-09-13 19:36",
        "2023/09/13 19:36",
        "Wednesday, 13 September 2023 19:36 WIB",
        "Sep 13, 2023 7:36 PM",
        "September 13, 2023 7:36 p.m. WIB",
        "13th September 2023 19:36",
    ],
)
def test_parse_datetime_same_instant(text: str) -> None:
    got = parse_datetime(text)
    assert got == SEP13_1936_WIB
    assert got.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kamis, 05 November 2015 | 10:12 WIB", utc(2015, 11, 5, 3, 12)),
        ("Kamis, 05/11/2015 10:12 WIB", utc(2015, 11, 5, 3, 12)),
        ("05-11-2015 10:12", utc(2015, 11, 5, 3, 12)),
        ("Kamis, 5 Nop 2015 10:12 WIB", utc(2015, 11, 5, 3, 12)),
        ("13 Sep 2023 19:36:45 WIB", utc(2023, 9, 13, 12, 36, 45)),
        ("13 Sep 2023 pukul 19.36.45 WIB", utc(2023, 9, 13, 12, 36, 45)),
        ("2023-09-13T19:36:45.987+07:00", utc(2023, 9, 13, 12, 36, 45)),  # fraction dropped
        # The UTC date differs from the local one.
        ("Senin, 1 Januari 2024 03:00 WIB", utc(2023, 12, 31, 20, 0)),
        ("1 Maret 2024 05:00 WIT", utc(2024, 2, 29, 20, 0)),
        ("1 Maret 2023 07:59 WITA", utc(2023, 2, 28, 23, 59)),
        ("1 Maret 2023 08:00 WITA", utc(2023, 3, 1, 0, 0)),
        ("13 Sep 2023 00:00 WIB", utc(2023, 9, 12, 17, 0)),
        ("13 Sep 2023 23:59 WIB", utc(2023, 9, 13, 16, 59)),
        ("Sep 13, 2023 12:05 AM", utc(2023, 9, 12, 17, 5)),
        ("Sep 13, 2023 12:05 PM", utc(2023, 9, 13, 5, 5)),
        # A date alone: 00:00 WIB of that day.
        ("13 September 2023", utc(2023, 9, 12, 17, 0)),
        ("Rabu, 13 September 2023", utc(2023, 9, 12, 17, 0)),
        ("2023-09-13", utc(2023, 9, 12, 17, 0)),
        ("13/09/2023", utc(2023, 9, 12, 17, 0)),
        ("1 Jan 2024", utc(2023, 12, 31, 17, 0)),
        ("29 Februari 2024", utc(2024, 2, 28, 17, 0)),
        # Day first with a two-digit year, as German-language bylines show it: 20yy.
        ("Do 25.04.24 | 14:07 Uhr", utc(2024, 4, 25, 7, 7)),
    ],
)
def test_parse_datetime(text: str, expected: datetime) -> None:
    got = parse_datetime(text)
    assert got == expected
    assert got.tzinfo is UTC


MONTH_NAMES = [
    *[
        (name, n)
        for n, name in enumerate(
            [
                "Januari",
                "Februari",
                "Maret",
                "April",
                "Mei",
                "Juni",
                "Juli",
                "Agustus",
                "September",
                "Oktober",
                "November",
                "Desember",
            ],
            start=1,
        )
    ],
    *[
        (name, n)
        for n, name in enumerate(
            [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ],
            start=1,
        )
    ],
    ("Jan", 1),
    ("Feb", 2),
    ("Peb", 2),
    ("Pebruari", 2),
    ("Mar", 3),
    ("Apr", 4),
    ("Mei", 5),
    ("May", 5),
    ("Jun", 6),
    ("Jul", 7),
    ("Agu", 8),
    ("Agt", 8),
    ("Ags", 8),
    ("Aug", 8),
    ("Sep", 9),
    ("Sept", 9),
    ("Okt", 10),
    ("Oct", 10),
    ("Nov", 11),
    ("Nop", 11),
    ("Nopember", 11),
    ("Des", 12),
    ("Dec", 12),
]


@pytest.mark.parametrize(("name", "month"), MONTH_NAMES)
@pytest.mark.parametrize("case", [str, str.lower, str.upper])
def test_parse_datetime_month_names(name: str, month: int, case) -> None:
    assert parse_datetime(case(f"10 {name} 2023 12:00 WIB")) == utc(2023, month, 10, 5, 0)


@pytest.mark.parametrize(
    "day_name",
    ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Jum'at", "Sabtu", "Minggu", "Ahad", "SENIN", "jumat"],
)
def test_parse_datetime_skips_day_names(day_name: str) -> None:
    # Day names are not checked against the date; a site's wrong day name must not lose the time.
    assert parse_datetime(f"{day_name}, 10 Sep 2023 12:00 WIB") == utc(2023, 9, 10, 5, 0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "2 jam lalu",
        "kemarin",
        "19:36 WIB",
        "pukul 19.36 WIB",
        "Rabu, 13 September",  # no year
        "September 2023",  # no day
        "31 Februari 2023 10:00",
        "29 Februari 2023",  # not a leap year
        "32 Januari 2023",
        "13/13/2023",
        "31.02.24",  # no such day
        "Rp 1.234.567",
        "versi 1.2.3",
        "00/01/2023",
        "13 Foo 2023 19:36",
        "13 September 1899",
        "0000-01-01",
        "99999-01-01",
        "13 Sep 2023 25:00 WIB",
        "13 Sep 2023 19:60 WIB",
        "13 Sep 2023 19:36 GMT+24",
        "x" * 100_000,
        "1 " * 50_000,
        "\x00\ufffd\u200b",
        None,
        123,
        b"13 September 2023",
    ],
)
def test_parse_datetime_junk_is_none(text) -> None:
    assert parse_datetime(text) is None


# --- resolve_relative ----------------------------------------------------------------------------

NOW = utc(2023, 9, 13, 12, 0)  # 19:00 WIB


@pytest.mark.parametrize(
    ("text", "after", "until"),
    [
        ("2 jam lalu", utc(2023, 9, 13, 9, 0), utc(2023, 9, 13, 10, 0)),
        ("2 jam yang lalu", utc(2023, 9, 13, 9, 0), utc(2023, 9, 13, 10, 0)),
        ("2 jam yg lalu", utc(2023, 9, 13, 9, 0), utc(2023, 9, 13, 10, 0)),
        ("2jam lalu", utc(2023, 9, 13, 9, 0), utc(2023, 9, 13, 10, 0)),
        ("  2   JAM\n lalu  ", utc(2023, 9, 13, 9, 0), utc(2023, 9, 13, 10, 0)),
        ("• 2 jam lalu", utc(2023, 9, 13, 9, 0), utc(2023, 9, 13, 10, 0)),
        ("dua jam lalu", utc(2023, 9, 13, 9, 0), utc(2023, 9, 13, 10, 0)),
        ("2 hours ago", utc(2023, 9, 13, 9, 0), utc(2023, 9, 13, 10, 0)),
        ("2 Hours Ago", utc(2023, 9, 13, 9, 0), utc(2023, 9, 13, 10, 0)),
        ("0 jam lalu", utc(2023, 9, 13, 11, 0), utc(2023, 9, 13, 12, 0)),
        ("sejam lalu", utc(2023, 9, 13, 10, 0), utc(2023, 9, 13, 11, 0)),
        ("satu jam lalu", utc(2023, 9, 13, 10, 0), utc(2023, 9, 13, 11, 0)),
        ("1 jam lalu", utc(2023, 9, 13, 10, 0), utc(2023, 9, 13, 11, 0)),
        ("an hour ago", utc(2023, 9, 13, 10, 0), utc(2023, 9, 13, 11, 0)),
        ("1 hour ago", utc(2023, 9, 13, 10, 0), utc(2023, 9, 13, 11, 0)),
        ("30 detik lalu", utc(2023, 9, 13, 11, 59, 29), utc(2023, 9, 13, 11, 59, 30)),
        ("30 seconds ago", utc(2023, 9, 13, 11, 59, 29), utc(2023, 9, 13, 11, 59, 30)),
        ("5 menit lalu", utc(2023, 9, 13, 11, 54), utc(2023, 9, 13, 11, 55)),
        ("5 menit yang lalu", utc(2023, 9, 13, 11, 54), utc(2023, 9, 13, 11, 55)),
        ("5 minutes ago", utc(2023, 9, 13, 11, 54), utc(2023, 9, 13, 11, 55)),
        ("5 mins ago", utc(2023, 9, 13, 11, 54), utc(2023, 9, 13, 11, 55)),
        ("a minute ago", utc(2023, 9, 13, 11, 58), utc(2023, 9, 13, 11, 59)),
        ("semenit lalu", utc(2023, 9, 13, 11, 58), utc(2023, 9, 13, 11, 59)),
        ("3 hari lalu", utc(2023, 9, 9, 12, 0), utc(2023, 9, 10, 12, 0)),
        ("3 days ago", utc(2023, 9, 9, 12, 0), utc(2023, 9, 10, 12, 0)),
        ("sehari lalu", utc(2023, 9, 11, 12, 0), utc(2023, 9, 12, 12, 0)),
        ("a day ago", utc(2023, 9, 11, 12, 0), utc(2023, 9, 12, 12, 0)),
        ("2 minggu lalu", utc(2023, 8, 23, 12, 0), utc(2023, 8, 30, 12, 0)),
        ("2 weeks ago", utc(2023, 8, 23, 12, 0), utc(2023, 8, 30, 12, 0)),
        ("seminggu lalu", utc(2023, 8, 30, 12, 0), utc(2023, 9, 6, 12, 0)),
        ("sepekan lalu", utc(2023, 8, 30, 12, 0), utc(2023, 9, 6, 12, 0)),
        ("1 bulan lalu", utc(2023, 7, 13, 12, 0), utc(2023, 8, 13, 12, 0)),
        ("sebulan lalu", utc(2023, 7, 13, 12, 0), utc(2023, 8, 13, 12, 0)),
        ("3 months ago", utc(2023, 5, 13, 12, 0), utc(2023, 6, 13, 12, 0)),
        ("2 tahun lalu", utc(2020, 9, 13, 12, 0), utc(2021, 9, 13, 12, 0)),
        ("setahun lalu", utc(2021, 9, 13, 12, 0), utc(2022, 9, 13, 12, 0)),
        ("a year ago", utc(2021, 9, 13, 12, 0), utc(2022, 9, 13, 12, 0)),
        ("baru saja", utc(2023, 9, 13, 11, 59), utc(2023, 9, 13, 12, 0)),
        ("Baru Saja", utc(2023, 9, 13, 11, 59), utc(2023, 9, 13, 12, 0)),
        ("just now", utc(2023, 9, 13, 11, 59), utc(2023, 9, 13, 12, 0)),
        ("beberapa detik lalu", utc(2023, 9, 13, 11, 59), utc(2023, 9, 13, 12, 0)),
        ("a few seconds ago", utc(2023, 9, 13, 11, 59), utc(2023, 9, 13, 12, 0)),
        # 19:00 WIB on the 13th: yesterday is 12 Sep WIB = (11 Sep 17:00 UTC, 12 Sep 17:00 UTC].
        ("kemarin", utc(2023, 9, 11, 17, 0), utc(2023, 9, 12, 17, 0)),
        ("Kemarin", utc(2023, 9, 11, 17, 0), utc(2023, 9, 12, 17, 0)),
        ("yesterday", utc(2023, 9, 11, 17, 0), utc(2023, 9, 12, 17, 0)),
    ],
)
def test_resolve_relative(text: str, after: datetime, until: datetime) -> None:
    assert_utc_window(resolve_relative(text, NOW), window(after, until))


def test_two_hours_boundaries_exact() -> None:
    got = resolve_relative("2 jam lalu", NOW)
    assert got.after == NOW - timedelta(hours=3)
    assert got.until == NOW - timedelta(hours=2)
    assert got.after == utc(2023, 9, 13, 9, 0) and got.until == utc(2023, 9, 13, 10, 0)


def test_now_in_any_zone_gives_utc_bounds() -> None:
    now_wib = datetime(2023, 9, 13, 19, 0, tzinfo=timezone(timedelta(hours=7)))  # == NOW
    expected = window(utc(2023, 9, 13, 9), utc(2023, 9, 13, 10))
    assert_utc_window(resolve_relative("2 jam lalu", now_wib), expected)


@pytest.mark.parametrize(
    ("now", "after", "until"),
    [
        # 00:30 WIB on the 14th is still the 13th in UTC; yesterday is 13 Sep WIB.
        (utc(2023, 9, 13, 17, 30), utc(2023, 9, 12, 17, 0), utc(2023, 9, 13, 17, 0)),
        # 23:59 WIB on the 14th: the same yesterday.
        (utc(2023, 9, 14, 16, 59), utc(2023, 9, 12, 17, 0), utc(2023, 9, 13, 17, 0)),
        # One minute later it is the 15th in WIB.
        (utc(2023, 9, 14, 17, 0), utc(2023, 9, 13, 17, 0), utc(2023, 9, 14, 17, 0)),
        # 23:59 WIB on the 13th: yesterday is 12 Sep WIB.
        (utc(2023, 9, 13, 16, 59), utc(2023, 9, 11, 17, 0), utc(2023, 9, 12, 17, 0)),
        # 00:30 WIB on 1 Jan 2024: yesterday is 31 Dec 2023 WIB.
        (utc(2023, 12, 31, 17, 30), utc(2023, 12, 30, 17, 0), utc(2023, 12, 31, 17, 0)),
        # 02:00 WIB on 1 Mar 2024: yesterday is the leap day.
        (utc(2024, 2, 29, 19, 0), utc(2024, 2, 28, 17, 0), utc(2024, 2, 29, 17, 0)),
    ],
)
def test_kemarin_is_previous_wib_day(now: datetime, after: datetime, until: datetime) -> None:
    assert_utc_window(resolve_relative("kemarin", now), window(after, until))
    assert_utc_window(resolve_relative("yesterday", now), window(after, until))


@pytest.mark.parametrize(
    ("text", "now", "after", "until"),
    [
        # Hours across midnight and the new year.
        ("1 jam lalu", utc(2024, 1, 1, 0, 30), utc(2023, 12, 31, 22, 30), utc(2023, 12, 31, 23, 30)),
        ("2 hari lalu", utc(2024, 3, 1, 6, 0), utc(2024, 2, 27, 6, 0), utc(2024, 2, 28, 6, 0)),
        # Months across the new year.
        ("2 bulan lalu", utc(2024, 1, 15, 5, 0), utc(2023, 10, 15, 5, 0), utc(2023, 11, 15, 5, 0)),
        ("1 bulan lalu", utc(2024, 1, 15, 5, 0), utc(2023, 11, 15, 5, 0), utc(2023, 12, 15, 5, 0)),
        # 31 Mar 12:00 WIB: one month back clamps to 29 Feb, two to 31 Jan.
        ("1 bulan lalu", utc(2024, 3, 31, 5, 0), utc(2024, 1, 31, 5, 0), utc(2024, 2, 29, 5, 0)),
        # Months step through the WIB calendar: 30 Apr 20:00 UTC is 1 May 03:00 WIB.
        ("1 bulan lalu", utc(2024, 4, 30, 20, 0), utc(2024, 2, 29, 20, 0), utc(2024, 3, 31, 20, 0)),
        # Leap day minus a year clamps to 28 Feb.
        ("1 tahun lalu", utc(2024, 2, 29, 5, 0), utc(2022, 2, 28, 5, 0), utc(2023, 2, 28, 5, 0)),
        ("12 bulan lalu", utc(2024, 2, 29, 5, 0), utc(2023, 1, 29, 5, 0), utc(2023, 2, 28, 5, 0)),
    ],
)
def test_resolve_relative_calendar_crossings(
    text: str, now: datetime, after: datetime, until: datetime
) -> None:
    assert_utc_window(resolve_relative(text, now), window(after, until))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "lalu",
        "jam lalu",
        "2 jam",
        "2 jam lagi",  # future
        "in 2 hours",
        "-2 jam lalu",
        "2 foo lalu",
        "seribu jam lalu",  # number word not known
        "sesuatu lalu",
        "kemarin sore",
        "Minggu",  # a day name, not a week
        "13 September 2023 19:36 WIB",
        "2023-09-13",
        "99999999 tahun lalu",  # before year 1
        "99999999999 hari lalu",
        "9" * 5000 + " jam lalu",
        None,
        42,
    ],
)
def test_resolve_relative_not_relative_is_none(text) -> None:
    assert resolve_relative(text, NOW) is None


def test_resolve_relative_rejects_naive_now() -> None:
    with pytest.raises(ValueError):
        resolve_relative("2 jam lalu", datetime(2023, 9, 13, 12, 0))


US = timedelta(microseconds=1)


# --- resolve_time --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "after", "until"),
    [
        ("2 jam lalu", utc(2023, 9, 13, 9, 0), utc(2023, 9, 13, 10, 0)),
        ("kemarin", utc(2023, 9, 11, 17, 0), utc(2023, 9, 12, 17, 0)),
        # Minutes shown: the display truncates, so [t, t + 1 min) = (t - 1 µs, t + 1 min - 1 µs].
        ("Rabu, 13 September 2023 19:36 WIB", utc(2023, 9, 13, 12, 36) - US, utc(2023, 9, 13, 12, 37) - US),
        (
            "Rabu, 13 September 2023 pukul 19.36 WIB",
            utc(2023, 9, 13, 12, 36) - US,
            utc(2023, 9, 13, 12, 37) - US,
        ),
        ("13 September 2023 19:36 WITA", utc(2023, 9, 13, 11, 36) - US, utc(2023, 9, 13, 11, 37) - US),
        ("13 September 2023 19:36 WIT", utc(2023, 9, 13, 10, 36) - US, utc(2023, 9, 13, 10, 37) - US),
        ("1 Januari 2024 00:00 WIB", utc(2023, 12, 31, 17, 0) - US, utc(2023, 12, 31, 17, 1) - US),
        # Seconds shown: [t, t + 1 s).
        ("2023-09-13T19:36:45+07:00", utc(2023, 9, 13, 12, 36, 45) - US, utc(2023, 9, 13, 12, 36, 46) - US),
        ("2023-09-13T12:36:00Z", utc(2023, 9, 13, 12, 36) - US, utc(2023, 9, 13, 12, 36, 1) - US),
        # A date alone: the whole WIB day.
        ("13 September 2023", utc(2023, 9, 12, 17, 0) - US, utc(2023, 9, 13, 17, 0) - US),
        ("2023-09-13", utc(2023, 9, 12, 17, 0) - US, utc(2023, 9, 13, 17, 0) - US),
        ("1 Januari 2024", utc(2023, 12, 31, 17, 0) - US, utc(2024, 1, 1, 17, 0) - US),
        ("31 Desember 2199", utc(2199, 12, 30, 17, 0) - US, utc(2199, 12, 31, 17, 0) - US),
    ],
)
def test_resolve_time(text: str, after: datetime, until: datetime) -> None:
    assert_utc_window(resolve_time(text, NOW), window(after, until))


@pytest.mark.parametrize("text", ["", "abc", "pukul 19.36 WIB", "2 jam lagi", "31 Februari 2023", None])
def test_resolve_time_neither_is_none(text) -> None:
    assert resolve_time(text, NOW) is None
