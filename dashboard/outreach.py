"""Job fairs and broadcasts pages.

Fairs are written through `handlers.job_fairs.apply` (the same parsing and checks as
`/phien` in the staff chat). Broadcasts use `db.broadcasts`: the audience's exact count
is shown before staff confirm, the broadcast sender in `serve` delivers it, and its page
refreshes itself while it runs (a meta refresh: no script).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiMapping
from sqlalchemy import select

from dashboard import pages as core
from dashboard.accounts import actor
from db import broadcasts
from db.models import AuditEvent, Broadcast, JobFair
from handlers import job_fairs
from handlers.broadcast_compose import describe
from handlers.registration import fields, places
from handlers.staff_input import ID_ROUTE, parse_id

TEXT_MAX = 3000
MARKETS = [o for o in fields.MARKETS if o.code != "undecided"]
FAIR_LINES = (
    ("title", "Tên"),
    ("starts_at", "Thời gian"),
    ("province", "Tỉnh"),
    ("commune", "Xã"),
    ("address", "Địa chỉ"),
    ("map_url", "Bản đồ"),
    ("recruiters", "Doanh nghiệp"),
    ("note", "Ghi chú"),
)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/fairs", fairs_page)
    router.add_get("/fairs/new", fair_form)
    router.add_get(f"/fairs/{ID_ROUTE}", fair_form)
    router.add_post("/fairs/save", fair_save)
    router.add_post(f"/fairs/{ID_ROUTE}/cancel", fair_cancel)
    router.add_get("/broadcasts", broadcasts_page)
    router.add_get("/broadcasts/new", broadcast_form)
    router.add_post("/broadcasts/preview", broadcast_preview)
    router.add_post("/broadcasts/send", broadcast_send)
    router.add_get(f"/broadcasts/{ID_ROUTE}", broadcast_page)
    router.add_post(f"/broadcasts/{ID_ROUTE}/cancel", broadcast_cancel)


# --- job fairs ----------------------------------------------------------------------
async def fairs_page(request: web.Request) -> web.Response:
    async with request.app[core.SESSIONS]() as db:
        fairs = (
            await db.scalars(select(JobFair).order_by(JobFair.starts_at.desc()).limit(200))
        ).all()
    return await core.render(
        request, "fairs.html", {"fairs": fairs, "local": job_fairs.to_local, "markets": MARKETS}
    )


def _fair_values(fair: JobFair | None) -> dict[str, str]:
    if fair is None:
        return {}
    return {
        "title": fair.title,
        "starts_at": f"{job_fairs.to_local(fair.starts_at):%d/%m/%Y %H:%M}",
        "province": fair.province_name or "",
        "commune": fair.commune_name or "",
        "address": fair.address or "",
        "map_url": fair.map_url or "",
        "recruiters": fair.recruiters or "",
        "note": fair.note or "",
    }


async def fair_form(request: web.Request) -> web.Response:
    fair = None
    if "id" in request.match_info:
        async with request.app[core.SESSIONS]() as db:
            fair = await db.get(JobFair, int(request.match_info["id"]))
        if fair is None:
            raise web.HTTPNotFound(text="Không có phiên này.")
    return await _fair_form(request, fair, _fair_values(fair), list(fair.markets if fair else []))


async def _fair_form(
    request: web.Request,
    fair: JobFair | None,
    values: dict[str, str],
    chosen: list[str],
    problems: list[str] | None = None,
) -> web.Response:
    return await core.render(
        request,
        "fair.html",
        {
            "fair": fair,
            "v": values,
            "chosen": chosen,
            "problems": problems or [],
            "lines": FAIR_LINES,
            "markets": MARKETS,
        },
        status=400 if problems else 200,
    )


async def fair_save(request: web.Request) -> web.Response:
    form = await request.post()
    values = {key: str(form.get(key, "")).replace("\n", " ").strip()[:500] for key, _ in FAIR_LINES}
    chosen = [code for code in form.getall("markets", []) if isinstance(code, str)]
    labels = [o.label for o in MARKETS if o.code in chosen]
    # The same "key: value" lines as /phien, so the chat and the page check alike.
    text = "\n".join(f"{label}: {values[key]}" for key, label in FAIR_LINES if values[key])
    if labels:
        text += "\nThị trường: " + ", ".join(labels)
    fair_id = str(form.get("id", ""))
    # Committed only when the whole fair is valid (a failed edit changes nothing).
    async with request.app[core.SESSIONS]() as db:
        number = parse_id(fair_id)
        fair = await db.get(JobFair, number) if number is not None else None
        if fair_id and fair is None:
            raise web.HTTPNotFound(text="Không có phiên này.")
        new = fair is None
        if fair is None:
            fair = JobFair(created_by=actor(core.current(request)), markets=[])
        problems = job_fairs.apply(fair, text, new)
        if problems:
            return await _fair_form(request, None if new else fair, values, chosen, problems)
        if not labels:
            fair.markets = []
        if new:
            db.add(fair)
        await db.flush()
        db.add(
            AuditEvent(
                actor=actor(core.current(request)),
                action="fair_add" if new else "fair_edit",
                note=f"#{fair.id} {fair.title}",
            )
        )
        number = fair.id
        await db.commit()
    await core.flash(request, f"✓ Đã lưu phiên #{number}.")
    raise web.HTTPFound(f"{core.PREFIX}/fairs")


async def fair_cancel(request: web.Request) -> web.Response:
    from db.clock import utcnow

    async with request.app[core.SESSIONS].begin() as db:
        fair = await db.get(JobFair, int(request.match_info["id"]))
        if fair is None:
            raise web.HTTPNotFound(text="Không có phiên này.")
        fair.cancelled_at = fair.cancelled_at or utcnow()
        db.add(
            AuditEvent(actor=actor(core.current(request)), action="fair_cancel", note=f"#{fair.id}")
        )
    await core.flash(request, f"Đã huỷ phiên #{request.match_info['id']}.")
    raise web.HTTPFound(f"{core.PREFIX}/fairs")


# --- broadcasts ---------------------------------------------------------------------
def _audience(form: MultiMapping[Any]) -> dict[str, Any]:
    provinces = places.province_names()
    provinces_chosen = [p for p in form.getall("provinces", []) if p in provinces]
    communes = [
        c.strip()[:128]
        for c in str(form.get("communes", ""))[:5000].replace(";", ",").split(",")
        if c.strip()
    ][:50]
    codes = {o.code for o in MARKETS}
    markets = [m for m in form.getall("markets", []) if m in codes]
    if not (provinces_chosen or communes or markets):
        return {"all": True}
    return {"all": False, "provinces": provinces_chosen, "communes": communes, "markets": markets}


def _text(form: MultiMapping[Any]) -> str:
    text = str(form.get("text", "")).strip()
    if not text:
        raise web.HTTPBadRequest(text="Thông báo chưa có nội dung.")
    if len(text) > TEXT_MAX:
        raise web.HTTPBadRequest(text=f"Thông báo dài quá {TEXT_MAX} ký tự.")
    return text


async def broadcasts_page(request: web.Request) -> web.Response:
    async with request.app[core.SESSIONS]() as db:
        rows = (await db.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(100))).all()
        counted = [(b, await broadcasts.counts(db, b.id)) for b in rows]
    return await core.render(request, "broadcasts.html", {"rows": counted, "describe": describe})


async def broadcast_form(request: web.Request) -> web.Response:
    settings = request.app[core.SETTINGS]
    home = places.default_province(settings.province)
    return await core.render(
        request,
        "broadcast_new.html",
        {
            "provinces": places.province_names(),
            "communes": places.commune_names(home.code) if home else [],
            "markets": MARKETS,
        },
    )


async def broadcast_preview(request: web.Request) -> web.Response:
    form = await request.post()
    text = _text(form)
    audience = _audience(form)
    async with request.app[core.SESSIONS]() as db:
        count = await broadcasts.audience_count(db, audience)
    return await core.render(
        request,
        "broadcast_preview.html",
        {
            "text": text,
            "audience": audience,
            "who": describe(audience),
            "count": count,
            "provinces": audience.get("provinces", []),
            "communes": ", ".join(audience.get("communes", [])),
            "markets": audience.get("markets", []),
        },
    )


async def broadcast_send(request: web.Request) -> web.Response:
    form = await request.post()
    text = _text(form)
    audience = _audience(form)
    account = core.current(request)
    async with request.app[core.SESSIONS].begin() as db:
        broadcast = Broadcast(
            text=text, audience=audience, status="draft", created_by=actor(account)
        )
        db.add(broadcast)
        await db.flush()
        count = await broadcasts.queue(db, broadcast)
        db.add(
            AuditEvent(
                actor=actor(account),
                action="broadcast",
                note=f"#{broadcast.id}: {count} người ({describe(audience)})",
            )
        )
        number = broadcast.id
    await core.flash(request, f"📣 Thông báo #{number}: đang gửi tới {count} người.")
    raise web.HTTPFound(f"{core.PREFIX}/broadcasts/{number}")


async def broadcast_page(request: web.Request) -> web.Response:
    async with request.app[core.SESSIONS]() as db:
        broadcast = await db.get(Broadcast, int(request.match_info["id"]))
        if broadcast is None:
            raise web.HTTPNotFound(text="Không có thông báo này.")
        counts = await broadcasts.counts(db, broadcast.id)
    running = broadcast.status in ("draft", "queued", "sending") or (
        broadcast.status == "cancelled" and broadcast.finished_at is None
    )
    done = counts.total - counts.pending
    return await core.render(
        request,
        "broadcast.html",
        {
            "b": broadcast,
            "c": counts,
            "running": running,
            "percent": round(100 * done / counts.total) if counts.total else 100,
            "who": describe(broadcast.audience or {}),
        },
    )


async def broadcast_cancel(request: web.Request) -> web.Response:
    number = int(request.match_info["id"])
    async with request.app[core.SESSIONS].begin() as db:
        if await db.get(Broadcast, number) is None:
            raise web.HTTPNotFound(text="Không có thông báo này.")
        stopped = await broadcasts.cancel(db, number)
        if stopped:
            db.add(
                AuditEvent(
                    actor=actor(core.current(request)), action="broadcast_cancel", note=f"#{number}"
                )
            )
    await core.flash(
        request,
        f"Đã huỷ thông báo #{number}." if stopped else f"Thông báo #{number} đã xong hoặc đã huỷ.",
    )
    raise web.HTTPFound(f"{core.PREFIX}/broadcasts/{number}")
