"""Routes for features whose modules are being reworked on other branches.

Temporary: each block moves into its feature module once that branch has merged.
The action shapes are the wire format those modules already put on their buttons.
"""

from __future__ import annotations

from typing import Annotated

from faq import intents
from handlers import faq_flow, handoff, scam_warnings
from handlers.actions import Action, Text
from handlers.context import Context
from handlers.menu import OpenFaq
from handlers.router import ANYWHERE, Router
from handlers.types import Incoming, Reply

faq_router = Router("faq")


class FaqEntry(Action, prefix="faq"):
    entry_id: Annotated[str, Text(40)]


class FaqTopic(Action, prefix="faqt"):
    topic_id: Annotated[str, Text(40)]


@faq_router.action(OpenFaq)
def open_faq(ctx: Context, incoming: Incoming, action: OpenFaq) -> list[Reply]:
    ctx.end_flow()
    return faq_flow.topics(ctx)


@faq_router.action(FaqEntry)
def faq_entry(ctx: Context, incoming: Incoming, action: FaqEntry) -> list[Reply]:
    return faq_flow.answer_entry(ctx, action.entry_id)


@faq_router.action(FaqTopic)
def faq_topic(ctx: Context, incoming: Incoming, action: FaqTopic) -> list[Reply]:
    return faq_flow.topic_questions(ctx, action.topic_id)


@faq_router.command(
    "faqreload", staff=True, where=ANYWHERE, help="/faqreload: nạp lại nội dung hỏi đáp đã sửa"
)
def faq_reload(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    return [faq_flow.reload_content(ctx)]


@faq_router.text("faq")
async def faq_answer(ctx: Context, incoming: Incoming, text: str) -> list[Reply]:
    answer = faq_flow.answer_question(ctx, text)
    warnings = await scam_warnings.check(ctx, text)
    answered = "faq:answer" in ctx.events
    if "distress" in intents.detect(text):
        # A person, and the emergency numbers; a person at once if the FAQ cannot answer.
        return await handoff.in_distress(ctx, incoming, answer, warnings, answered)
    if not answered:  # kept for a «Gặp cán bộ» that may follow, so it goes to staff
        handoff.remember_question(ctx, text)
    return answer + warnings


