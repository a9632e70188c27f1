"""What staff type or send back, read the same way in the staff chat and on the dashboard:
dates, record ids and page numbers.

Odd input gets a clear answer, never a failure: `str.isdigit()` is true for «²» (which
`int()` refuses), a record id above 2^63 overflows the database's integers, and a date
in the year 1 or 9999 overflows when it is turned into UTC. So digits are ASCII digits,
ids have at most 18 of them, pages and dates stay within a sane range.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

# Vietnam has kept UTC+7 without daylight saving since 1975; the database holds naive UTC.
VIETNAM_OFFSET = timedelta(hours=7)
# Day first, as staff write dates; the ISO form is what the dashboard's date fields send.
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%Y-%m-%d")
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
# Ids have at most 18 digits: always below 2^63, the largest BIGINT.
ID_DIGITS = 18
# A route parameter that is such an id (anything else is not a route: 404).
ID_ROUTE = "{id:[0-9]{1,18}}"
MAX_PAGE = 10_000


class StaffInputError(ValueError):
    """Input that cannot be used; the message (Vietnamese) says what is expected."""


def parse_date(text: str) -> date:
    """'31/12/2026', '31-12-2026', '31.12.2026', '31/12/26' or '2026-12-31'."""
    text = text.strip()
    for pattern in DATE_FORMATS:
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if not EARLIEST <= day <= LATEST:
            raise StaffInputError(
                f"Ngày «{text}» phải trong khoảng năm {EARLIEST.year}–{LATEST.year}."
            )
        return day
    raise StaffInputError(f"Ngày «{text}» không đúng dạng ngày/tháng/năm, ví dụ 31/12/2026.")


def utc_midnight(day: date) -> datetime:
    """Start of a Vietnam calendar day, in the naive UTC the database holds."""
    return datetime.combine(day, time()) - VIETNAM_OFFSET


def is_number(text: str) -> bool:
    """Only the digits 0–9 (`str.isdigit()` also accepts «²» and other scripts' digits)."""
    return text.isascii() and text.isdigit()


def parse_id(text: str) -> int | None:
    """A record id sent back by a button or a form, or None when it cannot be one."""
    return int(text) if is_number(text) and len(text) <= ID_DIGITS else None


def parse_page(text: str) -> int | None:
    """A page number from 1 to MAX_PAGE, or None."""
    if not is_number(text) or len(text) > len(str(MAX_PAGE)):
        return None
    page = int(text)
    return page if 1 <= page <= MAX_PAGE else None
