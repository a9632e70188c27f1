"""Routes for features whose modules are being reworked on other branches.

Temporary: each block moves into its feature module once that branch has merged.
The action shapes are the wire format those modules already put on their buttons.
"""

from __future__ import annotations

from typing import Annotated

from faq import intents
from handlers import faq_flow, fee_calculator, handoff, recruiter_check, scam_warnings
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


@router.action(RegOne, RegTwo)
def registration_button(ctx: Context, incoming: Incoming, action: RegOne | RegTwo) -> list[Reply]:
    data = action.pack()
    if ctx.flow != registration.FLOW and data not in registration.ENTRY_ACTIONS:
        return registration.start(ctx)  # an old button: offer to continue the draft
    return registration.on_action(ctx, data, incoming)


router.flow(registration.FLOW, registration.start, registration.on_message)
router.flow(recruiter_check.FLOW, recruiter_check.start, recruiter_check.check)
router.flow(fee_calculator.FLOW, fee_calculator.start, fee_calculator.on_message)
