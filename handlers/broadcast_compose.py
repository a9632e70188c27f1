"""/thongbao: staff compose an announcement, choose who gets it, see the exact count, send.

The draft lives in the staff member's conversation state. Sending creates a `Broadcast`
and its recipient rows (`db.broadcasts.queue`); the broadcast sender in `serve` delivers
it at the platform's limits and reports progress to the chat it was composed in.
"""

from __future__ import annotations

from typing import Any

from db import broadcasts
from db.models import Broadcast
from handlers.context import Context
from handlers.registration import fields, places
from handlers.staff_input import parse_id
from handlers.types import Button, Incoming, Reply

FLOW = "bc_compose"
MAX_TEXT = 3500
DROP = Button("✖️ Huỷ bản nháp", "bc:drop")


def start(ctx: Context) -> list[Reply]:
    ctx.start_flow(FLOW, "text", {"audience": {}})
    return [Reply("Gõ nội dung thông báo (có thể gửi một ảnh kèm chú thích).", (DROP,))]


def _audience(ctx: Context) -> dict[str, Any]:
    return dict((ctx.state.data or {}).get("audience") or {})


def _save(ctx: Context, step: str, **data: Any) -> None:
    ctx.start_flow(FLOW, step, {**(ctx.state.data or {}), **data})


def describe(audience: dict[str, Any]) -> str:
    if audience.get("all") or not any(
        audience.get(k) for k in ("provinces", "communes", "markets")
    ):
        return "tất cả người đã đồng ý nhận tin"
    parts = []
    area = [*(audience.get("provinces") or []), *(audience.get("communes") or [])]
    if area:
        parts.append("ở " + ", ".join(area))
    markets = [o.label for o in fields.MARKETS if o.code in (audience.get("markets") or [])]
    if markets:
        parts.append("quan tâm " + ", ".join(markets))
    return "người nhận tin " + " và ".join(parts)


async def audience_menu(ctx: Context) -> list[Reply]:
    audience = _audience(ctx)
    count = await broadcasts.audience_count(ctx.session, audience)
    _save(ctx, "audience")
    return [
        Reply(
            f"Người nhận: {describe(audience)} — {count} người.\nThêm điều kiện, hoặc xem trước.",
            (
                Button("👥 Tất cả người nhận tin", "bc:all"),
                Button("🏞️ Thêm tỉnh", "bc:prov"),
                Button("🏡 Thêm xã/phường", "bc:com"),
                Button("🌏 Thêm nước quan tâm", "bc:mkt"),
                Button("👁️ Xem trước", "bc:preview"),
                DROP,
            ),
        )
    ]


async def on_message(ctx: Context, incoming: Incoming) -> list[Reply]:
    step = ctx.step
    text = (incoming.text or "").strip()
    if step == "text":
        media = incoming.media
        photo = media.file_ref if media is not None and media.kind == "photo" else None
        body = (media.caption if media is not None else None) or text
        if not body or len(body) > MAX_TEXT:
            return [Reply(f"Nội dung phải có chữ và dưới {MAX_TEXT} ký tự. Gõ lại nhé.", (DROP,))]
        _save(ctx, "audience", text=body, photo=photo)
        return await audience_menu(ctx)
    if step in ("prov", "com"):
        return await _add_place(ctx, step, text)
    return await audience_menu(ctx)


async def _add_place(ctx: Context, step: str, text: str) -> list[Reply]:
    audience = _audience(ctx)
    if step == "prov":
        found = places.find_provinces(text[:100], limit=1)
        if not found or found[0].score < 85:
            return [Reply("Không tìm thấy tỉnh này. Gõ lại, ví dụ: Lào Cai.", (DROP,))]
        key, name = "provinces", found[0].name
    else:
        home = places.default_province(ctx.settings.province)
        found = places.find_communes(text[:100], home.code if home else None, limit=1)
        if not found or found[0].score < 85:
            return [Reply("Không tìm thấy xã/phường này. Gõ lại, ví dụ: Bát Xát.", (DROP,))]
        key, name = "communes", found[0].name
    audience = {**audience, "all": False, key: sorted({*(audience.get(key) or []), name})}
    _save(ctx, "audience", audience=audience)
    return await audience_menu(ctx)


async def on_action(ctx: Context, incoming: Incoming, action: str) -> list[Reply]:
    number = parse_id(action.removeprefix("bc:cancel:"))
    if action.startswith("bc:cancel:") and number is not None:
        stopped = await broadcasts.cancel(ctx.session, number)
        return [
            Reply(
                f"Đã huỷ thông báo #{number}."
                if stopped
                else f"Thông báo #{number} đã xong hoặc đã huỷ từ trước."
            )
        ]
    if ctx.flow != FLOW:
        return [Reply("Bản nháp này không còn. Gõ /thongbao để soạn lại.")]
    audience = _audience(ctx)
    if action == "bc:drop":
        ctx.end_flow()
        return [Reply("Đã bỏ bản nháp thông báo.")]
    if action == "bc:all":
        _save(ctx, "audience", audience={"all": True})
        return await audience_menu(ctx)
    if action in ("bc:prov", "bc:com"):
        _save(ctx, action.removeprefix("bc:"))
        what = "tỉnh" if action == "bc:prov" else "xã/phường"
        return [Reply(f"Gõ tên {what}.", (DROP,))]
    if action == "bc:mkt":
        return [
            Reply(
                "Chọn nước:",
                tuple(
                    Button(o.label, f"bc:m:{o.code}")
                    for o in fields.MARKETS
                    if o.code != "undecided"
                ),
            )
        ]
    if action.startswith("bc:m:"):
        code = action.removeprefix("bc:m:")
        if code in {o.code for o in fields.MARKETS}:
            markets = sorted({*(audience.get("markets") or []), code})
            _save(ctx, "audience", audience={**audience, "all": False, "markets": markets})
        return await audience_menu(ctx)
    if action == "bc:preview":
        return await preview(ctx)
    if action == "bc:send":
        return await send(ctx, incoming)
    return await audience_menu(ctx)


async def preview(ctx: Context) -> list[Reply]:
    data = ctx.state.data or {}
    audience = _audience(ctx)
    count = await broadcasts.audience_count(ctx.session, audience)
    photo = " (kèm 1 ảnh)" if data.get("photo") else ""
    return [
        Reply(f"Xem trước{photo}:\n\n{data.get('text', '')}"),
        Reply(
            f"Sẽ gửi tới {count} người ({describe(audience)}). Gửi ngay?",
            (
                Button(f"✅ Gửi cho {count} người", "bc:send"),
                Button("✏️ Sửa người nhận", "bc:aud"),
                DROP,
            ),
        ),
    ]


async def send(ctx: Context, incoming: Incoming) -> list[Reply]:
    data = ctx.state.data or {}
    if not data.get("text"):
        return start(ctx)
    broadcast = Broadcast(
        text=data["text"],
        photo_ref=data.get("photo"),
        audience=_audience(ctx),
        status="draft",
        created_by=f"{ctx.user.channel}:{ctx.user.external_id}",
        report_channel=incoming.channel,
        report_chat=incoming.chat,
    )
    ctx.session.add(broadcast)
    await ctx.session.flush()
    count = await broadcasts.queue(ctx.session, broadcast)
    ctx.end_flow()
    return [
        Reply(
            f"📣 Thông báo #{broadcast.id}: đang gửi tới {count} người. "
            "Tôi sẽ báo tiến độ tại đây.",
            (Button(f"⛔ Huỷ thông báo #{broadcast.id}", f"bc:cancel:{broadcast.id}"),),
        )
    ]
