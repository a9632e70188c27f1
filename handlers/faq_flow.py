"""Questions in free text, answered from the sourced knowledge base, and topic browsing."""

from __future__ import annotations

from handlers.context import Context
from handlers.menu import BACK_TO_MENU, TALK_TO_STAFF, contact_line
from handlers.types import Button, Reply

# Matching looks at the start of very long messages; the whole text stays in the inbox.
MATCH_CHARS = 400
LONG_MESSAGE = 1000
LABEL_CHARS = 60


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _unavailable(ctx: Context) -> list[Reply]:
    return [
        Reply(
            "Phần hỏi đáp đang được cập nhật.\n" + contact_line(ctx.settings),
            (TALK_TO_STAFF, BACK_TO_MENU),
        )
    ]


def answer_entry(ctx: Context, entry_id: str) -> list[Reply]:
    if ctx.faq is None:
        return _unavailable(ctx)
    from faq.content import render_answer

    entry = ctx.faq.kb.entries.get(entry_id)
    if entry is None:
        return topics(ctx)
    text = render_answer(entry, ctx.settings.centre_facts())
    sources = "; ".join(entry.sources)
    text += f"\n\n📚 Nguồn: {sources} (kiểm tra ngày {entry.reviewed:%d/%m/%Y})."
    buttons = [
        Button(_label(ctx.faq.kb.entries[r].questions[0]), f"faq:{r}")
        for r in entry.related
        if r in ctx.faq.kb.entries
    ][:3]
    return [Reply(text, (*buttons, BACK_TO_MENU))]


def topics(ctx: Context) -> list[Reply]:
    """Topic buttons, so a worker who cannot phrase a question still finds answers."""
    if ctx.faq is None:
        return _unavailable(ctx)
    buttons = tuple(Button(_label(t.title), f"faqt:{t.id}") for t in ctx.faq.kb.topics)
    return [Reply("Bạn chọn một chủ đề, hoặc gõ câu hỏi của bạn:", (*buttons, BACK_TO_MENU))]


def topic_questions(ctx: Context, topic_id: str) -> list[Reply]:
    if ctx.faq is None:
        return _unavailable(ctx)
    try:
        topic = ctx.faq.kb.topic(topic_id)
    except KeyError:  # an old button after a content edit
        return topics(ctx)
    buttons = tuple(Button(_label(e.questions[0]), f"faq:{e.id}") for e in topic.entries)
    return [Reply(f"{topic.title}: chọn câu hỏi.", (*buttons, Button("⬅️ Chủ đề khác", "menu:faq")))]


def answer_question(ctx: Context, text: str) -> list[Reply]:
    if ctx.faq is None:
        return _unavailable(ctx)
    prefix: list[Reply] = []
    if len(text) > LONG_MESSAGE:
        prefix.append(
            Reply(
                "Tin nhắn của bạn khá dài. Tôi trả lời theo ý chính ở đầu tin. "
                "Nếu cần, bấm «Gặp cán bộ tư vấn» để cán bộ đọc hết."
            )
        )
    lookup = ctx.faq.index.lookup(text[:MATCH_CHARS])
    if lookup.kind == "answer":
        return prefix + answer_entry(ctx, lookup.matches[0].entry.id)
    if lookup.kind == "suggest":
        buttons = tuple(
            Button(_label(m.entry.questions[0]), f"faq:{m.entry.id}") for m in lookup.matches[:3]
        )
        return prefix + [
            Reply("Có phải bạn muốn hỏi một trong các câu sau?", (*buttons, TALK_TO_STAFF))
        ]
    return prefix + [
        Reply(
            "Xin lỗi, tôi chưa có câu trả lời cho câu này.\n"
            "Bạn thử hỏi cách khác, chọn chủ đề, hoặc gặp cán bộ.\n" + contact_line(ctx.settings),
            (Button("❓ Xem các chủ đề", "menu:faq"), TALK_TO_STAFF, BACK_TO_MENU),
        )
    ]
