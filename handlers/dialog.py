"""The dialog core: one Incoming in, a list of Replies out (plus queued side effects).

Routing order: staff chat → commands → button actions → the running flow → media →
greetings → FAQ. Knows nothing of Telegram or Zalo.
"""

from __future__ import annotations

import re
from datetime import timedelta

from db.clock import utcnow
from faq.normalize import fold
from handlers import (
    broadcast_compose,
    faq_flow,
    fee_calculator,
    handoff,
    job_fairs,
    menu,
    privacy,
    recruiter_check,
    referrals,
    scam_warnings,
    staff,
    subscriptions,
)
from handlers.context import Context
from handlers.registration import flow as registration
from handlers.registration.submit import submit_draft as registration_submit
from handlers.types import Incoming, Reply

GREETINGS = frozenset(
    {
        "xin chao",
        "chao",
        "chao ban",
        "chao ad",
        "chao admin",
        "chao em",
        "chao anh",
        "chao chi",
        "hi",
        "hello",
        "helo",
        "alo",
        "a lo",
        "hey",
        "start",
        "menu",
        "bat dau",
        "ad oi",
        "admin oi",
        "shop oi",
        "xin chao ban",
        "chao buoi sang",
    }
)
COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)
STAFF_ACTIONS = frozenset({"rs", "rn", "rl", "bc"})
# A flow untouched for this long is not resumed by the next message (the draft is offered).
FLOW_IDLE = timedelta(hours=6)
# Text that is nothing but symbols/emoji once letters and digits are looked for.
HAS_WORD = re.compile(r"\w", re.UNICODE)


async def handle(ctx: Context, incoming: Incoming) -> list[Reply]:
    if ctx.in_staff_chat:
        return await _staff_chat(ctx, incoming)
    if incoming.chat_key not in (None, incoming.user_key):
        return []  # a group that is not the staff chat: stay quiet

    text = (incoming.text or "").strip()
    if ctx.flow and not incoming.action and _idle(ctx):
        # Back after a long time: a fresh start (drafts are kept and offered again).
        ctx.end_flow()
    command = COMMAND.match(text) if text.startswith("/") else None
    if command:
        name, args = command.group(1).lower(), command.group(2) or ""
        if name in staff.COMMANDS:
            return await staff.command(ctx, incoming, name, args)
        if name == "start" and args:
            await referrals.attribute(ctx, args)
        return await _command(ctx, name)
    if incoming.action and incoming.action.split(":", 1)[0] in STAFF_ACTIONS:
        return await staff.on_action(ctx, incoming, incoming.action)
    if incoming.action:
        return await _action(ctx, incoming.action, incoming)
    if ctx.flow == handoff.FLOW:
        return handoff.forward(ctx, incoming)
    if ctx.flow == registration.FLOW:
        return registration.on_message(ctx, incoming)
    if ctx.flow == recruiter_check.FLOW:
        return await recruiter_check.check(ctx, incoming)
    if ctx.flow == fee_calculator.FLOW:
        return fee_calculator.on_message(ctx, incoming)
    if ctx.flow == broadcast_compose.FLOW and staff.is_staff(ctx, incoming):
        return await broadcast_compose.on_message(ctx, incoming)
    if ctx.flow == subscriptions.AREA_FLOW:
        return subscriptions.area_message(ctx, incoming)
    if incoming.media is not None:
        return _media(ctx, incoming)
    if incoming.contact is not None:
        return [menu.not_understood(ctx, "Cảm ơn bạn đã gửi số điện thoại. Bạn cần giúp gì?")]
    if not text or not HAS_WORD.search(text):
        return [menu.not_understood(ctx)]
    if fold(text).strip(" !.?,") in GREETINGS:
        return [
            menu.main_menu(ctx, greeting=True),
            *_draft_offer(ctx),
            *subscriptions.ask_once(ctx),
        ]
    return faq_flow.answer_question(ctx, text) + await scam_warnings.check(ctx, text)


async def _staff_chat(ctx: Context, incoming: Incoming) -> list[Reply]:
    """The staff group: staff commands and buttons, notes, and replies to workers' cards."""
    text = (incoming.text or "").strip()
    command = COMMAND.match(text) if text.startswith("/") else None
    if command:
        name, args = command.group(1).lower(), command.group(2) or ""
        if name == "faqreload":
            return [faq_flow.reload_content(ctx)]
        if name in ("huy", "cancel"):
            ctx.end_flow()
            return [Reply("Đã thôi.")]
        if name in staff.COMMANDS:
            return await staff.command(ctx, incoming, name, args)
        return []
    if incoming.action:
        return await staff.on_action(ctx, incoming, incoming.action)
    if ctx.flow == staff.NOTE_FLOW and text:
        return await staff.note_from_flow(ctx, incoming)
    if ctx.flow == broadcast_compose.FLOW:
        return await broadcast_compose.on_message(ctx, incoming)
    return await handoff.relay_staff_reply(ctx, incoming)


def _idle(ctx: Context) -> bool:
    updated = ctx.state.updated_at
    return updated is not None and utcnow() - updated > FLOW_IDLE


def _draft_offer(ctx: Context) -> list[Reply]:
    """A worker back after days away is offered to finish the form they began."""
    return registration.start(ctx) if registration.has_draft(ctx) else []


async def _command(ctx: Context, name: str) -> list[Reply]:
    if name in ("start", "menu", "batdau"):
        ctx.end_flow()
        first = [] if name == "menu" else subscriptions.ask_once(ctx)
        return [menu.main_menu(ctx, greeting=name != "menu"), *_draft_offer(ctx), *first]
    if name == "huytin":
        return subscriptions.stop(ctx)
    if name == "nhantin":
        return subscriptions.restart(ctx)
    if name in ("help", "trogiup", "huongdan"):
        return [menu.help_reply(ctx)]
    if name == "dulieu":
        return await privacy.show(ctx)
    if name == "xoadulieu":
        return privacy.ask_erase(ctx)
    if name in ("huy", "cancel", "dung"):
        ctx.end_flow()
        return [menu.cancelled(ctx)]
    return [menu.not_understood(ctx, "Tôi không biết lệnh này. Gõ /menu để xem các mục.")]


async def _action(ctx: Context, action: str, incoming: Incoming) -> list[Reply]:
    prefix, _, arg = action.partition(":")
    if action == "menu:main":
        ctx.end_flow()
        return [menu.main_menu(ctx)]
    if action == "menu:faq":
        ctx.end_flow()
        return faq_flow.topics(ctx)
    if action == "menu:staff":
        return handoff.start(ctx)
    if action == "handoff:cancel":
        ctx.end_flow()
        return [menu.cancelled(ctx)]
    if action == "privacy:erase:yes":
        return await privacy.erase(ctx)
    if action == "menu:fairs":
        ctx.end_flow()
        return await job_fairs.show(ctx)
    if action.startswith("fair:int:") and action.removeprefix("fair:int:").isdigit():
        return await job_fairs.interested(ctx, int(action.removeprefix("fair:int:")))
    if prefix == "sub":
        return subscriptions.on_action(ctx, action)
    if prefix == "fee":
        return fee_calculator.on_action(ctx, action)
    if action == "menu:recruiter":
        return recruiter_check.start(ctx)
    if prefix == "rc":
        return await recruiter_check.chosen(ctx, action)
    if action == "menu:register":
        return registration.start(ctx)
    if action == "reg:submit":
        return await registration_submit(ctx)
    if prefix == "reg":
        if ctx.flow != registration.FLOW and action not in registration.ENTRY_ACTIONS:
            return registration.start(ctx)  # an old button: offer to continue the draft
        return registration.on_action(ctx, action, incoming)
    if prefix == "faq":
        return faq_flow.answer_entry(ctx, arg)
    if prefix == "faqt":
        return faq_flow.topic_questions(ctx, arg)
    if prefix == "faqm":
        return faq_flow.more(ctx, arg)
    if prefix == "faqs":
        return faq_flow.sources(ctx, arg)
    # An old or unknown button: never a dead end.
    return [menu.main_menu(ctx)]


def _media(ctx: Context, incoming: Incoming) -> list[Reply]:
    media = incoming.media
    assert media is not None
    if media.kind in handoff.MEDIA_NAMES:
        # Many workers speak or photograph instead of typing: pass it to a person.
        return handoff.forward(ctx, incoming)
    if media.kind == "sticker":
        return [
            menu.not_understood(
                ctx, "Cảm ơn bạn! 😊 Bạn cần tôi giúp gì? Hãy gõ câu hỏi, hoặc chọn một mục."
            )
        ]
    return [
        menu.not_understood(ctx, "Tôi chưa đọc được loại tin nhắn này. Bạn hãy gõ bằng chữ nhé.")
    ]
