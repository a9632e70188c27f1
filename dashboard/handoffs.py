"""Hand-off conversations: the open ones with their age and who took them, and each
conversation's messages (read-only: staff answer in the staff chat).

The list puts conversations nobody has taken first, oldest first: the first thing to see
in the morning. The messages are the conversation's record (`handoff_messages`): what
the worker wrote (details included), and what staff answered from the staff chat or
from Zalo's OA chat tool.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from dashboard import pages as core
from db import handoffs
from db.clock import utcnow
from db.models import HandoffConversation, User
from handlers.handoff import REASONS
from handlers.handoff_staff import age
from handlers.office_hours import to_local
from handlers.staff_input import ID_ROUTE

CLOSED_DAYS = 7
CHANNELS = {"telegram": "Telegram", "zalo_oa": "Zalo OA", "zalo_bot": "Zalo Bot"}
AUTHORS = {"worker": "Người lao động", "staff": "Cán bộ", "platform": "Cán bộ (Zalo OA)"}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/handoffs", handoffs_page)
    router.add_get(f"/handoffs/{ID_ROUTE}", handoff_page)


async def handoffs_page(request: web.Request) -> web.Response:
    now = utcnow()
    async with request.app[core.SESSIONS]() as db:
        opened = await handoffs.open_list(db)
        closed = await handoffs.recently_closed(db, now - timedelta(days=CLOSED_DAYS))
        counts = await handoffs.counts(db, [c.id for c, _ in opened + closed])
    return await core.render(
        request,
        "handoffs.html",
        {
            "opened": [_row(c, u, counts, now) for c, u in opened],
            "closed": [_row(c, u, counts, now) for c, u in closed],
            "closed_days": CLOSED_DAYS,
        },
    )


async def handoff_page(request: web.Request) -> web.Response:
    conversation_id = int(request.match_info["id"])
    if conversation_id > 2**62:
        raise web.HTTPNotFound(text="Không có hội thoại này.")
    async with request.app[core.SESSIONS]() as db:
        conversation = await db.get(HandoffConversation, conversation_id)
        worker = await db.get(User, conversation.user_id) if conversation else None
        if conversation is None or worker is None:
            raise web.HTTPNotFound(text="Không có hội thoại này.")
        messages = await handoffs.messages(db, conversation_id)
    now = utcnow()
    return await core.render(
        request,
        "handoff.html",
        {
            "c": _row(conversation, worker, {conversation_id: len(messages)}, now),
            "messages": [
                {
                    "at": f"{to_local(m.created_at):%d/%m %H:%M}",
                    "who": m.author_name or AUTHORS.get(m.author, m.author),
                    "worker": m.author == "worker",
                    "text": m.text or "",
                    "media": m.media_kind,
                    "media_ref": m.media_ref if (m.media_ref or "").startswith("http") else None,
                }
                for m in messages
            ],
        },
    )


def _row(
    conversation: HandoffConversation, worker: User, counts: dict[int, int], now: datetime
) -> dict[str, object]:
    return {
        "id": conversation.id,
        "name": worker.display_name or f"Người dùng #{worker.id}",
        "channel": CHANNELS.get(conversation.channel, conversation.channel),
        "reason": REASONS.get(conversation.reason, conversation.reason),
        "urgent": conversation.reason == "distress",
        "opened": f"{to_local(conversation.opened_at):%d/%m %H:%M}",
        "age": age(now - conversation.opened_at),
        "last": age(now - conversation.last_activity_at),
        "taken_by": conversation.taken_by,
        "status": "đang mở" if conversation.status == handoffs.OPEN else "đã kết thúc",
        "closed_by": conversation.closed_by,
        "closed": f"{to_local(conversation.closed_at):%d/%m %H:%M}"
        if conversation.closed_at
        else None,
        "messages": counts.get(conversation.id, 0),
    }
