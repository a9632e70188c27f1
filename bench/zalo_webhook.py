"""Benchmark the Zalo OA webhook: how fast `/zalo/oa` answers (Zalo wants a 200 within 2 s)
while the dialog runs behind it.

Run ``.venv/bin/python -m bench.zalo_webhook`` from the repository root. It starts
`serve` (bot/serve.py) on a fresh SQLite database (or ``--database-url``) with the Zalo OA
channel pointed at the fake Zalo server (tests/fakes/zalo_api.py) and the staff chat on
the fake Telegram, then POSTs ``--count`` signed ``user_send_text`` events from distinct
users, ``--concurrency`` at a time, plus the same number with a wrong signature.

Printed: the acknowledgement latency of the signed events (p50, p95, max; and without
the first ``--concurrency`` events, which pay for opening connections), how many got
200, how many wrong-signature requests got 401, and the seconds until every signed event
had its reply sent to the fake OA API.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.serve import Server
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo


async def run(count: int, concurrency: int, database_url: str | None) -> None:
    telegram, zalo = FakeTelegram(), FakeZalo()
    await telegram.start()
    await zalo.start()
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        settings = make_settings(url, telegram, log_level="WARNING", **zalo.settings(bot=False))
        server = Server(settings, FaqService(FIXTURE_FAQ))
        await server.start()
        hook = f"http://127.0.0.1:{server.port}/zalo/oa"
        gate = asyncio.Semaphore(concurrency)
        latencies: list[float] = []
        warm: list[float] = []  # events after the first `concurrency` (cold start)
        statuses: list[int] = []
        refused: list[int] = []

        async def one(n: int, signature: str) -> None:
            event = zalo.oa_text(f"u{n}", "di han quoc can dieu kien gi")
            async with gate:
                started = time.monotonic()
                status = await zalo.deliver_oa(hook, event, signature=signature)
                if signature == "good":
                    latencies.append(time.monotonic() - started)
                    if n >= concurrency:
                        warm.append(latencies[-1])
                    statuses.append(status)
                else:
                    refused.append(status)

        started = time.monotonic()
        await asyncio.gather(
            *(one(n, "good") for n in range(count)),
            *(one(count + n, "wrong-secret") for n in range(count)),
        )
        await zalo.wait_for(
            lambda: len({c.user for c in zalo.oa_sent()}) >= count, timeout=600, what="replies"
        )
        total = time.monotonic() - started
        await server.stop()
    await zalo.stop()
    await telegram.stop()
    latencies.sort()
    warm.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    warm_p95 = warm[int(0.95 * (len(warm) - 1))] if warm else 0.0
    print(f"signed events: {count}, concurrency {concurrency}, database {url.split(':')[0]}")
    print(
        f"ack latency: p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
    )
    if warm:
        print(
            f"  after the first {concurrency} (cold start: connections, caches): "
            f"p95 {warm_p95 * 1000:.0f} ms, max {warm[-1] * 1000:.0f} ms"
        )
    print(
        f"200 answers: {statuses.count(200)}/{count}; wrong signature → 401: "
        f"{refused.count(401)}/{count}"
    )
    print(f"all replies sent after {total:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(run(args.count, args.concurrency, args.database_url))


if __name__ == "__main__":
    main()
