"""Recording what the channels receive, the same way for every channel and mode.

- A webhook request (bot/web.py) records its events once: if the database cannot take
  one, it is kept in the spool on local disk (bot/spool.py) and the platform still gets
  its 200 (Zalo does not deliver again after a 5xx); `replay` records the spooled events
  in order once the database is back. Only when the spool cannot take it either does
  the error reach the route, which answers 503.
- A polled update has no second delivery (the poller has moved past it), so it is kept
  and tried again with a doubling delay until it is recorded or the channel stops.

Polled updates wait until `open()` (after the start-up recovery has handled what an
earlier run left pending), so one user's old and new messages are handled in order.
Once an event is recorded as new, the channel's cosmetic follow-up runs (`Received.then`:
stop a button's spinner, show "typing…"), never holding the platform's answer up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.channel import Received
from bot.metrics import Metrics
from bot.spool import Spool
from handlers.types import Incoming

log = logging.getLogger(__name__)

RETRY_FIRST, RETRY_MAX = 0.5, 30.0  # seconds between tries of a polled update
REPLAY_IDLE = 5.0  # seconds between looks at the spool when nothing wakes the replay
Submit = Callable[[Incoming], Awaitable[bool]]


class SpoolFull(RuntimeError):
    """Neither the database nor the spool could take an event (the webhook answers 503)."""


class Ingress:
    def __init__(
        self,
        submit: Submit,
        opened: bool = True,
        spool: Spool | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """`submit` records an `Incoming` (the inbox processor's): False for a duplicate,
        raises when the database cannot record it. `opened`: polled updates go at once.
        `spool`: where webhook events wait while the database is down (None: 503)."""
        self.submit = submit
        self.spool = spool
        self.metrics = metrics or Metrics()
        self._open = asyncio.Event()
        if opened:
            self._open.set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._spooled = asyncio.Event()

    def open(self) -> None:
        """Let polled updates through (they waited while the start-up recovery ran)."""
        self._open.set()

    async def ingest(self, received: Received) -> bool:
        """Record one event; False for a duplicate. Raises when it cannot be recorded."""
        fresh = await self.submit(received.incoming)
        if fresh and received.then is not None:
            self._spawn(received.then())
        return fresh

    async def ingest_webhook(self, received: Received) -> None:
        """Record a webhook's event, or keep it in the spool when the database cannot take
        it (also while earlier events wait there, to keep their order). Raises only when
        neither can: the webhook then answers 503."""
        spool = self.spool
        if spool is not None and len(spool):
            await self._keep(spool, received.incoming)
            return
        try:
            await self.ingest(received)
        except Exception as exc:
            if spool is None:
                raise
            log.warning("%s: database unavailable (%s); event kept in the spool",
                        received.incoming.channel, exc)  # fmt: skip
            await self._keep(spool, received.incoming)

    async def _keep(self, spool: Spool, incoming: Incoming) -> None:
        if not await spool.put(incoming):
            raise SpoolFull(f"spool {spool} cannot take the event")
        self.metrics.spooled.set(len(spool))
        self._spooled.set()

    async def replay(self, stopping: asyncio.Event) -> None:
        """Record the spooled events in order whenever the database takes them: at start
        (files from an earlier run), and each time events were spooled."""
        spool = self.spool
        if spool is None:
            return
        await _first(self._open.wait(), stopping.wait())
        delay = RETRY_FIRST
        while not stopping.is_set():
            failed = False
            while (head := await spool.first()) is not None and not stopping.is_set():
                name, incoming = head
                try:
                    await self.submit(incoming)
                except Exception as exc:
                    log.warning("spool: %d events wait, database still unavailable: %s",
                                len(spool), exc)  # fmt: skip
                    failed = True
                    break
                await spool.remove(name)
                self.metrics.spooled.set(len(spool))
            if failed:  # new events arriving do not hurry the next try
                delay = min(RETRY_MAX, delay * 2)
                await _first(_sleep(delay), stopping.wait())
                continue
            delay = RETRY_FIRST
            self._spooled.clear()
            if not len(spool):
                await _first(_sleep(REPLAY_IDLE), self._spooled.wait(), stopping.wait())

    def start_replay(self, stopping: asyncio.Event) -> None:
        if self.spool is not None:
            self._spawn(self.replay(stopping))

    async def ingest_polled(self, received: Received, stopping: asyncio.Event) -> bool:
        """Record a polled update, trying again until the database takes it; False when the
        channel stopped first (the update is lost: logged). Tried at least once, also
        while stopping (updates fetched before the stop are recorded)."""
        incoming = received.incoming
        await _first(self._open.wait(), stopping.wait())
        delay = RETRY_FIRST
        while True:
            try:
                await self.ingest(received)
                return True
            except Exception as exc:
                if stopping.is_set():
                    log.error(
                        "%s: update %s not recorded at shutdown: %s",
                        incoming.channel,
                        incoming.update_key,
                        exc,
                    )
                    return False
                log.warning(
                    "%s: update not recorded, retrying in %.1f s: %s", incoming.channel, delay, exc
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), delay)
                delay = min(RETRY_MAX, delay * 2)

    async def close(self) -> None:
        """Cancel follow-ups still running (cosmetic)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(_quietly(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _quietly(work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except Exception as exc:
        log.debug("a follow-up of a received update failed: %s", exc)


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    """Until the first of `waits` is done."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
