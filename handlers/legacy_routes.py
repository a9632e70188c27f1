"""Routes for features whose modules are being reworked on other branches.

Temporary: each block moves into its feature module once that branch has merged.
The action shapes are the wire format those modules already put on their buttons.
"""

from __future__ import annotations

from typing import Annotated

from faq import intents
from handlers import distress, faq_flow, fee_calculator, recruiter_check, scam_warnings
from handlers.actions import Action, Text
from handlers.context import Context
from handlers.menu import OpenFaq, OpenFeeCheck, OpenRecruiterCheck
from handlers.router import ANYWHERE, Router
from handlers.types import Incoming, Reply

router = Router("legacy")
faq_router = Router("faq")


class FaqEntry(Action, prefix="faq"):
    entry_id: Annotated[str, Text(40)]


class FaqTopic(Action, prefix="faqt"):
    topic_id: Annotated[str, Text(40)]


class FeeMarket(Action, prefix="fee:m"):
    market: Annotated[str, Text(24)]


class RecruiterChoice(Action, prefix="rc"):
    number: int


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
    replies = faq_flow.answer_question(ctx, text) + await scam_warnings.check(ctx, text)
    if "distress" in intents.detect(text):
        replies.append(distress.help_reply(ctx))
    return replies


@router.action(OpenFeeCheck)
def fee_start(ctx: Context, incoming: Incoming, action: OpenFeeCheck) -> list[Reply]:
    return fee_calculator.start(ctx)


@router.action(FeeMarket)
def fee_market(ctx: Context, incoming: Incoming, action: FeeMarket) -> list[Reply]:
    return fee_calculator.on_action(ctx, action.pack())


@router.action(OpenRecruiterCheck)
def recruiter_start(ctx: Context, incoming: Incoming, action: OpenRecruiterCheck) -> list[Reply]:
    return recruiter_check.start(ctx)


@router.action(RecruiterChoice)
async def recruiter_choice(
    ctx: Context, incoming: Incoming, action: RecruiterChoice
) -> list[Reply]:
    return await recruiter_check.chosen(ctx, action.pack())


router.flow(recruiter_check.FLOW, recruiter_check.start, recruiter_check.check)
router.flow(fee_calculator.FLOW, fee_calculator.start, fee_calculator.on_message)
