"""The registrations list: filters from the query string, and the query they make.

Search is accent-insensitive: `registrations.search_text` holds the folded name, code
and phone (`faq.normalize.fold`, filled by the model on every write), and the query is
folded the same way. A whole phone number (any spelling `parse_phone` accepts) or a
whole registration code is looked up by its index instead. Pages are LIMIT/OFFSET over
an index in the sort order, and the list asks for one row more than it shows instead of
counting every match, so the first page costs the same with 10,000 or 100,000 rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from multidict import MultiMapping
from sqlalchemy import Select, func, select

from db.models import Registration
from faq.normalize import fold
from handlers.registration.fields import FieldError, parse_phone
from handlers.registration.statuses import STATUS_LABELS
from handlers.staff_input import MAX_PAGE, StaffInputError, parse_date, parse_page, utc_midnight

CODE = re.compile(r"^[A-Za-z]{1,4}-\d{4}-\d{3,}$")
PHONE_CHARS = re.compile(r"^[\d\s+().-]+$")
PAGE_SIZE = 50
SORTS = {
    "created": (Registration.created_at, Registration.id),
    "name": (Registration.full_name, Registration.id),
    "code": (Registration.code,),
    "status": (Registration.status, Registration.created_at, Registration.id),
    "commune": (Registration.commune_name, Registration.created_at, Registration.id),
}


class BadFilter(ValueError):
    """A query string the list cannot use; the message is shown to staff (Vietnamese)."""


@dataclass(frozen=True)
class Filters:
    q: str = ""
    status: str = ""
    province: str = ""
    commune: str = ""
    market: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "created"
    order: str = "desc"
    page: int = 1

    @classmethod
    def parse(cls, query: MultiMapping[str]) -> Filters:
        def text(name: str, limit: int = 100) -> str:
            value = query.get(name, "").strip()
            if len(value) > limit:
                raise BadFilter(f"Ô «{name}» dài quá {limit} ký tự.")
            return value

        status = text("status")
        if status and status not in STATUS_LABELS:
            raise BadFilter("Trạng thái không có trong danh sách.")
        sort = text("sort") or "created"
        if sort not in SORTS:
            raise BadFilter("Không sắp xếp được theo cột này.")
        order = text("order") or "desc"
        if order not in ("asc", "desc"):
            raise BadFilter("Thứ tự phải là tăng hoặc giảm.")
        page = parse_page(text("page") or "1")
        if page is None:
            raise BadFilter(f"Số trang không hợp lệ (từ 1 đến {MAX_PAGE}).")
        date_from, date_to = _date(text("from")), _date(text("to"))
        if date_from and date_to and date_to < date_from:
            raise BadFilter("Ngày «đến» phải sau ngày «từ».")
        return cls(
            q=text("q"),
            status=status,
            province=text("province"),
            commune=text("commune"),
            market=text("market"),
            date_from=date_from,
            date_to=date_to,
            sort=sort,
            order=order,
            page=page,
        )

    def params(self, **changes: Any) -> str:
        """The query string of these filters (with `changes`), for links and exports."""
        values = replace(self, **changes) if changes else self
        pairs = []
        for f in fields(values):
            value = getattr(values, f.name)
            if value in ("", None) or (f.name, value) in (
                ("sort", "created"),
                ("order", "desc"),
                ("page", 1),
            ):
                continue
            name = {"date_from": "from", "date_to": "to"}.get(f.name, f.name)
            pairs.append((name, value.isoformat() if isinstance(value, date) else str(value)))
        return urlencode(pairs)

    @property
    def active(self) -> bool:
        return any((self.q, self.status, self.province, self.commune, self.market)) or bool(
            self.date_from or self.date_to
        )


def _date(text: str) -> date | None:
    if not text:
        return None
    try:
        return parse_date(text)
    except StaffInputError as exc:
        raise BadFilter(str(exc)) from None


def filtered(filters: Filters) -> Select[Registration]:
    """Registrations matching the filters (anonymised ones are not listed), unsorted."""
    query = _searched(select(Registration).where(Registration.anonymised_at.is_(None)), filters.q)
    equal = (
        (Registration.status, filters.status),
        (Registration.province_name, filters.province),
        (Registration.commune_name, filters.commune),
        (Registration.market, filters.market),
    )
    for column, value in equal:
        if value:
            query = query.where(column == value)
    if filters.date_from:
        query = query.where(Registration.created_at >= utc_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(
            Registration.created_at < utc_midnight(filters.date_to + timedelta(days=1))
        )
    return query


def _searched(query: Select[Registration], q: str) -> Select[Registration]:
    """The search box: a whole phone number or code is an index lookup, not a scan; other
    words must each appear in the folded name, code and phone."""
    phone = _whole_phone(q)
    if phone:
        return query.where(Registration.phone == phone)
    if CODE.match(q):
        return query.where(Registration.code == q.upper())
    for word in fold(q).split()[:6]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Registration.search_text.like(f"%{escaped}%", escape="\\"))
    return query


def _whole_phone(text: str) -> str | None:
    if not text or not PHONE_CHARS.fullmatch(text) or sum(c.isdigit() for c in text) < 9:
        return None
    try:
        return parse_phone(text)
    except FieldError:
        return None


def sorted_query(filters: Filters) -> Select[Registration]:
    columns = SORTS[filters.sort]
    order = [c.desc() if filters.order == "desc" else c.asc() for c in columns]
    return filtered(filters).order_by(*order)


def page_query(filters: Filters) -> Select[Registration]:
    """One page, plus one row that only says whether a next page exists."""
    return sorted_query(filters).offset((filters.page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)


def choices_query(column: Any) -> Select[tuple[Any, int]]:
    """Distinct values of a column with their counts, for the filter drop-downs."""
    return (
        select(column, func.count())
        .where(column.is_not(None), Registration.anonymised_at.is_(None))
        .group_by(column)
        .order_by(column)
    )


def masked_phone(phone: str | None) -> str:
    """'0912345678' → '0912 *** 678': enough to recognise, not to call."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:4]} *** {phone[-3:]}"
