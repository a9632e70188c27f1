"""The dialog core through the inbox processor, over the real database, as chat transcripts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from faq.service import FaqService
from handlers.types import Contact, Media
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.transcript import Transcript

MENU_LABELS = {
    "Hỏi đáp",
    "Đăng ký đi làm việc ở nước ngoài",
    "Kiểm tra doanh nghiệp",
    "Tính tiền dịch vụ tối đa",
    "Phiên giao dịch việc làm",
    "Gặp cán bộ tư vấn",
}


def labels(reply) -> set[str]:  # type: ignore[no-untyped-def]
    return {b.label.split(" ", 1)[1] for b in reply.buttons}


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


async def test_greeting_without_diacritics_shows_the_menu(chat: Transcript) -> None:
    for greeting in ("xin chào", "xin chao", "Chào ad!", "alo"):
        reply = (await chat.say(greeting))[0]
        assert labels(reply) == MENU_LABELS
        assert "Lò Văn A" in reply.text


async def test_start_help_and_cancel_commands(chat: Transcript) -> None:
    start = (await chat.say("/start"))[0]
    assert labels(start) == MENU_LABELS
    [help_] = await chat.say("/help")
    assert "/huy" in help_.text and "0200 000 000" in help_.text
    await chat.press("menu:staff")
    [cancel] = await chat.say("/huy")
    assert "Đã dừng" in cancel.text
    # /huy left the hand-off: staff were told, and the next text is a question again.
    [(card, _), (left, _)] = chat.staff_messages()
    assert "Hội thoại #1" in card.text and "quay lại trợ lý tự động" in left.text
    replies = await chat.say("đi hàn quốc cần điều kiện gì")
    assert len(chat.staff_messages()) == 2 and replies[0].text.startswith("Về: ")


async def test_five_thousand_characters_get_a_polite_answer(chat: Transcript) -> None:
    replies = await chat.say("em muốn hỏi đi hàn quốc " + "rất " * 1250)
    assert replies and "dài" in replies[0].text
    assert all(len(r.text) <= 4096 for r in replies)


async def test_emoji_only_and_sticker_get_a_kind_reply_with_the_phone(chat: Transcript) -> None:
    [emoji] = await chat.say("😀😀👍")
    assert "0200 000 000" in emoji.text and labels(emoji) == MENU_LABELS
    [sticker] = await chat.share(media=Media("sticker", "STK"))
    assert "gõ câu hỏi" in sticker.text and "0200 000 000" in sticker.text


async def test_unknown_command_and_stale_button_never_dead_end(chat: Transcript) -> None:
    [unknown] = await chat.say("/xyz")
    assert "/menu" in unknown.text
    [stale] = await chat.press("old:button:gone")
    assert labels(stale) == MENU_LABELS
    [old_form_button] = await chat.press("reg:edit:phone")  # no form running: start one
    assert "đồng ý" in old_form_button.text
    [gone] = await chat.press("faq:no_such_entry")
    assert gone.buttons


async def test_free_text_goes_to_the_faq(chat: Transcript) -> None:
    replies = await chat.say("di han quoc can dieu kien gi")
    text = " ".join(r.text for r in replies)
    assert text.startswith("Về: ") or "chưa chắc bạn hỏi điều nào" in text


async def test_voice_note_is_relayed_to_staff_with_a_kind_acknowledgement(
    chat: Transcript,
) -> None:
    [ack] = await chat.share(media=Media("voice", "VOICE-1"))
    assert "chưa nghe được tin nhắn thoại" in ack.text and "cán bộ sẽ nghe" in ack.text
    [(_card, media)] = chat.staff_messages()
    assert media is not None and media.file_ref == "VOICE-1"


async def test_shared_contact_outside_a_flow(chat: Transcript) -> None:
    [reply] = await chat.share(contact=Contact("0912345678"))
    assert reply.buttons


async def test_text_only_channel_shows_numbers_and_a_typed_number_presses(
    database_url: str,
) -> None:
    chat = await Transcript.open(
        make_settings(database_url), FaqService(FIXTURE_FAQ), text_only=True
    )
    try:
        menu = (await chat.say("xin chao"))[0]
        assert "1. ❓ Hỏi đáp" in menu.text and "6. 👩‍💼 Gặp cán bộ tư vấn" in menu.text
        [staff] = await chat.say("6")
        assert "Tôi đã báo cán bộ" in staff.text and "gõ: thoát" in staff.text
        # No such choice: a message for staff (the bot stays quiet), not a crash.
        assert await chat.say("99") == []
        assert "99" in chat.staff_messages()[-1][0].text
    finally:
        await chat.close()


async def test_no_staff_chat_configured_gives_the_phone(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    chat.runtime.set_staff_route(None)
    try:
        [reply] = await chat.press("menu:staff")
        assert "0200 000 000" in reply.text
    finally:
        await chat.close()


async def test_group_chat_that_is_not_the_staff_chat_is_ignored(chat: Transcript) -> None:
    replies = await chat.send(chat_key="-555", text="xin chào")
    assert replies == [] and chat.channel.to("-555") == []


async def test_news_is_asked_once_at_first_contact(chat: Transcript) -> None:
    first = await chat.say("xin chào")
    assert len(first) == 2 and "nhận tin" in first[1].text
    assert {b.action for b in first[1].buttons} == {"sub:yes", "sub:no"}
    again = await chat.say("xin chào")
    assert len(again) == 1  # asked once, even without an answer
