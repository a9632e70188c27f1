"""Hand-off to a person, the worker's side: a conversation, not one message.

A worker reaches a person by the menu button, by asking in their own words («cho gặp
cán bộ», a phone number to be called back), by telling of trouble the FAQ cannot answer,
or by sending a voice note, photo or file. That opens a hand-off conversation
(`handoff_conversations`): a card in the staff chat, and from then on every message,
voice note, photo or document the worker sends goes to the staff chat threaded under
that card, until staff close it, the worker leaves, or it is quiet for
`HANDOFF_QUIET_HOURS`. The bot says once that a person will answer and when (outside
office hours: when, and the emergency numbers), and is silent after that.

The staff side (replies, «Kết thúc», /xong, Zalo OA admins) is `handlers/handoff_staff.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from db import handoffs
from db.clock import utcnow
from db.models import HandoffConversation, User
from faq import intents
from faq.normalize import fold
from handlers import distress, menu
from handlers.actions import Action
from handlers.context import Context
from handlers.menu import BACK_TO_MENU, MENU_BUTTONS, TalkToStaff, contact_line
from handlers.office_hours import spoken_time
from handlers.router import Router
from handlers.types import Button, Incoming, Media, Reply

router = Router("handoff")
FLOW = handoffs.FLOW


class LeaveHandoff(Action, prefix="ho:leave"):
    """«Quay lại trợ lý tự động»: the worker ends the conversation with staff."""


class CancelHandoff(Action, prefix="handoff:cancel"):
    """The old «Thôi, không gửi» button still in chats: leaves like LeaveHandoff."""


class CloseConversation(Action, prefix="ho:close"):
    """«Kết thúc» on the card in the staff chat (handled in handoff_staff)."""

    conversation_id: int


LEAVE = Button("🤖 Quay lại trợ lý tự động", LeaveHandoff().pack())
# Typed (on channels without real buttons, or by anyone) to leave the conversation.
LEAVE_WORDS = frozenset(
    {
        "thoat",
        "thoat ra",
        "ket thuc",
        "quay lai",
        "quay lai tro ly",
        "quay lai tro ly tu dong",
        "tro ly tu dong",
        "gap tro ly",
        "menu",
    }
)
MEDIA_NAMES = {
    "photo": "ảnh",
    "voice": "tin nhắn thoại",
    "audio": "đoạn ghi âm",
    "video": "video",
    "video_note": "video",
    "document": "tệp",
}
OTHER_NAMES = {"sticker": "nhãn dán", "location": "vị trí", "other": "một tin nhắn"}
# What the bot cannot read but a person can: sent outside a conversation, it opens one.
HANDED_OVER = frozenset({*MEDIA_NAMES, "location"})
# Why the conversation opened, as the card tells staff.
REASONS = {
    "button": "Bấm «Gặp cán bộ tư vấn».",
    "request": "Muốn nói chuyện với cán bộ.",
    "callback": "📞 Để lại số điện thoại, nhờ gọi lại.",
    "distress": "🆘 Có thể đang gặp nguy hoặc bị lừa (trợ lý chưa trả lời được).",
    "media": "Gửi tin nhắn thoại, ảnh hoặc tệp.",
    "message": "Nhắn tiếp sau khi hội thoại đã đóng.",
    "reply": "Cán bộ nhắn trước.",
    "platform": "Quản trị viên Zalo OA đang trả lời trực tiếp trên Zalo.",
}
# Longest text of one message we pass to the staff chat (and keep in the conversation);
# the inbox processor splits it at the staff channel's limit, every part in the thread.
MAX_TEXT = 12_000
# A question the bot could not answer, kept this long to go with a later «Gặp cán bộ».
CONTEXT_KEY = "handoff:context"
CONTEXT_TTL = timedelta(hours=2)
# Nobody has answered and the worker writes again after this long: say once more when.
REASSURE_AFTER = timedelta(hours=12)
# A conversation closed this recently is opened again rather than a new card made.
RESUME_WITHIN = timedelta(hours=24)


# --- opening ------------------------------------------------------------------------


@router.action(TalkToStaff)
async def talk_to_staff(ctx: Context, incoming: Incoming, action: TalkToStaff) -> list[Reply]:
    return await open_conversation(ctx, incoming, "button", include=False)


@router.text("talk_to_person")
async def asked_for_a_person(ctx: Context, incoming: Incoming, text: str) -> list[Reply] | None:
    """«cho gặp cán bộ», or a phone number left to be called back: a person takes over.

    The message itself goes to staff, so the details the worker typed are not lost.
    """
    found = intents.detect(text)
    if "callback" in found:
        return await open_conversation(ctx, incoming, "callback")
    if "talk_to_person" in found:
        return await open_conversation(ctx, incoming, "request")
    return None


async def media_outside(ctx: Context, incoming: Incoming) -> list[Reply]:
    """A voice note, photo or file outside a hand-off: the bot cannot read it, a person
    can. It opens the hand-off with the media as its first message."""
    return await open_conversation(ctx, incoming, "media")


async def in_distress(
    ctx: Context, incoming: Incoming, answer: list[Reply], warnings: list[Reply], answered: bool
) -> list[Reply]:
    """Someone in trouble. If the FAQ answered, they get the answer, the emergency numbers
    and a person one tap away (their message goes with it). If it did not, a person takes
    over at once: the hand-off opens with their message, after the emergency numbers.

    Why not always open it: the same words come in general questions («làm sao để không
    bị lừa», «bị lừa thì báo ở đâu»), which the FAQ answers; opening a hand-off there
    would silence the bot for a question it can answer. A story the FAQ cannot answer is
    the case where a person is needed now.
    """
    text = (incoming.text or "").strip()
    if answered or ctx.staff is None:
        remember_question(ctx, text)
        return [*answer, *warnings, distress.help_reply(ctx)]
    suggestions = answer if "faq:suggest" in ctx.events else []  # not the "no answer"
    return [*suggestions, *warnings, *await open_conversation(ctx, incoming, "distress")]


def remember_question(ctx: Context, text: str) -> None:
    """Keep a question the bot could not answer: if the worker then asks for a person,
    it goes to staff with the card, so they need not type it again."""
    if text:
        ctx.state.data[CONTEXT_KEY] = {"text": text[:MAX_TEXT], "at": utcnow().isoformat()}


def _carried(ctx: Context) -> str | None:
    """The remembered question, if recent (taken out of the state)."""
    kept = ctx.state.data.pop(CONTEXT_KEY, None)
    if not isinstance(kept, dict) or not isinstance(kept.get("text"), str):
        return None
    try:
        at = datetime.fromisoformat(str(kept.get("at")))
    except ValueError:
        return None
    return kept["text"] if utcnow() - at <= CONTEXT_TTL else None


async def open_conversation(
    ctx: Context, incoming: Incoming, reason: str, include: bool = True
) -> list[Reply]:
    """Open (or join, or resume) the worker's hand-off; `include`: the incoming message
    is its first message. Returns the one acknowledgement."""
    if ctx.staff is None:
        return [no_staff(ctx)]
    carried = _carried(ctx)
    conversation, new = await _conversation_for(ctx, reason)
    ctx.start_flow(FLOW, "open")
    ctx.state.buttons = []
    first = incoming if include and _has_content(incoming) else None
    if new:
        post_card(ctx, conversation, reason, first, carried)
    else:
        if carried:
            thread(ctx, conversation, Reply(_line(ctx, conversation, f"(hỏi trước đó) {carried}")))
        if first is not None:
            _forward(ctx, conversation, first)
    if carried:
        handoffs.record(ctx.session, conversation, "worker", text=carried)
    if first is not None:
        _record(ctx, conversation, first)
    return [acknowledge(ctx, conversation, reason, first)]


async def _conversation_for(ctx: Context, reason: str) -> tuple[HandoffConversation, bool]:
    """The worker's open conversation, else their recent one reopened (said in its
    thread), else a new one; and whether it is new (it then needs its card)."""
    session = ctx.session
    conversation = await handoffs.open_of(session, ctx.user.id)
    if conversation is not None:
        if conversation.reason == "platform":
            conversation.paused_until = None  # asked for a person: it stays until closed
        return conversation, False
    conversation = await _recent(ctx)
    if conversation is not None:
        handoffs.reopen(conversation)
        thread(
            ctx, conversation, Reply(f"🔄 Hội thoại #{conversation.id} ({name(ctx.user)}) mở lại.")
        )
        return conversation, False
    ctx.events.append(f"handoff:{reason}")  # metrics
    return await handoffs.create(session, ctx.user, reason), True


async def _recent(ctx: Context) -> HandoffConversation | None:
    """The worker's last conversation if it closed lately in the same staff chat."""
    last = await handoffs.latest_of(ctx.session, ctx.user.id)
    if last is None or last.closed_at is None or ctx.staff is None:
        return None
    same_chat = (last.staff_channel, last.staff_chat) == (ctx.staff.channel, ctx.staff.chat_key)
    recent = utcnow() - last.closed_at <= RESUME_WITHIN
    return last if same_chat and recent and last.card_key else None


def no_staff(ctx: Context) -> Reply:
    return Reply(
        "Hiện chưa có cán bộ trực qua tin nhắn.\n" + contact_line(ctx.settings), (BACK_TO_MENU,)
    )


# --- while it is open -------------------------------------------------------------


async def on_message(ctx: Context, incoming: Incoming) -> list[Reply] | None:
    """Every message of the worker while the hand-off is open goes to staff; the bot
    stays silent (None: the conversation ended, the message goes to the bot)."""
    text = (incoming.text or "").strip()
    if text and fold(text).strip(" .!?") in LEAVE_WORDS:
        ctx.end_flow()  # `on_exit` closes it and tells staff
        return [left(ctx)]
    conversation = await handoffs.open_of(ctx.session, ctx.user.id)
    if conversation is None:  # closed meanwhile: this message opens it again
        return await open_conversation(ctx, incoming, "message")
    now = utcnow()
    paused = conversation.paused_until
    if conversation.reason == "platform" and paused is not None and paused <= now:
        # The Zalo OA admin who began it has been quiet long enough: the bot is back.
        handoffs.close(conversation, "hết thời gian tạm dừng của trợ lý")
        ctx.end_flow()
        return None
    _forward(ctx, conversation, incoming)
    _record(ctx, conversation, incoming)
    waited = conversation.acknowledged_at is None or now - conversation.acknowledged_at > (
        REASSURE_AFTER
    )
    if conversation.last_staff_at is None and waited and (paused is None or paused <= now):
        return [acknowledge(ctx, conversation, "again", None)]
    return []


async def on_exit(ctx: Context) -> None:
    """The worker left the hand-off another way (/menu, a menu button, another flow):
    the conversation closes and staff are told in its thread."""
    conversation = await handoffs.open_of(ctx.session, ctx.user.id)
    if conversation is None:
        return
    handoffs.close(conversation, "người lao động")
    thread(
        ctx,
        conversation,
        Reply(
            f"↩️ #{conversation.id} {name(ctx.user)} đã quay lại trợ lý tự động; hội thoại "
            "đóng. Trả lời vào chuỗi này vẫn tới được người lao động (hội thoại mở lại)."
        ),
    )


@router.action(LeaveHandoff, CancelHandoff)
def leave(ctx: Context, incoming: Incoming, action: LeaveHandoff | CancelHandoff) -> list[Reply]:
    if ctx.flow != FLOW:
        return [menu.main_menu(ctx)]
    ctx.end_flow()  # `on_exit` closes it and tells staff
    return [left(ctx)]


def left(ctx: Context) -> Reply:
    return Reply(
        "Bạn đã quay lại trợ lý tự động. Bạn cứ gõ câu hỏi, hoặc chọn một mục.\n"
        "Cán bộ vẫn có thể nhắn cho bạn tại đây.",
        MENU_BUTTONS,
    )


HANDOFF = router.flow(
    FLOW,
    lambda ctx: [no_staff(ctx)],
    on_message,
    idle=None,  # it ends when staff close it, the worker leaves, or the quiet pass
    on_exit=on_exit,
    escapes=frozenset(),  # every message goes to staff, a cry for help first of all
)


# --- what staff and the worker see ---------------------------------------------------


def acknowledge(
    ctx: Context, conversation: HandoffConversation, reason: str, first: Incoming | None
) -> Reply:
    """The one message the bot says in a hand-off: a person will answer, and when."""
    conversation.acknowledged_at = utcnow()
    lines = _what_was_passed_on(reason, first)
    hours = ctx.settings.office_hours
    now = utcnow()
    urgent = reason == "distress"
    if hours.is_open(now):
        lines.append("Cán bộ sẽ trả lời bạn ngay tại đây, sớm nhất có thể.")
    else:
        opening = hours.next_opening(now)
        when = f" từ {spoken_time(opening, now)}" if opening else ""
        lines.append(f"Bây giờ là ngoài giờ làm việc. Cán bộ sẽ trả lời bạn tại đây{when}.")
        urgent = True
    if urgent:  # the content's own list of numbers, with its heading
        lines.append(distress.hotlines(ctx, in_handoff=True))
    if reason == "button" and first is None:
        lines.append("Bạn hãy nhắn câu hỏi, gửi tin nhắn thoại hoặc ảnh giấy tờ.")
    elif reason != "again":
        lines.append("Bạn cứ nhắn thêm, gửi tin nhắn thoại hoặc ảnh giấy tờ: cán bộ sẽ đọc hết.")
    elif ctx.settings.centre_phone:
        lines.append(contact_line(ctx.settings))
    if ctx.limits.buttons:
        return Reply("\n".join(lines), (LEAVE,))
    lines.append("Muốn quay lại hỏi đáp tự động, gõ: thoát")
    return Reply("\n".join(lines))


def _what_was_passed_on(reason: str, first: Incoming | None) -> list[str]:
    """The acknowledgement's first line(s): what reached staff."""
    media = first.media if first is not None else None
    if reason == "again":
        return ["Cán bộ chưa trả lời được. Tin nhắn của bạn vẫn được giữ."]
    if media is not None and media.kind in ("voice", "audio"):
        return [
            "Tôi chưa nghe được tin nhắn thoại. Tôi đã chuyển cho cán bộ trung tâm: "
            "cán bộ sẽ nghe và trả lời bạn."
        ]
    if media is not None and media.kind in MEDIA_NAMES:
        return [f"Tôi đã chuyển {MEDIA_NAMES[media.kind]} của bạn cho cán bộ trung tâm."]
    if reason == "callback":
        return ["Tôi đã chuyển lời nhắn và số điện thoại của bạn cho cán bộ trung tâm."]
    if reason == "distress":
        return [
            "Bạn đang gặp khó khăn. Bạn không phải tự lo một mình.",
            "Tôi đã chuyển tin nhắn của bạn cho cán bộ trung tâm.",
        ]
    return ["Tôi đã báo cán bộ trung tâm."]


def leave_hint(buttons: bool) -> str:
    """How a worker gets back to the bot, for a message that cannot carry the button."""
    if buttons:
        return ""
    return "\n(Muốn quay lại hỏi đáp tự động, gõ: thoát)"


def name(user: User) -> str:
    return user.display_name or "Người lao động"


def _line(ctx: Context, conversation: HandoffConversation, text: str) -> str:
    return f"💬 #{conversation.id} {name(ctx.user)}: {text}"


def _has_content(incoming: Incoming) -> bool:
    return bool((incoming.text or "").strip() or incoming.media or incoming.contact)


def describe(incoming: Incoming) -> tuple[str, Media | None]:
    """What a worker's message says, for staff: its text, and the media to pass on."""
    media = incoming.media
    if incoming.contact is not None:
        contact = incoming.contact
        whose = "" if contact.is_own else f" của {contact.name or 'người khác'}"
        return f"📱 gửi số điện thoại{whose}: {contact.phone}", None
    if media is not None and media.kind in MEDIA_NAMES:
        count = f"{len(incoming.album)} " if len(incoming.album) > 1 else ""
        what = f"gửi {count}{MEDIA_NAMES[media.kind]}"
        if media.caption:
            what += f":\n{media.caption[:900]}"
        return what, Media(media.kind, media.file_ref)
    if media is not None:
        place = media.caption or media.file_ref  # a map link when the platform gave one
        where = f": {place}" if media.kind == "location" and place else ""
        return f"gửi {OTHER_NAMES.get(media.kind, 'một tin nhắn')}{where}", None
    return (incoming.text or "").strip()[:MAX_TEXT], None


def album(incoming: Incoming) -> tuple[Media, ...]:
    """The items of an album (photos sent together), to pass on as one album."""
    if len(incoming.album) < 2:
        return ()
    return tuple(Media(m.kind, m.file_ref) for m in incoming.album)


def post_card(
    ctx: Context,
    conversation: HandoffConversation,
    reason: str,
    first: Incoming | None,
    carried: str | None,
) -> None:
    """The card every message of the conversation is threaded under (the worker is the
    sender of this turn)."""
    if ctx.staff is None:
        return
    lines = [
        f"🙋 Hội thoại #{conversation.id} · {name(ctx.user)} "
        f"({ctx.channel_title or ctx.user.channel}, người dùng #{ctx.user.id})",
        REASONS.get(reason, ""),
    ]
    if not ctx.settings.office_hours.is_open(utcnow()):
        lines.append("🌙 Gửi ngoài giờ làm việc.")
    if carried:
        lines.append(f"Hỏi trước đó: {carried}")
    media = None
    items: tuple[Media, ...] = ()
    if first is not None:
        text, media = describe(first)
        items = album(first)
        lines.append(f"💬 {text}")
    lines.append(
        "↩️ Trả lời (reply) tin này hoặc tin bất kỳ bên dưới để nhắn cho người lao động. "
        "Tin trả lời đầu tiên nhận hội thoại về mình."
    )
    key = f"handoff:{conversation.id}:card:{ctx.staff.chat_key}"
    ctx.send_to_staff(
        Reply("\n".join(line for line in lines if line), (close_button(conversation.id),)),
        media=media,
        album=items,
        key=key,
        conversation=conversation.id,
    )
    conversation.staff_channel = ctx.staff.channel
    conversation.staff_chat = ctx.staff.chat_key
    conversation.card_key = f"{key}:1"  # the inbox processor numbers a message's parts


def close_button(conversation_id: int) -> Button:
    return Button("✅ Kết thúc", CloseConversation(conversation_id).pack())


def thread(
    ctx: Context,
    conversation: HandoffConversation,
    reply: Reply,
    media: Media | None = None,
    about: User | None = None,
    items: tuple[Media, ...] = (),
) -> None:
    """A message in the conversation's thread in the staff chat (a new card first if the
    staff chat changed since)."""
    if ctx.staff is None:
        return
    if (conversation.staff_channel, conversation.staff_chat) != (
        ctx.staff.channel,
        ctx.staff.chat_key,
    ) or not conversation.card_key:
        worker = about or ctx.user
        key = f"handoff:{conversation.id}:card:{ctx.staff.chat_key}"
        ctx.send_to_staff(
            Reply(
                f"🙋 Hội thoại #{conversation.id} · {name(worker)} (người dùng #{worker.id})\n"
                f"{REASONS.get(conversation.reason, '')}\n"
                "↩️ Trả lời (reply) tin này hoặc tin bất kỳ bên dưới để nhắn cho người lao động.",
                (close_button(conversation.id),),
            ),
            about=worker,
            key=key,
            conversation=conversation.id,
        )
        conversation.staff_channel = ctx.staff.channel
        conversation.staff_chat = ctx.staff.chat_key
        conversation.card_key = f"{key}:1"
    ctx.send_to_staff(
        reply,
        media=media,
        album=items,
        about=about,
        thread=conversation.card_key,
        conversation=conversation.id,
    )


def _forward(ctx: Context, conversation: HandoffConversation, incoming: Incoming) -> None:
    text, media = describe(incoming)
    thread(ctx, conversation, Reply(_line(ctx, conversation, text)), media, items=album(incoming))


def _record(ctx: Context, conversation: HandoffConversation, incoming: Incoming) -> None:
    text, _ = describe(incoming)
    media = incoming.media
    handoffs.record(
        ctx.session,
        conversation,
        "worker",
        text=text,
        media_kind=media.kind if media else None,
        media_ref=media.file_ref if media else None,
    )
