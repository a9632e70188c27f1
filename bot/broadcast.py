"""Delivery of broadcasts: durable, rate-limited, resumable, reported to the staff chat.

The recipients of a queued broadcast are rows in `broadcast_recipients` (db/broadcasts.py).
A `BroadcastSender` claims due rows in batches, checks each one again just before its
send (opt-out, blocked, cancelled, claim still ours), sends it through the channel and
records the outcome right after the platform answers.

Limits (Telegram: about 30 messages a second overall, one a second per chat):

- `rate` is this process's budget: sends start evenly spaced, 1/rate seconds apart
  (`Pacer`; no bursts, because the platform counts per second and a burst counted in one
  window is a 429). With N processes on one database the overall rate is N × rate: give
  each process its share (two workers at rate/2 in bench/broadcast.py).
- one message per `per_chat_interval` per chat, within this process (`ChatSpacing`).
  Replies from the outbox to the same chat are not counted against it.
- a 429 pauses every new send of this process for its `retry_after`, and the row waits
  at least that long; 5xx and timeouts put the row back with exponential backoff; after
  `max_attempts` claims a row is failed.
- sends run concurrently (at most `max_in_flight`), so a platform answering in 300 ms
  still gets `rate` messages a second.

Delivery guarantee (as docs/architecture.md "Delivery guarantee" for the outbox): a row
is sent at most once while its claim is alive (the claim is re-read before the send, with
a margin longer than a send can take), and its outcome is committed right after the
platform answers (outcomes that arrive together share one commit). A process killed
between the platform's answer and that commit (milliseconds; at most `max_in_flight`
rows) leaves rows `sending`: a restarted instance frees its own claims at once, others'
expire after `CLAIM_SECONDS`, and those rows are sent again. The Bot API has no
idempotency key, so that window is at-least-once; everything else is exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import Channel, PermanentFailure, RetryLater, Unreachable
from db import broadcasts, outbox
from db.broadcasts import Claimed, Counts, Outcome
from db.clock import utcnow
from db.models import Broadcast
from handlers.types import Media, Reply

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
MAX_BACKOFF = 300.0
MAX_IN_FLIGHT = 16  # TelegramChannel's connection pool is 32; the outbox uses up to 16
# Rows are re-checked (opt-out, blocked, cancelled, claim) in groups of this much sending
# time, and alone again when their check is older than STALE_SECONDS at their slot.
RECHECK_SECONDS = 0.05
STALE_SECONDS = 0.5
CATCH_UP = 1.0  # pacer slots (in intervals) a busy moment may make up afterwards
REPORT_KIND = "broadcast"
# Zalo OA users outside the 7-day messaging window (not attempted), in staff reports.
UNREACHABLE = "không liên lạc được qua Zalo"
Clock = Callable[[], float]


def backoff(attempt: int) -> float:
    """Seconds before the next try after `attempt` tries: 1, 2, 4 … 300, with jitter."""
    return min(MAX_BACKOFF, 2.0 ** max(0, attempt - 1)) * random.uniform(0.8, 1.2)


def is_rate_limit(exc: RetryLater) -> bool:
    """A 429 (as the adapters word it), which must slow the whole sender down."""
    return str(exc).startswith("429")


# --- wording ------------------------------------------------------------------------


def progress_text(broadcast_id: int, c: Counts) -> str:
    unreachable = f", {UNREACHABLE} {c.unreachable}" if c.unreachable else ""
    return (
        f"📣 Thông báo #{broadcast_id}: đã gửi {c.sent}/{c.total} "
        f"(lỗi {c.failed}, đã chặn bot {c.blocked}, bỏ qua {c.skipped}{unreachable})."
    )


def final_text(broadcast_id: int, c: Counts, cancelled: bool = False) -> str:
    head = "đã huỷ" if cancelled else "đã gửi xong"
    unreachable = f", {c.unreachable} {UNREACHABLE}" if c.unreachable else ""
    return (
        f"📣 Thông báo #{broadcast_id} {head}: {c.sent} đã gửi, {c.failed} lỗi, "
        f"{c.blocked} đã chặn bot, {c.skipped} bỏ qua{unreachable}."
    )


# --- limits -------------------------------------------------------------------------


class FloodSignal:
    """Tells a chat's own 429 from a flood of them.

    Every 429 is honoured: the row waits at least `retry_after` before it is tried again.
    One 429 says that chat went too fast; 429s from two different chats within the
    `retry_after` window say the bot as a whole did, and then every send pauses.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: dict[tuple[str, str], float] = {}

    def signal(self, chat: tuple[str, str], retry_after: float) -> bool:
        """Record a 429 for `chat`; True when the whole sender should pause."""
        now = self._clock()
        self._last = {c: t for c, t in self._last.items() if now - t < retry_after}
        flood = any(c != chat for c in self._last)
        self._last[chat] = now
        return flood


class Pacer:
    """Starts at most `rate` sends a second, evenly spaced, and pauses on demand.

    A waiter that wakes late (event-loop jitter, a slow commit) keeps its scheduled slot,
    so the average stays at `rate`; at most `catch_up` seconds of missed slots are made
    up (default a quarter interval: two slots are never closer than 3/4 of the interval),
    so an idle pacer grants no more than that as a burst.
    """

    def __init__(
        self, rate: float, clock: Clock = time.monotonic, catch_up: float | None = None
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.interval = 1.0 / rate
        self.catch_up = self.interval / 4 if catch_up is None else catch_up
        self._clock = clock
        self._next = 0.0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """No send starts for `seconds` (a 429's retry_after)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    async def acquire(self, abort: asyncio.Event | None = None) -> bool:
        """Wait for a slot; False when `abort` was set meanwhile (nothing was taken)."""
        async with self._lock:
            while True:
                if abort is not None and abort.is_set():
                    return False
                now = self._clock()
                slot = max(self._next, now - self.catch_up, self._paused_until)
                if slot <= now:
                    break
                await asyncio.sleep(min(slot - now, 0.25))
            self._next = slot + self.interval
            return True


class Departures:
    """Keeps sends at least `gap` seconds apart as they go out.

    The pacer spaces the sends' slots, but sends then queue for a slot in flight and
    their recheck, and can reach this point together; a platform that counts per second
    answers a bunch with 429. This gate re-spaces them just before each one's in-flight
    mark. `gap` is shorter than the pacer's interval so sends delayed by a busy moment
    catch up.
    A pause of the pacer (a flood of 429s) holds the sends waiting here too.
    """

    def __init__(
        self,
        gap: float,
        paused_for: Callable[[], float] = lambda: 0.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.gap = gap
        self._paused_for = paused_for
        self._clock = clock
        self._last = float("-inf")
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                start = max(now, self._last + self.gap, now + self._paused_for())
                if start <= now:
                    break
                await asyncio.sleep(start - now)
            self._last = self._clock()  # when it really leaves (sleeps wake late)


class ChatSpacing:
    """One send per `interval` per chat, measured between the moments sends start.

    A small margin covers the difference between when we start a send and when the
    platform counts it (connection jitter, a busy event loop); 50 ms costs a chat nothing
    (it gets at most a message or two per broadcast).
    """

    MARGIN = 0.05

    def __init__(self, interval: float, clock: Clock = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._last: dict[tuple[str, str], float] = {}

    def wait(self, chat: tuple[str, str]) -> float:
        """Seconds before `chat` may get its next message (0: now)."""
        last = self._last.get(chat)
        if last is None:
            return 0.0
        return max(0.0, last + self.interval + self.MARGIN - self._clock())

    def mark(self, chat: tuple[str, str]) -> None:
        """A send to `chat` starts now."""
        now = self._clock()
        if len(self._last) > 4096:  # forget chats whose interval is long over
            horizon = now - self.interval - self.MARGIN
            self._last = {k: t for k, t in self._last.items() if t > horizon}
        self._last[chat] = now


class _Recorder:
    """Group commit of outcomes: whoever finds no write running writes everything queued.

    Each send's outcome is written right after the answer; when answers arrive faster
    than a commit takes, they share the next commit instead of queueing behind each other
    for the database's write lock (SQLite has one writer).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._queued: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._lock = asyncio.Lock()

    async def record(self, outcome: Outcome) -> None:
        await self.record_many([outcome])

    async def record_many(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[None]] = []
        for outcome in outcomes:
            futures.append(loop.create_future())
            self._queued.append((outcome, futures[-1]))
        async with self._lock:
            if not futures[-1].done():
                batch, self._queued = self._queued, []
                # Shielded: a caller cancelled mid-write must not lose the others' outcomes.
                await asyncio.shield(self._write(batch))
        for future in futures:
            await future

    async def _write(self, batch: list[tuple[Outcome, asyncio.Future[None]]]) -> None:
        try:
            async with self._sessions.begin() as session:
                await broadcasts.record(session, [o for o, _ in batch])
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for _, future in batch:
            if not future.done():
                future.set_result(None)


# --- the sender ---------------------------------------------------------------------


class BroadcastSender:
    """Sends queued broadcasts: `run(stop)` in `serve`, `run_once()` in tests."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        channels: Mapping[str, Channel],
        instance: str,
        rate: float = 30.0,
        per_chat_interval: float = 1.0,
        progress_every: float = 10.0,
        *,
        wake: Callable[[], None] | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        max_attempts: int = broadcasts.MAX_ATTEMPTS,
        claim_seconds: float = broadcasts.CLAIM_SECONDS,
        batch_size: int | None = None,
        channel_rates: Mapping[str, float] | None = None,
    ) -> None:
        if not instance:
            raise ValueError("instance must name this process (claims are released by it)")
        self.sessions = sessions
        self.channels = channels
        self.instance = instance
        self.rate = rate
        self.progress_every = progress_every
        self.max_attempts = max_attempts
        self.claim_seconds = claim_seconds
        # About a second of sending per claim: small enough that claims stay fresh and
        # a cancel or another process's share is seen quickly, big enough to be cheap.
        self.batch_size = batch_size or max(10, min(500, round(rate)))
        self._wake_outbox = wake
        # Each channel at its own pace (Telegram `rate`; Zalo ZALO_BROADCAST_RATE).
        self.channel_rates = dict(channel_rates or {})
        self._pacers: dict[str, Pacer] = {}
        self._departures: dict[str, Departures] = {}
        self._chats = ChatSpacing(per_chat_interval)
        self._flood = FloodSignal()
        self._recorder = _Recorder(sessions)
        self._slots = asyncio.Semaphore(max_in_flight)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._notified = asyncio.Event()
        self._reported: dict[int, int] = {}  # broadcast id → last progress report number

    def _pacer(self, channel: str) -> Pacer:
        pacer = self._pacers.get(channel)
        if pacer is None:
            rate = self.channel_rates.get(channel, self.rate)
            # A slot missed while the loop was busy is made up (up to CATCH_UP intervals);
            # the departures gate keeps those sends 3/4 of an interval apart.
            pacer = self._pacers[channel] = Pacer(rate, catch_up=CATCH_UP / rate)
            self._departures[channel] = Departures(0.75 * pacer.interval, lambda: pacer.paused_for)
        return pacer

    def _gate(self, channel: str) -> Departures:
        """The channel's departures gate (made with its pacer)."""
        self._pacer(channel)
        return self._departures[channel]

    def notify(self) -> None:
        """A broadcast was queued: look now instead of at the next poll."""
        self._notified.set()

    async def release_own_claims(self) -> int:
        async with self.sessions.begin() as session:
            released = await broadcasts.release_own_claims(session, self.instance)
        if released:
            log.info("broadcast: %d recipients claimed before a restart are free again", released)
        return released

    async def run_once(self) -> int:
        """One pass: claim and send a batch per active broadcast, wait until every outcome
        is recorded, then report and finish. Returns how many rows were taken."""
        taken = await self._pass()
        await self._drain()
        await self._settle()
        return taken

    async def run(self, stop: asyncio.Event) -> None:
        """The loop, until `stop` is set; the next batch is claimed while the previous
        one's last sends are still in flight, so the rate holds across batches."""
        await self.release_own_claims()
        watcher = asyncio.create_task(self._stop_when(stop))
        reporter = asyncio.create_task(self._progress_loop(stop))
        try:
            while not stop.is_set():
                try:
                    taken = await self._pass()
                    await self._settle()
                except Exception:
                    log.exception("broadcast: pass failed; retrying")
                    taken = 0
                    await self._drain()
                if taken:
                    continue
                await self._drain()  # the last sends of a broadcast, then finish it
                with contextlib.suppress(Exception):
                    await self._settle()
                self._notified.clear()
                waiters = [
                    asyncio.ensure_future(self._notified.wait()),
                    asyncio.ensure_future(stop.wait()),
                ]
                await asyncio.wait(
                    waiters, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in waiters:
                    waiter.cancel()
        finally:
            # Sends under way finish and are recorded; rows still waiting are handed back.
            self._stopping.set()
            watcher.cancel()
            # The reporter ends by itself once `stop` is set; cancelling it in the middle of
            # a query would leave its database connection checked out.
            if not stop.is_set():
                reporter.cancel()
            await asyncio.gather(reporter, return_exceptions=True)
            await self._drain()
            with contextlib.suppress(Exception):
                await self.release_own_claims()

    async def _stop_when(self, stop: asyncio.Event) -> None:
        """Waiting sends give up as soon as `stop` is set (their rows are handed back)."""
        await stop.wait()
        self._stopping.set()

    async def _progress_loop(self, stop: asyncio.Event) -> None:
        """Progress reports on time, however long a pass takes."""
        tick = min(1.0, self.progress_every / 4)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick)
            if stop.is_set():
                return
            try:
                async with self.sessions() as session:
                    jobs = await broadcasts.active(session)
                for job in jobs:
                    if job.status == "sending" and job.started_at is not None:
                        if await self._maybe_progress(job, job.started_at) and self._wake_outbox:
                            self._wake_outbox()
            except Exception as exc:
                log.warning("broadcast: progress report failed: %s", exc)

    # --- passes ---------------------------------------------------------------------
    async def _pass(self) -> int:
        async with self.sessions.begin() as session:
            await broadcasts.sweep_uncertain(session)
        async with self.sessions() as session:
            jobs = await broadcasts.active(session)
        taken = 0
        budget = self.batch_size
        for job in jobs:
            if job.status == "cancelled" or budget <= 0 or self._stopping.is_set():
                continue
            if job.status == "queued":
                async with self.sessions.begin() as session:
                    await broadcasts.start(session, job.id)
                job.status = "sending"
                if job.started_at is None:
                    job.started_at = utcnow()
            async with self.sessions.begin() as session:
                rows = await broadcasts.claim(
                    session, job.id, budget, self.instance, self.claim_seconds
                )
            if rows:
                taken += len(rows)
                budget -= len(rows)
                by_channel: dict[str, list[Claimed]] = {}
                for row in rows:
                    by_channel.setdefault(row.channel, []).append(row)
                # Channels side by side, each at its own pace: a slow Zalo queue does not
                # hold the Telegram rows of the same batch back.
                await asyncio.gather(*(self._dispatch(job, part) for part in by_channel.values()))
        return taken

    async def _dispatch(self, job: Broadcast, rows: Sequence[Claimed]) -> None:
        """Start the batch's sends in order, each at its pacer slot, at most
        `max_in_flight` at a time. At a row's slot its check (opt-out, blocked,
        cancelled, claim) is at most `RECHECK_SECONDS` old: rows are re-read in groups of
        that much sending time, the group read at its first row's slot."""
        reply = Reply(job.text)
        media = Media("photo", job.photo_ref) if job.photo_ref else None
        pacer = self._pacer(rows[0].channel)
        size = max(1, round(pacer.rate * RECHECK_SECONDS))
        checks: dict[int, broadcasts.Recheck] = {}
        checked_at = 0.0
        for index, row in enumerate(rows):
            chat = (row.channel, row.chat_key)
            if self._chats.wait(chat) > 0:  # got a message less than the interval ago
                self._spawn(self._later(row, reply, media))
                continue
            await self._slots.acquire()
            if not await pacer.acquire(self._stopping):
                self._slots.release()
                rest = rows[index:]
                await self._recorder.record_many([Outcome(r, "unclaim") for r in rest])
                return
            if row.id not in checks or time.monotonic() - checked_at > RECHECK_SECONDS:
                async with self.sessions() as session:
                    checks = await broadcasts.recheck(
                        session, rows[index : index + size], self.instance
                    )
                checked_at = time.monotonic()
            skip = self._skip(row, checks[row.id])
            if skip is None and self._chats.wait(chat) > 0:  # a retry took the chat
                self._slots.release()
                self._spawn(self._later(row, reply, media))
                continue
            if skip is not None:
                self._slots.release()
                if skip.result != "unclaim":
                    self._spawn(self._recorder.record(skip))
                continue
            self._chats.mark(chat)
            self._spawn(self._send(row, reply, media), holds_slot=True)

    def _skip(self, row: Claimed, check: broadcasts.Recheck) -> Outcome | None:
        """The outcome of a row that must not be sent now, or None to send it."""
        if not check.ours:
            log.warning("broadcast recipient %s: claim lost before sending; left alone", row.id)
            return Outcome(row, "unclaim")  # not recorded: the row is someone else's
        if check.cancelled:
            return Outcome(row, "skipped", error="cancelled")
        if not check.opted_in:
            return Outcome(row, "skipped", error="opted out or blocked before sending")
        return None

    def _spawn(self, work: Coroutine[Any, Any, None], holds_slot: bool = False) -> None:
        task = asyncio.create_task(self._guard(work, holds_slot))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, work: Coroutine[Any, Any, None], holds_slot: bool) -> None:
        try:
            await work
        except Exception:
            # The row stays claimed; its claim expires and it is tried again.
            log.exception("broadcast: recording an outcome failed")
        finally:
            if holds_slot:
                self._slots.release()

    async def _drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _settle(self) -> None:
        """Progress reports that are due, and finishing broadcasts with nothing left."""
        async with self.sessions() as session:
            jobs = await broadcasts.active(session)
        for job in jobs:
            async with self.sessions.begin() as session:
                finished = await broadcasts.finish(session, job)
                if finished:
                    c = await broadcasts.counts(session, job.id)
                    text = final_text(job.id, c, cancelled=job.status == "cancelled")
                    queued = await self._report(session, job, f"broadcast:{job.id}:final", text)
            if finished:
                self._reported.pop(job.id, None)
                log.info("broadcast %s finished: %s", job.id, c)
            elif job.status == "sending" and job.started_at is not None:
                queued = await self._maybe_progress(job, job.started_at)
            else:
                queued = False
            if queued and self._wake_outbox is not None:
                self._wake_outbox()  # after the commit, so the outbox worker sees the row

    async def _maybe_progress(self, job: Broadcast, started_at: datetime) -> bool:
        """Report number n = whole `progress_every` periods since the start, so every
        process (and a restarted one) uses the same key and staff get one per period."""
        n = int((utcnow() - started_at).total_seconds() // self.progress_every)
        if n < 1 or self._reported.get(job.id, 0) >= n:
            return False
        self._reported[job.id] = n
        async with self.sessions.begin() as session:
            c = await broadcasts.counts(session, job.id)
            if not c.pending:
                return False
            key = f"broadcast:{job.id}:progress:{n}"
            return await self._report(session, job, key, progress_text(job.id, c))

    async def _report(self, session: AsyncSession, job: Broadcast, key: str, text: str) -> bool:
        """Queue a message for the staff chat (once per key); True when it was queued."""
        if not (job.report_channel and job.report_chat):
            return False
        queued = await outbox.enqueue(
            session,
            key=key,
            channel=job.report_channel,
            chat_key=job.report_chat,
            kind=REPORT_KIND,
            payload={"reply": Reply(text).to_json()},
        )
        return queued is not None

    # --- one recipient --------------------------------------------------------------
    async def _later(self, row: Claimed, reply: Reply, media: Media | None) -> None:
        """A row whose chat must wait: sleep until the chat is free, then take a slot, a
        pacer slot and a fresh check (the chat is checked again at the pacer slot)."""
        chat = (row.channel, row.chat_key)
        async with self._slots:
            while True:
                wait = self._chats.wait(chat)
                if wait > 0 and not await self._sleep(wait):
                    await self._recorder.record(Outcome(row, "unclaim"))
                    return
                if not await self._pacer(row.channel).acquire(self._stopping):
                    await self._recorder.record(Outcome(row, "unclaim"))
                    return
                if self._chats.wait(chat) <= 0:
                    break
            self._chats.mark(chat)
            async with self.sessions() as session:
                check = (await broadcasts.recheck(session, [row], self.instance))[row.id]
            skip = self._skip(row, check)
            if skip is not None:
                if skip.result != "unclaim":
                    await self._recorder.record(skip)
                return
            await self._send(row, reply, media)

    async def _send(self, row: Claimed, reply: Reply, media: Media | None) -> None:
        """Send one checked row and record the outcome as soon as the platform answers.

        The row is marked in flight (group-committed with other sends) before the request
        leaves: if the process dies before the answer is recorded, that row is reported
        as uncertain instead of being sent again, so nobody gets a broadcast twice.
        """
        channel = self.channels.get(row.channel)
        outcome: Outcome
        # Spaced before the mark, not after: a row marked in flight must leave at once, or
        # a SIGKILL while it waits would report it "uncertain" without it ever being sent.
        await self._gate(row.channel).wait()
        await self._recorder.record(Outcome(row, "inflight"))
        try:
            if channel is None:
                raise RetryLater(60, f"channel {row.channel} is not running")
            message_id = await channel.send(row.chat_key, reply, media)
            outcome = Outcome(row, "sent", message_id=message_id)
        except RetryLater as exc:
            if is_rate_limit(exc):
                if self._flood.signal((row.channel, row.chat_key), exc.delay):
                    self._pacer(row.channel).pause(exc.delay)
                    log.warning("broadcast: 429s from several chats, pausing %.1fs", exc.delay)
            if row.attempt >= self.max_attempts:
                log.error("broadcast recipient %s: giving up after %d", row.id, row.attempt)
                outcome = Outcome(row, "failed", error=str(exc))
            else:
                delay = max(exc.delay, backoff(row.attempt))
                outcome = Outcome(row, "retry", error=str(exc), delay=delay)
        except Unreachable as exc:
            outcome = Outcome(row, "unreachable", error=str(exc))
        except PermanentFailure as exc:
            outcome = Outcome(row, "blocked" if exc.blocked else "failed", error=str(exc))
        except Exception as exc:  # a bug in an adapter must not stop the broadcast
            log.exception("broadcast recipient %s: unexpected error", row.id)
            if row.attempt >= self.max_attempts:
                outcome = Outcome(row, "failed", error=repr(exc))
            else:
                outcome = Outcome(row, "retry", error=repr(exc), delay=backoff(row.attempt))
        await self._recorder.record(outcome)

    async def _sleep(self, seconds: float) -> bool:
        """Sleep unless the sender is stopping; False when it is."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return not self._stopping.is_set()
