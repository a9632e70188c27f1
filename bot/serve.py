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

from bot.console import BANNER, STAFF_CHAT, ConsoleChannel, console_incoming, read_lines
from bot.mail import EmailChannel
from bot.runtime import Runtime, load_faq, open_database
from bot.telegram import TelegramChannel
from bot.web import build_app
from bot.zalo_bot import ZaloBotChannel
from bot.zalo_oa import ZaloOAChannel
from dashboard.app import mount as mount_dashboard
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
        self.telegram: TelegramChannel | None = None
        self.zalo_oa: ZaloOAChannel | None = None
        self.zalo_bot: ZaloBotChannel | None = None
        self._runner: web.AppRunner | None = None
        self.port = settings.web_port

    async def start(self) -> None:
        settings = self.settings
        engine = await open_database(settings)
        runtime = self.runtime = Runtime(settings, engine, self._faq or load_faq())
        if settings.telegram_bot_token:
            self.telegram = TelegramChannel(settings, runtime.dispatcher.submit)
            runtime.add_channel(self.telegram)
            if settings.centre_chat_id is not None:
                runtime.set_staff_route(StaffRoute("telegram", str(settings.centre_chat_id)))
            else:
                log.warning("CENTRE_CHAT_ID is not set: hand-off to staff is off")
        else:
            log.info("Telegram: TELEGRAM_BOT_TOKEN is not set, the Telegram channel is off")
        if settings.zalo_oa_enabled:
            self.zalo_oa = ZaloOAChannel(settings, runtime.sessions, runtime.dispatcher.submit)
            runtime.add_channel(self.zalo_oa)
        else:
            log.info(
                "Zalo OA: ZALO_APP_ID, ZALO_OA_SECRET_KEY or ZALO_OA_ACCESS_TOKEN is not set, "
                "the Zalo OA channel is off"
            )
        if settings.zalo_bot_enabled:
            self.zalo_bot = ZaloBotChannel(settings, runtime.dispatcher.submit)
            runtime.add_channel(self.zalo_bot)
        else:
            log.info("Zalo Bot: ZALO_BOT_TOKEN is not set, the Zalo Bot channel is off")
        if settings.email_enabled:
            runtime.add_channel(EmailChannel(settings))
        else:
            log.info("E-mail: SMTP_HOST or CENTRE_EMAIL is not set, e-mail copies are off")
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
            self.telegram,
            zalo_oa=self.zalo_oa,
            zalo_bot=self.zalo_bot if self.zalo_bot and self.zalo_bot.webhook else None,
            metrics=(runtime.metrics, runtime.sessions, settings.metrics_token),
        )
        mount_dashboard(
            app, settings, runtime.sessions, runtime.sender.wake, lambda: runtime.dispatcher.faq
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, settings.web_host, settings.web_port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("web server on http://%s:%s", settings.web_host, self.port)
        log.info("staff dashboard on http://%s:%s/staff", settings.web_host, self.port)

        if self.zalo_oa is not None:
            await self.zalo_oa.start()
        if self.zalo_bot is not None:
            await self.zalo_bot.start()
        await runtime.recover()
        runtime.start_background()
        if self.telegram is not None:
            await self.telegram.start()
            runtime.dispatcher.bot_username = self.telegram.app.bot.username
        log.info("ready")

    def reload_faq(self) -> None:
        """SIGHUP: load edited FAQ content; on errors the old content stays in service."""
        faq = self.runtime.dispatcher.faq if self.runtime else None
        try:
            if faq is None:
                faq = FaqService()
                if self.runtime is not None:
                    self.runtime.dispatcher.faq = faq
            else:
                faq.reload()
        except Exception as exc:
            log.error("FAQ reload failed, the previous content stays in service: %s", exc)

    async def stop(self) -> None:
        if self.telegram is not None:
            await self.telegram.stop()
        if self.zalo_bot is not None:
            await self.zalo_bot.stop()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.runtime is not None:
            await self.runtime.close()
        if self.zalo_oa is not None:  # after the outbox worker stopped sending with it
            await self.zalo_oa.stop()


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
            await runtime.dispatcher.submit(console_incoming(user_key, text), wait=True)
    finally:
        await runtime.close()
