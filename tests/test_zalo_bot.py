"""Zalo Bot Platform over real sockets: long polling (one update per call, 408 = nothing
new) and the /zalo/bot webhook, against the fake Zalo server, on the real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.serve import Server
from db.models import InboxUpdate
from handlers.types import Reply
from tests.conftest import STAFF_MEMBER
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import BOT_SECRET, FakeZalo
from tests.zalo_helpers import bot_url, number_for, start_server, zalo_server

__all__ = ["zalo_server"]

WORKER = "z7001"


@pytest.fixture
async def bot_webhook(
    database_url: str, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> AsyncIterator[Server]:
    import socket

    with socket.socket() as probe:  # the public URL must name the port before we listen
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await start_server(
        database_url,
        fake_telegram,
        fake_zalo,
        oa=False,
        web_port=port,
        zalo_bot_webhook_secret=BOT_SECRET,
        zalo_bot_webhook_url=f"http://127.0.0.1:{port}/zalo/bot",
    )
    yield server
    await server.stop()


async def inbox(server: Server) -> int:
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        query = select(func.count()).select_from(InboxUpdate)
        return int(await session.scalar(query.where(InboxUpdate.channel == "zalo_bot")) or 0)


async def test_polling_survives_408s_and_answers_one_update_per_call(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    # Nothing to read: getUpdates answers 408 and the poller simply asks again.
    await fake_zalo.wait_for(
        lambda: sum(c.status == "408" for c in fake_zalo.calls if c.api == "getUpdates") >= 2,
        what="two empty polls",
    )
    assert any(c.api == "deleteWebhook" for c in fake_zalo.calls)  # polling needs no webhook
    await fake_zalo.push(fake_zalo.bot_update(WORKER, "xin chào"))
    await fake_zalo.push(fake_zalo.bot_update("z7002", "/menu"))
    greeting, news = await fake_zalo.wait_bot(WORKER, 2)
    assert "Xin chào" in greeting.text and "(Gõ số để chọn.)" in greeting.text
    assert "nhận tin" in news.text
    await fake_zalo.wait_bot("z7002", 1)
    polls = [c for c in fake_zalo.calls if c.api == "getUpdates" and c.status == "ok"]
    assert len(polls) == 2 and all(c.params["timeout"] == "30" for c in polls)
    await fake_zalo.wait_for(lambda: any(c.api == "sendChatAction" for c in fake_zalo.calls))
    typing = next(c for c in fake_zalo.calls if c.api == "sendChatAction")
    assert typing.params == {"chat_id": WORKER, "action": "typing"}
    # A typed number presses the numbered choice.
    number = await number_for(zalo_server, "zalo_bot", WORKER, "menu:staff")
    await fake_zalo.push(fake_zalo.bot_update(WORKER, number))
    assert "Tôi đã báo cán bộ" in (await fake_zalo.wait_bot(WORKER, 3))[2].text


async def test_polling_errors_back_off_and_unsupported_content_is_acknowledged(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    fake_zalo.fail_next("getUpdates", 502)
    await fake_zalo.push(fake_zalo.bot_update(WORKER, event="message.unsupported.received"))
    await fake_zalo.push(
        fake_zalo.bot_update(WORKER, event="message.sticker.received", sticker="st-1")
    )
    [reply] = await fake_zalo.wait_bot(WORKER, 1, timeout=15)
    assert "Cảm ơn bạn" in reply.text
    await asyncio.sleep(0.3)
    assert len(fake_zalo.bot_sent(WORKER)) == 1  # nothing for the unsupported one


async def test_long_text_is_split_at_2000_and_429_is_retried(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    channel = zalo_server.channel("zalo_bot")
    assert channel is not None
    message_id = await channel.send(WORKER, Reply("Một câu khá dài về hồ sơ. " * 120))
    parts = fake_zalo.bot_sent(WORKER)
    assert len(parts) == 2 and all(len(c.text) <= 2000 for c in parts)
    assert message_id == parts[-1].result["message_id"]

    fake_zalo.fail_next("sendMessage", 429)
    await fake_zalo.push(fake_zalo.bot_update(WORKER, "/menu"))
    await fake_zalo.wait_bot(WORKER, 3, timeout=15)
    assert any(c.api == "sendMessage" and c.status == "429" for c in fake_zalo.calls)


async def test_webhook_checks_the_secret_and_takes_flat_and_wrapped_bodies_once(
    bot_webhook: Server, fake_zalo: FakeZalo
) -> None:
    url = bot_url(bot_webhook)
    assert fake_zalo.webhook_url == url and fake_zalo.webhook_secret == BOT_SECRET
    assert not any(c.api == "getUpdates" for c in fake_zalo.calls)  # no polling
    for secret in ("wrong", None, BOT_SECRET[:-1], ""):
        update = fake_zalo.bot_update(WORKER, "/menu")
        assert await fake_zalo.deliver_bot(url, update, secret=secret) == 401
    await asyncio.sleep(0.2)
    assert await inbox(bot_webhook) == 0 and fake_zalo.bot_sent() == []

    flat = fake_zalo.bot_update(WORKER, "/menu")
    assert await fake_zalo.deliver_bot(url, flat) == 200
    assert await fake_zalo.deliver_bot(url, flat, wrapped=True) == 200  # same event: once
    await fake_zalo.wait_bot(WORKER, 1)
    wrapped = fake_zalo.bot_update("z7003", "/menu")
    assert await fake_zalo.deliver_bot(url, wrapped, wrapped=True) == 200
    await fake_zalo.wait_bot("z7003", 1)
    await asyncio.sleep(0.3)
    assert len(fake_zalo.bot_sent(WORKER)) == 1 and await inbox(bot_webhook) == 2
    assert await fake_zalo.deliver_bot(url, {"hello": 1}) == 400  # type: ignore[arg-type]


async def test_a_zalo_user_is_not_staff_by_a_telegram_staff_id(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    # The same number as a STAFF_IDS entry, but on Zalo: not staff (the ids are Telegram's).
    await fake_zalo.push(fake_zalo.bot_update(str(STAFF_MEMBER), "/thongbao"))
    [refused] = await fake_zalo.wait_bot(str(STAFF_MEMBER), 1, timeout=15)
    assert "chỉ dành cho cán bộ" in refused.text
