"""`python -m bot serve` and `python -m bot chat`: run until Ctrl-C / SIGTERM / end of input."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TextIO

from aiohttp import web

from bot.channel import Channel
from bot.console import BANNER, STAFF_CHAT, ConsoleChannel, console_incoming, read_lines
from bot.ingress import Ingress
from bot.mail import EmailChannel
from bot.runtime import Runtime, load_faq
from bot.spool import Spool
from bot.telegram import TelegramChannel
from bot.web import build_app, runner
from bot.zalo_bot import ZaloBotChannel
from bot.zalo_oa import ZaloOAChannel
from dashboard.app import mount as mount_dashboard
from db.migrate import open_database
from faq.service import FaqService
from handlers.context import StaffRoute
from settings import Settings

log = logging.getLogger(__name__)


class Server:
    """Everything `serve` runs: channels, web server, outbox worker, recovery."""

    def __init__(self, settings: Settings, faq: FaqService | None = None) -> None:
        self.settings = settings
        self._faq = faq
        self.runtime: Runtime | None = None
        self.ingress: Ingress | None = None
        self.channels: list[Channel] = []
        self._runner: web.AppRunner | None = None
        self.port = settings.web_port

    def channel(self, name: str) -> Channel | None:
        """The running channel called `name` ("telegram", "zalo_oa" …), if it is on."""
        return next((c for c in self.channels if c.name == name), None)

    async def start(self) -> None:
        settings = self.settings
        engine = await open_database(settings)
        runtime = self.runtime = Runtime(settings, engine, self._faq or load_faq())
        await runtime.chat_moves.load()  # a staff group's new id, before anyone reads it
        # Polled updates wait until the recovery below has handled earlier ones; webhook
        # events the database cannot take wait in the spool.
        spool = Spool(Path(settings.spool_dir), settings.spool_max_events)
        ingress = self.ingress = Ingress(
            runtime.inbox.submit,
            opened=False,
            spool=spool if settings.spool_max_events else None,
            metrics=runtime.metrics,
        )
        self.channels = _channels(settings, runtime, ingress)
        for channel in self.channels:
            runtime.add_channel(channel)
        if not settings.centre_phone:
            log.warning(
                "CENTRE_PHONE is not set: fallback replies cannot give a phone number, "
                "and FAQ answers leave out the sentences that would show it"
            )
        if not settings.centre_address:
            log.warning(
                "CENTRE_ADDRESS is not set: FAQ answers leave out the sentences "
                "that would show the centre's address"
            )

        app = build_app(
            engine,
            self.channels,
            ingress,
            metrics=(runtime.metrics, runtime.sessions, settings.metrics_token),
            body_timeout=settings.web_body_timeout,
            audio=(runtime.audio_links, runtime.sessions),
        )
        mount_dashboard(
            app, settings, runtime.sessions, runtime.sender.wake, lambda: runtime.inbox.faq
        )
        self._runner = runner(app, settings.web_header_timeout)
        await self._runner.setup()
        site = web.TCPSite(self._runner, settings.web_host, settings.web_port)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the port bound (WEB_PORT 0: any free one)
        log.info("web server on http://%s:%s", settings.web_host, self.port)
        log.info("staff dashboard on http://%s:%s/staff", settings.web_host, self.port)

        for channel in self.channels:
            await channel.start()
        await runtime.recover()
        ingress.open()
        ingress.start_replay(runtime.stop)
        runtime.start_background()
        telegram = self.channel(TelegramChannel.name)
        if isinstance(telegram, TelegramChannel):  # for deep links (referrals)
            runtime.inbox.bot_username = telegram.app.bot.username
        log.info("ready")

    def reload_faq(self) -> None:
        """SIGHUP: load edited FAQ content; on errors the old content stays in service."""
        faq = self.runtime.inbox.faq if self.runtime else None
        try:
            if faq is None:
                faq = FaqService()
                if self.runtime is not None:
                    self.runtime.inbox.faq = faq
            else:
                faq.reload()
        except Exception as exc:
            log.error("FAQ reload failed, the previous content stays in service: %s", exc)

    async def stop(self) -> None:
        """Stop receiving (polling, then webhooks), let the updates in hand be handled and
        the senders stop, then close the channels' clients."""
        for channel in self.channels:
            await channel.stop()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.runtime is not None:
            await self.runtime.close()
        if self.ingress is not None:
            await self.ingress.close()
        for channel in self.channels:
            await channel.close()


def _channels(settings: Settings, runtime: Runtime, ingress: Ingress) -> list[Channel]:
    """The channels the settings turn on (a channel without its token is off, one log
    line each), and the staff chat's route."""
    channels: list[Channel] = []
    if settings.telegram_bot_token:
        channels.append(
            TelegramChannel(settings, ingress, runtime.chat_moves, metrics=runtime.metrics)
        )
        if settings.centre_chat_id is not None:
            runtime.set_staff_route(StaffRoute(TelegramChannel.name, str(settings.centre_chat_id)))
        else:
            log.warning("CENTRE_CHAT_ID is not set: hand-off to staff is off")
    else:
        log.info("Telegram: TELEGRAM_BOT_TOKEN is not set, the Telegram channel is off")
    if settings.zalo_oa_enabled:
        channels.append(ZaloOAChannel(settings, runtime.sessions, runtime.metrics))
    else:
        log.info(
            "Zalo OA: ZALO_APP_ID, ZALO_OA_SECRET_KEY or ZALO_OA_ACCESS_TOKEN is not set, "
            "the Zalo OA channel is off"
        )
    if settings.zalo_bot_enabled:
        channels.append(ZaloBotChannel(settings, ingress))
    else:
        log.info("Zalo Bot: ZALO_BOT_TOKEN is not set, the Zalo Bot channel is off")
    if settings.email_enabled:
        channels.append(EmailChannel(settings))
    else:
        log.info("E-mail: SMTP_HOST or CENTRE_EMAIL is not set, e-mail copies are off")
    return channels


async def serve(settings: Settings) -> None:
    server = Server(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, server.reload_faq)
    pid_file = Path(settings.pid_file)
    try:
        await server.start()
        _write_pid(pid_file)
        await stop.wait()
        log.info("shutting down")
    finally:
        _remove_pid(pid_file)
        await server.stop()


def _write_pid(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(os.getpid()))


def _remove_pid(path: Path) -> None:
    path.unlink(missing_ok=True)


async def chat(settings: Settings, user_key: str = "local", stream: TextIO = sys.stdin) -> None:
    engine = await open_database(settings)
    runtime = Runtime(settings, engine, load_faq())
    runtime.add_channel(ConsoleChannel())
    runtime.set_staff_route(StaffRoute("console", STAFF_CHAT))
    print(BANNER, flush=True)
    try:
        await runtime.recover()
        runtime.start_background()
        while (line := await read_lines(stream)) is not None:
            text = line.rstrip("\n")
            if not text.strip():
                continue
            await runtime.inbox.submit(console_incoming(user_key, text), wait=True)
    finally:
        await runtime.close()
