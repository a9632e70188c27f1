"""Broadcast reports to the staff chat a broadcast was composed in.

While a broadcast is sending, a progress report every `progress_every` seconds; when no
recipient is left, the broadcast is finished and its final report queued in the same
transaction. Reports go through the outbox with keys derived from the broadcast and the
period, so every process (and a restarted one) queues each report once. The wording is
in handlers/broadcast_compose.py, with the staff's other broadcast texts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import broadcasts, outbox
from db.clock import utcnow
from db.models import Broadcast
from handlers.broadcast_compose import final_text, progress_text
from handlers.types import Reply

log = logging.getLogger(__name__)

REPORT_KIND = "broadcast"


class BroadcastReports:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        progress_every: float = 10.0,
        wake_outbox: Callable[[], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.progress_every = progress_every
        self._wake_outbox = wake_outbox
        self._reported: dict[int, int] = {}  # broadcast id → last progress report number

    async def settle(self) -> None:
        """Finish broadcasts with nothing left (final report), and report progress due."""
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
                queued = await self._progress(job, job.started_at)
            else:
                queued = False
            if queued:
                self._woken()  # after the commit, so the outbox worker sees the row

    async def run(self, stop: asyncio.Event) -> None:
        """Progress reports on time, however long a sender's pass takes; ends with `stop`
        (not cancelled, which would leave a database connection checked out)."""
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
                        if await self._progress(job, job.started_at):
                            self._woken()
            except Exception as exc:
                log.warning("broadcast: progress report failed: %s", exc)

    def _woken(self) -> None:
        if self._wake_outbox is not None:
            self._wake_outbox()

    async def _progress(self, job: Broadcast, started_at: datetime) -> bool:
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
