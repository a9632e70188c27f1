"""/metrics: Prometheus text format from a real server, counting real updates; queue
figures read from the database at scrape time; loopback-only or a bearer token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.serve import Server
from db.models import Broadcast, BroadcastRecipient
from tests.conftest import start_webhook_server
from tests.fakes.telegram_api import FakeTelegram

WORKER, UNREACHABLE = 5001, 5002
TOKEN = "scrape-token-123"


@pytest.fixture
async def server(database_url: str, fake: FakeTelegram) -> AsyncIterator[Server]:
    server = await start_webhook_server(database_url, fake)
    yield server
    await server.stop()


async def _scrape(server: Server, **headers: str) -> tuple[int, dict[str, float]]:
    """Status and {"name{label=value,…}": value} of every sample."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{server.port}/metrics", headers=headers) as r:
            body = await r.text()
            if r.status != 200:
                return r.status, {}
            assert r.headers["Content-Type"].startswith("text/plain; version=")
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            samples[f"{s.name}{{{labels}}}"] = s.value
    return 200, samples


async def test_metrics_count_updates_faq_outcomes_latency_and_queues(
    server: Server, fake: FakeTelegram
) -> None:
    first = fake.message_update(WORKER, "xin chào")
    assert await fake.deliver_webhook(first) == 200
    assert await fake.deliver_webhook(first) == 200  # a redelivery
    await fake.wait_sent(WORKER, 1)
    for text in ("di han quoc can dieu kien gi", "con mèo màu tím bay qua sông"):
        assert await fake.deliver_webhook(fake.message_update(WORKER, text)) == 200
    await fake.wait_sent(WORKER, 3)

    # Replies to an unreachable chat stay in the outbox: backlog and age come from the DB.
    fake.unreachable_chats.add(str(UNREACHABLE))
    assert await fake.deliver_webhook(fake.message_update(UNREACHABLE, "xin chào")) == 200
    await fake.wait_for(lambda: any(c.method.endswith("!502") for c in fake.calls))
    runtime = server.runtime
    assert runtime is not None
    async with runtime.sessions.begin() as session:
        job = Broadcast(text="Thông báo", audience={"all": True}, status="cancelled")
        session.add(job)
        await session.flush()
        session.add_all(
            BroadcastRecipient(broadcast_id=job.id, channel="telegram", chat_key=str(n),
                               status=status)
            for n, status in ((1, "sent"), (2, "sent"), (3, "failed"))
        )  # fmt: skip
        await session.flush()
        job.status = "sending"  # counted while it is active (the sender finds nothing to do)

    status, m = await _scrape(server)
    assert status == 200
    assert m["bot_updates_total{channel=telegram}"] == 4
    assert m["bot_duplicate_updates_total{channel=telegram}"] == 1
    assert m["bot_faq_answers_total{outcome=answer}"] == 1
    assert m["bot_faq_answers_total{outcome=none}"] == 1
    assert m["bot_update_handling_seconds_count{channel=telegram}"] == 4
    assert m["bot_updates_handled_total{channel=telegram,result=ok}"] == 4
    assert m["bot_outbox_sends_total{channel=telegram,result=sent}"] >= 3
    assert m["bot_outbox_sends_total{channel=telegram,result=retry}"] >= 1
    assert m["bot_database_up{}"] == 1
    assert m["bot_outbox_backlog{channel=telegram}"] >= 1
    assert m["bot_outbox_oldest_age_seconds{}"] > 0
    assert m["bot_inbox_waiting{status=pending}"] == 0
    assert m[f"bot_broadcast_recipients{{broadcast={job.id},status=sent}}"] == 2
    assert m[f"bot_broadcast_recipients{{broadcast={job.id},status=failed}}"] == 1

    # Forwarded by a reverse proxy on this host: refused although it comes from loopback.
    status, _ = await _scrape(server, **{"X-Forwarded-For": "203.0.113.9"})
    assert status == 403


async def test_metrics_with_a_token_need_it(database_url: str, fake: FakeTelegram) -> None:
    server = await start_webhook_server(database_url, fake, metrics_token=TOKEN)
    try:
        assert (await _scrape(server))[0] == 403
        assert (await _scrape(server, Authorization="Bearer wrong"))[0] == 403
        status, m = await _scrape(server, Authorization=f"Bearer {TOKEN}")
        assert status == 200 and m["bot_database_up{}"] == 1
    finally:
        await server.stop()


async def test_two_servers_in_one_process_keep_their_own_counts(
    database_url: str, fake: FakeTelegram
) -> None:
    """A per-app registry: no 'Duplicated timeseries' error, no shared counters."""
    one = await start_webhook_server(database_url, fake)
    two = await start_webhook_server(database_url, fake)
    try:
        assert await fake.deliver_webhook(fake.message_update(WORKER, "xin chào")) == 200
        await fake.wait_sent(WORKER, 1)
        counts = [(await _scrape(s))[1].get("bot_updates_total{channel=telegram}", 0)
                  for s in (one, two)]  # fmt: skip
        assert sorted(counts) == [0, 1]
    finally:
        await two.stop()
        await one.stop()
