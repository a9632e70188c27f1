"""Delivery of broadcasts: durable, rate-limited, resumable, reported to the staff chat.

The recipients of a queued broadcast are rows in `broadcast_recipients`
(db/broadcast_recipients.py). A `BroadcastSender` claims due rows in batches, checks each
one again just before its send (opt-out, blocked, cancelled, claim still ours), sends it
through the channel and records the outcome right after the platform answers. The loop,
error classification and group commit are the delivery core's (bot/delivery.py), the
limits bot/pacing.py's, the staff reports bot/broadcast_reports.py's.

Limits (Telegram: about 30 messages a second overall, one a second per chat):

- `rate` is this process's budget: sends start evenly spaced, 1/rate seconds apart
  (`Pacer`; no bursts, because the platform counts per second and a burst counted in one
  window is a 429). With N processes on one database the overall rate is N × rate: give
  each process its share (two workers at rate/2 in bench/broadcast.py).
- one message per `per_chat_interval` per chat, within this process (`ChatSpacing`).
  Replies from the outbox to the same chat are not counted against it.
- a 429 delays its row by at least its `retry_after`; 429s from two different chats
  within that window pause every new send of this process (`FloodSignal`); 5xx and
  timeouts put the row back with exponential backoff; after `max_attempts` claims a row
  is failed.
- sends run concurrently (at most `max_in_flight`), so a platform answering in 300 ms
  still gets `rate` messages a second.

Delivery guarantee: at most once. Each row is marked `inflight` (group-committed) just
before its request leaves; a row still `inflight` when its process stopped is reported
as failed ("uncertain") instead of being sent again, so nobody receives an announcement
twice. A row claimed but not yet in flight when its process died goes back: a restarted
instance frees its own claims at once, others' expire after `CLAIM_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast_reports import BroadcastReports
from bot.channel import Egress, RetryLater
from bot.delivery import GroupCommit, Worker, classify, is_rate_limit
from bot.metrics import Metrics
from bot.pacing import ChatSpacing, Departures, FloodSignal, Pacer, Pacers
from db import broadcast_recipients as recipients
from db import broadcasts
from db.broadcast_recipients import Claimed, Outcome, Recheck
from db.clock import utcnow
from db.models import Broadcast
from handlers.types import Media, Reply

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 16  # TelegramChannel's connection pool is 32; the outbox uses up to 16
# Rows are re-checked (opt-out, blocked, cancelled, claim) in groups of this much sending
# time, and alone again when their check is older than STALE_SECONDS at their slot.
RECHECK_SECONDS = 0.05
STALE_SECONDS = 0.5
CATCH_UP = 1.0  # pacer slots (in intervals) a busy moment may make up afterwards


class BroadcastSender(Worker):
    """Sends queued broadcasts: `run(stop)` in `serve`, `run_once()` in tests."""

    name = "broadcast"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        channels: Mapping[str, Egress],
        instance: str,
        rate: float = 30.0,
        per_chat_interval: float = 1.0,
        progress_every: float = 10.0,
        *,
        wake_outbox: Callable[[], None] | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        max_attempts: int = recipients.MAX_ATTEMPTS,
        claim_seconds: float = recipients.CLAIM_SECONDS,
        batch_size: int | None = None,
        channel_rates: Mapping[str, float] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        if not instance:
            raise ValueError("instance must name this process (claims are released by it)")
        super().__init__(sessions, instance, metrics)
        self.channels = channels
        self.rate = rate
        self.max_attempts = max_attempts
        self.claim_seconds = claim_seconds
        # About a second of sending per claim: small enough that claims stay fresh and
        # a cancel or another process's share is seen quickly, big enough to be cheap.
        self.batch_size = batch_size or max(10, min(500, round(rate)))
        self.reports = BroadcastReports(sessions, progress_every, wake_outbox)
        # Each channel at its own pace (Telegram `rate`; Zalo ZALO_BROADCAST_RATE). A slot
        # missed while the loop was busy is made up (up to CATCH_UP intervals); the
        # departures gate keeps those sends 3/4 of an interval apart.
        self._pacers = Pacers(channel_rates or {}, default=rate, catch_up=CATCH_UP)
        self._departures: dict[str, Departures] = {}
        self._chats = ChatSpacing(per_chat_interval)
        self._flood = FloodSignal()
        self._recorder: GroupCommit[Outcome] = GroupCommit(sessions, recipients.record)
        self._slots = asyncio.Semaphore(max_in_flight)
        self._tasks: set[asyncio.Task[None]] = set()
        self._reporter: asyncio.Task[None] | None = None

    def _pacer(self, channel: str) -> Pacer:
        pacer = self._pacers.get(channel)
        assert pacer is not None  # every channel has a rate (the default)
        return pacer

    def _gate(self, channel: str) -> Departures:
        """The channel's departures gate, spaced after its pacer."""
        gate = self._departures.get(channel)
        if gate is None:
            pacer = self._pacer(channel)
            gate = self._departures[channel] = Departures(
                0.75 * pacer.interval, lambda: pacer.paused_for
            )
        return gate

    async def run_once(self) -> int:
        """One pass: claim and send a batch per active broadcast, wait until every outcome
        is recorded, then report and finish. Returns how many rows were taken."""
        taken = await self._claim_and_dispatch()
        await self._drain()
        await self.reports.settle()
        return taken

    # --- the worker loop (bot/delivery.py) -------------------------------------------
    async def _release_claims(self, session: AsyncSession, by: str) -> int:
        return await recipients.release_own_claims(session, by)

    async def _starting(self, stop: asyncio.Event) -> None:
        await self.release_own_claims()
        self._reporter = asyncio.create_task(self.reports.run(stop))

    async def _pass(self) -> int:
        """Claim and start sending; the next batch is claimed while the previous one's
        last sends are still in flight, so the rate holds across batches."""
        taken = await self._claim_and_dispatch()
        await self.reports.settle()
        return taken

    async def _idle(self) -> None:
        await self._drain()  # the last sends of a broadcast, then finish it
        with contextlib.suppress(Exception):
            await self.reports.settle()

    async def _stopped(self, stop: asyncio.Event) -> None:
        """Sends under way finish and are recorded; rows still waiting are handed back."""
        if self._reporter is not None:
            # The reporter ends by itself once `stop` is set; cancelling it in the middle
            # of a query would leave its database connection checked out.
            if not stop.is_set():
                self._reporter.cancel()
            await asyncio.gather(self._reporter, return_exceptions=True)
        await self._drain()
        with contextlib.suppress(Exception):
            await self.release_own_claims()

    # --- passes ---------------------------------------------------------------------
    async def _claim_and_dispatch(self) -> int:
        async with self.sessions.begin() as session:
            await recipients.sweep_uncertain(session)
        async with self.sessions() as session:
            jobs = await broadcasts.active(session)
        taken = 0
        budget = self.batch_size
        for job in jobs:
            if job.status == "cancelled" or budget <= 0 or self.stopping.is_set():
                continue
            if job.status == "queued":
                async with self.sessions.begin() as session:
                    await broadcasts.start(session, job.id)
                job.status = "sending"
                if job.started_at is None:
                    job.started_at = utcnow()
            async with self.sessions.begin() as session:
                rows = await recipients.claim(
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
        checks: dict[int, Recheck] = {}
        checked_at = 0.0
        for index, row in enumerate(rows):
            chat = (row.channel, row.chat_key)
            if self._chats.wait(chat) > 0:  # got a message less than the interval ago
                self._spawn(self._later(row, reply, media))
                continue
            await self._slots.acquire()
            if not await pacer.acquire(self.stopping):
                self._slots.release()
                rest = rows[index:]
                await self._recorder.record_many([Outcome(r, "unclaim") for r in rest])
                return
            if row.id not in checks or time.monotonic() - checked_at > RECHECK_SECONDS:
                async with self.sessions() as session:
                    checks = await recipients.recheck(
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

    def _skip(self, row: Claimed, check: Recheck) -> Outcome | None:
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

    # --- one recipient --------------------------------------------------------------
    async def _later(self, row: Claimed, reply: Reply, media: Media | None) -> None:
        """A row whose chat must wait: sleep until the chat is free, then take a slot, a
        pacer slot and a fresh check (the chat is checked again at the pacer slot)."""
        chat = (row.channel, row.chat_key)
        async with self._slots:
            while True:
                wait = self._chats.wait(chat)
                if wait > 0 and not await self.pause(wait):
                    await self._recorder.record(Outcome(row, "unclaim"))
                    return
                if not await self._pacer(row.channel).acquire(self.stopping):
                    await self._recorder.record(Outcome(row, "unclaim"))
                    return
                if self._chats.wait(chat) <= 0:
                    break
            self._chats.mark(chat)
            async with self.sessions() as session:
                check = (await recipients.recheck(session, [row], self.instance))[row.id]
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
        except Exception as exc:
            if isinstance(exc, RetryLater) and is_rate_limit(exc):
                self._rate_limited((row.channel, row.chat_key), exc.delay)
            failure = classify(exc, row.attempt, self.max_attempts)
            if failure.unexpected:  # a bug in an adapter must not stop the broadcast
                log.exception("broadcast recipient %s: unexpected error", row.id)
            if failure.gave_up:
                log.error("broadcast recipient %s: giving up after %d", row.id, row.attempt)
            outcome = Outcome(row, failure.result, error=failure.error, delay=failure.delay)
        await self._recorder.record(outcome)

    def _rate_limited(self, chat: tuple[str, str], retry_after: float) -> None:
        """A 429: the row waits (its outcome); 429s from several chats pause the channel."""
        if self._flood.signal(chat, retry_after):
            self._pacer(chat[0]).pause(retry_after)
            log.warning("broadcast: 429s from several chats, pausing %.1fs", retry_after)
