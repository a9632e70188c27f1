"""Small talk gets a short, kind answer, never «tôi chưa có câu trả lời», and is not kept
as an unanswered question (persona review §16)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import FaqMiss
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.transcript import STAFF, Transcript


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cam on nhe", "Không có gì ạ"),
        ("Cảm ơn em nhiều 🙏", "Không có gì ạ"),
        ("ok", "Vâng."),
        ("ok em", "Vâng."),
        ("dạ vâng ạ", "Vâng."),
        ("tạm biệt nhé", "Chúc bạn"),
        ("9", "Số 9 không có trong các lựa chọn"),
    ],
)
async def test_small_talk_gets_a_kind_short_answer(
    database_url: str, text: str, expected: str
) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        [reply] = await chat.say(text)
        assert reply.text.startswith(expected)
        assert "chưa có câu trả lời" not in reply.text
        async with chat.runtime.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(FaqMiss)) == 0
    finally:
        await chat.close()


async def test_a_phone_number_alone_is_still_left_for_a_call_back(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        await chat.say("0975 222 333")
        assert "0975 222 333" in chat.channel.to(STAFF)[-1].text
    finally:
        await chat.close()
