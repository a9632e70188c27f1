"""The dialog core: one Incoming in, a list of Replies out (plus queued side effects).

Who handles what is declared by the features (``handlers/routes.py`` lists them); this
module only applies the order, like python-telegram-bot's handler groups:

1. a command (``/xem …``), 2. a button, 3. the running flow, 4. media and shared
contacts, 5. free text: greetings, then each feature's intents, then the FAQ.

In the staff chat only commands, buttons and flows declared for it apply, and anything
else is a staff member's reply to a worker's hand-off thread. A message a platform's own
staff tool wrote to a user (``Incoming.operator``) only goes to their hand-off. A
flow may declare ``on_exit``: run when a turn leaves it another way than its own.
Knows nothing of Telegram or Zalo.
"""

from __future__ import annotations

import re

from db.clock import utcnow
from faq import intents
from handlers import handoff, handoff_staff, menu
from handlers.access import is_staff, refuse, refuse_in_staff_chat
from handlers.context import Context
from handlers.router import FLOW_IDLE, Where, resolve
from handlers.routes import ROUTES
from handlers.types import Incoming, Reply

COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@(\w+))?(?:\s+(.*))?$", re.DOTALL)
# Text that is nothing but symbols/emoji once letters and digits are looked for.
HAS_WORD = re.compile(r"\w", re.UNICODE)


async def handle(ctx: Context, incoming: Incoming) -> list[Reply]:
    ctx.routes = ROUTES
    if incoming.operator is not None:
        # A person of the platform's own staff wrote to the user (Zalo OA chat tool):
        # recorded in their hand-off, and the bot keeps quiet. Never a command.
        return await handoff_staff.platform_staff_message(ctx, incoming)
    before = ROUTES.flows.get(ctx.flow or "")
    replies = await _dispatch(ctx, incoming)
    if before is not None and before.on_exit is not None and ctx.flow != before.name:
        await resolve(before.on_exit(ctx))  # left it another way (/menu, another flow …)
    return replies


async def _dispatch(ctx: Context, incoming: Incoming) -> list[Reply]:
    if ctx.in_staff_chat:
        where: Where = "staff_chat"
    elif incoming.chat_key in (None, incoming.user_key):
        where = "private"
    else:
        return []  # a group that is not the staff chat: stay quiet
    if where == "private" and ctx.flow and not incoming.action and _idle(ctx):
        # Back after a long time: a fresh start (drafts are kept and offered again).
        ctx.end_flow()
    if where == "staff_chat" and not is_staff(ctx):
        return _not_staff(ctx, incoming)
    for step in (_command, _action, _flow):
        replies = await step(ctx, incoming, where)
        if replies is not None:
            return replies
    if where == "staff_chat":
        return await handoff_staff.relay_staff_reply(ctx, incoming)
    return await _free(ctx, incoming)


def _not_staff(ctx: Context, incoming: Incoming) -> list[Reply]:
    """A member of the staff chat who is not staff (STAFF_ACCESS): a command or button of
    ours is refused with how to get the right; anything else (chat, a reply to a card)
    is left alone and relays nothing."""
    match = COMMAND.match((incoming.text or "").strip())
    if incoming.action or (match and ROUTES.command("staff_chat", match.group(1).lower())):
        return refuse_in_staff_chat(incoming)
    return []


async def _command(ctx: Context, incoming: Incoming, where: Where) -> list[Reply] | None:
    text = (incoming.text or "").strip()
    match = COMMAND.match(text) if text.startswith("/") else None
    if match is None:
        return None
    name, addressee, args = match.group(1).lower(), match.group(2), match.group(3) or ""
    if addressee and where != "private" and not _ours(ctx, addressee):
        return []  # /lệnh@bot_khác in a group: another bot's command, not ours to answer
    route = ROUTES.command(where, name)
    if route is None:
        if where == "staff_chat":
            return []
        return [menu.not_understood(ctx, "Tôi không biết lệnh này. Gõ /menu để xem các mục.")]
    if route.staff and not is_staff(ctx):
        return refuse()
    return await resolve(route.handler(ctx, incoming, args))


async def _action(ctx: Context, incoming: Incoming, where: Where) -> list[Reply] | None:
    if not incoming.action:
        return None
    found = ROUTES.action(incoming.action)
    if found is None or where not in found[0].where:
        # An old or unknown button: never a dead end.
        if where == "staff_chat":
            return [Reply("Nút này đã cũ. Gõ /dangky để xem danh sách.")]
        return [menu.main_menu(ctx)]
    route, action = found
    if route.staff and not is_staff(ctx):
        return refuse()
    return await resolve(route.handler(ctx, incoming, action))


async def _flow(ctx: Context, incoming: Incoming, where: Where) -> list[Reply] | None:
    flow = ROUTES.flows.get(ctx.flow or "")
    if flow is None or where not in flow.where:
        return None
    if flow.staff and not is_staff(ctx):
        return None
    if incoming.text and flow.escaped_by(ctx.step, intents.detect(incoming.text)):
        ctx.end_flow()  # «cho gặp cán bộ», «bị lừa mất tiền»: not an answer to the flow
        return None
    return await resolve(flow.on_message(ctx, incoming))


async def _free(ctx: Context, incoming: Incoming) -> list[Reply]:
    """What is not a command, a button or part of a flow."""
    if incoming.media is not None:
        return await _media(ctx, incoming)
    if incoming.contact is not None:
        return [menu.not_understood(ctx, "Cảm ơn bạn đã gửi số điện thoại. Bạn cần giúp gì?")]
    text = (incoming.text or "").strip()
    if not text or not HAS_WORD.search(text):
        return [menu.not_understood(ctx)]
    for route in ROUTES.texts:
        replies = await resolve(route.handler(ctx, incoming, text))
        if replies is not None:
            return replies
    return [menu.not_understood(ctx)]


def _ours(ctx: Context, addressee: str) -> bool:
    return ctx.bot_username is None or addressee.lower() == ctx.bot_username.lower()


def _idle(ctx: Context) -> bool:
    """The running flow was left untouched longer than it allows."""
    flow = ROUTES.flows.get(ctx.flow or "")
    idle = flow.idle if flow is not None else FLOW_IDLE
    updated = ctx.state.updated_at
    return idle is not None and updated is not None and utcnow() - updated > idle


async def _media(ctx: Context, incoming: Incoming) -> list[Reply]:
    media = incoming.media
    assert media is not None
    if media.kind in handoff.HANDED_OVER:
        # Many workers speak or photograph instead of typing: a person takes over.
        return await handoff.media_outside(ctx, incoming)
    if media.kind == "sticker":
        return [
            menu.not_understood(
                ctx, "Cảm ơn bạn! 😊 Bạn cần tôi giúp gì? Hãy gõ câu hỏi, hoặc chọn một mục."
            )
        ]
    return [
        menu.not_understood(ctx, "Tôi chưa đọc được loại tin nhắn này. Bạn hãy gõ bằng chữ nhé.")
    ]
