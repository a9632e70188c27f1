"""Zalo Bot Platform adapter (the Telegram-like API, for pilots).

`{base}/bot{token}/{method}`, every method a POST with a JSON body answering
`{ok, result?, error_code?, description?}` (facts: channels.md 1a).

- Long polling (no `ZALO_BOT_WEBHOOK_SECRET`): `getUpdates` returns ONE update per call,
  and error 408 when nothing came within the timeout. Each update is recorded durably
  before the next poll (getUpdates has no offset to ask for it again).
- Webhook (`ZALO_BOT_WEBHOOK_SECRET` set): `/zalo/bot` on our server checks
  `X-Bot-Api-Secret-Token` in constant time; bodies come flat or wrapped in {ok, result}.
- No update id: the dedupe key is event name + message id.
- Text only (buttons become numbered choices), 2,000 characters a message; photos by URL.
- Updates without a `message` (unsupported content, the bot added to a group), unknown
  events and group messages (the bot answers only in private chats, and keeps nothing
  of a group) are acknowledged and dropped; never a 4xx. "typing…" only goes to a chat
  that will get an answer.
- A 403 is not "blocked": the Bot error table lists 403 as "Internal server error"; it is
  retried like a server error unless its description says the user blocked the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp

from bot.channel import (
    ChannelLimits,
    MalformedBody,
    NumberedChoices,
    PermanentFailure,
    Received,
    RetryLater,
    secret_matches,
)
from bot.ingress import Ingress
from bot.splitting import split_text
from handlers.types import Incoming, Media, Reply
from settings import Settings

log = logging.getLogger(__name__)

NAME = "zalo_bot"
PATH = "/zalo/bot"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_TEXT = 2000
POLL_TIMEOUT = 30  # seconds Zalo holds a getUpdates call open
POLL_NOTHING = 408
UNSUPPORTED = "message.unsupported.received"


class MalformedUpdate(MalformedBody):
    """A verified body that is not a Zalo Bot update (answered with 400)."""


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description


class ZaloBotChannel(NumberedChoices):
    name = NAME
    title = "Zalo Bot"
    limits = ChannelLimits(max_text=MAX_TEXT, buttons=False)
    webhook_probe = False

    def __init__(
        self, settings: Settings, ingress: Ingress, poll_timeout: int = POLL_TIMEOUT
    ) -> None:
        self.settings = settings
        self.ingress = ingress
        self.webhook = bool(settings.zalo_bot_webhook_secret)
        self.webhook_path = PATH if self.webhook else None
        self.poll_timeout = poll_timeout
        self.url = f"{settings.zalo_bot_api_base_url.rstrip('/')}/bot{settings.zalo_bot_token}"
        self.account_name: str | None = None
        self._http: aiohttp.ClientSession | None = None
        self._poller: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    # --- lifecycle -------------------------------------------------------------
    async def start(self) -> None:
        self._http = aiohttp.ClientSession()
        try:
            me = await self.call("getMe")
            self.account_name = str(me.get("account_name") or me.get("display_name") or "")
        except (ApiError, RetryLater) as exc:
            log.warning("Zalo Bot: getMe failed (%s); check ZALO_BOT_TOKEN", exc)
        if self.webhook:
            if self.settings.zalo_bot_webhook_url:
                try:
                    await self.call(
                        "setWebhook",
                        url=self.settings.zalo_bot_webhook_url,
                        secret_token=self.settings.zalo_bot_webhook_secret,
                    )
                except (ApiError, RetryLater) as exc:
                    log.error("Zalo Bot: setWebhook failed (%s); register it by hand", exc)
            log.info("Zalo Bot: webhook mode, %s", PATH)
        else:
            with contextlib.suppress(ApiError, RetryLater):
                await self.call("deleteWebhook")  # getUpdates does not work while one is set
            self._poller = asyncio.create_task(self._poll(), name="zalo-bot-polling")
            log.info("Zalo Bot: long polling as %s", self.account_name or "?")

    async def stop(self) -> None:
        """Stop polling (an update in hand is recorded first); sending still works."""
        self._stopping.set()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None

    async def close(self) -> None:
        await self.stop()
        if self._http is not None:
            await self._http.close()

    def is_staff(self, user_key: str) -> bool:
        return False  # staff work in the Telegram staff chat

    # --- the API ---------------------------------------------------------------
    async def call(self, method: str, **params: Any) -> Any:
        """One API call; the `result`, or ApiError (platform refusal) / RetryLater."""
        assert self._http is not None, "ZaloBotChannel.start() was not called"
        try:
            async with self._http.post(
                f"{self.url}/{method}", json=params, timeout=aiohttp.ClientTimeout(total=15)
            ) as response:
                status = response.status
                try:
                    data = await response.json(content_type=None)
                except ValueError:
                    data = None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetryLater(2.0, f"network: {exc}") from exc
        if not isinstance(data, dict):
            if status >= 500 or status == 429:
                raise RetryLater(2.0, f"{status} from Zalo Bot API")
            raise ApiError(status, "not a JSON object")
        if data.get("ok") is True and status < 400:
            return data.get("result")
        code = int(data.get("error_code") or status)
        description = str(data.get("description") or "")
        if code == 429:
            raise RetryLater(_retry_after(data), f"429 {description or 'Quota exceeded'}")
        if code >= 500:
            raise RetryLater(2.0, f"{code} {description}")
        raise ApiError(code, description)

    # --- ingress ---------------------------------------------------------------
    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret = self.settings.zalo_bot_webhook_secret
        given = headers.get(SECRET_HEADER, "")
        return bool(secret) and secret_matches(given, secret)

    def receive(self, body: bytes) -> list[Received]:
        """A webhook body's updates (raises MalformedUpdate when malformed)."""
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise MalformedUpdate(f"not JSON: {exc}") from exc
        if isinstance(data, dict) and "result" in data and "event_name" not in data:
            data = data["result"]  # wrapped as {ok, result}
        updates = data if isinstance(data, list) else [data]
        found = []
        for update in updates:
            if not isinstance(update, dict) or not (
                update.get("event_name") or "message" in update
            ):
                raise MalformedUpdate("not a Zalo Bot update")
            incoming = to_incoming(update)
            if incoming is not None:
                found.append(self._received(incoming))
        return found

    def _received(self, incoming: Incoming) -> Received:
        """With "typing…" while the dialog works (cosmetic), once recorded as new."""
        return Received(incoming, lambda: self._chat_action(incoming.chat))

    async def _chat_action(self, chat: str) -> None:
        with contextlib.suppress(Exception):
            await self.call("sendChatAction", chat_id=chat, action="typing")

    async def _poll(self) -> None:
        """getUpdates forever: one update per call, 408 = nothing new."""
        failures = 0
        while not self._stopping.is_set():
            try:
                result = await self._get_update()
                failures = 0
            except ApiError as exc:
                if exc.code == POLL_NOTHING:
                    failures = 0
                    continue
                failures += 1
                log.warning("Zalo Bot polling: %s", exc)
                await self._pause(min(60.0, 2.0**failures))
                continue
            except RetryLater as exc:
                failures += 1
                log.warning("Zalo Bot polling: %s", exc)
                await self._pause(min(60.0, max(exc.delay, 2.0**failures)))
                continue
            for update in result if isinstance(result, list) else [result]:
                await self._record(update)

    async def _get_update(self) -> Any:
        """One getUpdates call; Zalo takes the timeout as a string of seconds."""
        assert self._http is not None
        try:
            async with self._http.post(
                f"{self.url}/getUpdates",
                json={"timeout": str(self.poll_timeout)},
                timeout=aiohttp.ClientTimeout(total=self.poll_timeout + 10.0),
            ) as response:
                status = response.status
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RetryLater(2.0, f"network: {exc}") from exc
        if isinstance(data, dict) and data.get("ok") is True and status < 400:
            return data.get("result")
        code = int(data.get("error_code") or status) if isinstance(data, dict) else status
        if code == 429 or code >= 500:
            raise RetryLater(2.0, f"{code} from getUpdates")
        raise ApiError(code, str(data.get("description") if isinstance(data, dict) else ""))

    async def _record(self, update: Any) -> None:
        """Record one polled update; the database must take it (it cannot be re-fetched)."""
        if not isinstance(update, dict):
            return
        try:
            incoming = to_incoming(update)
        except MalformedUpdate as exc:
            log.warning("Zalo Bot polling: skipped a malformed update: %s", exc)
            return
        if incoming is not None:
            await self.ingress.ingest_polled(self._received(incoming), self._stopping)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    # --- egress ----------------------------------------------------------------
    async def send(
        self, chat_key: str, reply: Reply, media: Media | None = None, reply_to: str | None = None
    ) -> str | None:
        parts = split_text(reply.text, MAX_TEXT) or ["…"]
        try:
            if media is not None and media.kind == "photo" and _is_url(media.file_ref):
                caption = parts.pop(0) if parts else None
                result = await self.call(
                    "sendPhoto", chat_id=chat_key, photo=media.file_ref, caption=caption
                )
            for part in parts:
                result = await self.call("sendMessage", chat_id=chat_key, text=part)
        except ApiError as exc:
            if exc.code == 403 and "block" in exc.description.lower():
                raise PermanentFailure(f"forbidden: {exc.description}", blocked=True) from exc
            if exc.code == 403:  # "Internal server error" in the Bot error table
                raise RetryLater(5.0, f"Zalo Bot 403: {exc.description}") from exc
            raise PermanentFailure(f"Zalo Bot refused: {exc}") from exc
        if isinstance(result, dict) and result.get("message_id") is not None:
            return str(result["message_id"])
        return None


def _retry_after(data: dict[str, Any]) -> float:
    parameters = data.get("parameters") or {}
    try:
        return float(parameters.get("retry_after") or 1)
    except (TypeError, ValueError, AttributeError):
        return 1.0


def _is_url(ref: str | None) -> bool:
    return bool(ref) and str(ref).startswith(("http://", "https://"))


def to_incoming(update: dict[str, Any]) -> Incoming | None:
    """Map a Zalo Bot update to the core's Incoming; None for what we do not handle."""
    name = str(update.get("event_name") or "")
    message = update.get("message")
    if not isinstance(message, dict) or name == UNSUPPORTED:
        # Unsupported content (protected users, e.g. children), the bot added to a group:
        # acknowledged, nothing to answer.
        return None
    sender = message.get("from") or {}
    chat: dict[str, Any] = message["chat"] if isinstance(message.get("chat"), dict) else {}
    if not isinstance(sender, dict) or not sender.get("id") or message.get("message_id") is None:
        raise MalformedUpdate("message without sender or id")
    if sender.get("is_bot"):
        return None
    if str(chat.get("chat_type") or "PRIVATE").upper() != "PRIVATE":
        return None  # a group: the bot answers only in private chats and keeps nothing
    content = _content(name, message)
    if content is None:
        return None  # reactions and events we do not know: acknowledged
    return Incoming(
        channel=NAME,
        user_key=str(sender["id"]),
        update_key=f"{name}:{message['message_id']}"[:128],
        display_name=sender.get("display_name") or sender.get("first_name"),
        chat_key=str(chat.get("id") or sender["id"]),
        message_ref=str(message["message_id"]),
        **content,
    )


def _content(name: str, message: dict[str, Any]) -> dict[str, Any] | None:
    """What a message of this event says: its text or its media (None: nothing to handle)."""
    if name == "message.text.received":
        return {"text": str(message.get("text") or "")}
    if name == "message.image.received":
        url = message.get("photo_url") or message.get("photo")
        return {"media": Media("photo", url, message.get("caption"))}
    if name == "message.sticker.received":
        return {"media": Media("sticker", str(message.get("sticker") or ""))}
    if name == "message.voice.received":
        url = message.get("voice_url") or message.get("url")
        return {"media": Media("voice", url, url)}
    if "reaction" in name:
        return None  # a reaction to one of our messages: nothing to answer
    if message.get("text"):  # (the documentation's getUpdates sample has no event name)
        return {"text": str(message["text"])}
    if name.startswith("message.") and name.endswith(".received"):
        return {"media": Media("other")}  # a new kind of message: "can't read"
    return None
