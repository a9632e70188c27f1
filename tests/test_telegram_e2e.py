"""End to end over real sockets: the real PTB Application against the fake Bot API,
in long-polling and webhook mode, on the real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import select

from bot.serve import Server
from db import broadcasts
from db.models import Broadcast, InboxUpdate, User
from tests.conftest import (
    STAFF_CHAT,
    STAFF_MEMBER,
    start_webhook_server,
)
from tests.fakes.telegram_api import FakeTelegram

WORKER = 5001


@pytest.fixture
async def webhook(database_url: str, fake_telegram: FakeTelegram) -> AsyncIterator[Server]:
    server = await start_webhook_server(
        database_url, fake_telegram, hook_path="/telegram/s3cr3t-path"
    )
    yield server
    await server.stop()


async def test_polling_message_gets_the_menu(polling: Server, fake: FakeTelegram) -> None:
    await fake.push(fake.message_update(WORKER, "xin chào"))
    reply, news = await fake.wait_sent(WORKER, 2)
    assert "Xin chào" in reply.text and "nhận tin" in news.text
    assert ("❓ Hỏi đáp", "menu:faq") in reply.buttons
    assert all(len(data.encode()) <= 64 for _, data in reply.buttons)


async def test_polling_button_press_answers_the_callback(
    polling: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.callback_update(WORKER, "menu:staff"))
    [reply] = await fake.wait_sent(WORKER, 1)
    assert "cán bộ" in reply.text
    await fake.wait_for(lambda: any(c.method == "answerCallbackQuery" for c in fake.calls))


async def test_polling_bad_inputs_get_polite_answers(polling: Server, fake: FakeTelegram) -> None:
    await fake.push(fake.message_update(WORKER, "a" * 5000))
    await fake.push(fake.message_update(WORKER, "🙏🙏🙏"))
    await fake.push(
        fake.message_update(
            WORKER,
            sticker={
                "file_id": "STK",
                "file_unique_id": "u",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        )
    )
    replies = await fake.wait_sent(WORKER, 3)
    for reply in replies:
        assert reply.text and "Traceback" not in reply.text
    assert "0200 000 000" in replies[-1].text


async def test_handoff_both_ways_and_a_long_staff_reply_is_split(
    polling: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.callback_update(WORKER, "menu:staff"))
    await fake.wait_sent(WORKER, 1)
    await fake.push(fake.message_update(WORKER, "Em muốn hỏi về vay vốn"))
    card, question = await fake.wait_sent(STAFF_CHAT, 2)
    assert "Em muốn hỏi về vay vốn" in question.text
    assert question.replying_to == card.message_id
    answer = "Bạn mang căn cước đến trung tâm. " * 150  # ~5,000 characters
    await fake.push(
        fake.message_update(
            STAFF_MEMBER, answer, chat_id=STAFF_CHAT, name="Cán bộ", reply_to=question.message_id
        )
    )
    await fake.wait_for(lambda: any("nhận trả lời" in c.text for c in fake.sent(STAFF_CHAT)))
    relayed = (await fake.wait_sent(WORKER, 3))[1:]
    assert len(relayed) == 2 and all(len(c.text) <= 4096 for c in relayed)
    assert relayed[0].text.startswith("👩‍💼 Cán bộ trung tâm trả lời")
    assert relayed[1].buttons  # the buttons ride on the last part


async def test_voice_note_is_relayed_to_the_staff_chat(polling: Server, fake: FakeTelegram) -> None:
    await fake.push(
        fake.message_update(
            WORKER, voice={"file_id": "VOICE1", "file_unique_id": "v1", "duration": 4}
        )
    )
    await fake.wait_sent(WORKER, 1)
    [card] = await fake.wait_sent(STAFF_CHAT, 1)
    assert card.method == "sendVoice" and card.params["voice"] == "VOICE1"
    assert "tin nhắn thoại" in card.text


async def test_rate_limit_and_server_errors_are_retried(
    polling: Server, fake: FakeTelegram
) -> None:
    fake.fail_next("sendMessage", 429, retry_after=1)
    fake.fail_next("sendMessage", 502)
    await fake.push(fake.message_update(WORKER, "/menu"))
    [reply] = await fake.wait_sent(WORKER, 1, timeout=15)
    assert "Bạn muốn làm gì" in reply.text
    failed = [c.method for c in fake.calls if "!" in c.method]
    assert failed == ["sendMessage!429", "sendMessage!502"]
    # The retry honoured retry_after (one second) before sending again.
    first_try = next(c for c in fake.calls if c.method == "sendMessage!429")
    assert reply.at - first_try.at >= 0.9


async def test_blocked_user_is_marked(polling: Server, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 403)
    await fake.push(fake.message_update(WORKER, "xin chào"))
    sessions = polling.runtime.sessions  # type: ignore[union-attr]

    async def blocked() -> bool:
        async with sessions() as session:
            user = await session.scalar(select(User).where(User.external_id == str(WORKER)))
            return user is not None and user.blocked_at is not None

    for _ in range(100):
        if await blocked():
            break
        await asyncio.sleep(0.05)
    assert await blocked()


async def test_one_users_updates_in_order_many_users_concurrently(
    polling: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.callback_update(WORKER, "menu:staff"))
    await fake.push(fake.message_update(WORKER, "câu hỏi thứ nhất"))
    await fake.push(fake.message_update(WORKER, "/huy"))
    for user in range(6000, 6020):
        await fake.push(fake.message_update(user, "xin chào"))
    replies = await fake.wait_sent(WORKER, 2)
    assert "Tôi đã báo cán bộ" in replies[0].text
    assert "Đã dừng" in replies[1].text  # the question went to staff, unanswered by the bot
    await fake.wait_for(lambda: any("câu hỏi thứ nhất" in c.text for c in fake.sent(STAFF_CHAT)))
    for user in range(6000, 6020):
        await fake.wait_sent(user, 1)


async def test_webhook_delivers_once_and_rejects_bad_requests(
    webhook: Server, fake: FakeTelegram
) -> None:
    assert fake.webhook_url and fake.webhook_url.endswith("/telegram/s3cr3t-path")
    update = fake.message_update(WORKER, "/menu")
    assert await fake.deliver_webhook(update) == 200
    assert await fake.deliver_webhook(update) == 200  # Telegram redelivers: handled once
    await fake.wait_sent(WORKER, 1)
    assert await fake.deliver_webhook(fake.message_update(WORKER, "/menu"), secret="wrong") == 401
    assert (
        await fake.deliver_webhook(
            b"{not json",
        )
        == 400
    )
    assert await fake.deliver_webhook(b'{"hello": 1}') == 400
    base = f"http://127.0.0.1:{webhook.port}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/telegram/other", data=b"{}") as response:
            assert response.status in (404, 405)
        async with http.get(f"{base}/healthz") as response:
            assert response.status == 200
        async with http.get(f"{base}/readyz") as response:
            assert response.status == 200
    await asyncio.sleep(0.3)
    assert len(fake.sent(WORKER)) == 1


async def test_webhook_button_and_text(webhook: Server, fake: FakeTelegram) -> None:
    assert await fake.deliver_webhook(fake.callback_update(WORKER, "menu:staff")) == 200
    assert await fake.deliver_webhook(fake.message_update(WORKER, "Cho em hỏi")) == 200
    card, question = await fake.wait_sent(STAFF_CHAT, 2)
    assert "Cho em hỏi" in question.text and question.replying_to == card.message_id
    assert "Tôi đã báo cán bộ" in (await fake.wait_sent(WORKER, 1))[0].text
    # The pressed button stops spinning and its keyboard is taken off the old message.
    await fake.wait_for(
        lambda: {"answerCallbackQuery", "editMessageReplyMarkup"} <= {c.method for c in fake.calls}
    )


async def _announce(server: Server, text: str) -> int:
    """Queue an announcement to everyone opted in; how many it goes to."""
    assert server.runtime is not None
    async with server.runtime.sessions.begin() as session:
        job = Broadcast(text=text, audience={"all": True}, status="draft")
        session.add(job)
        await session.flush()
        count = await broadcasts.queue(session, job)
    server.runtime.broadcaster.wake()
    return count


async def _blocked(server: Server, user: int) -> bool | None:
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        row = await session.scalar(select(User).where(User.external_id == str(user)))
    return None if row is None else row.blocked_at is not None


async def _handled(server: Server, user_key: str) -> bool:
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        status = await session.scalar(
            select(InboxUpdate.status).where(InboxUpdate.user_key == user_key)
        )
    return status == "done"


async def test_blocking_the_bot_stops_announcements_until_unblocked(
    polling: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.message_update(WORKER, "xin chào"))
    await fake.wait_sent(WORKER, 2)  # the menu and the question about news
    await fake.push(fake.callback_update(WORKER, "sub:yes"))
    said = len(await fake.wait_sent(WORKER, 4))  # news on, and which countries

    await fake.push(fake.member_update(5999, "kicked"))  # someone we never met
    await fake.push(fake.member_update(WORKER, "kicked"))  # the worker blocks the bot
    for _ in range(200):
        if await _blocked(polling, WORKER) and await _handled(polling, "5999"):
            break
        await asyncio.sleep(0.02)
    assert await _blocked(polling, WORKER) is True
    assert await _handled(polling, "5999")
    assert await _blocked(polling, 5999) is None  # no user made up for them
    assert await _announce(polling, "Phiên giao dịch việc làm thứ Bảy") == 0

    await fake.push(fake.member_update(WORKER, "member"))  # unblocked again
    for _ in range(200):
        if await _blocked(polling, WORKER) is False:
            break
        await asyncio.sleep(0.02)
    assert await _announce(polling, "Phiên giao dịch việc làm Chủ nhật") == 1
    news = (await fake.wait_sent(WORKER, said + 1))[said:]
    await asyncio.sleep(0.3)
    # Only the announcement made while unblocked; (un)blocking itself gets no answer.
    assert [c.text for c in fake.sent(WORKER)[said:]] == ["Phiên giao dịch việc làm Chủ nhật"]
    assert news[0].text == "Phiên giao dịch việc làm Chủ nhật"


async def test_a_staff_member_may_use_staff_commands_in_a_private_chat(
    polling: Server, fake: FakeTelegram
) -> None:
    # STAFF_IDS are Telegram user ids: the Telegram channel says who is staff.
    await fake.push(fake.message_update(STAFF_MEMBER, "/thongbao"))
    [compose] = await fake.wait_sent(STAFF_MEMBER, 1)
    assert "Gõ nội dung thông báo" in compose.text
    await fake.push(fake.message_update(WORKER, "/thongbao"))
    [refused] = await fake.wait_sent(WORKER, 1)
    assert "chỉ dành cho cán bộ" in refused.text
