"""A hand-off survives what the process does not: SIGKILL and restart in the middle of a
conversation, and two `serve` processes on one PostgreSQL database taking turns with
one conversation's messages (each delivered to either, some to both)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from db.engine import create_engine, session_factory
from db.models import HandoffConversation, HandoffMessage, OutboxMessage
from tests.conftest import PG_URL, STAFF_CHAT, STAFF_MEMBER, make_settings, reset_postgres
from tests.fakes.telegram_api import Call, FakeTelegram
from tests.test_crash_recovery import BotProcess, _wait_until_all_sent
from tests.test_replicas import Replica

WORKER = 5001
WORKERS = (5101, 5102)


async def _counts(url: str) -> tuple[int, int, dict[str, int]]:
    """Conversations, their messages, and outbox rows by status."""
    engine = create_engine(make_settings(url))
    try:
        async with session_factory(engine)() as session:
            conversations = await session.scalar(
                select(func.count()).select_from(HandoffConversation)
            )
            messages = await session.scalar(select(func.count()).select_from(HandoffMessage))
            statuses = dict(
                (
                    await session.execute(
                        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                    )
                ).all()
            )
        return conversations or 0, messages or 0, statuses
    finally:
        await engine.dispose()


def _staff_reply(fake: FakeTelegram, to: Call, text: str) -> dict[str, Any]:
    return fake.message_update(
        STAFF_MEMBER, text, chat_id=STAFF_CHAT, name="Chị Hoa", reply_to=to.message_id
    )


async def test_sigkill_mid_conversation_keeps_it_whole(
    database_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    bot = BotProcess(database_url, fake, tmp_path)
    try:
        await bot.start()
        await fake.push(fake.message_update(WORKER, "cho em gap can bo"))
        [card] = await fake.wait_sent(STAFF_CHAT, 1, timeout=30)
        await fake.push(fake.message_update(WORKER, "em ten Phong, o Bat Xat"))
        await fake.wait_sent(STAFF_CHAT, 2, timeout=30)
        # Killed once its sends are booked (one caught mid-send is sent again after its
        # claim expires: at-least-once in that window, tests/test_crash_recovery.py).
        await _wait_until_all_sent(database_url)
        await bot.kill()

        await bot.start()
        await fake.push(fake.message_update(WORKER, "sdt cua em 0388111222"))
        third = (await fake.wait_sent(STAFF_CHAT, 3, timeout=30))[2]
        assert "0388111222" in third.text and third.replying_to == card.message_id
        await fake.push(_staff_reply(fake, third, "Chị gọi em chiều nay nhé."))
        answer = (await fake.wait_sent(WORKER, 2, timeout=30))[1]
        assert "Chị gọi em chiều nay nhé." in answer.text
        await _wait_until_all_sent(database_url)
        await bot.kill()  # again, right after an answer went out

        await bot.start()
        await fake.push(fake.message_update(WORKER, "vang em cam on"))
        last = (await fake.wait_sent(STAFF_CHAT, 5, timeout=30))[-1]
        assert "vang em cam on" in last.text and last.replying_to == card.message_id
        await asyncio.sleep(1.0)
        assert await bot.terminate() == 0
    finally:
        if bot.proc is not None and bot.proc.returncode is None:
            await bot.terminate()
    # One conversation with every message, nothing sent twice, nothing left unsent.
    conversations, messages, statuses = await _counts(database_url)
    assert conversations == 1 and messages == 5  # four from the worker, one answer
    assert set(statuses) == {"sent"}
    assert fake.duplicates() == 0
    assert len(fake.sent(WORKER)) == 2  # the one acknowledgement and the answer


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
async def test_two_replicas_keep_two_conversations_threaded_and_answered_once(
    pg_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    await reset_postgres(pg_url)
    pair = [Replica(pg_url, fake, tmp_path, name) for name in ("replica-a", "replica-b")]
    await asyncio.gather(*(r.start() for r in pair))
    try:
        await asyncio.gather(*(r.wait_ready() for r in pair))
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(_conversation(http, fake, pair, w) for w in WORKERS))
        await asyncio.sleep(2.0)  # further passes of both replicas send nothing again
    finally:
        await asyncio.gather(*(r.terminate() for r in pair if r.proc is not None))

    cards = [c for c in fake.sent(STAFF_CHAT) if "🙋 Hội thoại" in c.text]
    assert len(cards) == 2
    for worker in WORKERS:
        card = next(c for c in cards if f"gap can bo {worker}" in c.text)
        thread = [c for c in fake.sent(STAFF_CHAT) if c.replying_to == card.message_id]
        said = [c.text for c in thread if f"#{worker}-" in c.text]
        assert len(said) == 4, said  # every message once, under its own card
        assert sum("nhận trả lời" in c.text for c in thread) == 1
        answers = [c.text for c in fake.sent(worker) if "Cán bộ trung tâm trả lời" in c.text]
        assert len(answers) == 2 and all(str(worker) in a for a in answers)
    repeated = Counter((c.chat_id, c.text) for c in fake.sent())
    assert [k for k, n in repeated.items() if n > 1] == []
    conversations, messages, statuses = await _counts(pg_url)
    assert conversations == 2 and messages == 2 * (5 + 2)
    assert set(statuses) == {"sent"}


async def _post(http: aiohttp.ClientSession, url: str, secret: str, update: Any) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
    async with http.post(url, data=json.dumps(update), headers=headers) as response:
        return response.status


async def _conversation(
    http: aiohttp.ClientSession, fake: FakeTelegram, pair: list[Replica], worker: int
) -> None:
    """A worker's conversation hopping between the replicas (every third update to both
    at once, as a retried delivery), and staff answering through either."""
    secret = fake.webhook_secret or ""

    async def deliver(n: int, update: dict[str, Any]) -> None:
        targets = pair if n % 3 == 2 else [pair[n % 2]]
        statuses = await asyncio.gather(*(_post(http, r.hook, secret, update) for r in targets))
        assert set(statuses) == {200}, statuses

    def in_staff_chat(text: str) -> Call | None:
        return next((c for c in fake.sent(STAFF_CHAT) if text in c.text), None)

    await deliver(0, fake.message_update(worker, f"gap can bo {worker}"))
    await fake.wait_for(lambda: in_staff_chat(f"gap can bo {worker}") is not None, timeout=30)
    for n in range(1, 5):
        text = f"#{worker}-{n} tin nhan"
        await deliver(n, fake.message_update(worker, text))
        await fake.wait_for(lambda t=text: in_staff_chat(t) is not None, timeout=30)  # type: ignore[misc]
    for n, about in ((5, f"#{worker}-2"), (6, f"#{worker}-4")):
        to = in_staff_chat(about)
        assert to is not None
        before = len(fake.sent(worker))
        await deliver(n, _staff_reply(fake, to, f"Trả lời cho {worker} về {about}"))
        await fake.wait_sent(worker, before + 1, timeout=30)
