"""The baseline of `bench.load`: a bare python-telegram-bot echo bot behind a webhook.

An aiohttp route (the same HTTP server stack as ours) checks the secret header, parses
the update and puts it on PTB's update queue; a MessageHandler echoes the text and a
CallbackQueryHandler echoes the button's data, through the same fake Bot API. No
database, no state: what a Telegram bot costs at the least. PTB handles updates
concurrently (`concurrent_updates(True)`), as a bot serving 200 people at once would.

    python -m bench.echo_bot --port P --api-base URL --token T --url WEBHOOK_URL --secret S
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import signal

from aiohttp import web
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def _echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def _echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    await context.bot.send_message(query.message.chat.id, query.data or "")


async def run(args: argparse.Namespace) -> None:
    app = (
        Application.builder()
        .token(args.token)
        .base_url(args.api_base)
        .updater(None)
        .concurrent_updates(True)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    app.add_handler(CallbackQueryHandler(_echo_press))

    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), args.secret.encode()):
            return web.Response(status=401)
        try:
            update = Update.de_json(json.loads(await request.read()), app.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        await app.update_queue.put(update)
        return web.json_response({"ok": True})

    web_app = web.Application()
    web_app.router.add_post(args.path, webhook)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    await app.initialize()
    await app.start()
    await app.bot.set_webhook(args.url, secret_token=args.secret)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await app.stop()
        await app.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--path", default="/telegram")
    parser.add_argument("--secret", required=True)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
