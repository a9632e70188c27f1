"""Outbox claims: no row taken twice, order per chat, retries wait."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, select, update

from bot.channel import ChannelLimits, RetryLater
from bot.outbox import OutboxSender
from db import outbox
from db.clock import utcnow
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import OutboxMessage
from handlers.types import Media, Reply
from tests.conftest import make_settings


async def _sessions(database_url: str):  # type: ignore[no-untyped-def]
    engine = create_engine(make_settings(database_url))
    await upgrade(engine)
    return engine, session_factory(engine)


async def test_enqueue_is_idempotent_and_claims_never_overlap(database_url: str) -> None:
    engine, sessions = await _sessions(database_url)
    try:
        async with sessions.begin() as session:
            for n in range(40):
                await outbox.enqueue(
                    session,
                    key=f"k{n}",
                    channel="telegram",
                    chat_key=f"c{n}",
                    kind="reply",
                    payload={"n": n},
                )
            assert (
                await outbox.enqueue(
                    session, key="k0", channel="telegram", chat_key="c0", kind="reply", payload={}
                )
                is None
            )

        async def take() -> list[int]:
            async with sessions.begin() as session:
                return [r.id for r in await outbox.claim(session, limit=15)]

        batches = await asyncio.gather(take(), take(), take(), take())
        taken = [i for batch in batches for i in batch]
        assert len(taken) == len(set(taken)) == 40
    finally:
        await engine.dispose()


async def test_rows_of_one_chat_wait_behind_a_retry(database_url: str) -> None:
    engine, sessions = await _sessions(database_url)
    try:
        async with sessions.begin() as session:
            first = await outbox.enqueue(
                session, key="a", channel="t", chat_key="c", kind="reply", payload={}
            )
            await outbox.enqueue(
                session, key="b", channel="t", chat_key="c", kind="reply", payload={}
            )
            await outbox.enqueue(
                session, key="x", channel="t", chat_key="other", kind="reply", payload={}
            )
        async with sessions.begin() as session:
            assert first is not None
            await outbox.release(session, [first], delay=60, error="429")
        async with sessions.begin() as session:
            rows = await outbox.claim(session)
        # "b" must not overtake "a", which waits for its retry; the other chat goes on.
        assert [r.idempotency_key for r in rows] == ["x"]
        async with sessions() as session:
            waiting = await session.scalar(select(OutboxMessage).where(OutboxMessage.id == first))
            assert waiting is not None and waiting.last_error == "429"
    finally:
        await engine.dispose()


class _Recorder:
    """A channel that accepts everything after a moment on the wire."""

    name = "t"
    limits = ChannelLimits(max_text=4096, buttons=True)

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, chat_key: str, reply: Reply, media: Media | None = None) -> str | None:
        await asyncio.sleep(0.01)
        self.sent.append(chat_key)
        return f"m-{chat_key}"


async def _queue_for_chats(sessions, chats: int) -> None:  # type: ignore[no-untyped-def]
    async with sessions.begin() as session:
        for n in range(chats):
            await outbox.enqueue(
                session,
                key=f"k{n}",
                channel="t",
                chat_key=f"c{n}",
                kind="reply",
                payload={"reply": Reply(f"tin {n}").to_json()},
            )


async def _statuses(sessions) -> dict[str, tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
        return {r.chat_key: (r.status, r.sent_message_id) for r in rows}


async def test_sends_finishing_together_are_recorded_in_one_transaction(
    database_url: str,
) -> None:
    engine, sessions = await _sessions(database_url)
    commits = 0

    def count(_: object) -> None:
        nonlocal commits
        commits += 1

    event.listen(engine.sync_engine, "commit", count)
    try:
        await _queue_for_chats(sessions, 32)
        channel = _Recorder()
        sender = OutboxSender(sessions, {"t": channel})
        commits = 0
        assert await sender.run_once() == 32
        assert sorted(channel.sent) == sorted(f"c{n}" for n in range(32))
        assert await _statuses(sessions) == {f"c{n}": ("sent", f"m-c{n}") for n in range(32)}
        # One claim, then the records of 32 sends: far fewer than one commit per send.
        assert commits <= 10, commits
    finally:
        await engine.dispose()


async def test_a_send_recorded_late_is_not_sent_again(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, sessions = await _sessions(database_url)
    try:
        await _queue_for_chats(sessions, 3)
        channel = _Recorder()
        sender = OutboxSender(sessions, {"t": channel})
        real = outbox.mark_sent
        calls = 0

        async def flaky(session, sent):  # type: ignore[no-untyped-def]
            nonlocal calls
            calls += 1
            if calls == 1:
                raise OSError("database unreachable")
            await real(session, sent)

        monkeypatch.setattr(outbox, "mark_sent", flaky)
        await sender.run_once()
        assert len(channel.sent) == 3
        # The next pass records what the failed transaction could not, and sends nothing.
        await sender.run_once()
        assert len(channel.sent) == 3
        assert await _statuses(sessions) == {f"c{n}": ("sent", f"m-c{n}") for n in range(3)}
    finally:
        await engine.dispose()


class _FailsFirst(_Recorder):
    """Refuses the first message of chat c0 (429) until told otherwise."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse = True

    async def send(self, chat_key: str, reply: Reply, media: Media | None = None) -> str | None:
        if self.refuse and reply.text == "một":
            raise RetryLater(0.0, "429 Too Many Requests")
        return await super().send(chat_key, reply, media)


async def test_rows_waiting_behind_a_failing_row_keep_their_attempts(database_url: str) -> None:
    engine, sessions = await _sessions(database_url)
    try:
        async with sessions.begin() as session:
            for n, text in enumerate(("một", "hai", "ba")):
                await outbox.enqueue(
                    session,
                    key=f"k{n}",
                    channel="t",
                    chat_key="c0",
                    kind="reply",
                    payload={"reply": Reply(text).to_json()},
                )
        channel = _FailsFirst()
        sender = OutboxSender(sessions, {"t": channel})
        for _ in range(outbox.MAX_ATTEMPTS - 1):
            assert await sender.run_once() == 3
            async with sessions.begin() as session:  # skip the backoff
                await session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        channel.refuse = False
        await sender.run_once()
        async with sessions() as session:
            rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).all()
            attempts = {r[0].payload["reply"]["text"]: (r[0].status, r[0].attempts) for r in rows}
        # The first was tried 12 times; the two behind it were tried once, when they went.
        assert attempts == {
            "một": ("sent", outbox.MAX_ATTEMPTS),
            "hai": ("sent", 1),
            "ba": ("sent", 1),
        }
        assert channel.sent == ["c0", "c0", "c0"]
    finally:
        await engine.dispose()


class _Broken(_Recorder):
    """An adapter with a bug: every send raises something that is not a channel error."""

    async def send(self, chat_key: str, reply: Reply, media: Media | None = None) -> str | None:
        raise KeyError("a bug in the adapter")


async def test_a_row_an_adapter_keeps_crashing_on_fails_after_its_attempts(
    database_url: str,
) -> None:
    engine, sessions = await _sessions(database_url)
    try:
        await _queue_for_chats(sessions, 1)
        sender = OutboxSender(sessions, {"t": _Broken()})
        for _ in range(outbox.MAX_ATTEMPTS):
            assert await sender.run_once() == 1
            async with sessions.begin() as session:  # skip the backoff
                await session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        # Retried like an outage, then failed for good instead of being tried forever.
        assert await sender.run_once() == 0
        async with sessions() as session:
            row = await session.scalar(select(OutboxMessage))
        assert row is not None and row.status == "failed" and row.attempts == outbox.MAX_ATTEMPTS
        assert row.last_error is not None and "a bug in the adapter" in row.last_error
    finally:
        await engine.dispose()
