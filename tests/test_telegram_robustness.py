"""Telegram as it really behaves (issue 19 item 9, reviews/telegram-robustness-2026-12.md):
the real PTB Application against the fake Bot API, which refuses sends as Telegram does
and sends every update shape of the review, on the real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.serve import Server
from db.models import InboxUpdate, OutboxMessage, SettingOverride, User
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, STAFF_CHAT, STAFF_MEMBER, make_settings
from tests.fakes.telegram_api import FakeTelegram

WORKER = 5001
NEW_STAFF_CHAT = -1009900000002


async def count(server: Server, model: type) -> int:
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def user(server: Server, external_id: int) -> User | None:
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        return await session.scalar(select(User).where(User.external_id == str(external_id)))


async def eventually(check: object, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def hand_off(fake: FakeTelegram, text: str, worker: int = WORKER) -> None:
    """The worker asks for a person with their question in the same message: the
    conversation's card carries it."""
    await fake.push(fake.message_update(worker, f"cho em gặp cán bộ. {text}"))


async def test_an_unreadable_update_does_not_stop_long_polling(
    polling: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.unparsable_update(WORKER))  # a pre-Bot-API-9.6 poll
    await fake.push(fake.message_update(6001, "xin chào"))
    replies = await fake.wait_sent(6001, 2)
    assert "Xin chào" in replies[0].text
    polls = [c for c in fake.calls if c.method == "getUpdates"]
    await asyncio.sleep(0.5)
    # No refetch storm: the batch was read once past the bad update.
    assert len([c for c in fake.calls if c.method == "getUpdates"]) - len(polls) < 5
    assert polling.runtime is not None
    assert polling.runtime.metrics.unparsable.labels("telegram")._value.get() == 1
    assert fake.sent(WORKER) == []


async def test_staff_group_upgraded_to_a_supergroup_is_followed_and_remembered(
    database_url: str, fake: FakeTelegram
) -> None:
    fake.migrated_chats[str(STAFF_CHAT)] = NEW_STAFF_CHAT
    server = Server(make_settings(database_url, fake), FaqService(FIXTURE_FAQ))
    await server.start()
    try:
        await hand_off(fake, "Em hỏi về vay vốn ngân hàng")
        [card] = await fake.wait_sent(NEW_STAFF_CHAT, 1)
        assert "Em hỏi về vay vốn" in card.text
        alert = (await fake.wait_sent(NEW_STAFF_CHAT, 2))[1]
        assert f"CENTRE_CHAT_ID={NEW_STAFF_CHAT}" in alert.text
        # A staff reply in the new group to the card reaches the worker.
        await fake.push(
            fake.message_update(
                STAFF_MEMBER, "Em mang căn cước tới.", chat_id=NEW_STAFF_CHAT, name="Cán bộ",
                reply_to=card.message_id,
            )
        )  # fmt: skip
        await fake.wait_for(lambda: any("Cán bộ trung tâm trả lời" in c.text
                                        for c in fake.sent(WORKER)))  # fmt: skip
        assert server.runtime is not None
        async with server.runtime.sessions() as session:
            moved = await session.scalar(select(SettingOverride.value))
            stuck = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.chat_key == str(STAFF_CHAT))
            )
        assert moved == str(NEW_STAFF_CHAT) and stuck == 0
    finally:
        await server.stop()
    # A restart with the old CENTRE_CHAT_ID still uses the new group.
    server = Server(make_settings(database_url, fake), FaqService(FIXTURE_FAQ))
    await server.start()
    try:
        assert server.settings.centre_chat_id == NEW_STAFF_CHAT
        await hand_off(fake, "Câu hỏi thứ hai", worker=5002)
        await fake.wait_for(lambda: any("Câu hỏi thứ hai" in c.text
                                        for c in fake.sent(NEW_STAFF_CHAT)))  # fmt: skip
        assert not any(c.chat_id == str(STAFF_CHAT) and "Câu hỏi thứ hai" in c.text
                       for c in fake.calls)  # fmt: skip
    finally:
        await server.stop()


async def test_the_migration_service_message_moves_the_queue_at_once(
    polling: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.migrated_update(STAFF_CHAT, NEW_STAFF_CHAT))
    [alert] = await fake.wait_sent(NEW_STAFF_CHAT, 1)
    assert str(NEW_STAFF_CHAT) in alert.text
    await hand_off(fake, "Hỏi sau khi nhóm đổi")
    cards = await fake.wait_sent(NEW_STAFF_CHAT, 2)
    assert "Hỏi sau khi nhóm đổi" in cards[1].text
    assert fake.sent(STAFF_CHAT) == []


async def test_a_staff_chat_that_refuses_the_bot_never_blocks_the_worker(
    polling: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.message_update(WORKER, "xin chào"))
    await fake.wait_sent(WORKER, 2)
    await fake.push(fake.callback_update(WORKER, "sub:yes"))
    said = len(await fake.wait_sent(WORKER, 4))
    fake.kicked_chats.add(str(STAFF_CHAT))  # the bot was removed from the staff group
    await fake.push(fake.group_member_update(STAFF_CHAT, "kicked"))
    await fake.push(fake.message_update(WORKER, "Em cần gặp cán bộ"))
    await fake.wait_sent(WORKER, said + 1)  # the worker's acknowledgement
    await fake.wait_for(lambda: any(c.method == "sendMessage!403" for c in fake.calls))
    await asyncio.sleep(0.3)
    worker = await user(polling, WORKER)
    assert worker is not None and worker.blocked_at is None  # still gets announcements
    assert polling.runtime is not None
    async with polling.runtime.sessions() as session:
        card = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "handoff"))
    assert card is not None and card.status == "pending" and card.attempts == 0  # kept
    # Back in the group: the card goes (the outbox worker tries again).
    fake.kicked_chats.clear()
    async with polling.runtime.sessions.begin() as session:
        await session.execute(
            OutboxMessage.__table__.update().values(next_attempt_at=func.now())  # type: ignore[attr-defined]
        )
    polling.runtime.sender.wake()
    [delivered] = await fake.wait_sent(STAFF_CHAT, 1, timeout=15)
    assert "Em cần gặp cán bộ" in delivered.text


async def test_a_blocked_user_is_unblocked_by_any_new_message_and_nhantin_resubscribes(
    polling: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.message_update(WORKER, "xin chào"))
    await fake.wait_sent(WORKER, 2)
    await fake.push(fake.callback_update(WORKER, "sub:yes"))
    await fake.wait_sent(WORKER, 4)
    fake.blocked_chats.add(str(WORKER))
    await fake.push(fake.message_update(WORKER, "/menu"))
    await fake.wait_for(lambda: any(c.method == "sendMessage!403" for c in fake.calls))

    async def blocked() -> bool:
        row = await user(polling, WORKER)
        return row is not None and row.blocked_at is not None

    await eventually(blocked)
    fake.blocked_chats.clear()
    await fake.push(fake.message_update(WORKER, "/nhantin"))
    [again] = (await fake.wait_sent(WORKER, 6))[4:5]
    assert "Đã bật lại nhận tin" in again.text

    async def unblocked() -> bool:
        row = await user(polling, WORKER)
        return row is not None and row.blocked_at is None and row.news_opt_in is True

    await eventually(unblocked)


async def test_only_the_senders_own_contact_is_their_phone(
    polling: Server, fake: FakeTelegram
) -> None:
    for kind, value in [("press", "menu:register"), ("press", "reg:consent:yes"),
                        ("say", "lò văn minh"), ("say", "12/3/1999"),
                        ("press", "reg:gender:nam")]:  # fmt: skip
        before = len(fake.sent(WORKER))
        update = (
            fake.callback_update(WORKER, value)
            if kind == "press"
            else fake.message_update(WORKER, value)
        )
        await fake.push(update)
        await fake.wait_sent(WORKER, before + 1)
    for owner in (None, 9999):  # a phone-book card; another Telegram user's contact
        before = len(fake.sent(WORKER))
        await fake.push(fake.contact_update(WORKER, "+84987654321", owner, name="Chị Hoa"))
        [refused] = (await fake.wait_sent(WORKER, before + 1))[before:]
        assert "của chính mình" in refused.text
    before = len(fake.sent(WORKER))
    await fake.push(fake.contact_update(WORKER, "+84912345678", WORKER))
    [accepted] = (await fake.wait_sent(WORKER, before + 1))[before:]
    assert "của chính mình" not in accepted.text


async def test_anonymous_admins_are_staff_and_commands_for_other_bots_are_ignored(
    polling: Server, fake: FakeTelegram
) -> None:
    await hand_off(fake, "Em hỏi lịch thi tiếng Hàn")
    [card] = await fake.wait_sent(STAFF_CHAT, 1)
    await fake.push(fake.anonymous_admin_update(STAFF_CHAT, "/dangky"))
    listing = (await fake.wait_sent(STAFF_CHAT, 2))[1]
    assert "hồ sơ" in listing.text.lower()
    await fake.push(
        fake.anonymous_admin_update(
            STAFF_CHAT, "Tháng sau có lịch thi.", reply_to=card.message_id, signature="Chị Lan"
        )
    )
    await fake.wait_for(lambda: any("Tháng sau có lịch thi" in c.text for c in fake.sent(WORKER)))
    # A command addressed to another bot in the staff chat is not ours.
    before = len(fake.sent(STAFF_CHAT))
    await fake.push(
        fake.message_update(STAFF_MEMBER, "/dangky@other_bot", chat_id=STAFF_CHAT, name="Cán bộ")
    )
    await fake.push(
        fake.message_update(
            STAFF_MEMBER, "/dangky@test_assistant_bot", chat_id=STAFF_CHAT, name="Cán bộ"
        )
    )
    await fake.wait_sent(STAFF_CHAT, before + 1)
    await asyncio.sleep(0.4)
    assert len(fake.sent(STAFF_CHAT)) == before + 1  # only ours was answered


async def test_anonymous_admins_are_staff_when_only_staff_ids_are(
    database_url: str, fake: FakeTelegram
) -> None:
    """STAFF_ACCESS=staff_ids (the default): an admin posting as the staff chat is staff."""
    server = Server(
        make_settings(database_url, fake, staff_access="staff_ids"), FaqService(FIXTURE_FAQ)
    )
    await server.start()
    try:
        await fake.push(fake.anonymous_admin_update(STAFF_CHAT, "/dangky"))
        [listing] = await fake.wait_sent(STAFF_CHAT, 1)
        assert "hồ sơ" in listing.text.lower()
        await fake.push(fake.message_update(5102, "/dangky", chat_id=STAFF_CHAT, name="Khách"))
        refused = (await fake.wait_sent(STAFF_CHAT, 2))[1]
        assert "chưa có quyền" in refused.text
    finally:
        await server.stop()


async def test_messages_from_unrelated_groups_are_not_stored(
    polling: Server, fake: FakeTelegram
) -> None:
    other_group = -1007700000001
    await fake.push(fake.message_update(5101, "có ai đi Hàn đợt này không", chat_id=other_group))
    await fake.push(fake.message_update(5101, "/start@test_assistant_bot", chat_id=other_group))
    await fake.push(fake.anonymous_admin_update(other_group, "thông báo nhóm"))
    await fake.push(fake.callback_update(5101, "menu:main", chat_id=other_group))
    await fake.push(fake.message_update(WORKER, "xin chào"))  # then a private message
    await fake.wait_sent(WORKER, 2)
    await asyncio.sleep(0.3)
    assert await count(polling, InboxUpdate) == 1
    assert await user(polling, 5101) is None
    assert fake.sent(other_group) == []


async def test_an_album_is_one_card_and_one_acknowledgement(
    polling: Server, fake: FakeTelegram
) -> None:
    for update in fake.album_updates(WORKER, ["PH1", "PH2", "PH3"], caption="Ảnh CCCD và hộ khẩu"):
        await fake.push(update)
    [ack] = await fake.wait_sent(WORKER, 1, timeout=15)
    assert "đã chuyển ảnh" in ack.text
    album = await fake.wait_sent(STAFF_CHAT, 2, timeout=15)
    assert album[0].method == "sendMediaGroup" and album[0].media == ["PH1", "PH2", "PH3"]
    assert "gửi 3 ảnh" in album[1].text and "Ảnh CCCD và hộ khẩu" in album[1].text
    await asyncio.sleep(1.0)
    assert len(fake.sent(WORKER)) == 1 and len(fake.sent(STAFF_CHAT)) == 2
    # Staff reply to the card: relayed to the worker.
    await fake.push(
        fake.message_update(
            STAFF_MEMBER, "Đã nhận đủ ảnh.", chat_id=STAFF_CHAT, reply_to=album[1].message_id
        )
    )
    await fake.wait_for(lambda: any("Đã nhận đủ ảnh" in c.text for c in fake.sent(WORKER)))


async def test_a_round_video_is_forwarded_with_send_video_note(
    polling: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.video_note_update(WORKER, "DQACvn1"))
    await fake.wait_sent(WORKER, 1)
    note, card = await fake.wait_sent(STAFF_CHAT, 2)
    assert note.method == "sendVideoNote" and note.params["video_note"] == "DQACvn1"
    assert card.method == "sendMessage" and "gửi video" in card.text


@pytest.mark.parametrize(
    "greeting",
    ["Chào ad ạ", "xin chào 🙏", "xin\u200bchào", "\u200fxin chào\u200e", "\u202bXin chào!\u202c"],
)
async def test_greetings_with_particles_emoji_and_invisible_characters(
    polling: Server, fake: FakeTelegram, greeting: str
) -> None:
    await fake.push(fake.message_update(WORKER, greeting))
    [menu, _] = await fake.wait_sent(WORKER, 2)
    assert menu.text.startswith("Xin chào"), menu.text


@pytest.fixture
async def webhook_server(database_url: str, fake: FakeTelegram) -> AsyncIterator[Server]:
    from tests.conftest import start_webhook_server

    server = await start_webhook_server(database_url, fake)
    yield server
    await server.stop()


async def test_webhook_skips_an_unreadable_update_with_200(
    webhook_server: Server, fake: FakeTelegram
) -> None:
    assert await fake.deliver_webhook(fake.unparsable_update(WORKER)) == 200
    assert await fake.deliver_webhook(fake.message_update(WORKER, "xin chào")) == 200
    await fake.wait_sent(WORKER, 2)
    assert await count(webhook_server, InboxUpdate) == 1
