"""Broadcasts end to end: audience, limits, retries, blocking, opt-out, cancel, crashes and
reports, through the real PTB transport (bot/telegram.py) against the fake Bot API."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.broadcast import spawn, worker_command
from bot.broadcast import BroadcastSender
from bot.ingress import Ingress
from bot.outbox import OutboxSender
from bot.telegram import TelegramChannel
from db import broadcast_recipients, broadcasts
from db.clock import utcnow
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import Broadcast, BroadcastRecipient, User
from handlers.types import Incoming
from tests.conftest import STAFF_CHAT, make_settings
from tests.fakes.telegram_api import Call, FakeTelegram

FIRST = 900_000  # chat ids of the test users: FIRST + n


@dataclass
class Env:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    channel: TelegramChannel
    fake: FakeTelegram

    def sender(self, instance: str = "test-1", **kwargs: Any) -> BroadcastSender:
        kwargs.setdefault("rate", 200.0)
        return BroadcastSender(self.sessions, {"telegram": self.channel}, instance, **kwargs)


async def _never(_: Incoming) -> bool:
    return False


@pytest.fixture
async def env(database_url: str, fake: FakeTelegram) -> AsyncIterator[Env]:
    settings = make_settings(database_url, fake)
    engine = create_engine(settings)
    await upgrade(engine)
    channel = TelegramChannel(settings, Ingress(_never))  # the real PTB Application as transport
    await channel.app.initialize()
    try:
        yield Env(engine, session_factory(engine), channel, fake)
    finally:
        await channel.app.shutdown()
        await engine.dispose()


async def add_users(env: Env, count: int, start: int = 0, **values: Any) -> None:
    base = {"channel": "telegram", "news_opt_in": True, "interests": []}
    rows = [{**base, "external_id": str(FIRST + n), **values} for n in range(start, start + count)]
    async with env.sessions.begin() as session:
        await session.execute(insert(User), rows)


async def new_broadcast(
    env: Env, audience: dict[str, Any] | None = None, text: str = "Tin mới", **values: Any
) -> tuple[int, int]:
    """A broadcast queued to its audience: (id, recipients)."""
    values.setdefault("report_channel", "telegram")
    values.setdefault("report_chat", str(STAFF_CHAT))
    async with env.sessions.begin() as session:
        job = Broadcast(text=text, audience=audience or {"all": True}, status="draft", **values)
        session.add(job)
        await session.flush()
        return job.id, await broadcasts.queue(session, job)


async def run_until_done(sender: BroadcastSender, env: Env, timeout: float = 30) -> None:
    """run_once until no broadcast is active (rows waiting for a retry take a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        await sender.run_once()
        async with env.sessions() as session:
            if not await broadcasts.active(session):
                return
        assert time.monotonic() < deadline, "broadcast never finished"
        await asyncio.sleep(0.05)


async def statuses(env: Env, broadcast_id: int) -> dict[str, str]:
    """chat key → recipient status."""
    async with env.sessions() as session:
        rows = await session.execute(
            select(BroadcastRecipient.chat_key, BroadcastRecipient.status).where(
                BroadcastRecipient.broadcast_id == broadcast_id
            )
        )
        return {key: status for key, status in rows.all()}


def chats(calls: Iterable[Call]) -> list[str]:
    return [c.chat_id for c in calls if c.chat_id != str(STAFF_CHAT)]


def user_sends(fake: FakeTelegram) -> list[Call]:
    return [c for c in fake.sent() if c.chat_id != str(STAFF_CHAT)]


def max_in_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best, left = 0, 0
    for right, t in enumerate(times):
        while t - times[left] >= window:
            left += 1
        best = max(best, right - left + 1)
    return best


# --- audience -------------------------------------------------------------------------


AUDIENCES: list[tuple[dict[str, Any], set[int]]] = [
    ({"all": True}, {0, 1, 2, 3, 4, 7}),
    ({"all": True, "provinces": ["Tỉnh Lai Châu"]}, {0, 1, 2, 3, 4, 7}),  # all ignores filters
    ({"provinces": ["Tỉnh Lào Cai"]}, {0, 1, 2, 7}),
    ({"communes": ["Xã Bát Xát"]}, {0, 4, 7}),
    ({"provinces": ["Tỉnh Lào Cai"], "communes": ["Xã Bát Xát"]}, {0, 1, 2, 4, 7}),
    ({"markets": ["jp"]}, {1, 3, 7}),  # 7 chose nothing: every market
    ({"markets": ["kr_eps", "de"]}, {0, 2, 7}),
    ({"markets": ["kr"]}, {7}),  # no partial match on "kr_eps"
    ({"provinces": ["Tỉnh Lào Cai"], "markets": ["kr_eps"]}, {0, 7}),
    ({"communes": ["Xã Bát Xát"], "markets": ["jp"]}, {7}),
    ({"provinces": ["Lào Cai"]}, set()),  # names compare exactly as stored
]


async def test_audience_preview_equals_queued(env: Env) -> None:
    people = [
        # (province, commune, interests, news_opt_in, blocked)
        ("Tỉnh Lào Cai", "Xã Bát Xát", ["kr_eps"], True, False),  # 0
        ("Tỉnh Lào Cai", "Phường Lào Cai", ["jp"], True, False),  # 1
        ("Tỉnh Lào Cai", None, ["de", "tw"], True, False),  # 2
        ("Tỉnh Lai Châu", "Xã Tam Đường", ["jp", "tw"], True, False),  # 3
        (None, "Xã Bát Xát", ["au"], True, False),  # 4 (commune only)
        ("Tỉnh Lào Cai", "Xã Bát Xát", ["kr_eps"], None, False),  # 5 never asked
        ("Tỉnh Lào Cai", "Xã Bát Xát", ["kr_eps"], True, True),  # 6 blocked the bot
        ("Tỉnh Lào Cai", "Xã Bát Xát", [], True, False),  # 7 no market chosen
        ("Tỉnh Lào Cai", "Xã Bát Xát", ["kr_eps"], False, False),  # 8 said no
    ]
    async with env.sessions.begin() as session:
        for n, (province, commune, interests, opt_in, blocked) in enumerate(people):
            session.add(
                User(
                    channel="telegram",
                    external_id=str(FIRST + n),
                    province_name=province,
                    commune_name=commune,
                    interests=interests,
                    news_opt_in=opt_in,
                    blocked_at=utcnow() if blocked else None,
                )
            )
    for audience, expected in AUDIENCES:
        async with env.sessions() as session:
            preview = await broadcasts.audience_count(session, audience)
        job_id, queued = await new_broadcast(env, audience)
        got = {int(k) - FIRST for k in await statuses(env, job_id)}
        assert (preview, queued, got) == (len(expected), len(expected), expected), audience
        async with env.sessions.begin() as session:  # queueing again adds nobody twice
            job = await session.get(Broadcast, job_id)
            assert job is not None and job.status == "queued"
            assert await broadcasts.queue(session, job) == queued


# --- limits ---------------------------------------------------------------------------


async def test_overall_rate_and_one_message_a_second_per_chat(env: Env) -> None:
    fake = env.fake
    fake.rate_limit, fake.rate_burst, fake.per_chat_interval = 25.0, 3, 1.0
    await add_users(env, 40)
    first, _ = await new_broadcast(env, text="Tin thứ nhất")
    second, _ = await new_broadcast(env, text="Tin thứ hai")  # same 40 chats again
    sender = env.sender(rate=25.0)
    started = time.monotonic()
    await run_until_done(sender, env)
    elapsed = time.monotonic() - started

    sends = user_sends(fake)
    assert len(sends) == 80 and fake.duplicates() == 0
    # The sender spaces send starts; on a loaded machine the fake (same process) may see
    # two arrive closer than that, so a rare enforced 429 is jitter, not a burst.
    assert fake.enforced_429 <= 2, fake.enforced_by
    assert max_in_window([c.at for c in sends]) <= 25 + 2
    assert elapsed >= 79 / 25 * 0.95
    by_chat: dict[str, list[float]] = {}
    for call in sends:
        by_chat.setdefault(call.chat_id, []).append(call.at)
    assert all(len(t) == 2 and t[1] - t[0] >= 0.99 for t in by_chat.values())
    assert set((await statuses(env, first)).values()) == {"sent"}
    assert set((await statuses(env, second)).values()) == {"sent"}


async def test_429_is_honoured_for_its_chat_and_5xx_is_retried(env: Env) -> None:
    fake = env.fake
    await add_users(env, 12)
    job_id, _ = await new_broadcast(env)
    fake.fail_next("sendMessage", 429, retry_after=1)
    fake.fail_next("sendMessage", 502, times=2)
    await run_until_done(env.sender(rate=50.0), env)

    [refused] = [c for c in fake.calls if c.method == "sendMessage!429"]
    assert len([c for c in fake.calls if c.method == "sendMessage!502"]) == 2
    again = [c for c in user_sends(fake) if c.chat_id == refused.chat_id]
    assert again and again[0].at >= refused.at + 0.95  # retry_after honoured
    assert sorted(chats(user_sends(fake))) == [str(FIRST + n) for n in range(12)]
    assert set((await statuses(env, job_id)).values()) == {"sent"}
    async with env.sessions() as session:
        retried = await session.scalars(
            select(BroadcastRecipient.attempts).where(BroadcastRecipient.attempts > 1)
        )
        assert len(retried.all()) == 3


async def test_429s_from_two_chats_pause_every_send(env: Env) -> None:
    fake = env.fake
    await add_users(env, 12)
    await new_broadcast(env)
    fake.fail_next("sendMessage", 429, retry_after=1, times=2)  # a flood: two chats refused
    await run_until_done(env.sender(rate=50.0), env)
    refused = [c for c in fake.calls if c.method == "sendMessage!429"]
    assert len({c.chat_id for c in refused}) == 2
    # Requests already on their way when the 429 came back may still arrive just after
    # it; no new send starts until the pause is over.
    in_flight = 0.1
    later = [c for c in user_sends(fake) if c.at > refused[-1].at + in_flight]
    assert later and min(c.at for c in later) >= refused[-1].at + 0.95


async def test_retries_end_as_failed_after_max_attempts(env: Env) -> None:
    await add_users(env, 2)
    env.fake.unreachable_chats.add(str(FIRST))
    job_id, _ = await new_broadcast(env)
    sender = env.sender(max_attempts=2)
    async with env.sessions.begin() as session:  # no waiting for the backoff in a test
        await session.execute(update(BroadcastRecipient).values(attempts=1))
    await run_until_done(sender, env)
    assert await statuses(env, job_id) == {str(FIRST): "failed", str(FIRST + 1): "sent"}


async def test_403_blocks_the_user_and_later_broadcasts_skip_them(env: Env) -> None:
    await add_users(env, 5)
    blocked = str(FIRST + 2)
    env.fake.blocked_chats.add(blocked)
    first, _ = await new_broadcast(env)
    second, _ = await new_broadcast(env)  # queued before anyone knew
    await run_until_done(env.sender(), env)

    assert (await statuses(env, first))[blocked] == "blocked"
    assert (await statuses(env, second))[blocked] == "skipped"
    async with env.sessions() as session:
        user = await session.scalar(select(User).where(User.external_id == blocked))
        assert user is not None and user.blocked_at is not None
        assert await broadcasts.counts(session, first) == broadcasts.Counts(sent=4, blocked=1)
    third, queued = await new_broadcast(env)
    assert queued == 4 and blocked not in await statuses(env, third)
    attempts = [c for c in env.fake.calls if c.chat_id == blocked]
    assert len(attempts) == 1  # one 403, never tried again


async def test_opt_out_mid_broadcast_is_honoured(env: Env) -> None:
    await add_users(env, 10)
    job_id, _ = await new_broadcast(env)
    stop = asyncio.Event()
    task = asyncio.create_task(env.sender(rate=5.0).run(stop))
    try:
        await env.fake.wait_for(lambda: len(user_sends(env.fake)) >= 2, what="two sends")
        last = str(FIRST + 9)
        async with env.sessions.begin() as session:  # /huytin, as the dialog does it
            await session.execute(
                update(User).where(User.external_id == last).values(news_opt_in=False)
            )
        await env.fake.wait_for(lambda: len(user_sends(env.fake)) >= 9, what="the rest")
        await wait_finished(env, job_id)
    finally:
        stop.set()
        await task
    assert last not in chats(env.fake.sent())
    assert (await statuses(env, job_id))[last] == "skipped"


async def wait_finished(env: Env, job_id: int, timeout: float = 20) -> Broadcast:
    deadline = time.monotonic() + timeout
    while True:
        async with env.sessions() as session:
            job = await session.get(Broadcast, job_id)
            assert job is not None
            if job.finished_at is not None:
                return job
        assert time.monotonic() < deadline, "broadcast never finished"
        await asyncio.sleep(0.05)


# --- cancel, crashes, reports -----------------------------------------------------------


async def test_cancel_stops_sending_and_reports_it(env: Env) -> None:
    await add_users(env, 30)
    job_id, _ = await new_broadcast(env)
    stop = asyncio.Event()
    outbox = OutboxSender(env.sessions, {"telegram": env.channel}, "test-1")
    sender = env.sender(rate=10.0, wake_outbox=outbox.wake)
    tasks = [asyncio.create_task(sender.run(stop)), asyncio.create_task(outbox.run(stop))]
    try:
        await env.fake.wait_for(lambda: len(user_sends(env.fake)) >= 5, what="five sends")
        async with env.sessions.begin() as session:
            assert await broadcasts.cancel(session, job_id)
        cancelled_at = time.monotonic()
        job = await wait_finished(env, job_id)
        [report] = await env.fake.wait_sent(STAFF_CHAT, 1)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert job.status == "cancelled"
    after = [c for c in user_sends(env.fake) if c.at > cancelled_at + 0.05]
    assert after == []  # at most the send already under way finished
    c = await counts(env, job_id)
    assert c.sent == len(user_sends(env.fake)) and c.sent + c.skipped == 30 and c.pending == 0
    assert report.text == (
        f"📣 Thông báo #{job_id} đã huỷ: {c.sent} đã gửi, 0 lỗi, 0 đã chặn bot, {c.skipped} bỏ qua."
    )


async def counts(env: Env, job_id: int) -> broadcasts.Counts:
    async with env.sessions() as session:
        return await broadcasts.counts(session, job_id)


async def test_restarted_sender_resumes_a_dead_ones_rows_exactly_once(env: Env) -> None:
    await add_users(env, 20)
    job_id, _ = await new_broadcast(env)
    now = utcnow()
    async with env.sessions.begin() as session:
        # What a killed instance "w1" left: 5 rows sent and recorded, 5 claimed (in
        # flight, never reached Telegram), 10 pending; and one row of a dead "w2" whose
        # claim expired.
        await broadcasts.start(session, job_id)
        ids = list(
            (
                await session.scalars(
                    select(BroadcastRecipient.id)
                    .where(BroadcastRecipient.broadcast_id == job_id)
                    .order_by(BroadcastRecipient.id)
                )
            ).all()
        )
        await session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.id.in_(ids[:5]))
            .values(status="sent", attempts=1, sent_at=now)
        )
        await session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.id.in_(ids[5:10]))
            .values(
                status="sending",
                attempts=1,
                claimed_by="w1",
                claimed_until=now + timedelta(seconds=100),
            )
        )
        await session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.id == ids[10])
            .values(
                status="sending",
                attempts=1,
                claimed_by="w2",
                claimed_until=now - timedelta(seconds=1),
            )
        )
    sender = env.sender("w1")
    assert await sender.release_own_claims() == 5
    await run_until_done(sender, env)
    sent = sorted(chats(env.fake.sent()))
    assert sent == [str(FIRST + n) for n in range(5, 20)]  # each of the 15 exactly once
    assert set((await statuses(env, job_id)).values()) == {"sent"}


async def test_sigkill_of_a_sender_process_and_resume(
    env: Env, database_url: str, fake: FakeTelegram
) -> None:
    fake.per_chat_interval = 1.0
    await add_users(env, 150)
    job_id, _ = await new_broadcast(env)
    argv = worker_command(database_url, fake, "killed-1", rate=50.0)
    proc = await spawn(argv)
    try:
        await fake.wait_for(lambda: len(user_sends(fake)) >= 50, timeout=30, what="50 sends")
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        at_kill = len(user_sends(fake))
        proc = await spawn(argv)  # same instance name: frees its own claims at once
        await asyncio.wait_for(proc.wait(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert at_kill < 150
    got = chats(user_sends(fake))
    assert set(got) == {str(FIRST + n) for n in range(150)}  # everybody attempted
    # Nobody twice: a send in flight at the kill is reported uncertain, not repeated.
    assert fake.duplicates() == 0
    assert len(got) == len(set(got)) == 150
    final = await statuses(env, job_id)
    assert set(final.values()) <= {"sent", "failed"}
    assert list(final.values()).count("failed") <= 16  # only those in flight at the kill


async def test_claims_take_at_most_the_limit_and_never_overlap(env: Env) -> None:
    await add_users(env, 60)
    job_id, _ = await new_broadcast(env)

    async def take(by: str) -> list[int]:
        async with env.sessions.begin() as session:
            return [r.id for r in await broadcast_recipients.claim(session, job_id, 7, by)]

    batches = await asyncio.gather(*(take(f"w{n}") for n in range(6)))
    assert all(len(b) == 7 for b in batches)  # PostgreSQL: the limit holds with SKIP LOCKED
    taken = [i for b in batches for i in b]
    assert len(taken) == len(set(taken)) == 42


async def test_two_senders_share_a_broadcast_without_sending_twice(env: Env) -> None:
    await add_users(env, 120)
    job_id, _ = await new_broadcast(env)
    one, two = env.sender("a", rate=60.0, batch_size=10), env.sender("b", rate=60.0, batch_size=10)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(one.run(stop)), asyncio.create_task(two.run(stop))]
    try:
        await wait_finished(env, job_id)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert sorted(chats(user_sends(env.fake))) == [str(FIRST + n) for n in range(120)]
    async with env.sessions() as session:
        by = (await session.scalars(select(BroadcastRecipient.claimed_by).distinct())).all()
    assert set(by) == {"a", "b"}  # both took a share


async def test_progress_and_final_report_reach_the_staff_chat(env: Env) -> None:
    await add_users(env, 12)
    job_id, _ = await new_broadcast(env, text="Ảnh phiên giao dịch", photo_ref="AgACphoto")
    stop = asyncio.Event()
    outbox = OutboxSender(env.sessions, {"telegram": env.channel}, "test-1")
    sender = env.sender(rate=6.0, progress_every=0.8, wake_outbox=outbox.wake)
    tasks = [asyncio.create_task(sender.run(stop)), asyncio.create_task(outbox.run(stop))]
    try:
        await wait_finished(env, job_id)
        reports = await env.fake.wait_for(
            lambda: any("đã gửi xong" in c.text for c in env.fake.sent(STAFF_CHAT)),
            what="the final report",
        )
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    del reports
    photos = [c for c in user_sends(env.fake) if c.method == "sendPhoto"]
    assert len(photos) == 12 and photos[0].text == "Ảnh phiên giao dịch"
    texts = [c.text for c in env.fake.sent(STAFF_CHAT)]
    progress = texts[:-1]
    assert progress, texts
    assert all(t.startswith(f"📣 Thông báo #{job_id}: đã gửi ") for t in progress)
    assert all(t.endswith("/12 (lỗi 0, đã chặn bot 0, bỏ qua 0).") for t in progress)
    assert texts[-1] == (
        f"📣 Thông báo #{job_id} đã gửi xong: 12 đã gửi, 0 lỗi, 0 đã chặn bot, 0 bỏ qua."
    )
    async with env.sessions() as session:
        job = await session.get(Broadcast, job_id)
        assert job is not None and job.status == "done" and job.started_at is not None


def test_one_chats_429_waits_alone_a_flood_pauses_everything() -> None:
    from bot.pacing import FloodSignal

    now = [100.0]
    flood = FloodSignal(clock=lambda: now[0])
    assert flood.signal(("telegram", "1"), 1.0) is False  # that chat's row waits
    now[0] += 0.5
    assert flood.signal(("telegram", "1"), 1.0) is False  # the same chat again
    now[0] += 0.2
    assert flood.signal(("telegram", "2"), 1.0) is True  # another chat: the bot is too fast
    now[0] += 5
    assert flood.signal(("telegram", "3"), 1.0) is False  # long after: isolated again


async def test_sends_released_together_leave_spaced() -> None:
    """Sends whose in-flight marks were committed together (one group commit) must not
    leave as a burst: the departures gate spaces them again."""
    import itertools
    import time

    from bot.pacing import Departures

    gate = Departures(0.01)
    left: list[float] = []

    async def depart() -> None:
        await gate.wait()
        left.append(time.monotonic())

    await asyncio.gather(*(depart() for _ in range(12)))
    gaps = [b - a for a, b in itertools.pairwise(left)]
    assert len(left) == 12
    assert min(gaps) >= 0.01, gaps
