"""Delivery of queued messages: at once after the commit, and by a worker that retries.

The fast path sends a handler's replies right after its transaction commits. Anything
that could not go (rate limit, outage, crash before sending) stays in the table and the
worker loop picks it up, with exponential backoff, in order per chat.

Bulk kinds (job-fair reminders: hundreds can fall due at the same minute) are paced per
channel at that channel's broadcast rate (`rates`), like announcements; replies are not
paced, so a conversation never waits behind a reminder run.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import Pacer
from bot.channel import Channel, NoticeChannel, PermanentFailure, RetryLater, Unreachable
from bot.metrics import Metrics
from db import outbox
from handlers.types import Media, Reply

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
MAX_BACKOFF = 300.0
PARALLEL_CHATS = 16
BULK_KINDS = frozenset({"reminder"})


def backoff(attempt: int) -> float:
    """Seconds to wait before attempt `attempt + 1`: 1, 2, 4 … 300, with jitter."""
    return min(MAX_BACKOFF, 2.0 ** max(0, attempt - 1)) * random.uniform(0.8, 1.2)


class OutboxSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        channels: Mapping[str, Channel],
        instance: str = "",
        rates: Mapping[str, float] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.sessions = sessions
        self.channels = channels
        self.instance = instance
        self.rates = dict(rates or {})
        self._pacers: dict[str, Pacer] = {}
        self._stopping = asyncio.Event()
        # A pass claims no more than the slowest paced channel sends in half a claim.
        slowest = min(self.rates.values(), default=None)
        self.batch = (
            200 if slowest is None else max(10, min(200, int(slowest * outbox.CLAIM_SECONDS / 2)))
        )
        self.metrics = metrics or Metrics()
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(PARALLEL_CHATS)
        # Rows sent while the database could not record it (outage): marked when it is
        # back, so they are not sent again when their claim expires.
        self._unmarked: dict[int, str | None] = {}
        # Sends waiting to be recorded, and the lock of the transaction recording them.
        self._sent: dict[int, str | None] = {}
        self._recording = asyncio.Lock()

    async def release_own_claims(self) -> None:
        if self.instance:
            async with self.sessions.begin() as session:
                released = await outbox.release_own_claims(session, self.instance)
            if released:
                log.info("outbox: %d rows claimed before a restart are free again", released)

    async def _pace(self, row: Any) -> None:
        """Wait for the channel's slot when the row is of a bulk kind with a rate."""
        rate = self.rates.get(row.channel)
        if row.kind not in BULK_KINDS or rate is None:
            return
        pacer = self._pacers.get(row.channel)
        if pacer is None:
            pacer = self._pacers[row.channel] = Pacer(rate)
        if not await pacer.acquire(self._stopping):
            raise RetryLater(0.0, "stopping")

    def wake(self) -> None:
        self._wake.set()

    async def deliver(self, ids: Sequence[int]) -> None:
        """Send these rows now (the fast path after a commit)."""
        if not ids:
            return
        await self._mark_unmarked()
        async with self.sessions.begin() as session:
            rows = await outbox.claim(session, ids, limit=len(ids), by=self.instance)
        await self._send_chat(rows)

    async def send_claimed(self, rows: Sequence[Any]) -> None:
        """Send rows this process claimed in the transaction that queued them."""
        if rows:
            await self._mark_unmarked()
            await self._send_chat(rows)

    async def _mark_unmarked(self) -> None:
        if not self._unmarked:
            return
        done = dict(self._unmarked)
        async with self.sessions.begin() as session:
            await outbox.mark_sent(session, done)
        for row_id in done:
            self._unmarked.pop(row_id, None)
        log.info("outbox: %d rows sent during an outage are recorded as sent", len(done))

    async def run_once(self, limit: int | None = None) -> int:
        """Send what is due; returns how many rows were taken."""
        await self._mark_unmarked()
        async with self.sessions.begin() as session:
            rows = await outbox.claim(session, limit=limit or self.batch, by=self.instance)
        chats = [list(g) for _, g in groupby(rows, key=lambda r: (r.channel, r.chat_key))]
        await asyncio.gather(*(self._guarded(chat) for chat in chats))
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        """The worker loop, until `stop` is set."""
        watcher = asyncio.create_task(self._stop_when(stop))
        try:
            await self._loop(stop)
        finally:
            watcher.cancel()

    async def _stop_when(self, stop: asyncio.Event) -> None:
        """Paced rows still waiting for their slot go back to the table at once."""
        await stop.wait()
        self._stopping.set()

    async def _loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                taken = await self.run_once()
            except Exception:
                log.exception("outbox: pass failed; retrying")
                self.metrics.errors.labels("outbox").inc()
                taken = 0
            if taken:
                continue
            self._wake.clear()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def _guarded(self, rows: list[Any]) -> None:
        async with self._slots:
            await self._send_chat(rows)

    async def _send_chat(self, rows: Sequence[Any]) -> None:
        """Send one chat's rows in order; at the first transient failure the rest wait too."""
        for index, row in enumerate(rows):
            channel = self.channels.get(row.channel)
            tried = False  # whether the platform was asked (else the claim is no attempt)
            try:
                if channel is None:
                    raise RetryLater(60, f"channel {row.channel} is not running")
                reply = Reply.from_json(row.payload["reply"])
                media = Media(**row.payload["media"]) if row.payload.get("media") else None
                await self._pace(row)
                tried = True
                if row.kind == "notice" and isinstance(channel, NoticeChannel):
                    message_id = await channel.send_notice(row.chat_key, reply, row.user_id)
                else:
                    message_id = await channel.send(row.chat_key, reply, media)
            except RetryLater as exc:
                self.metrics.sends.labels(row.channel, "retry").inc()
                delay = max(exc.delay, backoff(row.attempts))
                rest = [r.id for r in rows[index:]]
                if tried and row.attempts >= outbox.MAX_ATTEMPTS:
                    log.error(
                        "outbox %s: giving up after %d attempts: %s", row.id, row.attempts, exc
                    )
                    async with self.sessions.begin() as session:
                        await outbox.mark_failed(session, row, str(exc))
                    rest, tried = rest[1:], False
                log.warning("outbox %s: retry in %.1fs (%s)", row.id, delay, exc)
                async with self.sessions.begin() as session:
                    await outbox.release(
                        session, rest, delay, str(exc), tried=row.id if tried else None
                    )
                return
            except Unreachable as exc:
                self.metrics.sends.labels(row.channel, "unreachable").inc()
                log.info("outbox %s: not attempted (%s)", row.id, exc)
                async with self.sessions.begin() as session:
                    await outbox.mark_failed(session, row, str(exc), status=Unreachable.STATUS)
                continue
            except PermanentFailure as exc:
                self.metrics.sends.labels(row.channel, "failed").inc()
                log.warning("outbox %s: failed for good (%s)", row.id, exc)
                async with self.sessions.begin() as session:
                    await outbox.mark_failed(session, row, str(exc), blocked=exc.blocked)
                continue
            except Exception as exc:  # a bug in an adapter must not stop the queue
                log.exception("outbox %s: unexpected error", row.id)
                self.metrics.sends.labels(row.channel, "error").inc()
                async with self.sessions.begin() as session:
                    await outbox.release(
                        session,
                        [r.id for r in rows[index:]],
                        backoff(row.attempts),
                        repr(exc),
                        tried=row.id if tried else None,
                    )
                return
            self.metrics.sends.labels(row.channel, "sent").inc()
            await self._record_sent(row.id, message_id)

    async def _record_sent(self, row_id: int, message_id: str | None) -> None:
        """Record a send before the next row of its chat goes (group commit: the sends
        that finish while one transaction records are recorded together in the next,
        one transaction for many under load instead of one each)."""
        self._sent[row_id] = message_id
        async with self._recording:
            if row_id not in self._sent:
                return  # recorded (or parked in `_unmarked`) by the transaction before
            batch, self._sent = self._sent, {}
            try:
                async with self.sessions.begin() as session:
                    await outbox.mark_sent(session, batch)
            except Exception as exc:
                log.warning("outbox: %d rows sent, but not recorded yet (%s)", len(batch), exc)
                self._unmarked.update(batch)
