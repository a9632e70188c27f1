"""Questions in free text, answered from the sourced knowledge base, and topic browsing."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import FaqMiss
from faq import fees, intents, red_flags
from faq.content import render_answer
from faq.service import FaqService
from handlers import fee_calculator
from handlers.context import Context
from handlers.menu import BACK_TO_MENU, TALK_TO_STAFF, contact_line
from handlers.types import Button, Reply
from settings import Settings

# Matching looks at the start of very long messages; the whole text stays in the inbox.
MATCH_CHARS = 400
LONG_MESSAGE = 1000
LABEL_CHARS = 60
MISS_CHARS = 1000
# Topics whose answers offer the fee-cap calculator as a follow-up.
FEE_TOPICS = frozenset({"costs_fees"})


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
        return _unavailable(ctx.settings)
    if entry_id not in ctx.faq.kb.entries:  # an old button after a content edit
        return topics(ctx)
    return entry_replies(ctx.faq, ctx.settings, entry_id)


def entry_replies(faq: FaqService, settings: Settings, entry_id: str) -> list[Reply]:
    """An entry's answer with its sources and review date, and its related questions."""
    entry = faq.kb.entries[entry_id]
    text = render_answer(entry, settings.centre_facts())
    sources = "; ".join(entry.sources)
    text += f"\n\n📚 Nguồn: {sources} (kiểm tra ngày {entry.reviewed:%d/%m/%Y})."
    buttons = [
        Button(_label(faq.kb.entries[r].questions[0]), f"faq:{r}")
        for r in entry.related
        if r in faq.kb.entries
    ][:3]
    if entry.topic in FEE_TOPICS:  # a follow-up that turns the rule into the worker's figure
        buttons.append(Button("💰 Tính mức phí tối đa của bạn", "fee:start"))
    return [Reply(text, (*buttons, BACK_TO_MENU))]


def topics(ctx: Context) -> list[Reply]:
    """Topic buttons, so a worker who cannot phrase a question still finds answers."""
    if ctx.faq is None:
        return _unavailable(ctx.settings)
    buttons = tuple(Button(_label(t.title), f"faqt:{t.id}") for t in ctx.faq.kb.topics)
    return [Reply("Bạn chọn một chủ đề, hoặc gõ câu hỏi của bạn:", (*buttons, BACK_TO_MENU))]


def topic_questions(ctx: Context, topic_id: str) -> list[Reply]:
    if ctx.faq is None:
        return _unavailable(ctx.settings)
    try:
        topic = ctx.faq.kb.topic(topic_id)
    except KeyError:  # an old button after a content edit
        return topics(ctx)
    buttons = tuple(Button(_label(e.questions[0]), f"faq:{e.id}") for e in topic.entries)
    return [Reply(f"{topic.title}: chọn câu hỏi.", (*buttons, Button("⬅️ Chủ đề khác", "menu:faq")))]


def reload_content(ctx: Context) -> Reply:
    """Staff command: load edited content now; invalid content leaves the old in service."""
    if ctx.faq is None:
        return Reply("Chưa tải được nội dung hỏi đáp khi khởi động; hãy khởi động lại dịch vụ.")
    try:
        count = ctx.faq.reload()
        # The fee caps and red flags are content too: edited files take effect now.
        fees.load_fee_rules()  # raises on an invalid file, before the caches are cleared
        red_flags.load_red_flags()
        intents.load_intents()
        fee_calculator.rules.cache_clear()
        red_flags.default_rules.cache_clear()
        intents.default_rules.cache_clear()
    except Exception as exc:
        return Reply(f"Chưa cập nhật: nội dung có lỗi, vẫn dùng bản cũ.\n{str(exc)[:3000]}")
    return Reply(f"Đã cập nhật nội dung hỏi đáp: {count} câu.")


@dataclass(frozen=True)
class FaqOutcome:
    """What the FAQ says to a free-text question, before anything is stored."""

    replies: list[Reply]
    kind: str  # answer | suggest | none | unavailable
    entry_id: str | None = None
    score: float | None = None


def respond(faq: FaqService | None, settings: Settings, text: str) -> FaqOutcome:
    """The replies to a question (pure: also used by `python -m bot ask`)."""
    if faq is None:
        return FaqOutcome(_unavailable(settings), "unavailable")
    prefix: list[Reply] = []
    if len(text) > LONG_MESSAGE:
        prefix.append(
            Reply(
                "Tin nhắn của bạn khá dài. Tôi trả lời theo ý chính ở đầu tin. "
                "Nếu cần, bấm «Gặp cán bộ tư vấn» để cán bộ đọc hết."
            )
        )
    lookup = faq.index.lookup(text[:MATCH_CHARS])
    best = lookup.matches[0] if lookup.matches else None
    score = round(best.score, 1) if best else None
    if lookup.kind == "answer" and best is not None:
        return FaqOutcome(
            prefix + entry_replies(faq, settings, best.entry.id), "answer", best.entry.id, score
        )
    if lookup.kind == "suggest" and best is not None:
        buttons = tuple(
            Button(_label(m.entry.questions[0]), f"faq:{m.entry.id}") for m in lookup.matches[:3]
        )
        reply = Reply("Có phải bạn muốn hỏi một trong các câu sau?", (*buttons, TALK_TO_STAFF))
        return FaqOutcome(prefix + [reply], "suggest", best.entry.id, score)
    fallback = Reply(
        "Xin lỗi, tôi chưa có câu trả lời cho câu này.\n"
        "Bạn thử hỏi cách khác, chọn chủ đề, hoặc gặp cán bộ.\n" + contact_line(settings),
        (Button("❓ Xem các chủ đề", "menu:faq"), TALK_TO_STAFF, BACK_TO_MENU),
    )
    return FaqOutcome(prefix + [fallback], "none", None, score)


def answer_question(ctx: Context, text: str) -> list[Reply]:
    """Answer free text; questions not answered with confidence are kept for staff."""
    outcome = respond(ctx.faq, ctx.settings, text)
    ctx.events.append(f"faq:{outcome.kind}")
    if outcome.kind in ("suggest", "none"):
        ctx.session.add(
            FaqMiss(
                channel=ctx.user.channel,
                text=text[:MISS_CHARS],
                kind=outcome.kind,
                best_entry_id=outcome.entry_id,
                score=outcome.score,
            )
        )
    return outcome.replies
