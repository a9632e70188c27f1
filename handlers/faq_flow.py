"""Questions in free text, answered from the sourced knowledge base, and topic browsing.

Answer first: when one entry is clearly the best, its answer comes at once
(«Về: …» names the question it answers), with «Xem thêm», «Nguồn» and the next
one or two entries as buttons (the matcher's runners-up, else the entry's
related ones). A second question in the same message gets its
own answer. Only when two entries about different things are equally likely
is the worker asked which; only when nothing is relevant do they get the
topics and a person, and the message is kept for staff (`faq_misses`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Annotated

from db.models import FaqMiss
from faq import fees, intents, red_flags
from faq.content import Entry
from faq.matcher import ANSWER_MIN_SCORE, MAX_QUERY_CHARS, Lookup
from faq.service import FaqService
from handlers import fee_calculator, handoff, listen, scam_warnings
from handlers.actions import Action, Text
from handlers.context import Context
from handlers.faq_render import answer_text, more_text, sources_text
from handlers.menu import BACK_TO_MENU, TALK_TO_STAFF, OpenFaq, OpenFeeCheck, contact_line
from handlers.router import ANYWHERE, Router
from handlers.types import Button, Incoming, Reply
from settings import Settings

router = Router("faq")
EntryId = Annotated[str, Text(32)]


class ShowEntry(Action, prefix="faq"):
    """A question chosen by button: its answer."""

    entry_id: EntryId


class ShowTopic(Action, prefix="faqt"):
    """A topic's questions."""

    topic_id: EntryId


class ShowMore(Action, prefix="faqm"):
    """«Xem thêm»: an answer's details."""

    entry_id: EntryId


class ShowSources(Action, prefix="faqs"):
    """«Nguồn»: an answer's legal sources and review date."""

    entry_id: EntryId


LABEL_CHARS = 60
MISS_CHARS = 1000
# Entries offered as buttons under an answer.
ALTERNATIVES = 2
# Topics whose answers offer the fee-cap calculator as a follow-up.
FEE_TOPICS = frozenset({"costs_fees"})


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _unavailable(settings: Settings) -> list[Reply]:
    return [
        Reply(
            "Phần hỏi đáp đang được cập nhật.\n" + contact_line(settings),
            (TALK_TO_STAFF, BACK_TO_MENU),
        )
    ]


@router.action(OpenFaq)
def open_topics(ctx: Context, incoming: Incoming, action: OpenFaq) -> list[Reply]:
    ctx.end_flow()
    return topics(ctx)


@router.action(ShowEntry)
async def entry_button(ctx: Context, incoming: Incoming, action: ShowEntry) -> list[Reply]:
    return await listen.offer(ctx, answer_entry(ctx, action.entry_id))


@router.action(ShowTopic)
def topic_button(ctx: Context, incoming: Incoming, action: ShowTopic) -> list[Reply]:
    return topic_questions(ctx, action.topic_id)


@router.action(ShowMore)
def more_button(ctx: Context, incoming: Incoming, action: ShowMore) -> list[Reply]:
    return listen.translate_more(ctx, more(ctx, action.entry_id))


@router.action(ShowSources)
def sources_button(ctx: Context, incoming: Incoming, action: ShowSources) -> list[Reply]:
    return sources(ctx, action.entry_id)


@router.command(
    "faqreload", staff=True, where=ANYWHERE, help="/faqreload: nạp lại nội dung hỏi đáp đã sửa"
)
def reload_command(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    return [reload_content(ctx)]


@router.text("faq")
async def free_question(ctx: Context, incoming: Incoming, text: str) -> list[Reply]:
    """Anything else: the FAQ's answer, warnings about what the text describes, and for
    people in trouble a person and the emergency numbers."""
    distress = "distress" in intents.detect(text)
    answer = await listen.offer(ctx, answer_question(ctx, text, in_trouble=distress))
    warnings = await scam_warnings.check(ctx, text)
    answered = "faq:answer" in ctx.events
    if distress:
        # A person, and the emergency numbers; a person at once if the FAQ cannot answer.
        return await handoff.in_distress(ctx, incoming, answer, warnings, answered)
    if not answered:  # kept for a «Gặp cán bộ» that may follow, so it goes to staff
        handoff.remember_question(ctx, text)
    return answer + warnings


def answer_entry(ctx: Context, entry_id: str) -> list[Reply]:
    """A question chosen by button."""
    if ctx.faq is None:
        return _unavailable(ctx.settings)
    if entry_id not in ctx.faq.kb.entries:  # an old button after a content edit
        return topics(ctx)
    entry = ctx.faq.kb.entries[entry_id]
    return [_answer(ctx.faq, ctx.settings, entry, _related(ctx.faq, entry), last=True)]


def more(ctx: Context, entry_id: str) -> list[Reply]:
    """«Xem thêm»: the entry's details."""
    if ctx.faq is None:
        return _unavailable(ctx.settings)
    entry = ctx.faq.kb.entries.get(entry_id)
    if entry is None:
        return topics(ctx)
    buttons = [
        Button("📚 Nguồn", ShowSources(entry.id).pack()),
        *_question_buttons(_related(ctx.faq, entry)),
    ]
    return [Reply(more_text(entry, ctx.settings), (*buttons, BACK_TO_MENU))]


def sources(ctx: Context, entry_id: str) -> list[Reply]:
    """«Nguồn»: the entry's legal sources and review date."""
    if ctx.faq is None:
        return _unavailable(ctx.settings)
    entry = ctx.faq.kb.entries.get(entry_id)
    if entry is None:
        return topics(ctx)
    buttons = [Button("📖 Xem thêm", ShowMore(entry.id).pack())] if entry.more else []
    buttons.append(Button("↩️ Xem lại câu trả lời", ShowEntry(entry.id).pack()))
    return [Reply(sources_text(entry), (*buttons, BACK_TO_MENU))]


def entry_replies(faq: FaqService, settings: Settings, entry_id: str) -> list[Reply]:
    """An entry's answer with its follow-up buttons (its related entries as alternatives)."""
    entry = faq.kb.entries[entry_id]
    return [_answer(faq, settings, entry, _related(faq, entry), last=True)]


def topics(ctx: Context) -> list[Reply]:
    """Topic buttons, so a worker who cannot phrase a question still finds answers."""
    if ctx.faq is None:
        return _unavailable(ctx.settings)
    buttons = tuple(Button(_label(t.title), ShowTopic(t.id).pack()) for t in ctx.faq.kb.topics)
    return [Reply("Bạn chọn một chủ đề, hoặc gõ câu hỏi của bạn:", (*buttons, BACK_TO_MENU))]


def topic_questions(ctx: Context, topic_id: str) -> list[Reply]:
    if ctx.faq is None:
        return _unavailable(ctx.settings)
    try:
        topic = ctx.faq.kb.topic(topic_id)
    except KeyError:  # an old button after a content edit
        return topics(ctx)
    buttons = tuple(Button(_label(e.questions[0]), ShowEntry(e.id).pack()) for e in topic.entries)
    other = Button("⬅️ Chủ đề khác", OpenFaq().pack())
    return [Reply(f"{topic.title}: chọn câu hỏi.", (*buttons, other))]


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
    # Every entry answered directly (two when the message asked two questions).
    answered: tuple[str, ...] = ()
    # A second question the FAQ could not answer with confidence (kept for staff).
    unsure: str | None = None


def respond(
    faq: FaqService | None, settings: Settings, text: str, in_trouble: bool = False
) -> FaqOutcome:
    """The replies to a question (pure: also used by `python -m bot ask`)."""
    if faq is None:
        return FaqOutcome(_unavailable(settings), "unavailable")
    prefix: list[Reply] = []
    if len(text) > MAX_QUERY_CHARS:
        prefix.append(
            Reply(
                "Tin nhắn của bạn khá dài. Tôi trả lời theo phần đầu của tin. "
                "Nếu cần, bấm «Gặp cán bộ tư vấn» để cán bộ đọc hết."
            )
        )
    lookups = faq.index.read(text)
    if in_trouble:
        lookups = tuple(_for_someone_in_trouble(lookup) for lookup in lookups)
    main = max(lookups, key=lambda lookup: lookup.matches[0].score if lookup.matches else -1.0)
    best = main.matches[0] if main.matches else None
    score = round(best.score, 1) if best else None
    answered = [lookup for lookup in lookups if lookup.kind == "answer"]
    if answered and best is not None:
        shown = {lookup.matches[0].entry.id for lookup in answered}
        replies: list[Reply] = []
        for lookup in lookups:
            last = lookup is lookups[-1]
            if lookup.kind == "answer":
                alternatives = _alternatives(faq, lookup, shown)
                replies.append(_answer(faq, settings, lookup.matches[0].entry, alternatives, last))
            else:  # a second question that is not clearly one entry: ask about it
                replies.append(_ask_which(lookup, shown, last))
        ids = tuple(lookup.matches[0].entry.id for lookup in answered)
        unsure = next((lk.clause for lk in lookups if lk.kind != "answer"), None)
        return FaqOutcome(prefix + replies, "answer", best.entry.id, score, ids, unsure)
    if main.kind == "suggest" and best is not None:
        shown_entries = [m.entry for m in main.matches[:3]]
        reply = Reply(
            SUGGEST_ONE if len(shown_entries) == 1 else SUGGEST_SEVERAL,
            (*_question_buttons(shown_entries), TALK_TO_STAFF),
        )
        return FaqOutcome(prefix + [reply], "suggest", best.entry.id, score)
    fallback = Reply(
        "Xin lỗi, tôi chưa có câu trả lời cho câu này. "
        "Câu hỏi được ghi lại để trung tâm bổ sung câu trả lời.\n"
        "Bạn thử hỏi cách khác, chọn chủ đề, hoặc gặp cán bộ.\n" + contact_line(settings),
        (Button("❓ Xem các chủ đề", OpenFaq().pack()), TALK_TO_STAFF, BACK_TO_MENU),
    )
    return FaqOutcome(prefix + [fallback], "none", None, score)


SUGGEST_SEVERAL = (
    "Tôi chưa chắc bạn hỏi điều nào. Bạn chọn một câu dưới đây, hoặc gõ lại câu hỏi ngắn hơn:"
)
# One close entry, not sure enough to answer: one tap shows it.
SUGGEST_ONE = (
    "Có phải bạn muốn hỏi câu dưới đây? Bấm vào câu đó để xem câu trả lời, "
    "hoặc gõ lại câu hỏi ngắn hơn:"
)


def _for_someone_in_trouble(lookup: Lookup) -> Lookup:
    """A person in trouble should not have to pick from a list: a good best entry whose
    close rivals are all on its own topic (what to do once scammed, or having paid
    already) is answered, the rivals as buttons under it. A person and the emergency
    numbers come with it whatever the FAQ says (`handoff.in_distress`)."""
    if lookup.kind != "suggest" or not lookup.matches:
        return lookup
    best = lookup.matches[0]
    if best.score < ANSWER_MIN_SCORE or any(
        m.entry.topic != best.entry.topic for m in lookup.matches[1:]
    ):
        return lookup
    return replace(lookup, kind="answer")


def answer_question(ctx: Context, text: str, in_trouble: bool = False) -> list[Reply]:
    """Answer free text; questions not answered with confidence are kept for staff."""
    outcome = respond(ctx.faq, ctx.settings, text, in_trouble)
    ctx.events.append(f"faq:{outcome.kind}")
    if outcome.kind in ("suggest", "none"):
        ctx.session.add(
            FaqMiss(
                channel=ctx.user.channel,
                user_id=ctx.user.id,
                text=text[:MISS_CHARS],
                kind=outcome.kind,
                best_entry_id=outcome.entry_id,
                score=outcome.score,
            )
        )
    elif outcome.unsure:
        miss = FaqMiss(channel=ctx.user.channel, text=text[:MISS_CHARS], kind="suggest")
        miss.user_id = ctx.user.id
        ctx.session.add(miss)
    return outcome.replies


def _answer(
    faq: FaqService, settings: Settings, entry: Entry, alternatives: list[Entry], last: bool
) -> Reply:
    """One answer: «Về: …», the answer, then «Xem thêm», «Nguồn» and the alternatives."""
    buttons: list[Button] = []
    if entry.more:
        buttons.append(Button("📖 Xem thêm", ShowMore(entry.id).pack()))
    buttons.append(Button("📚 Nguồn", ShowSources(entry.id).pack()))
    buttons += _question_buttons(alternatives)
    if entry.topic in FEE_TOPICS:  # a follow-up that turns the rule into the worker's figure
        buttons.append(Button("💰 Tính mức phí tối đa của bạn", OpenFeeCheck().pack()))
    if last:
        buttons.append(BACK_TO_MENU)
    return Reply(answer_text(entry, settings), tuple(buttons))


def _ask_which(lookup: Lookup, shown: set[str], last: bool) -> Reply:
    """The question back about a second question in the message."""
    entries = [m.entry for m in lookup.matches if m.entry.id not in shown][:3]
    buttons = [*_question_buttons(entries), TALK_TO_STAFF]
    if last:
        buttons.append(BACK_TO_MENU)
    return Reply(f"Còn câu «{_label(lookup.clause)}»: bạn muốn hỏi điều nào?", tuple(buttons))


def _alternatives(faq: FaqService, lookup: Lookup, shown: set[str]) -> list[Entry]:
    """The next entries of the lookup, then the answer's related ones; none answered already."""
    candidates = [m.entry for m in lookup.matches[1:]] + _related(faq, lookup.matches[0].entry)
    unique = {e.id: e for e in candidates if e.id not in shown}
    return list(unique.values())[:ALTERNATIVES]


def _related(faq: FaqService, entry: Entry) -> list[Entry]:
    """An entry's related entries that still exist (content may have changed)."""
    return [faq.kb.entries[r] for r in entry.related if r in faq.kb.entries][:ALTERNATIVES]


def _question_buttons(entries: Iterable[Entry]) -> list[Button]:
    return [Button(_label(e.questions[0]), ShowEntry(e.id).pack()) for e in entries]
