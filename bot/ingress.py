"""Recording what the channels receive, the same way for every channel and mode.

- A webhook request (bot/web.py) records its events once: if the database cannot take
  one, the error reaches the route, which answers 503, and the platform delivers again.
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
from handlers.types import Incoming

log = logging.getLogger(__name__)

RETRY_FIRST, RETRY_MAX = 0.5, 30.0  # seconds between tries of a polled update
Submit = Callable[[Incoming], Awaitable[bool]]


class Ingress:
    def __init__(self, submit: Submit, opened: bool = True) -> None:
        """`submit` records an `Incoming` (the dispatcher's): False for a duplicate,
        raises when the database cannot record it. `opened`: polled updates go at once."""
        self.submit = submit
        self._open = asyncio.Event()
        if opened:
            self._open.set()
        self._tasks: set[asyncio.Task[Any]] = set()

    def open(self) -> None:
        """Let polled updates through (they waited while the start-up recovery ran)."""
        self._open.set()

    async def ingest(self, received: Received) -> bool:
        """Record one event; False for a duplicate. Raises when it cannot be recorded."""
        fresh = await self.submit(received.incoming)
        if fresh and received.then is not None:
            self._spawn(received.then())
        return fresh

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


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    """Until the first of `waits` is done."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
