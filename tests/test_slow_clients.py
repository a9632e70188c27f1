"""Slow clients are dropped (F7): connections that send their headers or their body a
byte at a time (slowloris) are closed after WEB_HEADER_TIMEOUT / WEB_BODY_TIMEOUT, and
while they hang on, everybody else is answered at once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp

from bot.serve import Server
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, free_port, make_settings
from tests.fakes.telegram_api import FakeTelegram

SLOW = 12  # connections of each kind
TRICKLE = 0.25  # seconds between the bytes a slow client sends


async def _slow_client(port: int, head: bytes, trickle: bytes) -> float:
    """Send `head`, then one byte of `trickle` at a time until the server closes the
    connection; the seconds that took (or a large number if it never did)."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        for byte in trickle:
            await asyncio.sleep(TRICKLE)
            if reader.at_eof():
                break
            writer.write(bytes([byte]))
            try:
                await writer.drain()
                # An answer (408) or EOF ends it; anything else: keep trickling.
                data = await asyncio.wait_for(reader.read(1024), 0.01)
                if data == b"" or data.startswith(b"HTTP/1.1 408"):
                    break
            except TimeoutError:
                continue
            except ConnectionError:
                break
        else:
            return 1e9
        return time.monotonic() - started
    finally:
        writer.close()


async def test_slow_headers_and_slow_bodies_are_dropped_and_others_still_answered(
    database_url: str, tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    port = free_port()
    settings = make_settings(
        database_url,
        fake_telegram,
        web_port=port,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        dashboard_key_file=str(tmp_path / "dashboard.key"),
        web_header_timeout=1.5,
        web_body_timeout=1.5,
    )
    server = Server(settings, FaqService(FIXTURE_FAQ))
    await server.start()
    try:
        slow_head = b"POST /telegram/hook HTTP/1.1\r\nHost: x\r\n"
        slow_body = (
            b"POST /telegram/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"X-Telegram-Bot-Api-Secret-Token: " + settings.webhook_secret.encode()
            + b"\r\nContent-Length: 100000\r\n\r\n"
        )  # fmt: skip
        login_body = (
            b"POST /staff/login HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n"
        )
        filler = b"X-Slow: " + b"a" * 200
        clients = [
            *(_slow_client(port, slow_head, filler) for _ in range(SLOW)),
            *(_slow_client(port, slow_body, b"{" * 200) for _ in range(SLOW)),
            *(_slow_client(port, login_body, b"u" * 200) for _ in range(SLOW // 2)),
        ]
        slow = asyncio.gather(*clients)
        await asyncio.sleep(0.5)  # all of them are in the middle of their request now
        async with aiohttp.ClientSession() as http:
            started = time.monotonic()
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
            assert time.monotonic() - started < 1.0
        # A worker's message is handled while the slow connections hang on.
        assert await fake_telegram.deliver_webhook(fake_telegram.message_update(42, "/start"))
        await fake_telegram.wait_sent(42, 1, timeout=10)
        durations = await asyncio.wait_for(slow, 30)
    finally:
        await server.stop()
    # Each is dropped after its timeout (1.5 s; the keep-alive timer rounds up to the
    # next second), not after the hour aiohttp would otherwise allow.
    assert max(durations) < 6, sorted(durations)
    assert min(durations) >= 1.4, sorted(durations)
