"""The FAQ as a worker meets it: transcripts through the real inbox processor and database.

Answer first, «Xem thêm» and «Nguồn» behind buttons, two answers for two
questions, a question asked back only when two entries are equally likely,
no placeholder text for an unset centre phone, and a kind reply when the FAQ
could not be loaded.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.serve import Server
from db.models import FaqMiss
from faq.service import FaqService
from handlers.faq_flow import SUGGEST_ONE, respond
from handlers.types import Reply
from tests.conftest import make_settings
from tests.transcript import Transcript

CONTENT = Path(__file__).parent / "data" / "faq_matcher"


def actions(reply: Reply) -> list[str]:
    return [b.action for b in reply.buttons]


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    transcript = await Transcript.open(make_settings(database_url), FaqService(CONTENT))
    yield transcript
    await transcript.close()


async def test_a_clear_question_is_answered_first_with_what_comes_next(chat: Transcript) -> None:
    [answer] = await chat.say("cty bắt nộp ký quỹ, có phải nộp không ạ")
    assert answer.text.startswith("Về: Ký quỹ là gì, có phải nộp không?\n")
    assert "tài khoản phong tỏa" in answer.text
    # the details and the sources are behind buttons, not in the first message
    assert "thanh lý hợp đồng" not in answer.text and "Luật 69" not in answer.text
    assert actions(answer)[:2] == ["faqm:dep_what", "faqs:dep_what"]
    assert {"faq:dep_refund", "faq:withdraw_refund"} <= set(actions(answer))
    assert actions(answer)[-1] == "menu:main"
    assert len(answer.text) <= 600
    async with chat.runtime.sessions() as session:
        assert (await session.scalars(select(FaqMiss))).all() == []


async def test_more_and_sources_open_on_request(chat: Transcript) -> None:
    [more] = await chat.press("faqm:dep_what")
    assert more.text.startswith("Về: Ký quỹ là gì")
    assert "Khi thanh lý hợp đồng, bạn nhận lại cả gốc và lãi." in more.text
    assert "faqs:dep_what" in actions(more)
    [sources] = await chat.press("faqs:dep_what")
    assert "Luật 69/2020/QH14, Điều 25" in sources.text
    assert "23/11/2025" in sources.text
    assert {"faqm:dep_what", "faq:dep_what"} <= set(actions(sources))
    # an entry without details shows its answer again, never an empty message
    [again] = await chat.press("faqm:passport")
    assert "công an tỉnh" in again.text


async def test_two_questions_in_one_message_get_two_answers(chat: Transcript) -> None:
    replies = await chat.say("ký quỹ là gì, về nước đúng hạn có lấy lại được không")
    assert [r.text.split("\n", 1)[0] for r in replies] == [
        "Về: Ký quỹ là gì, có phải nộp không?",
        "Về: Về nước đúng hạn có được hoàn tiền ký quỹ không?",
    ]
    # the first answer does not offer the second as an alternative; the menu comes last
    assert "faq:dep_refund" not in actions(replies[0])
    assert "menu:main" not in actions(replies[0]) and actions(replies[1])[-1] == "menu:main"


async def test_a_story_before_the_question_gets_the_same_answer(chat: Transcript) -> None:
    [short] = await chat.say("làm hộ chiếu ở đâu")
    [long] = await chat.say(
        "Em chào anh chị. Em 20 tuổi, nhà ở xã Bản Lầu, em muốn đi làm xa. "
        "Cho em hỏi làm hộ chiếu ở đâu ạ?"
    )
    assert short.text == long.text
    assert short.text.startswith("Về: Làm hộ chiếu ở đâu?")


async def test_two_equally_likely_entries_are_asked_about(chat: Transcript) -> None:
    [ask] = await chat.say("hết bao nhiêu tiền")
    assert "chưa chắc" in ask.text
    assert {"faq:jp_cost", "faq:kr_cost"} <= set(actions(ask))
    assert "menu:staff" in actions(ask)
    async with chat.runtime.sessions() as session:
        [miss] = (await session.scalars(select(FaqMiss))).all()
    assert (miss.text, miss.kind) == ("hết bao nhiêu tiền", "suggest")


async def test_nothing_relevant_offers_topics_and_a_person(chat: Transcript) -> None:
    [reply] = await chat.say("giá lúa năm nay bao nhiêu một cân")
    assert "chưa có câu trả lời" in reply.text
    assert {"menu:faq", "menu:staff"} <= set(actions(reply))
    async with chat.runtime.sessions() as session:
        [miss] = (await session.scalars(select(FaqMiss))).all()
    assert miss.kind == "none"


async def test_an_unset_centre_phone_or_address_is_left_out(database_url: str) -> None:
    settings = make_settings(database_url, centre_phone="", centre_address="")
    chat = await Transcript.open(settings, FaqService(CONTENT))
    try:
        replies = [
            *await chat.press("faq:centre_contact"),
            *await chat.say("địa chỉ trung tâm ở đâu"),
            *await chat.press("faqm:centre_contact"),
            *await chat.say("qwzx vbnm"),
        ]
        for reply in replies:
            assert "chưa cấu hình" not in reply.text
            assert "{" not in reply.text and "()" not in reply.text
            assert "Điện thoại" not in reply.text and "Địa chỉ:" not in reply.text
        assert replies[0].text.startswith("Về: Trung tâm Dịch vụ việc làm ở đâu?")
        assert "Giờ làm việc" in replies[0].text
    finally:
        await chat.close()


async def test_a_set_centre_phone_is_shown(chat: Transcript) -> None:
    [reply] = await chat.press("faq:centre_contact")
    assert "• Điện thoại: 0200 000 000" in reply.text


async def test_without_loaded_content_the_faq_says_so_kindly(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), None)
    try:
        for send in (
            chat.say("đi hàn quốc hết bao nhiêu tiền"),
            chat.press("menu:faq"),
            chat.press("faq:dep_what"),
            chat.press("faqt:costs_fees"),
            chat.press("faqm:dep_what"),
            chat.press("faqs:dep_what"),
        ):
            [reply] = await send
            assert "Phần hỏi đáp đang được cập nhật" in reply.text
            assert "0200 000 000" in reply.text
            assert "menu:staff" in actions(reply)
    finally:
        await chat.close()


async def test_old_buttons_of_removed_entries_show_the_topics(chat: Transcript) -> None:
    for action in ("faq:gone", "faqm:gone", "faqs:gone"):
        [reply] = await chat.press(action)
        assert "chọn một chủ đề" in reply.text


async def test_serve_warns_the_operator_about_an_unset_phone_and_address(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    settings = make_settings(database_url, centre_phone="", centre_address="")
    server = Server(settings, FaqService(CONTENT))
    await server.start()
    await server.stop()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(m.startswith("CENTRE_PHONE is not set") for m in warnings)
    assert any(m.startswith("CENTRE_ADDRESS is not set") for m in warnings)


async def test_a_vague_second_question_gets_the_entry_it_fits_with_the_other_as_a_button(
    chat: Transcript,
) -> None:
    """«còn vay … thì sao» names no rate: the amount is answered, the rate offered."""
    answer, second = await chat.say("làm hộ chiếu ở đâu, còn vay ngân hàng chính sách thì sao")
    assert answer.text.startswith("Về: Làm hộ chiếu ở đâu?")
    assert second.text.startswith("Về: Vay vốn đi làm nước ngoài được bao nhiêu?")
    assert "faq:loan_rate" in actions(second)


async def test_a_second_question_that_is_not_clear_is_asked_about(chat: Transcript) -> None:
    # the rate and the amount: two entries, neither clearly the one
    text = "làm hộ chiếu ở đâu, còn vay ngân hàng chính sách lãi với mức vay thì sao"
    answer, ask = await chat.say(text)
    assert answer.text.startswith("Về: Làm hộ chiếu ở đâu?")
    second = "còn vay ngân hàng chính sách lãi với mức vay thì sao"
    assert ask.text == f"Còn câu «{second}»: bạn muốn hỏi điều nào?"
    assert {"faq:loan_amount", "faq:loan_rate", "menu:staff"} <= set(actions(ask))
    assert actions(ask)[-1] == "menu:main" and "menu:main" not in actions(answer)
    # the unanswered part is kept for staff
    async with chat.runtime.sessions() as session:
        [miss] = (await session.scalars(select(FaqMiss))).all()
    assert (miss.text, miss.kind) == (text, "suggest")


def test_one_close_entry_is_offered_as_one_question() -> None:
    """Not sure enough to answer, and only one entry is close (the shipped content):
    «Có phải bạn muốn hỏi…» with that one question, not «… điều nào» over a list of one."""
    outcome = respond(
        FaqService(), make_settings("sqlite+aiosqlite://"), "hoc het lop 9 co di nhat dc ko"
    )
    [ask] = outcome.replies
    assert outcome.kind == "suggest"
    assert [a for a in actions(ask) if a.startswith("faq:")] == ["faq:elg_schooling"]
    assert ask.text == SUGGEST_ONE
