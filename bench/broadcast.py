"""Benchmark broadcast delivery against the fake Bot API enforcing Telegram's limits.

Run ``.venv/bin/python -m bench.broadcast`` from the repository root. It fills a fresh
SQLite database with ``--count`` opted-in users (default 3,000 so the default run stays
under two minutes on two cores; ``--count 10000`` for the full size), queues one broadcast
to all of them, and sends it with ``BroadcastSender`` in a child process (the real PTB
transport, `bot/telegram.py`) against the fake Bot API (tests/fakes/telegram_api.py)
running in this process, which enforces ``--limit`` messages a second overall (default
150/s: Telegram's 30/s would make 10,000 messages take 6 minutes; the sender is the same
code, only faster; one sender process tops out near 200/s on this machine, spent mostly
in PTB/httpx) and one message a second per chat, and sprinkles in 429s
(retry_after 1 s) and 403s (users who blocked the bot).

Rows of the table:

* ``one worker``: one sender at the full limit.
* ``SIGKILL + resume``: the same, with the worker killed by SIGKILL half-way and a new
  one started under the same instance name (it frees its own claims at once).
* ``two workers (PostgreSQL)``: with ``TEST_DATABASE_URL`` set, two sender processes on
  one broadcast, each with half the limit (the rate is a per-process setting). The
  benchmark drops and recreates that database's ``public`` schema, as the tests do.

Columns: achieved rate (send requests, answered or refused, ÷ seconds from the first to
the last), that
rate ÷ limit, the same over the time the fake did not ask us to pause (each 429 asks for
a 1 s pause that the sender honours), 429s answered because a limit was exceeded (0 when
the sender keeps the limit), duplicates (messages accepted twice for one recipient),
recipients never attempted, and rows not in a final state at the end.

``worker`` is the child process: ``python -m bench.broadcast worker --database-url …``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.pg import admin
from bot.broadcast import BroadcastSender
from bot.ingress import Ingress
from bot.telegram import TelegramChannel
from db import broadcasts
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import Broadcast, BroadcastRecipient, User
from handlers.types import Incoming
from settings import Settings
from tests.fakes.telegram_api import SEND_METHODS, FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
FIRST_CHAT = 10_000_000
TEXT = "📣 Phiên giao dịch việc làm tháng 12: tuyển lao động đi Hàn Quốc (EPS)."


# --- the worker (child process) ---------------------------------------------------


def _settings(database_url: str, api_base: str, token: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=database_url,
        telegram_bot_token=token,
        telegram_api_base_url=api_base,
        _env_file=None,
    )


async def _never(_: Incoming) -> bool:
    return False


async def worker(args: argparse.Namespace) -> None:
    """Send broadcasts until none is left (or SIGTERM); SIGKILL is the point of the bench."""
    settings = _settings(args.database_url, args.api_base, args.token)
    engine = create_engine(settings)
    channel = TelegramChannel(settings, Ingress(_never))
    await channel.app.initialize()
    sender = BroadcastSender(
        session_factory(engine),
        {channel.name: channel},
        args.instance,
        rate=args.rate,
        per_chat_interval=args.per_chat,
        progress_every=args.progress_every,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    task = asyncio.create_task(sender.run(stop))
    try:
        while not stop.is_set():
            await asyncio.sleep(0.5)
            async with session_factory(engine)() as session:
                if not await broadcasts.active(session):
                    stop.set()
        await task
    finally:
        await channel.app.shutdown()
        await engine.dispose()


def worker_command(
    database_url: str,
    fake: FakeTelegram,
    instance: str,
    rate: float,
    per_chat: float = 1.0,
    progress_every: float = 10.0,
) -> list[str]:
    """The argv of a worker child process sending through `fake`."""
    return [
        sys.executable,
        "-m",
        "bench.broadcast",
        "worker",
        "--database-url",
        database_url,
        "--api-base",
        fake.base_url,
        "--token",
        fake.token,
        "--instance",
        instance,
        "--rate",
        str(rate),
        "--per-chat",
        str(per_chat),
        "--progress-every",
        str(progress_every),
    ]


async def spawn(argv: Sequence[str]) -> asyncio.subprocess.Process:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    return await asyncio.create_subprocess_exec(
        *argv, env=env, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=None
    )


# --- the benchmark ----------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    recipients: int
    limit: float
    achieved: float
    paused: float
    enforced: int
    duplicates: int
    never_attempted: int
    unfinished: int
    seconds: float
    workers: int
    restart_gap: float = 0.0


async def prepare(engine: AsyncEngine, count: int, blocked: set[str]) -> int:
    """`count` opted-in users and one broadcast queued to all; returns its id."""
    await upgrade(engine)
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        rows: list[dict[str, Any]] = [
            {
                "channel": "telegram",
                "external_id": str(FIRST_CHAT + n),
                "news_opt_in": True,
                "interests": ["kr_eps"],
                "province_name": "Tỉnh Lào Cai",
            }
            for n in range(count)
        ]
        for start in range(0, count, 2000):
            await session.execute(insert(User), rows[start : start + 2000])
        job = Broadcast(text=TEXT, audience={"all": True}, status="draft")
        session.add(job)
        await session.flush()
        queued = await broadcasts.queue(session, job)
        assert queued == count, (queued, count)
        return job.id


async def unfinished_rows(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        n = await session.scalar(
            select(func.count())
            .select_from(BroadcastRecipient)
            .where(BroadcastRecipient.status.in_(("pending", "sending")))
        )
    return int(n or 0)


def measure(
    scenario: str,
    fake: FakeTelegram,
    count: int,
    limit: float,
    seconds: float,
    unfinished: int,
    workers: int,
    killed_at: float | None = None,
) -> Row:
    # Every request counts against the limit, answered or refused (403, 429).
    requests = [c for c in fake.calls if c.method.split("!")[0] in SEND_METHODS]
    times = sorted(c.at for c in requests)
    span = (times[-1] - times[0]) if len(times) > 1 else 0.0
    rate429 = [c for c in fake.calls if c.method.endswith("!429")]
    # Every 429 asks for a pause of retry_after (1 s) from the moment it was answered;
    # overlapping pauses count once.
    paused, until = 0.0, 0.0
    for call in sorted(rate429, key=lambda c: c.at):
        start = max(call.at, until)
        end = call.at + 1.0
        if end > start:
            paused += end - start
            until = end
    # With a SIGKILL: the silence from the last request before it to the first request of
    # the new process (the restart's dead time: a Python process starting up).
    gap = 0.0
    if killed_at is not None:
        before = [t for t in times if t <= killed_at]
        after = [t for t in times if t > killed_at]
        if before and after:
            gap = after[0] - before[-1]
    attempted = {c.chat_id for c in fake.calls if c.method.startswith("send")}
    expected = {str(FIRST_CHAT + n) for n in range(count)}
    return Row(
        scenario=scenario,
        recipients=count,
        limit=limit,
        achieved=(len(requests) - 1) / span if span else 0.0,
        workers=workers,
        paused=paused,
        enforced=fake.enforced_429,
        duplicates=fake.duplicates(),
        never_attempted=len(expected - attempted),
        unfinished=unfinished,
        seconds=seconds,
        restart_gap=gap,
    )


async def scenario(
    name: str,
    database_url: str,
    count: int,
    limit: float,
    workers: int = 1,
    kill_at: float | None = None,
    sprinkle: tuple[float, float] = (0.0003, 0.005),
    headroom: float = 0.97,
) -> Row:
    fake = FakeTelegram(seed=7)
    await fake.start()
    fake.rate_limit = limit
    # Telegram states "about N messages per second" and tolerates short bursts: allow
    # 0.1 s worth at once (the sender commits each send's in-flight mark in groups).
    fake.rate_burst = max(3.0, limit / 10)
    fake.per_chat_interval = 1.0
    p429, p403 = sprinkle
    fake.sprinkle(429, p429, retry_after=1)
    blocked = {str(FIRST_CHAT + n) for n in range(0, count, max(1, round(1 / p403)))}
    fake.blocked_chats = blocked
    engine = create_engine(_settings(database_url, fake.base_url, fake.token))
    try:
        await prepare(engine, count, blocked)
        # The sender aims a little below the platform's limit: sends that arrive exactly at
        # the limit turn every bit of network or scheduling jitter into a 429 and a pause.
        share = limit * headroom / workers
        started = time.monotonic()
        procs = [
            await spawn(worker_command(database_url, fake, f"bench-{n}", share))
            for n in range(workers)
        ]
        killed_at: float | None = None
        if kill_at is not None:
            await fake.wait_for(
                lambda: len(fake.sent()) >= kill_at * count, timeout=600, what="half sent"
            )
            killed_at = time.monotonic()
            procs[0].send_signal(signal.SIGKILL)
            await procs[0].wait()
            procs[0] = await spawn(worker_command(database_url, fake, "bench-0", share))
        for proc in procs:
            await proc.wait()
        seconds = time.monotonic() - started
        unfinished = await unfinished_rows(engine)
        return measure(name, fake, count, limit, seconds, unfinished, workers, killed_at)
    finally:
        await engine.dispose()
        await fake.stop()


def print_table(rows: Sequence[Row]) -> None:
    print(
        "| scenario | recipients | limit/s | achieved/s | rate ÷ limit | ÷ limit outside "
        "429 pauses | ÷ limit outside the restart | restart gap s | 429 pauses s | "
        "limit 429s | duplicates | never attempted | unfinished | wall s |"
    )
    print("| --- " * 14 + "|")
    for r in rows:
        # A 429 pauses only the worker that got it: with two, the column is not defined.
        sending = r.recipients / r.achieved if r.achieved else 0.0
        outside = r.recipients / max(sending - r.paused, 1e-9) / r.limit if sending else 0.0
        shown = f"{outside:.3f}" if r.workers == 1 else "–"
        running = r.recipients / max(sending - r.restart_gap, 1e-9) / r.limit if sending else 0
        restart = f"{running:.3f} | {r.restart_gap:.1f}" if r.restart_gap else "– | –"
        print(
            f"| {r.scenario} | {r.recipients:,} | {r.limit:g} | {r.achieved:.1f} | "
            f"{r.achieved / r.limit:.3f} | {shown} | {restart} | {r.paused:.1f} | "
            f"{r.enforced} | {r.duplicates} | {r.never_attempted} | {r.unfinished} | "
            f"{r.seconds:.1f} |"
        )


async def bench(args: argparse.Namespace) -> None:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, kill in (("one worker", None), ("SIGKILL + resume", 0.5)):
            url = f"sqlite+aiosqlite:///{Path(tmp) / f'bench-{len(rows)}.db'}"
            rows.append(
                await scenario(
                    name, url, args.count, args.limit, kill_at=kill, headroom=args.headroom
                )
            )
    pg = os.environ.get("TEST_DATABASE_URL", "")
    if pg:
        # A database of the benchmark's own: it never touches the tests' or anyone's data.
        name = f"bot_bench_{os.getpid()}"
        await admin(pg, f'CREATE DATABASE "{name}"')
        url = pg.rsplit("/", 1)[0] + "/" + name
        try:
            rows.append(
                await scenario(
                    "two workers (PostgreSQL)",
                    url,
                    args.count,
                    args.limit,
                    2,
                    headroom=args.headroom,
                )
            )
        finally:
            await admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        print("(TEST_DATABASE_URL not set: the two-worker PostgreSQL row is skipped)")
    print(
        f"(limit {args.limit:g}/s; the senders aim at {args.headroom:g} × the limit, "
        f"{args.count:,} recipients)"
    )
    print_table(rows)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    w = sub.add_parser("worker", help="a sender process (started by the benchmark and tests)")
    w.add_argument("--database-url", required=True)
    w.add_argument("--api-base", required=True)
    w.add_argument("--token", required=True)
    w.add_argument("--instance", required=True)
    w.add_argument("--rate", type=float, default=30.0)
    w.add_argument("--per-chat", type=float, default=1.0)
    w.add_argument("--progress-every", type=float, default=10.0)
    parser.add_argument("--count", type=int, default=3_000, help="recipients (3,000)")
    parser.add_argument("--limit", type=float, default=150.0, help="messages a second (150)")
    parser.add_argument(
        "--headroom",
        type=float,
        default=0.97,
        help="the senders' rate as a share of the limit (0.97)",
    )
    args = parser.parse_args(argv)
    if args.command == "worker":
        asyncio.run(worker(args))
    else:
        asyncio.run(bench(args))


if __name__ == "__main__":
    main()
