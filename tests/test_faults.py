"""Faults, bounded in time: the database goes away and comes back, the Bot API times
out, answers 5xx or a storm of 429s, webhooks carry garbage or a wrong secret, and the
process is SIGKILLed while a hand-off card is on its way to the staff chat."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.serve import Server
from db.models import InboxUpdate, OutboxMessage
from faq.service import FaqService
from tests.conftest import (
    FIXTURE_FAQ,
    PG_URL,
    STAFF_CHAT,
    make_settings,
    reset_postgres,
    start_webhook_server,
)
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram_api import FakeTelegram
from tests.test_crash_recovery import BotProcess

WORKER = 5001
OUTAGE = "tạm gián đoạn"
FAQ_QUESTION = "di han quoc can dieu kien gi"
FAQ_ANSWER = "Điều kiện đi Hàn Quốc"


async def _get(server: Server, path: str) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{server.port}{path}") as response:
            return response.status


async def _count(server: Server, model: type) -> int:
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# --- the database goes away -------------------------------------------------------------


@pytest.fixture
async def proxied_pg(pg_url: str) -> AsyncIterator[tuple[str, TcpProxy]]:
    """The test database behind a TCP proxy the test can cut (PostgreSQL keeps running)."""
    await reset_postgres(pg_url)
    parts = urlsplit(pg_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    netloc = parts.netloc.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{proxy.port}")
    if parts.port is None:
        netloc = netloc.replace(parts.hostname or "", f"127.0.0.1:{proxy.port}")
    yield urlunsplit(parts._replace(netloc=netloc)), proxy
    await proxy.stop()


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
async def test_postgres_outage_apology_then_the_update_is_handled_without_restart(
    proxied_pg: tuple[str, TcpProxy], fake: FakeTelegram
) -> None:
    url, proxy = proxied_pg
    server = await start_webhook_server(url, fake)
    try:
        assert await fake.deliver_webhook(fake.message_update(WORKER, "xin chào")) == 200
        await fake.wait_sent(WORKER, 2)  # the menu and the question about news
        assert await fake.deliver_webhook(fake.callback_update(WORKER, "sub:no")) == 200
        greeting = len(await fake.wait_sent(WORKER, 3))

        # Cut at once: the greeting's replies were sent but may not be recorded as sent
        # yet; they are recorded when the database is back, not sent twice.
        proxy.cut()
        question = fake.message_update(WORKER, FAQ_QUESTION)
        # Not recorded, but kept in the local spool: acknowledged (bot/spool.py).
        assert await fake.deliver_webhook(question) == 200
        sorry = (await fake.wait_sent(WORKER, greeting + 1))[-1]
        assert OUTAGE in sorry.text
        assert await _get(server, "/readyz") == 503
        assert await _get(server, "/healthz") == 200
        assert await fake.deliver_webhook(question) == 200  # a redelivery waits there too
        await asyncio.sleep(0.3)
        assert len(fake.sent(WORKER)) == greeting + 1  # no second apology

        proxy.restore()  # the spool is replayed: the question is answered once
        answer = (await fake.wait_sent(WORKER, greeting + 2, timeout=45))[-1]
        assert FAQ_ANSWER in answer.text, [c.text[:40] for c in fake.sent(WORKER)]
        assert await fake.deliver_webhook(question) == 200  # one more redelivery: dropped
        assert await _get(server, "/readyz") == 200
        await asyncio.sleep(1.5)  # a worker pass: nothing is sent again
        assert len(fake.sent(WORKER)) == greeting + 2 and fake.duplicates() == 0
        assert await _count(server, InboxUpdate) == 3
    finally:
        await server.stop()


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
async def test_postgres_outage_in_polling_mode_keeps_the_update_until_it_is_recorded(
    proxied_pg: tuple[str, TcpProxy], fake: FakeTelegram
) -> None:
    """Long polling: PTB has moved past an update once it is fetched, so Telegram will not
    send it again; the channel keeps it and records it when the database is back."""
    url, proxy = proxied_pg
    server = Server(make_settings(url, fake), FaqService(FIXTURE_FAQ))
    await server.start()
    try:
        await fake.push(fake.message_update(WORKER, "xin chào"))
        await fake.wait_sent(WORKER, 2)
        await fake.push(fake.callback_update(WORKER, "sub:no"))
        greeting = len(await fake.wait_sent(WORKER, 3))

        proxy.cut()
        await fake.push(fake.message_update(WORKER, FAQ_QUESTION))
        sorry = (await fake.wait_sent(WORKER, greeting + 1, timeout=15))[-1]
        assert OUTAGE in sorry.text
        await asyncio.sleep(2.0)  # several retries while the database is away
        assert len(fake.sent(WORKER)) == greeting + 1

        proxy.restore()
        answer = (await fake.wait_sent(WORKER, greeting + 2, timeout=40))[-1]
        assert FAQ_ANSWER in answer.text, [c.text[:40] for c in fake.sent(WORKER)]
        await asyncio.sleep(1.5)
        assert len(fake.sent(WORKER)) == greeting + 2 and fake.duplicates() == 0
    finally:
        await server.stop()


async def test_sqlite_locked_by_another_writer_waits_and_loses_nothing(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    """A backup or a CLI command holding the write lock: updates wait for it, then go."""
    path = tmp_path / "bot.db"
    server = await start_webhook_server(f"sqlite+aiosqlite:///{path}", fake)
    other = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        assert await fake.deliver_webhook(fake.message_update(WORKER, "xin chào")) == 200
        await fake.wait_sent(WORKER, 2)  # the menu and the question about news
        await asyncio.to_thread(other.execute, "BEGIN EXCLUSIVE")
        delivery = asyncio.create_task(
            fake.deliver_webhook(fake.message_update(WORKER, FAQ_QUESTION))
        )
        await asyncio.sleep(1.5)
        assert not delivery.done()  # waiting for the lock, not failing
        await asyncio.to_thread(other.execute, "ROLLBACK")
        assert await delivery == 200
        replies = await fake.wait_sent(WORKER, 3)
        assert FAQ_ANSWER in replies[2].text
    finally:
        other.close()
        await server.stop()


# --- the Bot API misbehaves --------------------------------------------------------------


async def test_bot_api_timeouts_5xx_and_429_storms_are_retried_without_a_crash(
    database_url: str, fake: FakeTelegram
) -> None:
    fake.stall_seconds = 5
    server = await start_webhook_server(database_url, fake, telegram_timeout=1)
    try:
        fake.stall_next("sendMessage")  # never answered: the client times out after 1 s
        fake.fail_next("sendMessage", 502)
        started = time.monotonic()
        assert await fake.deliver_webhook(fake.message_update(WORKER, "xin chào")) == 200
        await fake.wait_sent(WORKER, 2, timeout=30)  # the menu, then the news question
        # Timed out after 1 s, then waited 2 s; 502, then waited again.
        assert time.monotonic() - started >= 4
        assert fake.stalled == 1
        assert [c.method for c in fake.calls if c.method.startswith("sendMessage")] == [
            "sendMessage!502", "sendMessage", "sendMessage"]  # fmt: skip
        assert server.runtime is not None
        for _ in range(50):  # the last send is recorded right after the fake answered
            async with server.runtime.sessions() as session:
                rows = (
                    await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
                ).all()
            if all(r.status == "sent" for r in rows):
                break
            await asyncio.sleep(0.1)
        # (the second row waited behind the first, claimed and put back with it)
        assert [r.status for r in rows] == ["sent", "sent"] and rows[0].attempts == 3

        # A storm: every chat's next send is refused with 429 at once.
        users = range(6100, 6110)
        fake.fail_next("sendMessage", 429, retry_after=1, times=len(users))
        for user in users:
            assert await fake.deliver_webhook(fake.message_update(user, "xin chào")) == 200
        for user in users:
            await fake.wait_sent(user, 2, timeout=30)
        refused = [c for c in fake.calls if c.method == "sendMessage!429"]
        assert len(refused) == len(users)
        # Each chat waited at least retry_after before its retry.
        for user in users:
            first = min(c.at for c in refused if c.chat_id == str(user))
            assert min(c.at for c in fake.sent(user)) - first >= 0.9
        assert fake.duplicates() == 0
        assert await _get(server, "/healthz") == 200
    finally:
        await server.stop()


# --- bad webhook requests ---------------------------------------------------------------


async def test_malformed_bodies_and_wrong_secrets_get_4xx_and_record_nothing(
    database_url: str, fake: FakeTelegram
) -> None:
    server = await start_webhook_server(database_url, fake)
    try:
        good = fake.message_update(WORKER, "xin chào")
        assert await fake.deliver_webhook(good, secret="wrong") == 401
        assert await fake.deliver_webhook(good, secret="") == 401
        for body in (b"", b"{not json", b"[1, 2]", b'"text"', b'{"hello": 1}',
                     b'{"update_id": "x", "message": 5}', b"\xff\xfe\x00"):  # fmt: skip
            status = await fake.deliver_webhook(body)
            assert 400 <= status < 500, (body, status)
        # An update (it has its id) the library cannot read: skipped with 200, so that
        # Telegram does not deliver it again and hold the chat's later updates behind it.
        assert await fake.deliver_webhook(b'{"update_id": 1, "message": {"text": []}}') == 200
        huge = b'{"update_id": 1, "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
        assert await fake.deliver_webhook(huge) == 413
        async with aiohttp.ClientSession() as http:
            async with http.get(fake.webhook_url or "") as response:
                assert response.status == 405
        await asyncio.sleep(0.3)
        assert await _count(server, InboxUpdate) == 0
        assert fake.sent() == []
    finally:
        await server.stop()


# --- SIGKILL while a hand-off card is on its way -------------------------------------------


async def test_sigkill_while_forwarding_to_staff_then_the_card_arrives_once(
    database_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    bot = BotProcess(database_url, fake, tmp_path)
    bot.env["TELEGRAM_TIMEOUT"] = "20"
    fake.stall_seconds = 20
    try:
        await bot.start()
        await fake.push(fake.callback_update(WORKER, "menu:staff"))
        await fake.wait_sent(WORKER, 1, timeout=30)
        [card] = await fake.wait_sent(STAFF_CHAT, 1, timeout=30)
        fake.stall_next("sendMessage", chat_id=STAFF_CHAT)  # the message hangs in flight
        await fake.push(fake.message_update(WORKER, "Em cần hỏi về hồ sơ"))
        await fake.wait_for(lambda: fake.stalled == 1, timeout=30, what="the message in flight")
        await bot.kill()
        assert len(fake.sent(STAFF_CHAT)) == 1

        await bot.start()
        [_, question] = await fake.wait_sent(STAFF_CHAT, 2, timeout=30)
        assert "Em cần hỏi về hồ sơ" in question.text
        assert question.replying_to == card.message_id  # still under its card
        await asyncio.sleep(1.5)  # a further outbox pass must not send anything again
        assert len(fake.sent(STAFF_CHAT)) == 2 and len(fake.sent(WORKER)) == 1
        assert fake.duplicates() == 0
    finally:
        if bot.proc is not None and bot.proc.returncode is None:
            await bot.terminate()
