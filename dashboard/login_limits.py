"""Logins never stall the bot (F3, F15).

* Password checks (argon2id, about 90 ms of CPU and 64 MiB each, on purpose) run on a
  small thread pool of their own, never on the event loop: argon2-cffi releases the GIL,
  so the bot's updates go on while a check runs. At most `queue` checks wait; a login
  beyond that is answered «busy» after a short pause, without a check.
* Each client address gets a number of failed logins free, then every further attempt
  waits (a growing delay: 1 s, 2 s, 4 s … up to a minute) before it is even checked. A
  flood from one address costs a sleeping coroutine per request, not a CPU.
* Each account is locked after DASHBOARD_MAX_FAILED_LOGINS failures in a row, for
  DASHBOARD_LOCKOUT_MINUTES, twice as long at each further lock (dashboard/accounts.py).

The address counters live in this process (several replicas count apart); behind nginx
on the same host the address is the one nginx sends in X-Real-IP (or the last of
X-Forwarded-For), which only a loopback peer is trusted to set.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from aiohttp import web

from dashboard.security import hash_password, verify_password

# Failed logins from one address before its attempts are delayed.
FREE_FAILURES = 10
FIRST_DELAY = 1.0
MAX_DELAY = 60.0
# An address quiet this long starts afresh; at most this many addresses are remembered.
FORGET_AFTER = 15 * 60.0
MAX_ADDRESSES = 10_000
# A login refused because the password checks are all busy waits this long first, so a
# client that retries at once cannot turn refusals into a flood.
BUSY_PAUSE = 1.0

P = ParamSpec("P")
T = TypeVar("T")


class Busy(Exception):
    """Every password-check slot is taken: try again shortly."""


class PasswordChecks:
    """argon2 on a thread pool sized for it, with a bounded queue."""

    def __init__(self, workers: int | None = None, queue: int | None = None) -> None:
        # Half the CPUs (at least one): the bot keeps the rest even under a login flood.
        self.workers = workers or max(1, min(4, (os.cpu_count() or 2) // 2))
        self.capacity = self.workers + (queue if queue is not None else 4 * self.workers)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="password-check")
        self._taken = 0

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """`verify_password` off the event loop; Busy when too many wait already."""
        return await self._run(verify_password, password_hash, password)

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)

    async def _run(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._taken >= self.capacity:
            raise Busy
        self._taken += 1
        try:
            call = functools.partial(work, *args, **kwargs)
            return await asyncio.get_running_loop().run_in_executor(self._pool, call)
        finally:
            self._taken -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class _Record:
    failures: int
    last: float


class AddressThrottle:
    """Failed logins per client address, and how long its next attempt must wait."""

    def __init__(
        self,
        free: int = FREE_FAILURES,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
    ) -> None:
        self.free, self.first_delay, self.max_delay = free, first_delay, max_delay
        self._records: OrderedDict[str, _Record] = OrderedDict()

    def delay(self, address: str) -> float:
        """Seconds an attempt from `address` waits before it is checked (0: none)."""
        record = self._get(address)
        if record is None or record.failures < self.free:
            return 0.0
        steps = min(record.failures - self.free, 16)
        return min(self.max_delay, self.first_delay * 2**steps)

    def failed(self, address: str) -> None:
        record = self._get(address) or _Record(0, 0.0)
        record.failures += 1
        record.last = time.monotonic()
        self._records[address] = record
        self._records.move_to_end(address)
        while len(self._records) > MAX_ADDRESSES:
            self._records.popitem(last=False)

    def succeeded(self, address: str) -> None:
        self._records.pop(address, None)

    def _get(self, address: str) -> _Record | None:
        record = self._records.get(address)
        if record is not None and time.monotonic() - record.last > FORGET_AFTER:
            del self._records[address]
            return None
        return record


def client_address(request: web.Request) -> str:
    """Who is logging in: the peer, or for a reverse proxy on this host (a loopback peer)
    the address it forwards (X-Real-IP, else the last X-Forwarded-For entry, which is
    the one nginx appended)."""
    peer = request.remote or "?"
    if _is_loopback(peer):
        real = request.headers.get("X-Real-IP", "").strip()
        if real:
            return real[:64]
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()[:64]
    return peer


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
