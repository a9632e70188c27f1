"""The aiohttp server: health, and the webhooks of the channels that use them.

Slow clients are dropped (a slowloris holds sockets by sending a request a byte at a
time): a connection whose request headers have not all arrived `WEB_HEADER_TIMEOUT`
seconds after it opened (or after its previous answer) is closed — aiohttp's keep-alive
timer, which also ends idle connections — and a body not read in `WEB_BODY_TIMEOUT`
seconds gets 408 and the connection is closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.audio_links import PATH as AUDIO_PATH
from bot.audio_links import AudioLinks
from bot.channel import Channel, WebhookIngress
from bot.ingress import Ingress
from bot.metrics import Metrics, metrics_route
from db import recordings
from db.migrate import is_current

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
# After an answer sent before the body was read (408, 413), the rest of the body is read
# and dropped for this long, so the client can read the answer; then the socket closes.
LINGER_SECONDS = 2.0


def build_app(
    engine: AsyncEngine,
    channels: Iterable[Channel] = (),
    ingress: Ingress | None = None,
    metrics: tuple[Metrics, async_sessionmaker[AsyncSession], str] | None = None,
    body_timeout: float = 30.0,
    audio: tuple[AudioLinks, async_sessionmaker[AsyncSession]] | None = None,
) -> web.Application:
    """The web server's routes: health, metrics, and a webhook route for each channel
    that receives by webhook (`WebhookIngress` with a path), its events recorded through
    `ingress`. `metrics`: the process's metrics, the sessions to read queue figures with,
    and the METRICS_TOKEN (empty: loopback callers only). `audio`: the signed links to
    spoken answers and the sessions to read them with (`/audio/…`)."""
    app = web.Application(
        client_max_size=MAX_BODY, middlewares=[_never_500, _body_in_time(body_timeout)]
    )
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz(engine))
    if metrics is not None:
        app.router.add_get("/metrics", metrics_route(*metrics))
    if audio is not None:
        app.router.add_get(AUDIO_PATH, _audio(*audio))
    for channel in channels:
        if isinstance(channel, WebhookIngress) and channel.webhook_path and ingress is not None:
            app.router.add_post(channel.webhook_path, _webhook(channel, ingress))
            if channel.webhook_probe:
                app.router.add_get(channel.webhook_path, _healthz)
    return app


@web.middleware
async def _never_500(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A bug behind a route answers 503 (retry later) without leaking a trace. (A lost
    database connection is one too: Telegram then delivers the update again.)"""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return web.json_response({"ok": False, "error": "temporarily unavailable"}, status=503)


def runner(app: web.Application, header_timeout: float) -> web.AppRunner:
    """The runner for `app`: no access log (it would hold people's chat ids), and
    connections without a whole request after `header_timeout` seconds closed."""
    return web.AppRunner(
        app, access_log=None, keepalive_timeout=header_timeout, lingering_time=LINGER_SECONDS
    )


def _body_in_time(timeout: float) -> Middleware:
    @web.middleware
    async def read_body(request: web.Request, handler: Handler) -> web.StreamResponse:
        """The whole body is read here, within `timeout` (handlers then get it from
        memory). Multipart bodies are streamed by their handler (none today). A client
        that hangs up in the middle is no error: one quiet line, no trace, and a 400
        nobody reads."""
        if request.body_exists and not request.content_type.startswith("multipart/"):
            try:
                async with asyncio.timeout(timeout):
                    await request.read()
            except ConnectionError as exc:
                log.info("%s %s: the client went away (%s)", request.method, request.path, exc)
                return web.json_response({"ok": False, "error": "connection lost"}, status=400)
            except TimeoutError:
                log.info("%s %s: body not sent in %.0f s, dropped", request.method,
                         request.path, timeout)  # fmt: skip
                response = web.json_response(
                    {"ok": False, "error": "request body too slow"}, status=408
                )
                response.force_close()
                return response
        return await handler(request)

    return read_body


def _audio(
    links: AudioLinks, sessions: async_sessionmaker[AsyncSession]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A spoken answer behind a signed link (bot/audio_links.py): the audio staff
    recorded, nothing else; an expired link or a replaced recording says so in words."""

    async def audio(request: web.Request) -> web.Response:
        info = request.match_info
        checked = links.check(info["recording"], info["expires"], info["tag"], info["signature"])
        if checked is None:
            return _words(404, "Không tìm thấy bản ghi âm này.")
        recording_id, tag, expired = checked
        if expired:
            return _words(410, EXPIRED)
        async with sessions() as session:
            found = await recordings.audio_of(session, recording_id)
        if found is None or not found.sha256.startswith(tag):
            return _words(410, "Bản ghi âm này đã được thay hoặc gỡ. " + ASK_AGAIN)
        return web.Response(
            body=found.audio,
            content_type=found.mime_type,
            headers={
                "Cache-Control": "private, max-age=3600",
                "X-Content-Type-Options": "nosniff",
                "Content-Disposition": "inline",
            },
        )

    return audio


ASK_AGAIN = "Bạn bấm «🔊 Nghe» dưới câu trả lời để nhận liên kết mới."
EXPIRED = "Liên kết đã hết hạn. " + ASK_AGAIN


def _words(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/plain", charset="utf-8")


async def _healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _readyz(engine: AsyncEngine) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def readyz(_: web.Request) -> web.Response:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            current = await is_current(engine)
        except Exception as exc:
            return web.json_response(
                {"status": "database unreachable", "error": str(exc)[:200]}, status=503
            )
        if not current:
            return web.json_response({"status": "migrations pending"}, status=503)
        return web.json_response({"status": "ready"})

    return readyz


def _webhook(
    channel: WebhookIngress, ingress: Ingress
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Verify first (401, nothing read further), record durably, answer 200 at once; the
    dialog runs after the answer (the inbox processor's own task). If the database cannot
    record an event it is kept in the local spool and still answered 200 (bot/spool.py);
    only if the spool cannot take it either does this raise and the middleware answer
    503 (events recorded before it are then dropped as duplicates when redelivered)."""

    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()
        if not channel.verify(request.headers, body):
            log.warning("%s: request with a bad or missing secret refused", request.path)
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        try:
            events = channel.receive(body)
        except ValueError as exc:
            return web.json_response({"ok": False, "error": f"malformed: {exc}"}, status=400)
        for received in events:
            await ingress.ingest_webhook(received)
        return web.json_response({"ok": True})

    return webhook
