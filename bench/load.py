"""Load benchmark: simulated users through the webhook, against a fake Bot API.

Run ``.venv/bin/python -m bench.load`` from the repository root (``--runs 3`` for
medians; ``TEST_DATABASE_URL=…`` adds PostgreSQL rows, on a database of the benchmark's
own that is dropped at the end).

Each run starts, in turn, the targets as child processes in webhook mode, all sending
through one fake Bot API server in this process:

* ``echo`` — a bare python-telegram-bot echo bot (``bench/echo_bot.py``), the baseline;
* ``ours (sqlite)`` — ``python -m bot serve`` on a fresh SQLite file;
* ``ours (postgresql)`` — the same on PostgreSQL, when ``TEST_DATABASE_URL`` is set.

``--users`` (200) simulated users talk at once, each a ``--messages`` (10) message
conversation: a greeting, two FAQ questions in the way workers type them, then the
registration form (menu button, consent, name, birth date, gender, phone, commune),
each message sent when the previous one's replies have all arrived. Before the measured
users, one calibration user walks the same script slowly to learn how many replies
each step produces.

Figures: updates/s (updates ÷ seconds from the first POST to the last reply), latency
of each message from its webhook POST to the arrival of its last reply at the fake API
(p50/p95/p99), peak RSS of the target process (VmHWM), its CPU time per update, and
failures (a POST not answered 200, or replies missing after 30 s). The ratios compare
ours with the echo bot of the same run; with ``--runs N`` the table shows medians.

``--compare DIR`` adds the bot from another source tree (an older commit unpacked with
``git archive``) on SQLite to the same run, for before/after figures.

``--profile FILE`` attaches py-spy to our SQLite server during the first measured run and
writes its samples there (collapsed stacks; summarise with ``python -m bench.profile FILE``
or load into speedscope.app). As root, or with ptrace allowed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from aiohttp import web

from bench.pg import admin
from tests.fakes.telegram_api import BOT_USER, SEND_METHODS, _params

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "424242:BENCH-token"
SECRET = "bench-secret"
HOOK_PATH = "/telegram/bench-hook"
FIRST_USER = 20_000_000
REPLY_TIMEOUT = 30.0

# (kind, value): "say" text or "press" a button; {phone} is unique per user.
SCRIPT: list[tuple[str, str]] = [
    ("say", "xin chào"),
    ("say", "di han quoc het bao nhieu tien"),
    ("say", "vay von ngan hang chinh sach duoc bao nhieu"),
    ("press", "menu:register"),
    ("press", "reg:consent:yes"),
    ("say", "lò văn minh"),
    ("say", "12/3/1999"),
    ("press", "reg:gender:nam"),
    ("say", "{phone}"),
    ("say", "bat xat"),
]


# --- the fake Bot API ---------------------------------------------------------------


class BenchApi:
    """A lean fake Bot API: answers like Telegram, records when each chat got a message.

    Lighter than tests/fakes/telegram_api.py (which keeps every call and wakes every
    waiter on each one): here each chat has its own event, so 200 waiting users cost
    nothing while they wait.
    """

    def __init__(self) -> None:
        self.arrivals: dict[str, list[float]] = {}
        self._events: dict[str, asyncio.Event] = {}
        self._message_ids = itertools.count(1)
        self.webhook_url: str | None = None
        self.webhook_set = asyncio.Event()
        self.requests = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def event(self, chat: str) -> asyncio.Event:
        return self._events.setdefault(chat, asyncio.Event())

    async def wait_count(self, chat: str, count: int, within: float) -> float | None:
        """Arrival time of the chat's `count`-th message, or None after `within` seconds."""
        deadline = time.monotonic() + within
        arrivals = self.arrivals.setdefault(chat, [])
        event = self.event(chat)
        while len(arrivals) < count:
            event.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return None
        return arrivals[count - 1]

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401}, status=401)
        method = request.match_info["method"]
        params = await _params(request)
        self.requests += 1
        result: Any = True
        if method in SEND_METHODS:
            chat = str(params.get("chat_id"))
            self.arrivals.setdefault(chat, []).append(time.monotonic())
            self.event(chat).set()
            result = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(chat), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        elif method == "getMe":
            result = {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                      "supports_inline_queries": False}  # fmt: skip
        elif method == "setWebhook":
            self.webhook_url = params.get("url")
            self.webhook_set.set()
        elif method == "getWebhookInfo":
            result = {"url": self.webhook_url or "", "has_custom_certificate": False,
                      "pending_update_count": 0}  # fmt: skip
        return web.json_response({"ok": True, "result": result})


# --- updates --------------------------------------------------------------------------


class Updates:
    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def make(self, user: int, kind: str, value: str) -> dict[str, Any]:
        update_id = next(self._ids)
        sender = {"id": user, "is_bot": False, "first_name": "Lò Văn", "language_code": "vi"}
        chat = {"id": user, "type": "private", "first_name": "Lò Văn"}
        if kind == "press":
            return {
                "update_id": update_id,
                "callback_query": {
                    "id": f"cb{update_id}",
                    "from": sender,
                    "chat_instance": "ci",
                    "data": value,
                    "message": {"message_id": 1, "date": int(time.time()), "chat": chat,
                                "from": BOT_USER, "text": "…"},
                },
            }  # fmt: skip
        text = value.format(phone=f"09{user % 100_000_000:08d}")
        return {
            "update_id": update_id,
            "message": {"message_id": update_id, "date": int(time.time()), "chat": chat,
                        "from": sender, "text": text},
        }  # fmt: skip


# --- targets ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Target:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    prepare: list[list[str]] = field(default_factory=list)
    profile: str | None = None
    code: Path = ROOT  # the source tree the target runs from


API = "{api}"  # replaced by the base URL of each run's fake Bot API


def echo_target() -> Target:
    port = _free_port()
    url = f"http://127.0.0.1:{port}{HOOK_PATH}"
    argv = [sys.executable, "-m", "bench.echo_bot", "--port", str(port), "--api-base",
            API, "--token", TOKEN, "--url", url, "--path", HOOK_PATH,
            "--secret", SECRET]  # fmt: skip
    return Target("echo (PTB)", argv, {}, port)


def our_target(
    name: str, database_url: str, workdir: Path, profile: str | None, code: Path = ROOT
) -> Target:
    port = _free_port()
    env = {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": API,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}{HOOK_PATH}",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "WEB_PORT": str(port),
        "CENTRE_CHAT_ID": "-1001234",
        "CENTRE_PHONE": "0200 000 000",
        "PID_FILE": str(workdir / f"bot-{port}.pid"),
        "INSTANCE_NAME": f"bench-{port}",
        "LOG_LEVEL": "INFO",
    }
    argv = [sys.executable, "-m", "bot", "serve"]
    prepare = [] if database_url.startswith("sqlite") else [
        [sys.executable, "-m", "bot", "db", "upgrade"]
    ]  # fmt: skip
    return Target(name, argv, env, port, prepare, profile, code)


def _proc_status(pid: int, key: str) -> int:
    """A VmXXX field of /proc/<pid>/status in kB (0 when unknown)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


# --- one measured run -----------------------------------------------------------------------


@dataclass
class Result:
    target: str
    updates: int
    seconds: float
    latencies: list[float]
    failures: int
    rss_mb: float
    cpu_ms_per_update: float
    target_busy: float = 0.0  # the target's CPU seconds ÷ wall seconds
    harness_busy: float = 0.0  # the same for this process (fake API and users)

    @property
    def throughput(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000


async def _post(http: aiohttp.ClientSession, url: str, update: dict[str, Any]) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with http.post(url, json=update, headers=headers) as response:
        await response.read()
        return response.status


async def _calibrate(
    http: aiohttp.ClientSession, api: BenchApi, url: str, updates: Updates
) -> list[int]:
    """Replies per step of the script, learnt from one user walking it slowly."""
    user = FIRST_USER - 1
    chat = str(user)
    counts: list[int] = []
    for kind, value in SCRIPT:
        before = len(api.arrivals.get(chat, []))
        status = await _post(http, url, updates.make(user, kind, value))
        assert status == 200, f"calibration POST answered {status}"
        if await api.wait_count(chat, before + 1, REPLY_TIMEOUT) is None:
            raise RuntimeError(f"no reply to {value!r} during calibration")
        while True:  # the step is over when nothing more arrives for 0.4 s
            seen = len(api.arrivals[chat])
            await asyncio.sleep(0.4)
            if len(api.arrivals[chat]) == seen:
                break
        counts.append(len(api.arrivals[chat]) - before)
    return counts


async def _user(
    http: aiohttp.ClientSession,
    api: BenchApi,
    url: str,
    updates: Updates,
    user: int,
    counts: Sequence[int],
    messages: int,
    latencies: list[float],
) -> tuple[int, float]:
    """One user's conversation; returns (failures, time of their last reply)."""
    chat = str(user)
    expected = 0
    failures = 0
    last = 0.0
    for step in range(messages):
        kind, value = SCRIPT[step % len(SCRIPT)]
        expected += counts[step % len(counts)]
        started = time.monotonic()
        try:
            status = await _post(http, url, updates.make(user, kind, value))
        except aiohttp.ClientError:
            status = 0
        if status != 200:
            failures += 1
            expected = len(api.arrivals.get(chat, []))
            continue
        arrived = await api.wait_count(chat, expected, REPLY_TIMEOUT)
        if arrived is None:
            failures += 1
            expected = len(api.arrivals.get(chat, []))
            continue
        latencies.append(arrived - started)
        last = max(last, arrived)
    return failures, last


async def _attach_profiler(
    pid: int, path: str | None, log: Any
) -> asyncio.subprocess.Process | None:
    if not path:
        return None
    spy_bin = Path(sys.executable).parent / "py-spy"
    spy = await asyncio.create_subprocess_exec(
        str(spy_bin), "record", "--pid", str(pid), "--format", "raw", "--rate", "250",
        "--gil", "-o", path, stdout=log, stderr=log,
    )  # fmt: skip
    await asyncio.sleep(1.0)  # attached before the load starts
    return spy


async def measure(target: Target, users: int, messages: int, workdir: Path) -> Result:
    api = BenchApi()
    await api.start()
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(target.code)}
    env.update({k: v.replace(API, api.base_url) for k, v in target.env.items()})
    argv = [a.replace(API, api.base_url) for a in target.argv]
    log = (workdir / f"{target.name.split()[0]}-{target.port}.log").open("wb")
    proc: asyncio.subprocess.Process | None = None
    try:
        for step in target.prepare:
            prep = await asyncio.create_subprocess_exec(*step, env=env, cwd=workdir,
                                                        stdout=log, stderr=log)  # fmt: skip
            if await prep.wait() != 0:
                raise RuntimeError(f"{step} failed; see {log.name}")
        proc = await asyncio.create_subprocess_exec(
            *argv, env=env, cwd=workdir, stdout=log, stderr=log
        )
        await asyncio.wait_for(api.webhook_set.wait(), 60)
        url = f"http://127.0.0.1:{target.port}{HOOK_PATH}"
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            updates = Updates()
            counts = await _calibrate(http, api, url, updates)
            spy = await _attach_profiler(proc.pid, target.profile, log)
            cpu_before = _cpu_seconds(proc.pid)
            harness_before = time.process_time()
            latencies: list[float] = []
            started = time.monotonic()
            outcomes = await asyncio.gather(
                *(
                    _user(http, api, url, updates, FIRST_USER + n, counts, messages, latencies)
                    for n in range(users)
                )
            )
            cpu = _cpu_seconds(proc.pid) - cpu_before
            harness = time.process_time() - harness_before
            if spy is not None:
                spy.send_signal(signal.SIGINT)  # py-spy writes its file and exits
                await spy.wait()
        failures = sum(f for f, _ in outcomes)
        finished = max((t for _, t in outcomes), default=started)
        handled = users * messages - failures
        rss = _proc_status(proc.pid, "VmHWM") / 1024
        wall = finished - started
        return Result(target.name, handled, wall, latencies, failures, rss,
                      cpu * 1000 / max(1, handled), cpu / wall, harness / wall)  # fmt: skip
    finally:
        if proc is not None and proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        log.close()
        await api.stop()


# --- the benchmark ----------------------------------------------------------------------------


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_table(runs: list[dict[str, Result]]) -> None:
    names = list(runs[0])
    echo = names[0]
    print(f"\n{len(runs)} run(s); medians over runs; ratios within each run, then the median.")
    print("| target | updates/s | p50 ms | p95 ms | p99 ms | peak RSS MB | CPU ms/update "
          "| failures | ÷ echo updates/s | p99 ÷ echo p99 |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in names:
        rows = [run[name] for run in runs]
        thr = _median([r.throughput for r in rows])
        ratio = _median([run[name].throughput / run[echo].throughput for run in runs])
        p99r = _median([run[name].pct(0.99) / run[echo].pct(0.99) for run in runs])
        shown = ("–", "–") if name == echo else (f"{ratio:.2f}", f"{p99r:.1f}")
        print(
            f"| {name} | {thr:.0f} | {_median([r.pct(0.5) for r in rows]):.0f} | "
            f"{_median([r.pct(0.95) for r in rows]):.0f} | "
            f"{_median([r.pct(0.99) for r in rows]):.0f} | "
            f"{_median([r.rss_mb for r in rows]):.0f} | "
            f"{_median([r.cpu_ms_per_update for r in rows]):.2f} | "
            f"{sum(r.failures for r in rows)} | {shown[0]} | {shown[1]} |"
        )
    for name in names[1:]:
        ratio = _median([run[name].throughput / run[echo].throughput for run in runs])
        p99r = _median([run[name].pct(0.99) / run[echo].pct(0.99) for run in runs])
        ok = ratio >= 0.5 and p99r < 10
        print(f"{name}: throughput ÷ echo {ratio:.2f} (target ≥ 0.5), p99 ÷ echo p99 "
              f"{p99r:.1f} (target < 10): {'MET' if ok else 'NOT MET'}")  # fmt: skip


async def bench(args: argparse.Namespace) -> list[dict[str, Result]]:
    runs: list[dict[str, Result]] = []
    pg = os.environ.get("TEST_DATABASE_URL", "")
    pg_name = f"bot_bench_load_{os.getpid()}"
    if pg:
        await admin(pg, f'CREATE DATABASE "{pg_name}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(args.workdir or tmp)
            for run in range(args.runs):
                results: dict[str, Result] = {}
                targets = [echo_target()]
                sqlite_url = f"sqlite+aiosqlite:///{workdir / f'load-{run}.db'}"
                targets.append(our_target("ours (sqlite)", sqlite_url, workdir,
                                          args.profile if run == 0 else None))  # fmt: skip
                if args.compare:
                    other_url = f"sqlite+aiosqlite:///{workdir / f'load-{run}-other.db'}"
                    targets.append(our_target(f"{args.compare_name} (sqlite)", other_url,
                                              workdir, None, Path(args.compare)))  # fmt: skip
                if pg:
                    url = pg.rsplit("/", 1)[0] + "/" + pg_name
                    await _reset_pg(url)
                    targets.append(our_target("ours (postgresql)", url, workdir, None))
                for target in targets:
                    result = await measure(target, args.users, args.messages, workdir)
                    results[target.name] = result
                    print(
                        f"run {run + 1} {target.name}: {result.throughput:.0f} updates/s, "
                        f"p50 {result.pct(0.5):.0f} ms, p99 {result.pct(0.99):.0f} ms, "
                        f"RSS {result.rss_mb:.0f} MB, {result.cpu_ms_per_update:.2f} CPU "
                        f"ms/update, {result.failures} failures; CPU busy: target "
                        f"{result.target_busy:.0%}, harness {result.harness_busy:.0%}",
                        flush=True,
                    )
                runs.append(results)
    finally:
        if pg:
            await admin(pg, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    if not pg:
        print("(TEST_DATABASE_URL not set: the PostgreSQL row is skipped)")
    print_table(runs)
    if args.profile:
        print(f"py-spy samples of the first SQLite run: {args.profile}")
    return runs


async def _reset_pg(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="concurrent users (200)")
    parser.add_argument("--messages", type=int, default=10, help="messages per user (10)")
    parser.add_argument("--runs", type=int, default=1, help="runs; medians are shown (1)")
    parser.add_argument("--profile", default=None, help="py-spy samples of ours (SQLite)")
    parser.add_argument("--workdir", default=None, help="keep databases and logs here")
    parser.add_argument(
        "--compare",
        default=None,
        help="also run the bot from this source tree (e.g. `git archive` of "
        "an older commit) on SQLite: before/after in one run",
    )
    parser.add_argument("--compare-name", default="before")
    args = parser.parse_args(argv)
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
