"""Telegram adapter: python-telegram-bot as the transport only.

PTB fetches updates (long polling) and sends messages; the dialog state lives in our
tables, not in PTB's ConversationHandler/persistence (one process's memory). In webhook
mode our own aiohttp server receives the updates (bot/web.py) and PTB's Updater is not
used. Either way an update becomes an `Incoming` here and is recorded by bot/ingress.py.

`my_chat_member` in a private chat says the user blocked the bot ("kicked") or
unblocked it ("member"): an `Incoming` with `following`, which the dispatcher records
on the user (blocked users get no announcements).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import warnings
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from telegram import (
    CallbackQuery,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.channel import (
    ChannelLimits,
    InlineButtons,
    MalformedBody,
    PermanentFailure,
    Received,
    RetryLater,
)
from bot.ingress import Ingress
from bot.telegram_http import AiohttpRequest
from handlers.types import Contact, Incoming, Media, Reply
from settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
CAPTION_LIMIT = 1024


class MalformedUpdate(MalformedBody):
    """The request body is not a Telegram update (answered with 400)."""


class TelegramChannel(InlineButtons):
    name = "telegram"
    title = "Telegram"
    limits = ChannelLimits(
        max_text=4096,
        buttons=True,
        share_contact=True,
        media=frozenset({"photo", "voice", "audio", "video", "document"}),
    )
    webhook_probe = False

    def __init__(self, settings: Settings, ingress: Ingress) -> None:
        self.settings = settings
        self.ingress = ingress
        self.webhook = bool(settings.telegram_webhook_url)
        self.webhook_path = settings.webhook_path if self.webhook else None
        self._staff = frozenset(str(i) for i in settings.staff_ids)
        # aiohttp under PTB: a Bot API call costs a fraction of httpx's CPU (bench/load.py).
        self._request = AiohttpRequest(
            connection_pool_size=32,
            connect_timeout=min(10.0, settings.telegram_timeout),
            read_timeout=settings.telegram_timeout,
            write_timeout=settings.telegram_timeout,
        )
        builder = (
            Application.builder()
            .token(settings.telegram_bot_token)
            .base_url(settings.telegram_api_base_url)
            .base_file_url(settings.file_base_url)
            .request(self._request)
            .get_updates_request(AiohttpRequest(connection_pool_size=2, read_timeout=40))
        )
        if self.webhook:
            builder = builder.updater(None)
        self.app = builder.build()
        self.app.add_handler(TypeHandler(Update, self._on_polled_update))
        self._stopping = asyncio.Event()

    # --- lifecycle -------------------------------------------------------------
    async def start(self) -> None:
        await self.app.initialize()
        await self.app.start()
        if self.webhook:
            await self.app.bot.set_webhook(
                self.settings.telegram_webhook_url,
                secret_token=self.settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("Telegram: webhook mode, %s", self.settings.webhook_path)
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES,
                timeout=30,
                bootstrap_retries=-1,
                error_callback=lambda exc: log.warning("Telegram polling: %s", exc),
            )
            log.info("Telegram: long polling as @%s", self.app.bot.username)

    async def stop(self) -> None:
        """Stop polling (updates already fetched are recorded first); sending still works."""
        self._stopping.set()
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()

    async def close(self) -> None:
        if self.app.running:
            await self.stop()
        await self.app.shutdown()

    def is_staff(self, user_key: str) -> bool:
        return user_key in self._staff

    # --- ingress ---------------------------------------------------------------
    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        given = headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(given.encode(), self.settings.webhook_secret.encode())

    def receive(self, body: bytes) -> list[Received]:
        """A webhook body's update (raises MalformedUpdate when it is not one)."""
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or "update_id" not in data:
                raise ValueError("no update_id")
            update = Update.de_json(data, self.app.bot)
            received = self._received(update)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # PTB trusts Telegram's shapes: a field of the wrong type fails anywhere here.
            raise MalformedUpdate(f"not a Telegram update: {exc!r}") from exc
        return [received] if received else []

    def _received(self, update: Update) -> Received | None:
        incoming = to_incoming(update)
        if incoming is None:
            return None
        query = update.callback_query
        if query is None:
            return Received(incoming)
        return Received(incoming, lambda: self._acknowledge_press(query))

    async def _on_polled_update(self, update: object, _: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB has already moved its getUpdates offset past this update, so Telegram will
        not deliver it again: it is kept until recorded (bot/ingress.py). Updates are
        handled one at a time in polling mode, so later ones wait behind it in order."""
        if not isinstance(update, Update):
            return
        received = self._received(update)
        if received is not None:
            await self.ingress.ingest_polled(received, self._stopping)

    async def _acknowledge_press(self, query: CallbackQuery) -> None:
        """Stop the button's spinner and take the keyboard off the pressed message, so
        old buttons do not pile up in the chat (cosmetic: failures are harmless)."""
        try:
            await self._call("answerCallbackQuery", callback_query_id=query.id)
            if query.message is not None:
                await self._call(
                    "editMessageReplyMarkup",
                    chat_id=query.message.chat.id,
                    message_id=query.message.message_id,
                )
        except TelegramError as exc:
            log.debug("acknowledging a button press failed: %s", exc)

    # --- egress ----------------------------------------------------------------
    async def send(
        self, chat_key: str, reply: Reply, media: Media | None = None, reply_to: str | None = None
    ) -> str | None:
        """`reply_to`: a message of this chat to thread under (a hand-off card); sent
        anyway if that message is gone."""
        thread = (
            ReplyParameters(int(reply_to), allow_sending_without_reply=True)
            if reply_to and reply_to.isdigit()
            else None
        )
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None
        if reply.request_contact:
            markup = ReplyKeyboardMarkup(
                [[KeyboardButton("📱 Gửi số điện thoại của tôi", request_contact=True)]],
                resize_keyboard=True,
                one_time_keyboard=True,
            )
        elif reply.buttons:
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.label, callback_data=b.action)] for b in reply.buttons]
            )
        try:
            if reply.attachment is not None:
                message = await self._send_attachment(chat_key, reply, markup, thread)
                return str(message.message_id)
            text = reply.text
            if media is not None and media.file_ref:
                try:
                    if len(reply.text) <= CAPTION_LIMIT:
                        message = await self._send_media(chat_key, media, text, markup, thread)
                        return str(message.message_id)
                    await self._send_media(chat_key, media, None, None, thread)
                except BadRequest as exc:
                    # A file Telegram cannot take (a Zalo link of the wrong type): the
                    # words still go, with the link, and nothing is lost.
                    log.warning("Telegram refused a %s: %s; sending the text", media.kind, exc)
                    if media.file_ref not in text:
                        text += f"\n(tệp: {media.file_ref})"
            sent = await self._call(
                "sendMessage",
                chat_id=chat_key,
                text=text,
                reply_markup=markup,
                reply_parameters=thread,
            )
            message_id = sent.get("message_id") if isinstance(sent, dict) else None
            return None if message_id is None else str(message_id)
        except RetryAfter as exc:
            with warnings.catch_warnings():  # PTB 22 warns that the int becomes a timedelta
                warnings.simplefilter("ignore")
                delay = _seconds(exc.retry_after)
            raise RetryLater(delay, "429 Too Many Requests") from exc
        except Forbidden as exc:
            raise PermanentFailure(f"forbidden: {exc.message}", blocked=True) from exc
        except BadRequest as exc:
            raise PermanentFailure(f"bad request: {exc.message}") from exc
        except (TimedOut, NetworkError) as exc:
            raise RetryLater(2.0, f"network: {exc}") from exc

    async def _call(self, method: str, **params: Any) -> Any:
        """A Bot API call whose answer we read as plain JSON: PTB's request layer (the
        same encoding, error mapping and timeouts as `Bot.send_message`) without building
        a `Message` from the answer, which cost more CPU than the call (bench/load.py).
        `RequestParameter` is PTB's own encoder of a parameter (private module)."""
        data = RequestData(
            [RequestParameter.from_input(k, v) for k, v in params.items() if v is not None]
        )
        return await self._request.post(f"{self.app.bot.base_url}/{method}", data)

    async def _send_attachment(
        self,
        chat_key: str,
        reply: Reply,
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None,
        thread: ReplyParameters | None = None,
    ) -> Message:
        """A file from us (export, QR code, a file from another channel); the text rides
        as its caption when it fits."""
        attachment = reply.attachment
        assert attachment is not None
        caption: str | None = reply.text
        if len(reply.text) > CAPTION_LIMIT:
            await self.app.bot.send_message(chat_key, reply.text, reply_parameters=thread)
            caption = None
        upload = InputFile(attachment.data, filename=attachment.filename)
        send = self._senders().get(attachment.kind, self.app.bot.send_document)
        return await send(
            chat_key, upload, caption=caption, reply_markup=markup, reply_parameters=thread
        )

    async def _send_media(
        self,
        chat_key: str,
        media: Media,
        caption: str | None,
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None,
        thread: ReplyParameters | None = None,
    ) -> Message:
        send = self._senders().get(media.kind, self.app.bot.send_document)
        return await send(
            chat_key, media.file_ref, caption=caption, reply_markup=markup, reply_parameters=thread
        )

    def _senders(self) -> dict[str, Any]:
        bot = self.app.bot
        return {
            "photo": bot.send_photo,
            "voice": bot.send_voice,
            "audio": bot.send_audio,
            "video": bot.send_video,
            "document": bot.send_document,
        }

    async def download(self, file_ref: str) -> tuple[bytes, str]:
        """A file of this bot by its file id (getFile, then the file URL): to be sent to
        a user of another channel. Bots may download files up to 20 MB."""
        try:
            found = await self._call("getFile", file_id=file_ref)
            path = str(found.get("file_path") or "") if isinstance(found, dict) else ""
            if not path:
                raise PermanentFailure("Telegram gave no file path for this file")
            data = await self._request.retrieve(f"{self.app.bot.base_file_url}/{path}")
        except RetryAfter as exc:
            raise RetryLater(5.0, "429 Too Many Requests (getFile)") from exc
        except BadRequest as exc:
            raise PermanentFailure(f"file not available: {exc.message}") from exc
        except (TimedOut, NetworkError) as exc:
            raise RetryLater(2.0, f"network: {exc}") from exc
        return bytes(data), path.rsplit("/", 1)[-1]


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def to_incoming(update: Update) -> Incoming | None:
    """Map a Telegram update to the core's Incoming; None for what we do not handle."""
    key = str(update.update_id)
    member = update.my_chat_member
    if member is not None:
        return _following(key, member.chat.type, member.from_user.id, member.new_chat_member)
    query = update.callback_query
    if query is not None:
        if query.message is None or not query.data:
            return None
        return Incoming(
            channel="telegram",
            user_key=str(query.from_user.id),
            update_key=key,
            action=query.data,
            display_name=query.from_user.full_name,
            chat_key=str(query.message.chat.id),
        )
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    base = {
        "channel": "telegram",
        "user_key": str(message.from_user.id),
        "update_key": key,
        "display_name": message.from_user.full_name,
        "chat_key": str(message.chat.id),
        "message_ref": str(message.message_id),
        "reply_to": str(message.reply_to_message.message_id) if message.reply_to_message else None,
    }
    if message.text is not None:
        return Incoming(**base, text=message.text)
    if message.contact is not None:
        contact = message.contact
        own = contact.user_id is None or contact.user_id == message.from_user.id
        return Incoming(**base, contact=Contact(contact.phone_number, contact.first_name, own))
    return Incoming(**base, media=_media(message))


def _following(key: str, chat_type: str, user_id: int, member: ChatMember) -> Incoming | None:
    """The user blocked the bot (their private chat's bot member is "kicked") or unblocked
    it ("member"); None for anything else (groups: the staff chat adding the bot …)."""
    if chat_type != "private" or member.status not in (ChatMember.BANNED, ChatMember.MEMBER):
        return None
    return Incoming(
        channel="telegram",
        user_key=str(user_id),
        update_key=key,
        following=member.status == ChatMember.MEMBER,
    )


def _media(message: Message) -> Media:
    caption = message.caption
    if message.photo:
        return Media("photo", message.photo[-1].file_id, caption)
    for kind, attachment in (
        ("voice", message.voice),
        ("audio", message.audio),
        ("video", message.video),
        ("video", message.video_note),
        ("document", message.document),
    ):
        if attachment is not None:
            return Media(kind, attachment.file_id, caption)  # type: ignore[arg-type]
    if message.sticker is not None:
        return Media("sticker", message.sticker.file_id)
    if message.location is not None:
        return Media("location", f"{message.location.latitude},{message.location.longitude}")
    return Media("other")
