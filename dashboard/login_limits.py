"""Logins never stall the bot (F3, F15).

A password check (argon2id, dashboard/security.py) costs tens of milliseconds of CPU and
46 MiB, on purpose: a flood of logins must neither run those checks on the event loop
nor be allowed to run them without end beside it, on a server with two cores.

* Checks run on a thread pool of their own (argon2-cffi releases the GIL), never on the
  event loop, and start at most `CHECKS_PER_SECOND` times a second in all; a login that
  would wait more than `MAX_CHECK_WAIT` for its turn is answered «busy» (after a short
  pause, so that a client retrying at once cannot turn refusals into a flood).
* Each client address gets `FREE_FAILURES` failed logins, then its attempts take turns,
  each waiting longer (1 s, 2 s, 4 s … up to a minute after the previous one) before it
  is even checked: a flood from one address costs sleeping coroutines, not CPU.
* Each account is locked after DASHBOARD_MAX_FAILED_LOGINS failures in a row, for
  DASHBOARD_LOCKOUT_MINUTES, twice as long at each further lock (dashboard/accounts.py).

The address counters live in this process (replicas count apart); behind nginx on the
same host the address is the one nginx sends in X-Real-IP (or the last entry of
X-Forwarded-For), which only a loopback peer is trusted to set.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from aiohttp import web

from dashboard.security import hash_password, verify_password

# Password checks started per second, in all (a centre's staff log in a few times a day).
CHECKS_PER_SECOND = 2.0
# A check that would start later than this is refused as busy.
MAX_CHECK_WAIT = 5.0
# Failed logins from one address before its attempts take turns with growing waits.
FREE_FAILURES = 5
FIRST_DELAY = 1.0
MAX_DELAY = 60.0
# An attempt that would wait longer than this for its address's turn is refused at once.
MAX_ADDRESS_WAIT = 2 * MAX_DELAY
# An address quiet this long starts afresh; at most this many addresses are remembered.
FORGET_AFTER = 15 * 60.0
MAX_ADDRESSES = 10_000
# How long a refused login («busy», «too many attempts») waits before its answer.
REFUSAL_PAUSE = 1.0

P = ParamSpec("P")
T = TypeVar("T")


class Busy(Exception):
    """Too many password checks are waiting: try again shortly."""


class PasswordChecks:
    """argon2 off the event loop: one thread, at most `rate` check starts a second."""

    def __init__(self, rate: float = CHECKS_PER_SECOND, max_wait: float = MAX_CHECK_WAIT) -> None:
        self.interval = 1 / rate
        self.max_wait = max_wait
        # One thread: checks never take more than one core from the bot.
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="password-check")
        self._next_start = 0.0

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """`verify_password` off the event loop, in its turn; Busy when that is too far."""
        return await self._run(verify_password, password_hash, password)

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)

    async def _run(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        now = time.monotonic()
        start = max(now, self._next_start)
        if start - now > self.max_wait:
            raise Busy
        self._next_start = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)
        call = functools.partial(work, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0  # when it last failed (monotonic)
    next_turn: float = 0.0  # when its next throttled attempt may be checked


class AddressThrottle:
    """Failed logins per client address, and when its next attempt may be checked."""

    def __init__(
        self,
        free: int = FREE_FAILURES,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
    ) -> None:
        self.free, self.first_delay, self.max_delay = free, first_delay, max_delay
        self._records: OrderedDict[str, _Record] = OrderedDict()

    def delay(self, failures: int) -> float:
        """The wait after `failures` failed logins: none while free, then doubling."""
        if failures < self.free:
            return 0.0
        return min(self.max_delay, self.first_delay * 2 ** min(failures - self.free, 16))

    def turn(self, address: str) -> float | None:
        """Seconds this attempt waits for its turn (0: at once), or None: too many
        attempts of this address are waiting already, refuse it."""
        record = self._get(address)
        wait = self.delay(record.failures) if record else 0.0
        if record is None or wait == 0:
            return 0.0
        now = time.monotonic()
        turn = max(now, record.next_turn, record.last + wait)
        if turn - now > MAX_ADDRESS_WAIT:
            return None
        # The attempt after this one waits at least as long again.
        record.next_turn = turn + wait
        return turn - now

    def failed(self, address: str) -> None:
        record = self._get(address) or _Record()
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
