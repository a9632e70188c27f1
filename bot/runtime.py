"""Wiring of one process: database, FAQ, channels, outbox worker, inbox processor.

`serve` and `chat` both run a Runtime; they differ only in the channels they add.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import handoff_watch, reminders
from bot.audio_links import AudioLinks
from bot.broadcast import BroadcastSender
from bot.channel import Channel
from bot.chat_moves import ChatMoves
from bot.inbox import InboxProcessor
from bot.metrics import Metrics
from bot.outbox import OutboxSender
from dashboard.security import session_key
from db.engine import session_factory
from faq.service import FaqService
from handlers.context import StaffRoute
from settings import Settings

log = logging.getLogger(__name__)

RECOVERY_SECONDS = 30.0


def load_faq() -> FaqService | None:
    """The knowledge base, or None (the bot still runs and says the FAQ is being updated)."""
    try:
        return FaqService()
    except Exception as exc:
        log.error("FAQ content could not be loaded, FAQ answers are off: %s", exc)
        return None


class Runtime:
    def __init__(self, settings: Settings, engine: AsyncEngine, faq: FaqService | None) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions = session_factory(engine)
        self.channels: dict[str, Channel] = {}
        # Announcements and reminders: each channel at its own pace.
        rates = {
            "telegram": settings.broadcast_rate,
            "zalo_oa": settings.zalo_broadcast_rate,
            "zalo_bot": settings.zalo_broadcast_rate,
        }
        self.metrics = Metrics()
        # Links to spoken answers for channels without voice notes (served by bot/web.py).
        self.audio_links = AudioLinks(
            lambda: session_key(settings),
            settings.public_url,
            timedelta(hours=settings.audio_link_hours),
        )
        self.sender = OutboxSender(
            self.sessions,
            self.channels,
            settings.instance,
            rates,
            metrics=self.metrics,
            links=self.audio_links,
        )
        self.inbox = InboxProcessor(
            settings, self.sessions, self.channels, self.sender, faq, metrics=self.metrics
        )
        self.broadcaster = BroadcastSender(
            self.sessions,
            self.channels,
            settings.instance,
            rate=settings.broadcast_rate,
            wake_outbox=self.sender.wake,
            channel_rates=rates,
            metrics=self.metrics,
        )
        # Staff groups Telegram moved to a new id (kept in the database, see bot/chat_moves.py).
        self.chat_moves = ChatMoves(settings, self.sessions, self._chat_moved)
        self.stop = asyncio.Event()
        self._background: list[asyncio.Task[None]] = []

    def _chat_moved(self, old: str, new: str) -> None:
        """A staff group got a new id: the staff route follows; its queue goes now."""
        staff = self.inbox.staff
        if staff is not None and staff.chat_key == old:
            self.inbox.staff = StaffRoute(staff.channel, new)
        self.sender.wake()

    def add_channel(self, channel: Channel) -> None:
        self.channels[channel.name] = channel

    def set_staff_route(self, route: StaffRoute | None) -> None:
        self.inbox.staff = route

    async def recover(self) -> None:
        """At start: free our own stale outbox claims, then handle pending updates."""
        await self.sender.release_own_claims()
        await self.broadcaster.release_own_claims()
        await self.inbox.recover()

    def start_background(self) -> None:
        self._background = [
            asyncio.create_task(self.sender.run(self.stop), name="outbox"),
            asyncio.create_task(self._recovery_loop(), name="recovery"),
            asyncio.create_task(self.broadcaster.run(self.stop), name="broadcasts"),
            asyncio.create_task(
                reminders.run(self.sessions, self.stop, self.sender.wake), name="reminders"
            ),
            asyncio.create_task(
                handoff_watch.run(
                    self.sessions,
                    self.settings,
                    lambda: self.inbox.staff,
                    self.stop,
                    self.sender.wake,
                ),
                name="handoff",
            ),
        ]

    async def _recovery_loop(self) -> None:
        """Updates left pending by an outage are handled once the database is back."""
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), RECOVERY_SECONDS)
            if self.stop.is_set():
                return
            try:
                await self.inbox.recover(older_than=RECOVERY_SECONDS)
            except Exception as exc:
                log.warning("recovery pass failed: %s", exc)
                self.metrics.errors.labels("recovery").inc()

    async def close(self) -> None:
        await self.inbox.drain()
        self.stop.set()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self.engine.dispose()
