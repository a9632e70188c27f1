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
from handlers.menu import OpenFaq, OpenFeeCheck, OpenRecruiterCheck, OpenRegistration
from handlers.registration import flow as registration
from handlers.registration.submit import submit_draft
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


class RegSubmit(Action, prefix="reg:submit"):
    pass


class RegOne(Action, prefix="reg"):
    a: Annotated[str, Text(40)]


class RegTwo(Action, prefix="reg"):
    a: Annotated[str, Text(20)]
    b: Annotated[str, Text(36)]


class RegThree(Action, prefix="reg"):
    a: Annotated[str, Text(12)]
    b: Annotated[str, Text(12)]
    c: Annotated[str, Text(24)]


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


@router.action(OpenRegistration)
def registration_start(ctx: Context, incoming: Incoming, action: OpenRegistration) -> list[Reply]:
    return registration.start(ctx)


@router.action(RegSubmit)
async def registration_submit(ctx: Context, incoming: Incoming, action: RegSubmit) -> list[Reply]:
    return await submit_draft(ctx)


@router.action(RegOne, RegTwo, RegThree)
async def registration_button(
    ctx: Context, incoming: Incoming, action: RegOne | RegTwo | RegThree
) -> list[Reply]:
    data = action.pack()
    if ctx.flow != registration.FLOW and not registration.is_entry(data):
        return registration.start(ctx)  # an old button: offer to continue the draft
    return await registration.on_action(ctx, data, incoming)


@router.text("register")
def typed_registration(ctx: Context, incoming: Incoming, text: str) -> list[Reply] | None:
    """«đăng ký», «muốn đăng ký đi Hàn»: the form, not an FAQ answer about it."""
    return registration.start(ctx) if registration.wants_to_register(text) else None


router.flow(registration.FLOW, registration.start, registration.on_message)
router.flow(recruiter_check.FLOW, recruiter_check.start, recruiter_check.check)
router.flow(fee_calculator.FLOW, fee_calculator.start, fee_calculator.on_message)
