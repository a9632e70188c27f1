"""Hand-off, the staff side: answers from the staff chat, «Kết thúc» and /xong, the list
of open conversations, and answers a person wrote from Zalo's own OA chat tool.

Any staff member answers by replying to any message of a conversation's thread (the
card, a worker's message, a notice, or another staff member's answer): the answer goes
to the worker on the worker's channel, as text, photo, voice note, video or document
where that channel can take it. The first answer marks the conversation taken by that
person, and the thread says so. An answer to a conversation that has ended reaches the
worker too, and opens the conversation again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from db import handoffs
from db.clock import utcnow
from db.models import HandoffConversation, User
from handlers import handoff
from handlers.access import actor
from handlers.context import Context
from handlers.handoff import LEAVE, MEDIA_NAMES, CloseConversation
from handlers.menu import MENU_BUTTONS
from handlers.router import ANYWHERE, Router
from handlers.staff_input import parse_id
from handlers.types import FailureReport, Incoming, Media, Reply

router = Router("handoff_staff")
LIST_LIMIT = 30


# --- answers --------------------------------------------------------------------------


async def relay_staff_reply(ctx: Context, incoming: Incoming) -> list[Reply]:
    """A message in the staff chat that replies to a hand-off thread: to the worker."""
    if incoming.reply_to is None:
        return []
    session = ctx.session
    found = await handoffs.thread_of(session, incoming.channel, incoming.chat, incoming.reply_to)
    if found is None:
        return []
    worker = await session.get(User, found.worker_id) if found.worker_id else None
    if worker is None:
        return [Reply("Người lao động này đã xoá dữ liệu, không gửi được.")]
    text, media, refused = _answer(ctx, incoming, worker)
    if not text and media is None:
        return [Reply(refused or "Chỉ chuyển được chữ, ảnh, tin nhắn thoại, video và tệp.")]
    state = await handoffs.lock_worker(session, worker.id)
    conversation = await handoffs.open_of(session, worker.id)
    hint = ""
    if conversation is None:
        conversation = await _reopen(ctx, found, worker)
    if state is not None and state.flow != handoffs.FLOW:
        handoffs.enter_flow(state)  # the worker's next messages go to staff again
        hint = handoff.leave_hint(ctx.channel_limits.get(worker.channel, ctx.limits).buttons)
    staff_name = ctx.user.display_name or "Cán bộ"
    if conversation.taken_at is None:
        conversation.taken_by = staff_name[:128]
        conversation.taken_at = utcnow()
        handoff.thread(
            ctx,
            conversation,
            Reply(
                f"✋ {staff_name} nhận trả lời hội thoại #{conversation.id} "
                f"({handoff.name(worker)}). Cán bộ khác vẫn trả lời được vào chuỗi này."
            ),
            about=worker,
        )
    conversation.paused_until = None  # answered from the staff chat: it stays open
    handoffs.record(
        session,
        conversation,
        "staff",
        text=text or None,
        media_kind=media.kind if media else None,
        media_ref=media.file_ref if media else None,
        author_name=staff_name,
        staff_ref=incoming.message_ref,
    )
    what = f"gửi bạn {MEDIA_NAMES[media.kind]}" if media and not text else "trả lời"
    body = f"👩‍💼 Cán bộ trung tâm {what}:" + (f"\n{text}" if text else "")
    ctx.send_to_user(
        worker,
        Reply(body + hint, (LEAVE,)),
        media=media,
        conversation=conversation.id,
        on_failure=_undelivered(ctx, incoming, conversation, worker),
    )
    return [Reply(refused)] if refused else []


def _undelivered(
    ctx: Context, incoming: Incoming, conversation: HandoffConversation, worker: User
) -> FailureReport:
    """What the staff chat is told if the answer never reaches the worker."""
    who = f"#{conversation.id} {handoff.name(worker)}"
    return FailureReport(
        channel=incoming.channel,
        chat_key=incoming.chat,
        kind="handoff",
        user_id=worker.id,
        thread=conversation.card_key,
        conversation=conversation.id,
        texts={
            "unreachable": f"⚠️ Tin trả lời chưa tới được {who}: người này không nhắn "
            "qua Zalo đã hơn 7 ngày nên Zalo không cho gửi. Hãy gọi điện nếu có số.",
            "blocked": f"⚠️ Tin trả lời chưa tới được {who}: người này đã chặn hoặc bỏ "
            "quan tâm trợ lý. Hãy gọi điện nếu có số.",
            "failed": f"⚠️ Tin trả lời chưa tới được {who} (lỗi khi gửi). "
            "Anh/chị thử gửi lại, hoặc gọi điện nếu có số.",
        },
    )


def _answer(ctx: Context, incoming: Incoming, worker: User) -> tuple[str, Media | None, str]:
    """The staff member's text, the media to pass on (as a file of their channel), and
    what could not be passed on, for the staff member."""
    text = (incoming.text or "").strip()
    media = incoming.media
    if media is None:
        return text, None, ""
    caption = (media.caption or "").strip()
    if media.kind not in MEDIA_NAMES or not media.file_ref:
        return caption, None, "Chỉ chuyển được chữ, ảnh, tin nhắn thoại, video và tệp."
    limits = ctx.channel_limits.get(worker.channel)
    if limits is not None and media.kind not in limits.media:
        refused = (
            f"⚠️ Kênh của người lao động không nhận được {MEDIA_NAMES[media.kind]} từ trợ lý"
            + (", nên chỉ phần chữ được gửi." if caption else ".")
            + " Anh/chị nhắn bằng chữ giúp."
        )
        return caption, None, refused
    return caption, Media(media.kind, media.file_ref, origin=incoming.channel), ""


async def _reopen(ctx: Context, found: handoffs.Thread, worker: User) -> HandoffConversation:
    """The conversation an answer to an ended one goes on: that one, opened again (a
    message from before conversations were kept starts one under the replied message)."""
    session = ctx.session
    conversation = None
    if found.conversation_id is not None:
        conversation = await handoffs.locked(session, found.conversation_id)
    if conversation is not None and conversation.user_id == worker.id:
        handoffs.reopen(conversation)
        handoff.thread(
            ctx,
            conversation,
            Reply(f"🔄 Hội thoại #{conversation.id} ({handoff.name(worker)}) mở lại."),
            about=worker,
        )
        return conversation
    conversation = await handoffs.create(session, worker, "reply")
    if found.key is not None and ctx.staff is not None:
        conversation.staff_channel = ctx.staff.channel
        conversation.staff_chat = ctx.staff.chat_key
        conversation.card_key = found.key
    return conversation


# --- ending ---------------------------------------------------------------------------


@router.action(CloseConversation, staff=True, where=ANYWHERE)
async def close_button(ctx: Context, incoming: Incoming, action: CloseConversation) -> list[Reply]:
    return await close(ctx, action.conversation_id)


@router.command(
    "xong",
    staff=True,
    where=ANYWHERE,
    help="/xong: trả lời (reply) một tin của hội thoại, hoặc /xong SỐ: kết thúc hội thoại",
)
async def close_command(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    number = args.strip().lstrip("#")
    conversation = parse_id(number)
    if conversation is not None:
        return await close(ctx, conversation)
    if incoming.reply_to is not None:
        found = await handoffs.thread_of(
            ctx.session, incoming.channel, incoming.chat, incoming.reply_to
        )
        if found is not None and found.conversation_id is not None:
            return await close(ctx, found.conversation_id)
    return [
        Reply(
            "Trả lời (reply) một tin của hội thoại bằng /xong, hoặc gõ /xong SỐ "
            "(số hội thoại, ví dụ /xong 12). /hoithoai xem các hội thoại đang mở."
        )
    ]


async def close(ctx: Context, conversation_id: int) -> list[Reply]:
    """End a conversation: the worker is told and goes back to the bot; the thread says
    who ended it."""
    session = ctx.session
    conversation = await session.get(HandoffConversation, conversation_id)
    if conversation is None:
        return [Reply(f"Không có hội thoại #{conversation_id}.")]
    state = await handoffs.lock_worker(session, conversation.user_id)
    conversation = await handoffs.locked(session, conversation_id)
    worker = await session.get(User, conversation.user_id) if conversation else None
    if conversation is None or worker is None:
        return [Reply(f"Không có hội thoại #{conversation_id}.")]
    if conversation.status != handoffs.OPEN:
        return [Reply(f"Hội thoại #{conversation_id} đã kết thúc trước đó.")]
    staff_name = ctx.user.display_name or actor(ctx)
    handoffs.close(conversation, staff_name)
    handoffs.leave_flow(state)
    ctx.send_to_user(
        worker,
        Reply(
            "Cán bộ đã kết thúc cuộc trò chuyện. Cảm ơn bạn!\n"
            "Bạn cứ hỏi tôi bất cứ lúc nào. Cần gặp lại cán bộ, bấm «Gặp cán bộ tư vấn».",
            MENU_BUTTONS,
        ),
        conversation=conversation.id,
    )
    handoff.thread(
        ctx,
        conversation,
        Reply(f"✅ Hội thoại #{conversation.id} ({handoff.name(worker)}) kết thúc: {staff_name}."),
        about=worker,
    )
    return []


# --- the list -------------------------------------------------------------------------


@router.command(
    "hoithoai",
    staff=True,
    where=ANYWHERE,
    help="/hoithoai: các hội thoại đang mở với người lao động",
)
async def list_open(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    rows = await handoffs.open_list(ctx.session, LIST_LIMIT + 1)
    if not rows:
        return [Reply("Không có hội thoại nào đang mở.")]
    now = utcnow()
    lines = ["Hội thoại đang mở (chưa ai nhận lên trước):"]
    for conversation, worker in rows[:LIST_LIMIT]:
        who = f"{conversation.taken_by} đang trả lời" if conversation.taken_by else "chưa ai nhận"
        lines.append(
            f"#{conversation.id} {handoff.name(worker)} · mở {age(now - conversation.opened_at)}"
            f" · {who}"
        )
    if len(rows) > LIST_LIMIT:
        lines.append("… và nữa: xem đủ trên trang Hội thoại của trang quản lý.")
    lines.append("Kết thúc: /xong SỐ.")
    return [Reply("\n".join(lines))]


def age(delta: timedelta) -> str:
    """«5 phút trước», «3 giờ trước», «2 ngày trước»."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} phút trước"
    if minutes < 48 * 60:
        return f"{minutes // 60} giờ trước"
    return f"{minutes // (24 * 60)} ngày trước"


# --- a person answering from the platform's own tool (Zalo OA) -------------------------


async def platform_staff_message(ctx: Context, incoming: Incoming) -> list[Reply]:
    """A staff member wrote to this worker from Zalo's own OA chat tool (an `oa_send_*`
    event with `admin_id`): it is recorded in the worker's hand-off (opened if needed,
    taken by that admin), shown in the staff chat's thread, and the bot keeps quiet for
    the worker for `ZALO_OA_TAKEOVER_MINUTES`, so the bot and a person never talk over
    each other. The worker is sent nothing."""
    session = ctx.session
    admin = f"{ctx.channel_title or incoming.channel} · quản trị viên {incoming.operator}"
    now = utcnow()
    conversation = await handoffs.open_of(session, ctx.user.id)
    if conversation is None:
        conversation = await handoffs.create(session, ctx.user, "platform")
        ctx.events.append("handoff:platform")  # metrics
        handoff.post_card(ctx, conversation, "platform", None, None)
    if ctx.flow != handoffs.FLOW:
        ctx.start_flow(handoffs.FLOW, "open")
    ctx.state.buttons = []
    if conversation.taken_at is None:
        conversation.taken_by = admin[:128]
        conversation.taken_at = now
    conversation.paused_until = now + timedelta(minutes=ctx.settings.zalo_oa_takeover_minutes)
    media = incoming.media
    text = (incoming.text or (media.caption if media else "") or "").strip()
    handoffs.record(
        session,
        conversation,
        "platform",
        text=text or None,
        media_kind=media.kind if media else None,
        media_ref=media.file_ref if media else None,
        author_name=admin,
    )
    shown = text or (f"[{MEDIA_NAMES.get(media.kind, 'tệp')}]" if media else "")
    if media is not None and media.file_ref:
        shown += f"\n{media.file_ref}"
    handoff.thread(
        ctx,
        conversation,
        Reply(f"✍️ #{conversation.id} {admin} nhắn cho {handoff.name(ctx.user)}:\n{shown}"),
    )
    return []


# --- what the periodic pass says (bot/handoff_watch.py) --------------------------------


def quiet_closed_text() -> str:
    return (
        "Cuộc trò chuyện với cán bộ đã đóng vì lâu không có tin mới.\n"
        "Bạn cứ hỏi tôi bất cứ lúc nào. Cần nhắn cán bộ, bấm «Gặp cán bộ tư vấn»."
    )


def closed_note(conversation: HandoffConversation, worker: User, quiet: bool) -> str:
    if quiet:
        return (
            f"⏱️ Hội thoại #{conversation.id} ({handoff.name(worker)}) tự kết thúc vì lâu "
            "không có tin mới. Trả lời vào chuỗi này vẫn tới được người lao động."
        )
    return (
        f"⏱️ #{conversation.id}: quản trị viên Zalo OA đã thôi nhắn; trợ lý tự động trả "
        f"lời {handoff.name(worker)} trở lại."
    )


def morning_text(rows: list[tuple[HandoffConversation, User]], now: datetime) -> str:
    """The conversations waiting for a first answer, for the staff chat in the morning."""
    lines = [f"☀️ Chào buổi sáng! {len(rows)} người đang chờ cán bộ trả lời:"]
    for conversation, worker in rows:
        urgent = " 🆘" if conversation.reason == "distress" else ""
        lines.append(
            f"#{conversation.id} {handoff.name(worker)} · nhắn từ "
            f"{age(now - conversation.opened_at)}{urgent}"
        )
    lines.append(
        "Trả lời (reply) vào tin của hội thoại trong nhóm để nhắn cho người lao động. "
        "/hoithoai xem lại danh sách."
    )
    return "\n".join(lines)
