"""Two `python -m bot serve` processes on one PostgreSQL database behind one webhook:
updates delivered to either or to both (a retried delivery), conversations hopping
between them mid-registration, a broadcast and a due reminder shared — everything is
handled once, and nobody gets a message twice."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, insert, select

from db.broadcasts import queue
from db.clock import utcnow
from db.engine import create_engine, session_factory
from db.models import (
    Broadcast,
    BroadcastRecipient,
    FairInterest,
    InboxUpdate,
    JobFair,
    OutboxMessage,
    Registration,
    User,
)
from tests.conftest import PG_URL, STAFF_CHAT, free_port, make_settings, reset_postgres
from tests.fakes.telegram_api import FakeTelegram
from tests.test_crash_recovery import BotProcess
from tests.test_registration_flow import HAPPY_PATH

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")

APPLICANTS = [6001, 6002, 6003, 6004]
SUBSCRIBERS = range(7000, 7030)
REMINDED = 7100
NEWS = "📣 Tuyển lao động đi Hàn Quốc (EPS) đợt mới: xem tại trung tâm."
FAIR = "Phiên giao dịch việc làm thử nghiệm"


async def _seed(url: str) -> None:
    """Opted-in subscribers with a queued broadcast, and a reminder already due."""
    engine = create_engine(make_settings(url))
    try:
        async with session_factory(engine).begin() as session:
            await session.execute(
                insert(User),
                [{"channel": "telegram", "external_id": str(chat), "news_opt_in": True,
                  "interests": ["kr_eps"], "province_name": "Tỉnh Lào Cai"}
                 for chat in SUBSCRIBERS],
            )  # fmt: skip
            job = Broadcast(text=NEWS, audience={"all": True}, status="draft",
                            report_channel="telegram", report_chat=str(STAFF_CHAT))  # fmt: skip
            session.add(job)
            await session.flush()
            assert await queue(session, job) == len(SUBSCRIBERS)
            person = User(channel="telegram", external_id=str(REMINDED), news_opt_in=False)
            fair = JobFair(title=FAIR, starts_at=utcnow() + timedelta(hours=20),
                           province_name="Tỉnh Lào Cai", address="Trung tâm")  # fmt: skip
            session.add_all([person, fair])
            await session.flush()
            session.add(FairInterest(fair_id=fair.id, user_id=person.id,
                                     remind_at=utcnow() - timedelta(minutes=1)))  # fmt: skip
    finally:
        await engine.dispose()


class Replica(BotProcess):
    def __init__(self, url: str, fake: FakeTelegram, workdir: Path, name: str) -> None:
        super().__init__(url, fake, workdir)
        self.port = free_port()
        self.hook = f"http://127.0.0.1:{self.port}/telegram/hook"
        self.env.update(
            WEB_PORT=str(self.port),
            TELEGRAM_WEBHOOK_URL=self.hook,
            INSTANCE_NAME=name,
            PID_FILE=str(workdir / f"{name}.pid"),
        )

    async def wait_ready(self) -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"replica on port {self.port} never got ready")


@pytest.fixture
async def replicas(
    pg_url: str, fake: FakeTelegram, tmp_path: Path
) -> AsyncIterator[tuple[str, list[Replica]]]:
    await reset_postgres(pg_url)
    await _seed(pg_url)
    pair = [Replica(pg_url, fake, tmp_path, name) for name in ("replica-a", "replica-b")]
    await asyncio.gather(*(r.start() for r in pair))
    try:
        await asyncio.gather(*(r.wait_ready() for r in pair))
        yield pg_url, pair
    finally:
        await asyncio.gather(*(r.terminate() for r in pair if r.proc is not None))


async def _post(http: aiohttp.ClientSession, url: str, secret: str, update: Any) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
    async with http.post(url, data=json.dumps(update), headers=headers) as response:
        return response.status


async def _register(
    http: aiohttp.ClientSession, fake: FakeTelegram, pair: list[Replica], user: int
) -> int:
    """The whole form and «Gửi», hopping between replicas; every third message goes to
    both at once. Returns how many distinct updates were sent."""
    phone = f"0912{user:06d}"
    steps = [("say", phone) if v == "+84 912.345.678" else (k, v) for k, v in HAPPY_PATH]
    steps.append(("press", "reg:submit"))
    secret = fake.webhook_secret or ""
    for n, (kind, value) in enumerate(steps):
        update = (fake.callback_update(user, value) if kind == "press"
                  else fake.message_update(user, value))  # fmt: skip
        before = len(fake.sent(user))
        targets = pair if n % 3 == 2 else [pair[n % 2]]
        statuses = await asyncio.gather(*(_post(http, r.hook, secret, update) for r in targets))
        assert set(statuses) == {200}, statuses
        await fake.wait_sent(user, before + 1, timeout=30)
    return len(steps)


async def test_two_replicas_handle_everything_once(
    replicas: tuple[str, list[Replica]], fake: FakeTelegram
) -> None:
    url, pair = replicas
    async with aiohttp.ClientSession() as http:
        counts = await asyncio.gather(*(_register(http, fake, pair, u) for u in APPLICANTS))

    # Every applicant's card reached the staff chat once.
    await fake.wait_for(
        lambda: sum("LC-" in c.text for c in fake.sent(STAFF_CHAT)) >= len(APPLICANTS),
        timeout=30, what="the registration cards",
    )  # fmt: skip
    # The broadcast reached every subscriber, and the reminder its one person.
    await fake.wait_for(
        lambda: all(fake.sent(chat) for chat in SUBSCRIBERS) and fake.sent(REMINDED),
        timeout=60, what="the broadcast and the reminder",
    )  # fmt: skip
    await asyncio.sleep(2.5)  # more passes of both replicas' workers: nothing is sent again

    for user in APPLICANTS:
        cards = [c for c in fake.sent(STAFF_CHAT) if f"0912{user:06d}" in c.text]
        assert len(cards) == 1, [c.text[:60] for c in cards]
    worker_chats = {str(u) for u in [*APPLICANTS, *SUBSCRIBERS, REMINDED]}
    repeated = Counter((c.chat_id, c.text) for c in fake.sent() if c.chat_id in worker_chats)
    assert [k for k, n in repeated.items() if n > 1] == []
    for chat in SUBSCRIBERS:
        assert [c.text for c in fake.sent(chat)] == [NEWS]
    [reminder] = fake.sent(REMINDED)
    assert FAIR in reminder.text

    engine = create_engine(make_settings(url))
    try:
        async with session_factory(engine)() as session:
            updates = (
                await session.execute(
                    select(InboxUpdate.status, func.count()).group_by(InboxUpdate.status)
                )
            ).all()
            assert dict(updates) == {"done": sum(counts)}  # each update once, all handled
            assert await session.scalar(select(func.count()).select_from(Registration)) == 4
            unsent = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != "sent")
            )
            assert unsent == 0
            statuses = (await session.scalars(select(BroadcastRecipient.status))).all()
            assert set(statuses) == {"sent"} and len(statuses) == len(SUBSCRIBERS)
            senders = set(
                (await session.scalars(select(BroadcastRecipient.claimed_by))).all()
            ) | set((await session.scalars(select(OutboxMessage.claimed_by))).all())
            assert {"replica-a", "replica-b"} <= senders  # the work was shared
            assert (await session.scalar(select(FairInterest.reminded_at))) is not None
    finally:
        await engine.dispose()
