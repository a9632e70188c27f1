"""People in trouble: whatever else is answered, a person and the emergency numbers.

A scam victim, a worker whose passport is held, a parent who cannot reach their child
abroad: the FAQ may answer part of it, but they also need someone now. The numbers come
from the content entry ``emergency_hotlines`` (sourced and dated like every answer).
"""

from __future__ import annotations

from faq.content import render_text
from handlers.context import Context
from handlers.menu import TALK_TO_STAFF, contact_line
from handlers.types import Reply

HOTLINES_ENTRY = "emergency_hotlines"
# The entry's own pointer to the hand-off, left out where the hand-off is already open.
HANDOFF_HINT = "Gặp cán bộ tư vấn"


def hotlines(ctx: Context, in_handoff: bool = False) -> str:
    """The emergency numbers, from the content entry (113 if the content is missing)."""
    entry = ctx.faq.kb.entries.get(HOTLINES_ENTRY) if ctx.faq is not None else None
    if entry is None:
        return "Khi nguy hiểm đến tính mạng, gọi ngay 113."
    text = render_text(entry.answer, ctx.settings.centre_facts())
    if in_handoff:
        text = "\n".join(line for line in text.splitlines() if HANDOFF_HINT not in line)
    return text


def help_reply(ctx: Context) -> Reply:
    """«You are not alone»: a person, and where to call in an emergency."""
    lines = [
        "Bạn đang gặp khó khăn. Bạn không phải tự lo một mình.",
        hotlines(ctx, in_handoff=True),
        "Bấm «Gặp cán bộ tư vấn» để nói chuyện với cán bộ trung tâm.",
        contact_line(ctx.settings),
    ]
    return Reply("\n".join(lines), (TALK_TO_STAFF,))
