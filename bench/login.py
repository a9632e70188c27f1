"""Login-storm benchmark: do dashboard logins stall the workers' conversations?

Run ``.venv/bin/python -m bench.login`` from the repository root (``--duration 10`` for a
short check; ``--compare DIR`` adds the code of another source tree, e.g. the commit
before this work unpacked with ``git archive``).

Pieces of ``bench/load.py``: ``python -m bot serve`` as a child process in webhook mode
on a fresh SQLite file, the lean fake Bot API in this process, and simulated workers
posting Telegram updates to the webhook. ``--workers`` (50) workers chat for
``--duration`` (30) seconds: each walks the load benchmark's 10-message script (a
greeting, two FAQ questions, the registration form), waiting for the replies of each
message and then ``--think`` (1) second, and starts again as a new user at the end. The
latency of a message runs from its webhook POST to the arrival of its last reply.

Each target is measured in three phases on a fresh server each:

* ``quiet``: the workers alone;
* ``storm, one address``: the workers while ``--clients`` (8) clients post logins with
  unknown names and wrong passwords to ``/staff/login`` as fast as they are answered,
  reusing one CSRF token (review finding F3), all from 127.0.0.1;
* ``storm, many addresses``: the same, each attempt with a new ``X-Real-IP`` (a botnet
  behind the reverse proxy: no per-address delay helps).

The storm clients run in a child process of their own, so their CPU is not the
harness's. Printed per phase: the workers' messages, p50/p95/p99, login attempts and
their answers; then each storm's p99 ÷ the quiet p99 (target ≤ 1.5).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.load import (
    API,
    FIRST_USER,
    HOOK_PATH,
    REPLY_TIMEOUT,
    ROOT,
    SCRIPT,
    BenchApi,
    Target,
    Updates,
    _calibrate,
    _cpu_seconds,
    _post,
    our_target,
)

PHASES = ("quiet", "storm, one address", "storm, many addresses")
CSRF_FIELD = 'name="csrf" value="'


@dataclass
class Phase:
    target: str
    phase: str
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    logins: dict[str, int] = field(default_factory=dict)
    target_cpu: float = 0.0
    seconds: float = 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000


# --- workers ----------------------------------------------------------------------------


async def _worker(
    http: aiohttp.ClientSession,
    api: BenchApi,
    url: str,
    updates: Updates,
    number: int,
    counts: list[int],
    think: float,
    until: float,
    phase: Phase,
) -> None:
    """Conversations of one worker until `until`; a new user for each conversation."""
    rounds = 0
    while time.monotonic() < until:
        user = FIRST_USER + number * 10_000 + rounds
        rounds += 1
        chat = str(user)
        expected = 0
        for (kind, value), replies in zip(SCRIPT, counts, strict=True):
            if time.monotonic() >= until:
                return
            expected += replies
            started = time.monotonic()
            try:
                status = await _post(http, url, updates.make(user, kind, value))
            except aiohttp.ClientError:
                status = 0
            arrived = await api.wait_count(chat, expected, REPLY_TIMEOUT) if status == 200 else None
            if arrived is None:
                phase.failures += 1
                break
            phase.latencies.append(arrived - started)
            await asyncio.sleep(think * random.uniform(0.5, 1.5))


# --- the login storm (a child process) ---------------------------------------------------


async def storm(base: str, clients: int, seconds: float, spread: bool) -> dict[str, int]:
    """`clients` clients posting failing logins as fast as they are answered."""
    answers: collections.Counter[str] = collections.Counter()
    until = time.monotonic() + seconds

    async def client(number: int) -> None:
        jar = aiohttp.CookieJar(unsafe=True)
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(cookie_jar=jar, timeout=timeout) as http:
            async with http.get(base + "/staff/login") as response:
                page = await response.text()
            token = page.split(CSRF_FIELD, 1)[1].split('"', 1)[0]
            attempt = 0
            while time.monotonic() < until:
                attempt += 1
                headers = {"X-Real-IP": f"10.{number}.{attempt // 250 % 250}.{attempt % 250}"}
                form = {"csrf": token, "username": f"khong.co.{number}.{attempt}",
                        "password": "sai-mat-khau-roi"}  # fmt: skip
                try:
                    async with http.post(
                        base + "/staff/login", data=form, allow_redirects=False,
                        headers=headers if spread else None,
                    ) as response:  # fmt: skip
                        await response.read()
                        answers[str(response.status)] += 1
                except (aiohttp.ClientError, TimeoutError) as exc:
                    answers[type(exc).__name__] += 1

    await asyncio.gather(*(client(n) for n in range(clients)))
    return dict(answers)


async def _run_storm(base: str, clients: int, seconds: float, spread: bool) -> dict[str, int]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.login", "--storm-child", base, str(clients), str(seconds),
        "1" if spread else "0", stdout=asyncio.subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    return json.loads(out.decode().strip().splitlines()[-1]) if out else {}


# --- one phase ------------------------------------------------------------------------------


async def measure(
    target: Target, phase_name: str, args: argparse.Namespace, workdir: Path
) -> Phase:
    api = BenchApi()
    await api.start()
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(target.code)}
    env.update({k: v.replace(API, api.base_url) for k, v in target.env.items()})
    argv = [a.replace(API, api.base_url) for a in target.argv]
    log = (workdir / f"login-{target.port}.log").open("wb")
    proc: asyncio.subprocess.Process | None = None
    phase = Phase(target.name, phase_name)
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, env=env, cwd=workdir, stdout=log, stderr=log
        )
        await asyncio.wait_for(api.webhook_set.wait(), 60)
        base = f"http://127.0.0.1:{target.port}"
        url = base + HOOK_PATH
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            updates = Updates()
            counts = await _calibrate(http, api, url, updates)
            storm_task = None
            if phase_name != "quiet":
                spread = phase_name.endswith("many addresses")
                storm_task = asyncio.create_task(
                    _run_storm(base, args.clients, args.duration + 2, spread)
                )
                await asyncio.sleep(2)  # the storm is at full strength before we measure
            cpu_before = _cpu_seconds(proc.pid)
            started = time.monotonic()
            until = started + args.duration
            await asyncio.gather(
                *(
                    _worker(http, api, url, updates, n, counts, args.think, until, phase)
                    for n in range(args.workers)
                )
            )
            phase.seconds = time.monotonic() - started
            phase.target_cpu = _cpu_seconds(proc.pid) - cpu_before
            if storm_task is not None:
                phase.logins = await storm_task
        return phase
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


def _report(phases: list[Phase]) -> None:
    print("\n| target | phase | worker messages | p50 ms | p95 ms | p99 ms | failures "
          "| target CPU | login answers |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for p in phases:
        logins = ", ".join(f"{k}: {v}" for k, v in sorted(p.logins.items())) or "–"
        busy = p.target_cpu / p.seconds if p.seconds else 0
        print(f"| {p.target} | {p.phase} | {len(p.latencies)} | {p.pct(0.5):.0f} | "
              f"{p.pct(0.95):.0f} | {p.pct(0.99):.0f} | {p.failures} | {busy:.0%} | "
              f"{logins} |")  # fmt: skip
    for target in dict.fromkeys(p.target for p in phases):
        by = {p.phase: p for p in phases if p.target == target}
        quiet = by.get("quiet")
        for name, p in by.items():
            if quiet is None or name == "quiet":
                continue
            ratio = p.pct(0.99) / quiet.pct(0.99)
            verdict = "MET" if ratio <= 1.5 else "NOT MET"
            print(f"{target}, {name}: workers' p99 {p.pct(0.99):.0f} ms vs quiet "
                  f"{quiet.pct(0.99):.0f} ms = {ratio:.2f}× (target ≤ 1.5): {verdict}")  # fmt: skip


async def bench(args: argparse.Namespace) -> list[Phase]:
    phases: list[Phase] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.workdir or tmp)
        codes = [("ours", ROOT)] + (
            [(args.compare_name, Path(args.compare))] if args.compare else []
        )
        for name, code in codes:
            for phase_name in args.phases:
                db = workdir / f"login-{name}-{len(phases)}.db"
                target = our_target(name, f"sqlite+aiosqlite:///{db}", workdir, None, code)
                phase = await measure(target, phase_name, args, workdir)
                phases.append(phase)
                print(f"{name} / {phase_name}: {len(phase.latencies)} messages, p50 "
                      f"{phase.pct(0.5):.0f} ms, p99 {phase.pct(0.99):.0f} ms, "
                      f"{phase.failures} failures, logins {phase.logins}", flush=True)  # fmt: skip
    _report(phases)
    return phases


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--storm-child":
        base, clients, seconds, spread = argv[1:5]
        answers = asyncio.run(storm(base, int(clients), float(seconds), spread == "1"))
        print(json.dumps(answers))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds per phase (30)")
    parser.add_argument("--workers", type=int, default=50, help="chatting workers (50)")
    parser.add_argument("--clients", type=int, default=8, help="login-storm clients (8)")
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a worker pauses after each answer (1, ±50%%)")  # fmt: skip
    parser.add_argument("--phases", nargs="+", default=list(PHASES), choices=PHASES)
    parser.add_argument("--workdir", default=None, help="keep databases and logs here")
    parser.add_argument("--compare", default=None,
                        help="also measure the bot from this source tree (e.g. `git archive` "
                             "of the commit before this work)")  # fmt: skip
    parser.add_argument("--compare-name", default="before")
    args = parser.parse_args(argv)
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
