"""Office hours: the setting's grammar, what is open when, the next opening across
weekends and holidays, and how a worker is told the time."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from handlers.office_hours import OfficeHours, parse_holidays, parse_hours, spoken_time
from settings import SettingsError, load_settings

WEEK = parse_hours("Mon-Fri 07:30-11:30,13:30-17:00; Sat 08:00-11:00")
HOURS = OfficeHours(WEEK, parse_holidays("2026-09-01..2026-09-02"))


def utc(text: str) -> datetime:
    """A Vietnam wall-clock time given as 'YYYY-MM-DD HH:MM', as naive UTC (the database's)."""
    return datetime.fromisoformat(text) - timedelta(hours=7)


def test_the_grammar_accepts_day_ranges_vietnamese_days_and_periods() -> None:
    assert WEEK[0] == ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
    assert WEEK[5] == ((time(8), time(11)),) and WEEK[6] == ()
    assert parse_hours("T2-T6 08:00-17:00; CN 08:00-10:00")[6] == ((time(8), time(10)),)
    for bad in ("Mon-Fri", "Fri-Mon 08:00-17:00", "Mon 17:00-08:00", "Funday 08:00-09:00",
                "Mon 8h-17h", "Mon 25:00-26:00"):  # fmt: skip
        with pytest.raises(ValueError):
            parse_hours(bad)
    with pytest.raises(ValueError):
        parse_holidays("2026-13-01")


def test_open_closed_and_the_next_opening() -> None:
    assert HOURS.is_open(utc("2026-12-14 09:00"))  # Monday morning
    assert not HOURS.is_open(utc("2026-12-14 12:00"))  # lunch
    assert HOURS.next_opening(utc("2026-12-14 12:00")) == datetime.fromisoformat(
        "2026-12-14 13:30+07:00"
    )
    # Saturday afternoon: next is Monday morning (Sunday is closed).
    assert HOURS.next_opening(utc("2026-12-12 15:00")) == datetime.fromisoformat(
        "2026-12-14 07:30+07:00"
    )
    # A holiday Tuesday–Wednesday: Monday evening waits until Thursday.
    assert HOURS.next_opening(utc("2026-08-31 18:00")) == datetime.fromisoformat(
        "2026-09-03 07:30+07:00"
    )
    assert not HOURS.is_open(utc("2026-09-01 09:00"))
    assert HOURS.first_period_of_day(utc("2026-12-14 08:00"))
    assert not HOURS.first_period_of_day(utc("2026-12-14 14:00"))


def test_a_worker_is_told_the_time_in_plain_words() -> None:
    now = utc("2026-12-14 18:20")  # Monday evening
    assert spoken_time(HOURS.next_opening(now), now) == "7 giờ 30 sáng mai (thứ Ba, 15/12)"  # type: ignore[arg-type]
    friday = utc("2026-12-18 17:30")
    assert spoken_time(HOURS.next_opening(friday), friday) == "8 giờ sáng mai (thứ Bảy, 19/12)"  # type: ignore[arg-type]
    saturday = utc("2026-12-19 15:00")
    assert spoken_time(HOURS.next_opening(saturday), saturday) == "7 giờ 30 sáng thứ Hai, 21/12"  # type: ignore[arg-type]
    lunch = utc("2026-12-14 12:00")
    assert spoken_time(HOURS.next_opening(lunch), lunch) == "1 giờ 30 chiều nay"  # type: ignore[arg-type]


def test_a_bad_setting_stops_start_up_naming_the_variable() -> None:
    with pytest.raises(SettingsError) as stopped:
        load_settings(centre_open_hours="Mon-Fri 8-17", _env_file=None)
    assert "CENTRE_OPEN_HOURS" in str(stopped.value)
    with pytest.raises(SettingsError) as stopped:
        load_settings(centre_holidays="mai", _env_file=None)
    assert "CENTRE_HOLIDAYS" in str(stopped.value)
    assert load_settings(centre_open_hours="", _env_file=None).office_hours.is_open(
        datetime(2026, 12, 13, 20)
    )
