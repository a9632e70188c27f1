"""What the outbox sender and the broadcast sender share: claim, send, classify, record.

- `backoff(attempt)`: how long a row waits before its next try.
- `classify(exc, attempt, max_attempts)`: what a failed send means for its row (`Failure`:
  try again after a delay, give up, unreachable, blocked, failed), from the channel
  errors of bot/channel.py. Both senders map it onto their tables the same way.
- `GroupCommit`: records outcomes right after the platform answers; outcomes that arrive
  while one transaction writes share the next one (SQLite has one writer).
- `Worker`: the loop (a pass; when it took nothing, sleep until woken or `POLL_SECONDS`),
  the `stopping` event that makes sends still waiting for a slot give up, and freeing the
  rows this instance had claimed before a restart.

The tables keep their own guarantees (db/outbox.py: at-least-once in a small window, order
per chat; db/broadcast_recipients.py: at most once with `inflight`); this module is the
vocabulary they are written in.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import PermanentFailure, RetryLater, Unreachable
from bot.metrics import Metrics

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
MAX_BACKOFF = 300.0

T = TypeVar("T")


def backoff(attempt: int) -> float:
    """Seconds to wait after `attempt` tries: 1, 2, 4 … 300, with jitter."""
    return min(MAX_BACKOFF, 2.0 ** max(0, attempt - 1)) * random.uniform(0.8, 1.2)


def is_rate_limit(exc: RetryLater) -> bool:
    """A 429 (as the adapters word it), which must slow the whole sender down."""
    return str(exc).startswith("429")


# --- what a failed send means ---------------------------------------------------------

FailureResult = Literal["retry", "failed", "blocked", "unreachable"]


@dataclass(frozen=True, slots=True)
class Failure:
    """What became of a send that did not go through.

    `result`: "retry" (put the row back for `delay` seconds), "failed" (for good),
    "blocked" (the user blocked the bot: for good, and the user is marked), "unreachable"
    (not attempted: Zalo OA's messaging window is closed).
    """

    result: FailureResult
    error: str
    delay: float = 0.0  # "retry": at least this long; after giving up: the chat's pause
    label: str = "failed"  # for the sends metric: retry, failed, unreachable, error
    gave_up: bool = False  # a retry after the last attempt: failed instead
    unexpected: bool = False  # not a channel error: a bug in an adapter


def classify(exc: BaseException, attempt: int, max_attempts: int | None) -> Failure:
    """Map a send's exception to its `Failure`.

    `attempt`: the row's attempts including this one; `max_attempts`: after that many, a
    transient failure is final ("failed", `gave_up`). None: this attempt does not count
    (the platform was never asked), so the row is always tried again.
    """
    if isinstance(exc, Unreachable):
        return Failure("unreachable", str(exc), label="unreachable")
    if isinstance(exc, PermanentFailure):
        return Failure("blocked" if exc.blocked else "failed", str(exc))
    if isinstance(exc, RetryLater):
        error, delay, label = str(exc), max(exc.delay, backoff(attempt)), "retry"
    else:  # a bug in an adapter must not stop the queue: retried like an outage
        error, delay, label = repr(exc), backoff(attempt), "error"
    exhausted = max_attempts is not None and attempt >= max_attempts
    return Failure(
        "failed" if exhausted else "retry",
        error,
        delay,
        label,
        gave_up=exhausted,
        unexpected=label == "error",
    )


# --- recording outcomes -----------------------------------------------------------------


class GroupCommit(Generic[T]):
    """Group commit of outcomes: whoever finds no write running writes everything queued.

    Each outcome is written right after the platform's answer; when answers arrive faster
    than a commit takes, they share the next commit instead of queueing behind each other
    for the database's write lock. `record` returns once its items are committed and
    raises the write's error otherwise (to every caller whose items were in that write;
    `on_failure` gets the batch once, e.g. to keep it for later).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        write: Callable[[AsyncSession, list[T]], Awaitable[None]],
        on_failure: Callable[[list[T], Exception], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._write_batch = write
        self._on_failure = on_failure
        self._queued: list[tuple[T, asyncio.Future[None]]] = []
        self._lock = asyncio.Lock()

    async def record(self, *items: T) -> None:
        await self.record_many(items)

    async def record_many(self, items: Sequence[T]) -> None:
        if not items:
            return
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[None]] = []
        for item in items:
            futures.append(loop.create_future())
            self._queued.append((item, futures[-1]))
        async with self._lock:
            if not futures[-1].done():
                batch, self._queued = self._queued, []
                # Shielded: a caller cancelled mid-write must not lose the others' outcomes.
                await asyncio.shield(self._write(batch))
        for future in futures:
            await future

    async def _write(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        items = [item for item, _ in batch]
        try:
            async with self._sessions.begin() as session:
                await self._write_batch(session, items)
        except Exception as exc:
            if self._on_failure is not None:
                self._on_failure(items, exc)
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for _, future in batch:
            if not future.done():
                future.set_result(None)


# --- the worker loop ------------------------------------------------------------------


class Worker:
    """The loop of a sender: `run(stop)` in `serve`, one `_pass` at a time.

    A pass that took rows is followed by the next at once; one that took nothing by a
    sleep until `wake()` or `POLL_SECONDS`. `stopping` is set as soon as `stop` is (sends
    waiting for a pacer slot give up and their rows go back). Subclasses say what a pass
    is, what to do when idle, at start and after stopping, and how this instance's claims
    are freed.
    """

    name = "worker"  # in logs and the errors metric

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        instance: str,
        metrics: Metrics | None = None,
    ) -> None:
        self.sessions = sessions
        self.instance = instance
        self.metrics = metrics or Metrics()
        self.stopping = asyncio.Event()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Work was queued: look now instead of at the next poll."""
        self._wake.set()

    async def release_own_claims(self) -> int:
        """At start: rows this instance claimed before it stopped are free again at once
        (nothing of ours is in flight then); other instances' claims expire."""
        if not self.instance:
            return 0
        async with self.sessions.begin() as session:
            released = await self._release_claims(session, self.instance)
        if released:
            log.info("%s: %d rows claimed before a restart are free again", self.name, released)
        return released

    async def run(self, stop: asyncio.Event) -> None:
        """The loop, until `stop` is set."""
        watcher = asyncio.create_task(self._stop_when(stop))
        try:
            await self._starting(stop)
            while not stop.is_set():
                try:
                    taken = await self._pass()
                except Exception:
                    log.exception("%s: pass failed; retrying", self.name)
                    self.metrics.errors.labels(self.name).inc()
                    taken = 0
                if taken:
                    continue
                await self._idle()
                await self._sleep(stop)
        finally:
            self.stopping.set()
            watcher.cancel()
            await self._stopped(stop)

    async def _stop_when(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.stopping.set()

    async def _sleep(self, stop: asyncio.Event) -> None:
        """Until woken, stopped, or POLL_SECONDS."""
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waiters, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def pause(self, seconds: float) -> bool:
        """Sleep unless stopping; False when the worker is stopping."""
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
        except TimeoutError:
            pass
        return not self.stopping.is_set()

    # --- what a subclass says -------------------------------------------------------
    async def _pass(self) -> int:
        """Claim and send what is due; how many rows were taken."""
        raise NotImplementedError

    async def _release_claims(self, session: AsyncSession, by: str) -> int:
        raise NotImplementedError

    async def _starting(self, stop: asyncio.Event) -> None:
        """Before the first pass."""

    async def _idle(self) -> None:
        """After a pass that took nothing, before sleeping."""

    async def _stopped(self, stop: asyncio.Event) -> None:
        """After the loop (also when it failed)."""
