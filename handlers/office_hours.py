"""The centre's office hours: when staff read the hand-off chat, and how to say when.

`CENTRE_OPEN_HOURS` is a list of day ranges with their periods, in Vietnam time
(UTC+7 all year, no daylight saving)::

    Mon-Fri 07:30-11:30,13:30-17:00; Sat 08:00-11:00

Days are English (Mon … Sun) or Vietnamese (T2 … T7, CN). `CENTRE_HOLIDAYS` lists days
off as dates or ranges: ``2026-09-01..2026-09-02, 2027-01-01``. An empty
`CENTRE_OPEN_HOURS` means "always open" (no out-of-hours notice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

__all__ = ["VIETNAM", "OfficeHours", "parse_holidays", "parse_hours", "spoken_time"]

VIETNAM = timezone(timedelta(hours=7), "ICT")
DAY_NAMES = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "t2": 0, "t3": 1, "t4": 2, "t5": 3, "t6": 4, "t7": 5, "cn": 6,
}  # fmt: skip
WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
# Look this far ahead for the next opening (a long holiday is still found).
HORIZON_DAYS = 60

Period = tuple[time, time]


@dataclass(frozen=True)
class OfficeHours:
    """Opening periods per weekday (0 = Monday) and days off."""

    week: tuple[tuple[Period, ...], ...]
    holidays: frozenset[date] = frozenset()

    @classmethod
    def always(cls) -> OfficeHours:
        return cls(tuple(((time(0), time(23, 59, 59)),) for _ in range(7)))

    @property
    def configured(self) -> bool:
        return any(self.week)

    def periods(self, day: date) -> tuple[Period, ...]:
        return () if day in self.holidays else self.week[day.weekday()]

    def is_open(self, moment: datetime) -> bool:
        """Whether `moment` (naive UTC, or aware) falls in an opening period."""
        local = to_local(moment)
        return any(start <= local.time() < end for start, end in self.periods(local.date()))

    def next_opening(self, moment: datetime) -> datetime | None:
        """The start of the next opening period after `moment` (Vietnam time), or None
        when nothing opens within the horizon."""
        local = to_local(moment)
        for offset in range(HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            for start, _ in self.periods(day):
                opening = datetime.combine(day, start, VIETNAM)
                if opening > local:
                    return opening
        return None

    def current_period_start(self, moment: datetime) -> datetime | None:
        """The start of the opening period `moment` is in (Vietnam time), if any."""
        local = to_local(moment)
        for start, end in self.periods(local.date()):
            if start <= local.time() < end:
                return datetime.combine(local.date(), start, VIETNAM)
        return None

    def first_period_of_day(self, moment: datetime) -> bool:
        """Whether `moment` is in the day's first opening period (the morning)."""
        local = to_local(moment)
        periods = self.periods(local.date())
        return bool(periods) and periods[0][0] <= local.time() < periods[0][1]


def to_local(moment: datetime) -> datetime:
    """Vietnam time of a naive-UTC (the database's) or aware datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM)


def parse_hours(spec: str) -> tuple[tuple[Period, ...], ...]:
    """`Mon-Fri 07:30-11:30,13:30-17:00; Sat 08:00-11:00` → periods per weekday.
    Raises ValueError with what is wrong."""
    week: list[list[Period]] = [[] for _ in range(7)]
    for part in (p.strip() for p in spec.split(";")):
        if not part:
            continue
        days_text, _, periods_text = part.partition(" ")
        days = _days(days_text)
        if not periods_text.strip():
            raise ValueError(f"{part!r}: periods like 07:30-11:30 are missing after the days")
        for text in periods_text.split(","):
            period = _period(text.strip())
            for day in days:
                week[day].append(period)
    return tuple(tuple(sorted(periods)) for periods in week)


def _days(text: str) -> list[int]:
    first, sep, last = text.lower().partition("-")
    if first not in DAY_NAMES or (sep and last not in DAY_NAMES):
        raise ValueError(f"{text!r}: days are Mon … Sun (or T2 … T7, CN), e.g. Mon-Fri")
    start, end = DAY_NAMES[first], DAY_NAMES[last] if sep else DAY_NAMES[first]
    if end < start:
        raise ValueError(f"{text!r}: the days must go forward (Mon-Fri, not Fri-Mon)")
    return list(range(start, end + 1))


def _period(text: str) -> Period:
    match = _PERIOD.match(text)
    if match is None:
        raise ValueError(f"{text!r}: expected a period like 07:30-11:30")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"{text!r}: not a time of day")
    start, end = time(h1, m1), time(23, 59, 59) if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"{text!r}: a period ends after it starts")
    return start, end


def parse_holidays(spec: str) -> frozenset[date]:
    """`2026-09-01..2026-09-02, 2027-01-01` → the days. Raises ValueError."""
    days: set[date] = set()
    for part in (p.strip() for p in spec.replace(";", ",").split(",")):
        if not part:
            continue
        first, sep, last = part.partition("..")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if sep else start
        except ValueError as exc:
            raise ValueError(f"{part!r}: expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD") from exc
        if end < start or (end - start).days > 366:
            raise ValueError(f"{part!r}: a range goes forward and lasts at most a year")
        days.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    return frozenset(days)


def spoken_time(moment: datetime, now: datetime) -> str:
    """«7 giờ 30 sáng mai (thứ Ba, 16/12)» — how a worker is told when staff answer."""
    local, today = to_local(moment), to_local(now).date()
    minutes = f" {local.minute:02d}" if local.minute else ""
    hour = local.hour % 12 or 12
    part = "sáng" if local.hour < 11 else "trưa" if local.hour < 13 else "chiều"
    if local.hour >= 18:
        part = "tối"
    clock = f"{hour} giờ{minutes} {part}"
    days = (local.date() - today).days
    weekday = WEEKDAYS_VI[local.weekday()]
    if days == 0:
        return f"{clock} nay"
    if days == 1:
        return f"{clock} mai ({weekday}, {local:%d/%m})"
    return f"{clock} {weekday}, {local:%d/%m}"
