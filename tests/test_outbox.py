"""Outbox claims: no row taken twice, order per chat, retries wait."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from db import outbox
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import OutboxMessage
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
