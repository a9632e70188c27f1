"""Rate limits shared by the senders: how fast sends may start, per channel and per chat.

- `Pacer`: at most `rate` sends a second per channel, evenly spaced; pauses on demand.
- `Pacers`: one pacer per channel, each at that channel's rate, made on first use.
- `Departures`: re-spaces sends just before they leave (they can bunch up after the pacer).
- `ChatSpacing`: one send per interval per chat.
- `FloodSignal`: tells one chat's 429 from a flood of them (then everything pauses).

Used by the broadcast sender (bot/broadcast.py) and, for bulk kinds such as job-fair
reminders, by the outbox sender (bot/outbox.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

Clock = Callable[[], float]


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


class Pacers:
    """A `Pacer` per channel at that channel's rate, made on first use.

    `default`: the rate of a channel not in `rates` (None: such a channel is not paced).
    `catch_up`: missed slots a busy moment may make up, in intervals (None: the pacer's
    own default of a quarter interval).
    """

    def __init__(
        self,
        rates: Mapping[str, float],
        default: float | None = None,
        catch_up: float | None = None,
    ) -> None:
        self.rates = dict(rates)
        self.default = default
        self.catch_up = catch_up
        self._pacers: dict[str, Pacer] = {}

    def get(self, channel: str) -> Pacer | None:
        pacer = self._pacers.get(channel)
        if pacer is None:
            rate = self.rates.get(channel, self.default)
            if rate is None:
                return None
            catch_up = None if self.catch_up is None else self.catch_up / rate
            pacer = self._pacers[channel] = Pacer(rate, catch_up=catch_up)
        return pacer

    @property
    def slowest(self) -> float | None:
        """The lowest configured rate (None when no channel is paced)."""
        return min(self.rates.values(), default=self.default)


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
