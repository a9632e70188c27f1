"""The hand-off as a conversation, through the real inbox processor and database (transcripts):
what the worker sees, what reaches the staff chat, and how it ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot import handoff_watch, retention
from db import outbox
from db.clock import utcnow
from db.models import ConversationState, HandoffConversation, HandoffMessage, User
from faq.service import FaqService
from handlers.handoff import LEAVE, CloseConversation
from handlers.menu import TALK_TO_STAFF
from handlers.office_hours import to_local
from handlers.types import Media, Reply
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.transcript import STAFF, Transcript

STAFF_A = "staff-a"
STAFF_B = "staff-b"


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


def staff_chat(chat: Transcript) -> list[Reply]:
    return chat.channel.to(STAFF)


def thread_of(chat: Transcript, card: Reply) -> list[Reply]:
    """The staff-chat messages sent as replies to `card`."""
    card_id = chat.channel.message_id(card)
    return [
        r for r in staff_chat(chat) if chat.channel.threads[chat.channel.message_id(r)] == card_id
    ]


async def in_staff_chat(chat: Transcript, staff: str = STAFF_A, **fields: object) -> list[Reply]:
    """A staff member writes in the staff chat; the bot's direct answers to them there
    (not the notices threaded under a card)."""
    names = {STAFF_A: "Chị Hoa", STAFF_B: "Anh Tùng"}
    before = len(staff_chat(chat))
    await chat.send(
        user=staff,
        chat_key=STAFF,
        display_name=names.get(staff, "Cán bộ"),
        message_ref=f"staff-msg-{len(chat.channel.sent)}",
        **fields,
    )
    new = staff_chat(chat)[before:]
    return [r for r in new if chat.channel.threads[chat.channel.message_id(r)] is None]


async def answer(
    chat: Transcript, to: Reply, text: str | None = None, staff: str = STAFF_A, **fields: object
) -> list[Reply]:
    """A staff member replies (in the staff chat) to one of the chat's messages."""
    return await in_staff_chat(
        chat, staff, text=text, reply_to=chat.channel.message_id(to), **fields
    )


async def conversations(chat: Transcript) -> list[HandoffConversation]:
    async with chat.runtime.sessions() as session:
        return list(
            (
                await session.scalars(select(HandoffConversation).order_by(HandoffConversation.id))
            ).all()
        )


async def test_a_worker_stays_connected_for_every_message_and_staff_answers_arrive(
    chat: Transcript,
) -> None:
    [ack] = await chat.press(TALK_TO_STAFF.action)
    assert "Tôi đã báo cán bộ" in ack.text and LEAVE in ack.buttons
    [card] = staff_chat(chat)
    assert "Hội thoại #1" in card.text and "Lò Văn A" in card.text
    assert CloseConversation(1).pack() in [b.action for b in card.buttons]
    # Every message goes to staff under the card; the bot says nothing more.
    for text in ("a oi co ai ko, e can gap lam", "e ten Lù Văn Phong, sdt 0388111222"):
        assert await chat.say(text) == []
    assert await chat.share(media=Media("photo", "PHOTO-1", "biên lai")) == []
    assert await chat.share(media=Media("voice", "VOICE-1")) == []
    threaded = thread_of(chat, card)
    assert "a oi co ai ko" in threaded[0].text
    assert "0388111222" in threaded[1].text  # the details typed are what staff see
    photo = next(m for c, r, m in chat.channel.sent if c == STAFF and r is threaded[2])
    assert photo == Media("photo", "PHOTO-1") and "biên lai" in threaded[2].text
    assert "tin nhắn thoại" in threaded[3].text
    # A staff member answers a relayed message (not the card): it reaches the worker.
    assert await answer(chat, threaded[1], "Chào Phong, em mang CCCD đến trung tâm nhé.") == []
    relayed = chat.channel.to("u1")[-1]
    assert "em mang CCCD" in relayed.text and LEAVE in relayed.buttons
    taken = thread_of(chat, card)[-1]
    assert "Chị Hoa nhận trả lời hội thoại #1" in taken.text
    # A second staff member answers too; the conversation stays taken by the first.
    await answer(chat, card, "Bạn gọi số 0200 000 000 cũng được.", staff=STAFF_B)
    assert "0200 000 000" in chat.channel.to("u1")[-1].text
    [conversation] = await conversations(chat)
    assert conversation.status == "open" and conversation.taken_by == "Chị Hoa"
    async with chat.runtime.sessions() as session:
        kept = (await session.scalars(select(HandoffMessage).order_by(HandoffMessage.id))).all()
    assert [m.author for m in kept] == ["worker"] * 4 + ["staff"] * 2
    assert kept[-1].author_name == "Anh Tùng"


async def test_two_workers_at_once_each_get_their_own_answers(chat: Transcript) -> None:
    await chat.say("cho toi gap can bo", user="w1")
    await chat.say("gặp người thật với", user="w2")
    card1, card2 = staff_chat(chat)
    assert "Hội thoại #1" in card1.text and "Hội thoại #2" in card2.text
    await chat.say("em o Bat Xat", user="w1")
    await chat.say("em o Sa Pa", user="w2")
    await answer(chat, thread_of(chat, card2)[0], "Chào bạn ở Sa Pa")
    await answer(chat, card1, "Chào bạn ở Bát Xát", staff=STAFF_B)
    assert chat.channel.to("w1")[-1].text.endswith("Chào bạn ở Bát Xát")
    assert chat.channel.to("w2")[-1].text.endswith("Chào bạn ở Sa Pa")
    assert all("Sa Pa" not in r.text for r in chat.channel.to("w1"))
    first, second = await conversations(chat)
    assert (first.taken_by, second.taken_by) == ("Anh Tùng", "Chị Hoa")


async def test_staff_end_it_with_the_button_and_the_bot_answers_again(chat: Transcript) -> None:
    await chat.press(TALK_TO_STAFF.action)
    await chat.say("e hoi ve vay von")
    card = staff_chat(chat)[0]
    assert await in_staff_chat(chat, action=card.buttons[0].action) == []
    told = chat.channel.to("u1")[-1]
    assert "Cán bộ đã kết thúc cuộc trò chuyện" in told.text
    assert "kết thúc" in thread_of(chat, card)[-1].text
    replies = await chat.say("đi hàn quốc cần điều kiện gì")
    assert replies and replies[0].text.startswith("Về: ")  # the FAQ, not staff
    [again] = await in_staff_chat(chat, action=card.buttons[0].action)
    assert "đã kết thúc trước đó" in again.text


async def test_xong_by_number_or_as_a_reply(chat: Transcript) -> None:
    await chat.say("gap can bo", user="w1")
    await chat.say("gap can bo", user="w2")
    card1, _card2 = staff_chat(chat)
    assert await in_staff_chat(chat, text="/xong 2") == []
    assert "kết thúc" in chat.channel.to("w2")[-1].text
    assert await answer(chat, card1, "/xong") == []
    assert "kết thúc" in chat.channel.to("w1")[-1].text
    [usage] = await in_staff_chat(chat, text="/xong")
    assert "/xong SỐ" in usage.text
    assert {c.status for c in await conversations(chat)} == {"closed"}


async def test_a_reply_to_an_old_closed_conversation_reaches_the_worker_and_reopens_it(
    chat: Transcript,
) -> None:
    await chat.say("cho toi gap can bo")
    card = staff_chat(chat)[0]
    await chat.say("thoát")  # the worker leaves
    assert "quay lại trợ lý tự động" in thread_of(chat, card)[-1].text
    async with chat.runtime.sessions.begin() as session:  # long ago
        await session.execute(
            update(HandoffConversation).values(closed_at=utcnow() - timedelta(days=30))
        )
    assert (await chat.say("đi hàn quốc cần điều kiện gì"))[0].text.startswith("Về: ")
    await answer(chat, card, "Xin lỗi bạn, hôm trước cán bộ bận. Bạn còn cần giúp không?")
    assert "hôm trước cán bộ bận" in chat.channel.to("u1")[-1].text
    [conversation] = await conversations(chat)
    assert conversation.status == "open"
    assert "mở lại" in thread_of(chat, card)[-2].text
    # The worker's answer goes to staff, in the same thread.
    assert await chat.say("vâng em vẫn cần") == []
    assert "vâng em vẫn cần" in thread_of(chat, card)[-1].text


async def test_the_worker_leaves_with_the_button(chat: Transcript) -> None:
    await chat.press(TALK_TO_STAFF.action)
    [left] = await chat.press(LEAVE.action)
    assert "quay lại trợ lý tự động" in left.text
    [conversation] = await conversations(chat)
    assert conversation.status == "closed" and conversation.closed_by == "người lao động"


async def test_a_menu_command_leaves_it_too(chat: Transcript) -> None:
    await chat.press(TALK_TO_STAFF.action)
    await chat.say("/menu")
    [conversation] = await conversations(chat)
    assert conversation.status == "closed"
    assert "quay lại trợ lý tự động" in staff_chat(chat)[-1].text


async def test_asking_again_within_a_day_reopens_the_same_thread(chat: Transcript) -> None:
    await chat.say("cho toi gap can bo")
    await chat.say("thoát")
    await chat.say("gap can bo lan nua")
    [conversation] = await conversations(chat)
    assert conversation.status == "open"
    card = staff_chat(chat)[0]
    assert "gap can bo lan nua" in thread_of(chat, card)[-1].text


async def test_a_conversation_is_not_dropped_by_the_six_hour_idle_rule(chat: Transcript) -> None:
    await chat.say("cho toi gap can bo")
    async with chat.runtime.sessions.begin() as session:
        await session.execute(
            update(ConversationState).values(updated_at=utcnow() - timedelta(hours=20))
        )
    assert await chat.say("anh chị ơi em vẫn chờ") == []
    assert "em vẫn chờ" in staff_chat(chat)[-1].text


async def test_nobody_answered_for_half_a_day_the_worker_is_told_once_more(
    chat: Transcript,
) -> None:
    await chat.say("cho toi gap can bo")
    async with chat.runtime.sessions.begin() as session:
        await session.execute(
            update(HandoffConversation).values(acknowledged_at=utcnow() - timedelta(hours=13))
        )
    [again] = await chat.say("co ai khong")
    assert "Cán bộ chưa trả lời được" in again.text
    assert await chat.say("alo") == []  # once, not every time


async def test_out_of_hours_the_worker_gets_a_time_and_the_emergency_numbers(
    database_url: str,
) -> None:
    today = to_local(utcnow()).date()
    settings = make_settings(
        database_url,
        centre_open_hours="Mon-Sun 07:30-17:00",
        centre_holidays=today.isoformat(),
    )
    chat = await Transcript.open(settings, FaqService())
    try:
        [ack] = await chat.say("cho toi gap can bo")
        assert "ngoài giờ làm việc" in ack.text and "7 giờ 30 sáng mai" in ack.text
        assert "113" in ack.text and "+84 981 84 84 84" in ack.text
        assert "🌙" in staff_chat(chat)[0].text
    finally:
        await chat.close()


async def test_staff_media_reaches_the_worker_and_what_a_channel_cannot_take_is_said(
    chat: Transcript,
) -> None:
    await chat.say("cho toi gap can bo")
    card = staff_chat(chat)[0]
    await answer(chat, card, media=Media("voice", "STAFF-VOICE", "Nghe hướng dẫn nhé"))
    _, relayed, media = chat.channel.sent[-1]
    assert media is not None and media.file_ref == "STAFF-VOICE" and media.kind == "voice"
    assert "Nghe hướng dẫn nhé" in relayed.text
    # A channel that takes no voice notes: the words go, and staff are told.
    chat.channel.limits = type(chat.channel.limits)(4096, True, media=frozenset({"photo"}))
    [warning] = await answer(chat, card, media=Media("voice", "STAFF-VOICE-2", "Gọi lại nhé"))
    assert "không nhận được tin nhắn thoại" in warning.text
    _, relayed, media = [m for m in chat.channel.sent if m[0] == "u1"][-1]
    assert media is None and "Gọi lại nhé" in relayed.text


async def test_quiet_conversations_close_and_the_morning_lists_the_waiting(
    database_url: str,
) -> None:
    settings = make_settings(database_url, handoff_quiet_hours=24)
    chat = await Transcript.open(settings, FaqService(FIXTURE_FAQ))
    try:
        await chat.say("cho toi gap can bo", user="w1")
        await chat.say("gap can bo", user="w2")
        async with chat.runtime.sessions.begin() as session:
            await session.execute(
                update(HandoffConversation)
                .where(HandoffConversation.id == 1)
                .values(last_activity_at=utcnow() - timedelta(hours=25))
            )
        route = chat.runtime.inbox.staff
        assert await handoff_watch.run_once(chat.runtime.sessions, settings, route) == 2
        await chat.runtime.sender.run_once()
        assert "lâu không có tin mới" in chat.channel.to("w1")[-1].text
        assert "tự kết thúc" in staff_chat(chat)[-1].text
        statuses = {c.id: c.status for c in await conversations(chat)}
        assert statuses == {1: "closed", 2: "open"}
        assert (await chat.say("đi hàn quốc cần điều kiện gì", user="w1"))[0].text.startswith(
            "Về: "
        )
        # Morning: the one nobody answered is listed, once.
        morning = make_settings(database_url, centre_open_hours="Mon-Sun 00:00-24:00")
        tomorrow = utcnow() + timedelta(days=1)
        assert await handoff_watch.run_once(chat.runtime.sessions, morning, route, tomorrow) == 1
        assert await handoff_watch.run_once(chat.runtime.sessions, morning, route, tomorrow) == 0
        await chat.runtime.sender.run_once()
        listing = staff_chat(chat)[-1].text
        assert "Chào buổi sáng" in listing and "#2" in listing and "#1" not in listing
    finally:
        await chat.close()


async def test_a_zalo_oa_admin_answering_in_zalos_tool_pauses_the_bot(chat: Transcript) -> None:
    # The admin writes first (the worker had asked something the bot answered).
    await chat.say("đi hàn quốc cần điều kiện gì")
    sent_before = len(chat.channel.to("u1"))
    assert await chat.send(text="Chào bạn, mình là cán bộ trung tâm.", operator="ad-77") == []
    assert len(chat.channel.to("u1")) == sent_before  # nothing sent to the worker
    [conversation] = await conversations(chat)
    assert conversation.reason == "platform" and "ad-77" in (conversation.taken_by or "")
    assert "mình là cán bộ trung tâm" in staff_chat(chat)[-1].text
    # The worker's answer is not answered by the bot: it is in the conversation.
    assert await chat.say("dạ em muốn hỏi đi Hàn") == []
    assert "em muốn hỏi đi Hàn" in staff_chat(chat)[-1].text
    # After the quiet time, the bot answers again.
    async with chat.runtime.sessions.begin() as session:
        await session.execute(
            update(HandoffConversation).values(paused_until=utcnow() - timedelta(minutes=1))
        )
    replies = await chat.say("đi hàn quốc cần điều kiện gì")
    assert replies and replies[0].text.startswith("Về: ")
    async with chat.runtime.sessions() as session:
        user = await session.scalar(select(User))
        assert user is not None and user.last_seen_at > utcnow() - timedelta(minutes=10)


async def test_an_admin_message_does_not_count_as_the_user_writing(chat: Transcript) -> None:
    await chat.send(user="never-wrote", text="Chào bạn", operator="ad-1")
    async with chat.runtime.sessions() as session:
        user = await session.scalar(select(User).where(User.external_id == "never-wrote"))
    assert user is not None and user.last_seen_at < utcnow() - timedelta(days=365)


async def test_erasure_removes_the_conversations(chat: Transcript) -> None:
    await chat.say("cho toi gap can bo 0912345678")
    await chat.say("/menu")
    await chat.say("/xoadulieu")
    await chat.press("privacy:erase:yes")
    async with chat.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(HandoffConversation)) == 0
        assert await session.scalar(select(func.count()).select_from(HandoffMessage)) == 0


async def test_no_staff_chat_gives_the_phone(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    chat.runtime.set_staff_route(None)
    try:
        [reply] = await chat.say("cho toi gap can bo")
        assert "0200 000 000" in reply.text
        assert await conversations(chat) == []
    finally:
        await chat.close()


async def test_retention_empties_the_messages_of_old_ended_conversations(
    chat: Transcript,
) -> None:
    await chat.say("cho toi gap can bo, sdt 0912345678", user="old")
    await chat.say("thoát", user="old")
    await chat.say("cho toi gap can bo, sdt 0987654321", user="new")
    long_ago = utcnow() - timedelta(days=400)
    async with chat.runtime.sessions.begin() as session:
        await session.execute(
            update(HandoffConversation)
            .where(HandoffConversation.id == 1)
            .values(closed_at=long_ago, opened_at=long_ago)
        )
        await session.execute(
            update(HandoffMessage)
            .where(HandoffMessage.conversation_id == 1)
            .values(created_at=long_ago)
        )
    report = await retention.purge(chat.runtime.sessions, 365)
    assert report.handoff == 1
    async with chat.runtime.sessions() as session:
        texts = dict(
            (
                await session.execute(select(HandoffMessage.conversation_id, HandoffMessage.text))
            ).all()
        )
    assert texts[1] is None and "0987654321" in (texts[2] or "")


async def test_a_reply_to_a_card_from_before_conversations_were_kept_still_works(
    chat: Transcript,
) -> None:
    """A hand-off card sent by the previous version (no conversation in its row): the
    answer reaches the worker and starts a conversation under that card."""
    await chat.say("xin chào")  # the worker exists
    async with chat.runtime.sessions.begin() as session:
        worker = await session.scalar(select(User).where(User.external_id == "u1"))
        assert worker is not None
        row_id = await outbox.enqueue(
            session,
            key="u1:o1:1",
            channel=chat.channel.name,
            chat_key=STAFF,
            kind="handoff",
            payload={"reply": Reply("💬 Lò Văn A hỏi: cho em hỏi vay vốn").to_json()},
            user_id=worker.id,
        )
        assert row_id is not None
        await outbox.mark_sent(session, {row_id: "old-card-7"})
    await chat.send(
        user=STAFF_A, chat_key=STAFF, text="Em cần sổ hộ nghèo nhé.", reply_to="old-card-7"
    )
    assert "Em cần sổ hộ nghèo nhé." in chat.channel.to("u1")[-1].text
    [conversation] = await conversations(chat)
    assert conversation.reason == "reply" and conversation.card_key == "u1:o1:1"
    assert await chat.say("dạ em cảm ơn") == []
    last = staff_chat(chat)[-1]
    assert "dạ em cảm ơn" in last.text
    assert chat.channel.threads[chat.channel.message_id(last)] == "old-card-7"
