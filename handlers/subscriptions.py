"""Announcements a worker agreed to receive: asked once, changed any time.

Receiving news is its own consent (Luật 91/2025/QH15: one purpose, one consent; silence
is not consent). /huytin stops everything at once; /nhantin turns it back on. Interests
(markets) and the area (commune) decide which announcements reach the worker.
"""

from __future__ import annotations

from handlers.context import DRAFT_PREFIX, Context
from handlers.menu import BACK_TO_MENU
from handlers.registration import fields, places
from handlers.staff_input import parse_id
from handlers.types import Button, Incoming, Reply

ASKED = DRAFT_PREFIX + "news_asked"  # kept across flows: the question is asked once
AREA_FLOW = "sub_area"
YES = Button("🔔 Có, gửi tin cho tôi", "sub:yes")
NO = Button("Không, cảm ơn", "sub:no")
DONE = Button("✅ Xong", "sub:done")
SKIP = Button("⏭️ Bỏ qua", "sub:skip")


def question() -> Reply:
    return Reply(
        "Bạn có muốn nhận tin về phiên giao dịch việc làm và đợt tuyển mới không? "
        "Bạn có thể thôi bất cứ lúc nào bằng lệnh /huytin.",
        (YES, NO),
    )


def ask_once(ctx: Context) -> list[Reply]:
    """At first contact: the news question, if it was never asked or answered."""
    data = ctx.state.data or {}
    if ctx.user.news_opt_in is not None or data.get(ASKED):
        return []
    ctx.state.data = {**data, ASKED: True}
    return [question()]


def interests_reply(ctx: Context) -> Reply:
    chosen = set(ctx.user.interests or [])
    buttons = tuple(
        Button(("✅ " if o.code in chosen else "") + o.label, f"sub:m:{o.code}")
        for o in fields.MARKETS
        if o.code != "undecided"
    )
    return Reply(
        "Bạn quan tâm nước nào? Bấm để chọn hoặc bỏ chọn (chọn nhiều được), rồi bấm «Xong». "
        "Không chọn gì thì bạn nhận tin của mọi nước.",
        (*buttons, DONE),
    )


def on_action(ctx: Context, action: str) -> list[Reply]:
    if action == "sub:yes":
        ctx.user.news_opt_in = True
        return [Reply("Đã bật nhận tin. Cảm ơn bạn!"), interests_reply(ctx)]
    if action == "sub:no":
        return stop(ctx)
    if action.startswith("sub:m:"):
        code = action.removeprefix("sub:m:")
        chosen = list(ctx.user.interests or [])
        if code in {o.code for o in fields.MARKETS}:
            chosen = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
            ctx.user.interests = chosen
        return [interests_reply(ctx)]
    if action == "sub:done":
        if ctx.user.commune_name is None:
            ctx.start_flow(AREA_FLOW, "commune")
            home = places.default_province(ctx.settings.province)
            where = f" của {home.name}" if home else ""
            return [
                Reply(
                    f"Bạn ở xã/phường nào{where}? Tôi sẽ báo các phiên gần bạn. Ví dụ: Bát Xát.",
                    (SKIP,),
                )
            ]
        return [done_reply(ctx)]
    if action == "sub:skip":
        ctx.end_flow()
        return [done_reply(ctx)]
    code = parse_id(action.removeprefix("sub:area:"))
    if action.startswith("sub:area:") and code is not None:
        match = places.commune_by_code(code)
        ctx.end_flow()
        if match is not None:
            set_area(ctx, match.province_name, match.name)
        return [done_reply(ctx)]
    return [done_reply(ctx)]


def area_message(ctx: Context, incoming: Incoming) -> list[Reply]:
    text = (incoming.text or "").strip()[:100]
    home = places.default_province(ctx.settings.province)
    found = places.find_communes(text, home.code if home else None, limit=3) if text else []
    if found and found[0].exact:
        ctx.end_flow()
        set_area(ctx, found[0].province_name, found[0].name)
        return [done_reply(ctx)]
    if found:
        return [
            Reply(
                "Ý bạn là xã/phường nào?",
                (*(Button(m.name, f"sub:area:{m.code}") for m in found), SKIP),
            )
        ]
    return [Reply("Tôi không tìm thấy xã/phường này. Bạn gõ lại, ví dụ: Bát Xát.", (SKIP,))]


def set_area(ctx: Context, province: str | None, commune: str | None) -> None:
    ctx.user.province_name = province
    ctx.user.commune_name = commune


def done_reply(ctx: Context) -> Reply:
    area = ctx.user.commune_name or ctx.user.province_name
    where = f" (nơi ở: {area})" if area else ""
    return Reply(
        f"Xong. Bạn sẽ nhận tin phù hợp{where}. Gõ /huytin để thôi nhận tin.",
        (Button("📅 Xem phiên sắp tới", "menu:fairs"), BACK_TO_MENU),
    )


def stop(ctx: Context) -> list[Reply]:
    """Opt out of every announcement, effective for the next message sent."""
    ctx.user.news_opt_in = False
    return [Reply("Đã dừng mọi thông báo. Khi muốn nhận lại, gõ /nhantin.", (BACK_TO_MENU,))]


def restart(ctx: Context) -> list[Reply]:
    ctx.user.news_opt_in = True
    return [Reply("Đã bật lại nhận tin."), interests_reply(ctx)]
