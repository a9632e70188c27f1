"""Human hand-off both ways: a worker's message to the staff chat, a staff reply back.

The worker's text, voice note or photo is queued for the staff chat as a card. A staff
member answers by replying to that card in the staff chat; the reply is relayed to the
worker on whatever channel they wrote from.
"""

from __future__ import annotations

from sqlalchemy import select

from db.models import OutboxMessage, User
from faq import intents
from handlers import menu
from handlers.actions import Action
from handlers.context import Context
from handlers.menu import BACK_TO_MENU, TalkToStaff, contact_line
from handlers.router import Router
from handlers.types import Button, Incoming, Media, Reply

router = Router("handoff")
FLOW = "handoff"


class CancelHandoff(Action, prefix="handoff:cancel"):
    """The worker changed their mind before writing to staff."""


CANCEL = Button("✖️ Thôi, không gửi", CancelHandoff().pack())
MEDIA_NAMES = {
    "photo": "ảnh",
    "voice": "tin nhắn thoại",
    "audio": "đoạn ghi âm",
    "video": "video",
    "video_note": "video",
    "document": "tệp",
    "location": "vị trí",
}
# Longest text we pass to the staff chat in one card (Telegram captions are shorter).
MAX_CARD_TEXT = 3000


@router.action(TalkToStaff)
def talk_to_staff(ctx: Context, incoming: Incoming, action: TalkToStaff) -> list[Reply]:
    return start(ctx)


@router.action(CancelHandoff)
def cancel(ctx: Context, incoming: Incoming, action: CancelHandoff) -> list[Reply]:
    ctx.end_flow()
    return [menu.cancelled(ctx)]


def start(ctx: Context) -> list[Reply]:
    if ctx.staff is None:
        return [
            Reply(
                "Hiện chưa có cán bộ trực qua tin nhắn.\n" + contact_line(ctx.settings),
                (BACK_TO_MENU,),
            )
        ]
    ctx.start_flow(FLOW, "await_message")
    return [
        Reply(
            "Bạn hãy gõ câu hỏi, hoặc gửi tin nhắn thoại hay ảnh giấy tờ.\n"
            "Tôi sẽ chuyển cho cán bộ của trung tâm. Cán bộ trả lời ngay tại đây "
            f"trong giờ làm việc ({ctx.settings.centre_hours}).",
            (CANCEL,),
        )
    ]


def _card(ctx: Context, incoming: Incoming, what: str) -> str:
    who = ctx.user.display_name or "Người lao động"
    channel = ctx.channel_title or ctx.user.channel
    return (
        f"💬 {who} ({channel}, mã người dùng #{ctx.user.id}) {what}\n"
        "— Trả lời (reply) tin này để gửi lại cho người lao động."
    )


def forward(ctx: Context, incoming: Incoming) -> list[Reply]:
    """Queue the worker's message for staff and acknowledge it kindly."""
    media = incoming.media
    if media is not None and media.kind in MEDIA_NAMES:
        count = f"{len(incoming.album)} " if len(incoming.album) > 1 else ""
        what = f"gửi {count}{MEDIA_NAMES[media.kind]}:"
        if media.caption:
            what += f"\n{media.caption[:900]}"
        sent = ctx.send_to_staff(
            Reply(_card(ctx, incoming, what)),
            kind="handoff",
            media=Media(media.kind, media.file_ref),
            album=tuple(Media(m.kind, m.file_ref) for m in incoming.album),
        )
        thing = MEDIA_NAMES[media.kind]
    else:
        text = (incoming.text or "").strip()[:MAX_CARD_TEXT]
        sent = ctx.send_to_staff(Reply(_card(ctx, incoming, f"hỏi:\n{text}")), kind="handoff")
        thing = "câu hỏi"
    ctx.end_flow()
    if not sent:
        return [
            Reply(
                "Hiện chưa có cán bộ trực qua tin nhắn.\n" + contact_line(ctx.settings),
                (BACK_TO_MENU,),
            )
        ]
    return [
        Reply(
            f"Cảm ơn bạn. Tôi đã chuyển {thing} tới cán bộ trung tâm.\n"
            f"Cán bộ sẽ trả lời bạn tại đây trong giờ làm việc ({ctx.settings.centre_hours}).\n"
            + contact_line(ctx.settings),
            (BACK_TO_MENU,),
        )
    ]


HANDOFF = router.flow(FLOW, start, forward)


@router.text("talk_to_person")
def asked_for_a_person(ctx: Context, incoming: Incoming, text: str) -> list[Reply] | None:
    """«cho gặp cán bộ», or a phone number left to be called back: a person takes over.

    A message that carries more than the request (a phone number, a question) goes to
    staff as it is, so the details the worker typed are not lost.
    """
    found = intents.detect(text)
    if "callback" in found:
        if ctx.staff is None:
            return start(ctx)
        return forward(ctx, incoming)
    if "talk_to_person" in found:
        return start(ctx)
    return None


async def relay_staff_reply(ctx: Context, incoming: Incoming) -> list[Reply]:
    """A staff member replied in the staff chat: send their words to the worker."""
    if incoming.reply_to is None:
        return []
    card = await ctx.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.channel == incoming.channel,
            OutboxMessage.chat_key == incoming.chat,
            OutboxMessage.sent_message_id == incoming.reply_to,
            OutboxMessage.kind == "handoff",
        )
    )
    if card is None or card.user_id is None:
        return []
    worker = await ctx.session.get(User, card.user_id)
    if worker is None:
        return [Reply("Người lao động này đã xoá dữ liệu, không gửi được.")]
    text = (incoming.text or "").strip()
    if not text:
        return [Reply("Hiện chỉ chuyển được tin nhắn chữ. Anh/chị gõ câu trả lời giúp nhé.")]
    ctx.send_to_user(
        worker,
        Reply(f"👩‍💼 Cán bộ trung tâm trả lời:\n{text}", (BACK_TO_MENU,)),
    )
    return [Reply(f"✓ Đã gửi cho người dùng #{worker.id}.")]
