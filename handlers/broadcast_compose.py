"""/thongbao: staff compose an announcement, choose who gets it, see the exact count, send.

The draft lives in the staff member's conversation state. Sending creates a `Broadcast`
and its recipient rows (`db.broadcasts.queue`); the broadcast sender in `serve` delivers
it at the platform's limits and reports progress to the chat it was composed in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from db import broadcasts
from db.models import Broadcast
from handlers.actions import Action, Text
from handlers.context import Context
from handlers.registration import fields, places
from handlers.router import ANYWHERE, Router, resolve
from handlers.types import Button, Incoming, Reply

router = Router("broadcast_compose")
FLOW = "bc_compose"
MAX_TEXT = 3500


class Compose(Action, prefix="bc"):
    """A step of the draft: audience choices, preview, send or drop."""

    step: Literal["drop", "all", "prov", "com", "mkt", "preview", "send", "aud"]


class AddMarket(Action, prefix="bc:m"):
    """Only people interested in this market."""

    market: Annotated[str, Text(16)]


class CancelBroadcast(Action, prefix="bc:cancel"):
    """Stop a broadcast that is being sent."""

    broadcast_id: int


DROP = Button("✖️ Huỷ bản nháp", Compose("drop").pack())


@router.command("thongbao", staff=True, where=ANYWHERE, help="/thongbao: soạn thông báo")
def start_command(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    return start(ctx)


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
                Button("👥 Tất cả người nhận tin", Compose("all").pack()),
                Button("🏞️ Thêm tỉnh", Compose("prov").pack()),
                Button("🏡 Thêm xã/phường", Compose("com").pack()),
                Button("🌏 Thêm nước quan tâm", Compose("mkt").pack()),
                Button("👁️ Xem trước", Compose("preview").pack()),
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


@router.action(CancelBroadcast, staff=True, where=ANYWHERE)
async def cancel(ctx: Context, incoming: Incoming, action: CancelBroadcast) -> list[Reply]:
    number = action.broadcast_id
    stopped = await broadcasts.cancel(ctx.session, number)
    if stopped:
        return [Reply(f"Đã huỷ thông báo #{number}.")]
    return [Reply(f"Thông báo #{number} đã xong hoặc đã huỷ từ trước.")]


@router.action(Compose, staff=True, where=ANYWHERE)
async def on_step(ctx: Context, incoming: Incoming, action: Compose) -> list[Reply]:
    if ctx.flow != FLOW:
        return [Reply("Bản nháp này không còn. Gõ /thongbao để soạn lại.")]
    step: StepHandler = STEPS.get(action.step, _audience_step)
    return await resolve(step(ctx, incoming))


@router.action(AddMarket, staff=True, where=ANYWHERE)
async def add_market(ctx: Context, incoming: Incoming, action: AddMarket) -> list[Reply]:
    if ctx.flow != FLOW:
        return [Reply("Bản nháp này không còn. Gõ /thongbao để soạn lại.")]
    audience = _audience(ctx)
    if action.market in {o.code for o in fields.MARKETS}:
        markets = sorted({*(audience.get("markets") or []), action.market})
        _save(ctx, "audience", audience={**audience, "all": False, "markets": markets})
    return await audience_menu(ctx)


def _drop(ctx: Context, incoming: Incoming) -> list[Reply]:
    ctx.end_flow()
    return [Reply("Đã bỏ bản nháp thông báo.")]


async def _everyone(ctx: Context, incoming: Incoming) -> list[Reply]:
    _save(ctx, "audience", audience={"all": True})
    return await audience_menu(ctx)


def _ask_province(ctx: Context, incoming: Incoming) -> list[Reply]:
    _save(ctx, "prov")
    return [Reply("Gõ tên tỉnh.", (DROP,))]


def _ask_commune(ctx: Context, incoming: Incoming) -> list[Reply]:
    _save(ctx, "com")
    return [Reply("Gõ tên xã/phường.", (DROP,))]


def _markets(ctx: Context, incoming: Incoming) -> list[Reply]:
    buttons = tuple(
        Button(o.label, AddMarket(o.code).pack()) for o in fields.MARKETS if o.code != "undecided"
    )
    return [Reply("Chọn nước:", buttons)]


async def _preview(ctx: Context, incoming: Incoming) -> list[Reply]:
    return await preview(ctx)


async def _audience_step(ctx: Context, incoming: Incoming) -> list[Reply]:
    return await audience_menu(ctx)


StepHandler = Callable[[Context, Incoming], list[Reply] | Awaitable[list[Reply]]]


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
                Button(f"✅ Gửi cho {count} người", Compose("send").pack()),
                Button("✏️ Sửa người nhận", Compose("aud").pack()),
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
            (Button(f"⛔ Huỷ thông báo #{broadcast.id}", CancelBroadcast(broadcast.id).pack()),),
        )
    ]


# --- the sender's reports to this chat (bot/broadcast_reports.py) ---------------------

# Zalo OA users outside the 7-day messaging window (not attempted).
UNREACHABLE = "không liên lạc được qua Zalo"


def progress_text(broadcast_id: int, c: broadcasts.Counts) -> str:
    unreachable = f", {UNREACHABLE} {c.unreachable}" if c.unreachable else ""
    return (
        f"📣 Thông báo #{broadcast_id}: đã gửi {c.sent}/{c.total} "
        f"(lỗi {c.failed}, đã chặn bot {c.blocked}, bỏ qua {c.skipped}{unreachable})."
    )


def final_text(broadcast_id: int, c: broadcasts.Counts, cancelled: bool = False) -> str:
    head = "đã huỷ" if cancelled else "đã gửi xong"
    unreachable = f", {c.unreachable} {UNREACHABLE}" if c.unreachable else ""
    return (
        f"📣 Thông báo #{broadcast_id} {head}: {c.sent} đã gửi, {c.failed} lỗi, "
        f"{c.blocked} đã chặn bot, {c.skipped} bỏ qua{unreachable}."
    )


STEPS: dict[str, StepHandler] = {
    "drop": _drop,
    "all": _everyone,
    "prov": _ask_province,
    "com": _ask_commune,
    "mkt": _markets,
    "preview": _preview,
    "send": send,
    "aud": _audience_step,
}
COMPOSE = router.flow(FLOW, start, on_message, where=ANYWHERE, staff=True)
