"""Registrations pages: list with search and filters, detail, status, notes, export."""

from __future__ import annotations

import asyncio
from functools import cache
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard import pages as core
from dashboard.accounts import actor
from dashboard.search import (
    PAGE_SIZE,
    BadFilter,
    Filters,
    masked_phone,
    page_query,
    sorted_query,
)
from db.clock import utcnow
from db.models import AuditEvent, Referrer, Registration, User
from handlers import review
from handlers.registration import form, ownership, places
from handlers.registration.export import to_csv, to_xlsx, vietnam_time
from handlers.registration.fields import MARKETS
from handlers.registration.statuses import STATUS_LABELS
from handlers.staff_input import ID_ROUTE

EXPORT_MAX = 200_000
HIDDEN_HISTORY = frozenset({"view"})


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/registrations", list_page)
    router.add_get("/registrations/export.{fmt:(xlsx|csv)}", export)
    router.add_get(f"/registrations/{ID_ROUTE}", detail)
    router.add_post(f"/registrations/{ID_ROUTE}/status", change_status)
    router.add_post(f"/registrations/{ID_ROUTE}/note", add_note)


def filters_of(request: web.Request) -> Filters:
    try:
        return Filters.parse(request.query)
    except BadFilter as exc:
        raise web.HTTPBadRequest(text=f"{exc} Hãy sửa lại bộ lọc.") from None


@cache
def pick_lists(province: str) -> dict[str, object]:
    home = places.default_province(province)
    return {
        "statuses": STATUS_LABELS,
        "markets": [m.label for m in MARKETS],
        "provinces": places.province_names(),
        "communes": places.commune_names(home.code) if home else [],
    }


async def list_page(request: web.Request) -> web.Response:
    filters = filters_of(request)
    async with request.app[core.SESSIONS]() as db:
        rows = list((await db.scalars(page_query(filters))).all())
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    first = (filters.page - 1) * PAGE_SIZE + 1
    return await core.render(
        request,
        "registrations.html",
        {
            "rows": rows,
            "f": filters,
            "back": urlencode({"back": f"{request.path}?{filters.params()}"}),
            "more": more,
            "first": first,
            "last": first + len(rows) - 1,
            "labels": STATUS_LABELS,
            "masked": masked_phone,
            "flags": form.flags,
            "local": vietnam_time,
            **pick_lists(request.app[core.SETTINGS].province),
        },
    )


async def _registration(db: AsyncSession, request: web.Request) -> Registration:
    registration = await db.get(Registration, int(request.match_info["id"]))
    if registration is None:
        raise web.HTTPNotFound(text="Không tìm thấy hồ sơ này.")
    return registration


async def detail(request: web.Request) -> web.Response:
    account = core.current(request)
    async with request.app[core.SESSIONS].begin() as db:
        registration = await _registration(db, request)
        events = (
            await db.scalars(
                select(AuditEvent)
                .where(AuditEvent.registration_id == registration.id)
                .order_by(AuditEvent.id)
            )
        ).all()
        referrer = (
            await db.get(Referrer, registration.referrer_id) if registration.referrer_id else None
        )
        applicant = await db.get(User, registration.user_id) if registration.user_id else None
        # Registrations with the same phone from another person, shown side by side.
        same_phone = await ownership.same_phone(db, registration)
        # Who looked at whose personal data (Law 91/2025/QH15): every view is audited.
        db.add(AuditEvent(registration_id=registration.id, actor=actor(account), action="view"))
    history = [e for e in events if e.action not in HIDDEN_HISTORY]
    return await core.render(
        request,
        "registration.html",
        {
            "r": registration,
            "answers": [(f.key, f.label, f.text(registration)) for f in form.FIELDS],
            "flags": form.flags(registration),
            "same_phone": same_phone,
            "compared": [
                (f.label, [f.text(r) for r in (registration, *same_phone)]) for f in form.FIELDS
            ],
            "history": history,
            "referrer": referrer,
            "applicant": applicant,
            "labels": STATUS_LABELS,
            "local": vietnam_time,
            "back": core.safe_next(request.query.get("back")),
        },
    )


async def change_status(request: web.Request) -> web.Response:
    account = core.current(request)
    form = await request.post()
    status = str(form.get("status", ""))
    reason = str(form.get("reason", "")).strip()[: review.NOTE_MAX] or None
    if status not in STATUS_LABELS:
        raise web.HTTPBadRequest(text="Trạng thái không có trong danh sách.")
    settings = request.app[core.SETTINGS]
    told = False
    async with request.app[core.SESSIONS].begin() as db:
        registration = await _registration(db, request)
        change = await review.set_status(db, settings, registration, status, actor(account), reason)
        if change.error is None and change.event is not None:
            await db.flush()
            if change.notice is not None:
                key = f"web:status:{change.event.id}"
                told = await review.queue_notice(db, key, change.notice) is not None
        code = registration.code
    if change.error == "same":
        message = f"{code} đã ở trạng thái «{STATUS_LABELS[status]}»."
    elif change.error:
        message = f"{code}: người lao động đã xoá dữ liệu, không đổi được trạng thái."
    else:
        message = f"✓ {code}: {STATUS_LABELS[change.old]} → {STATUS_LABELS[status]}."
        if told:
            message += " Đã báo cho người lao động."
            request.app[core.WAKE]()
    await core.flash(request, message)
    raise _back_to_detail(request, form.get("back"))


async def add_note(request: web.Request) -> web.Response:
    account = core.current(request)
    form = await request.post()
    text = str(form.get("note", "")).strip()
    if not text:
        await core.flash(request, "Ghi chú trống: chưa lưu.")
    else:
        async with request.app[core.SESSIONS].begin() as db:
            registration = await _registration(db, request)
            review.add_note(db, registration, actor(account), text)
        await core.flash(request, "✓ Đã lưu ghi chú.")
    raise _back_to_detail(request, form.get("back"))


def _back_to_detail(request: web.Request, back: object) -> web.HTTPFound:
    """The detail page again, keeping the list (with its filters) to go back to."""
    target = f"{core.PREFIX}/registrations/{request.match_info['id']}"
    if isinstance(back, str) and back:
        target += "?" + urlencode({"back": core.safe_next(back)})
    return web.HTTPFound(target)


async def export(request: web.Request) -> web.Response:
    """The current filter (every page of it) as XLSX or CSV; the export is audited."""
    account = core.current(request)
    filters = filters_of(request)
    fmt = request.match_info["fmt"]
    async with request.app[core.SESSIONS].begin() as db:
        rows = list((await db.scalars(sorted_query(filters).limit(EXPORT_MAX))).all())
        names = dict((await db.execute(select(Referrer.id, Referrer.name))).all())
        what = filters.params() or "tất cả"
        db.add(AuditEvent(actor=actor(account), action="export", note=f"{len(rows)} hồ sơ; {what}"))
    title = "Danh sách đăng ký" + (" (đã lọc)" if filters.active else "")
    # Tens of thousands of rows take seconds to write: not on the event loop.
    if fmt == "xlsx":
        body = await asyncio.to_thread(to_xlsx, rows, names, title)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = await asyncio.to_thread(to_csv, rows, names)
        content_type = "text/csv; charset=utf-8"
    stamp = f"{vietnam_time(utcnow()):%Y%m%d-%H%M}"
    return web.Response(
        body=body,
        content_type=content_type.split(";")[0],
        charset="utf-8" if fmt == "csv" else None,
        headers={"Content-Disposition": f'attachment; filename="dang-ky_{stamp}.{fmt}"'},
    )
