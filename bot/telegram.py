"""Telegram adapter: python-telegram-bot as the transport only.

PTB fetches updates (long polling) and sends messages; the dialog state lives in our
tables, not in PTB's ConversationHandler/persistence (one process's memory). In webhook
mode our own aiohttp server receives the updates (bot/web.py) and PTB's Updater is not
used. Either way an update becomes an `Incoming` here and is recorded by bot/ingress.py.

`my_chat_member` in a private chat says the user blocked the bot ("kicked") or
unblocked it ("member"): an `Incoming` with `following`, which the inbox processor records
on the user (blocked users get no announcements).

As Telegram really behaves (reviews/telegram-robustness-2026-12.md):
- only private chats and the staff chats are read; a group the bot is merely in is not
  recorded at all;
- an admin posting anonymously in a staff chat (`sender_chat` = the chat) is staff;
- a contact is the sender's own only when its `user_id` is the sender's;
- an album's photos carry its `media_group_id` (the inbox processor makes them one message);
  a round video is a `video_note` and is forwarded with sendVideoNote;
- an update the library cannot parse is skipped and counted, in polling
  (`PollingRequest`) and webhook mode alike;
- a staff group upgraded to a supergroup is followed to its new id (bot/chat_moves.py);
- a staff chat that refuses the bot (removed from the group) is a staff-chat problem: an
  alert, and its messages wait; only a user's own private chat refusing is their block.
"""

from __future__ import annotations

import asyncio
import json
import logging
import warnings
from collections.abc import Awaitable, Callable, Collection, Coroutine, Mapping, Sequence
from datetime import timedelta
from typing import Any

from telegram import (
    CallbackQuery,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.request import RequestData

from bot.channel import (
    ChannelLimits,
    InlineButtons,
    MalformedBody,
    PermanentFailure,
    Received,
    RetryLater,
    Voice,
    secret_matches,
)
from bot.chat_moves import ChatMoves
from bot.ingress import Ingress
from bot.metrics import Metrics
from bot.ptb_internals import RequestParameter
from bot.telegram_http import AiohttpRequest, PollingRequest
from handlers.types import Contact, Incoming, Media, Reply
from settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
CAPTION_LIMIT = 1024
# What sendVoice plays (Telegram: OGG/Opus, MP3, M4A); other audio goes as a file.
VOICE_TYPES = frozenset({"audio/ogg", "audio/mpeg", "audio/mp4"})
# Seconds a message to a staff chat that refuses the bot waits before the next try (it
# waits as long as it takes, without using up its attempts).
STAFF_CHAT_RETRY = 60.0
ANONYMOUS_STAFF = "Cán bộ (ẩn danh)"


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

    def __init__(
        self,
        settings: Settings,
        ingress: Ingress,
        moves: ChatMoves | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.ingress = ingress
        self.moves = moves
        self.metrics = metrics or Metrics()
        self._tasks: set[asyncio.Task[Any]] = set()
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
            .get_updates_request(
                PollingRequest(self._unreadable, connection_pool_size=2, read_timeout=40)
            )
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
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.app.shutdown()

    def is_staff(self, user_key: str) -> bool:
        """STAFF_IDS, and an admin of a staff chat posting anonymously (Telegram names them
        by the chat itself, and only a group's administrators can post as the group)."""
        return user_key in self._staff or user_key in self.staff_chats

    @property
    def staff_chats(self) -> frozenset[str]:
        """The staff chats as the settings name them now (they follow a group's move)."""
        chats = {str(chat) for chat in self.settings.staff_chat_routes.values()}
        if self.settings.centre_chat_id is not None:
            chats.add(str(self.settings.centre_chat_id))
        return frozenset(chats)

    def _unreadable(self, update_id: int, error: str) -> None:
        """An update the library cannot parse: skipped (its id only, never its content)."""
        log.error("Telegram: update %s could not be read and is skipped: %s", update_id, error)
        self.metrics.unparsable.labels(self.name).inc()

    # --- ingress ---------------------------------------------------------------
    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        given = headers.get(SECRET_HEADER, "")
        return secret_matches(given, self.settings.webhook_secret)

    def receive(self, body: bytes) -> list[Received]:
        """A webhook body's update (raises MalformedUpdate when it is not one)."""
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise MalformedUpdate(f"not JSON: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise MalformedUpdate("not a Telegram update: no update_id")
        try:
            update = Update.de_json(data, self.app.bot)
            received = self._received(update)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # A shape the library cannot read (another Bot API version): a 4xx would make
            # Telegram deliver it again and hold the chat's later updates behind it.
            self._unreadable(data["update_id"], f"{type(exc).__name__}: {exc}")
            return []
        return [received] if received else []

    def _received(self, update: Update) -> Received | None:
        if self._moved_group(update) or self._staff_chat_membership(update):
            return None
        incoming = to_incoming(update, self.staff_chats)
        if incoming is None:
            return None
        query = update.callback_query
        if query is None:
            return Received(incoming)
        return Received(incoming, lambda: self._acknowledge_press(query))

    def _moved_group(self, update: Update) -> bool:
        """The service message of a staff group Telegram upgraded to a supergroup."""
        message = update.message
        if message is None or not message.migrate_to_chat_id:
            return False
        old, new = str(message.chat.id), str(message.migrate_to_chat_id)
        if old in self.staff_chats and self.moves is not None:
            self._spawn(self.moves.moved(old, new))
        return True

    def _staff_chat_membership(self, update: Update) -> bool:
        """The bot removed from a staff chat (or added back): an alert for the operator."""
        member = update.my_chat_member
        if member is None or str(member.chat.id) not in self.staff_chats:
            return False
        status = member.new_chat_member.status
        if status in (ChatMember.BANNED, ChatMember.LEFT):
            log.error(
                "Telegram: the bot was removed from the staff chat %s; its messages wait "
                "until it is added back",
                member.chat.id,
            )
        else:
            log.info("Telegram: the bot is in the staff chat %s (%s)", member.chat.id, status)
        return True

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Telegram: a follow-up failed: %r", task.exception())

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
        thread = _thread(reply_to)
        return await self._refusals(chat_key, lambda chat: self._send(chat, reply, media, thread))

    async def send_album(
        self, chat_key: str, reply: Reply, album: Sequence[Media], reply_to: str | None = None
    ) -> str | None:
        """The album (sendMediaGroup: one message to look at), then the reply's text with
        its buttons: that message's id is returned, so a staff reply to it is relayed."""
        thread = _thread(reply_to)

        async def album_then_text(chat: str) -> str | None:
            await self.app.bot.send_media_group(chat, _input_media(album), reply_parameters=thread)
            return await self._send(chat, reply, None, thread)

        return await self._refusals(chat_key, album_then_text)

    async def send_voice(
        self, chat_key: str, reply: Reply, voice: Voice, reply_to: str | None = None
    ) -> tuple[str | None, str | None]:
        """A spoken answer: by its file id when Telegram has it (uploaded once), else
        uploaded (a file id Telegram no longer knows, after a new bot token, is uploaded
        again); to a user who refuses voice messages, as a file. Returns the message id
        and the file id to reuse (None when it went as that file)."""
        thread = _thread(reply_to)
        refs: list[str] = []

        async def voice_note(chat: str) -> str | None:
            message, reusable = await self._voice_note(chat, reply, voice, thread)
            ref = _sent_file_id(message) if reusable else None
            if ref:
                refs.append(ref)
            return str(message.message_id)

        message_id = await self._refusals(chat_key, voice_note)
        return message_id, (refs[-1] if refs else None)

    async def _voice_note(
        self, chat: str, reply: Reply, voice: Voice, thread: ReplyParameters | None
    ) -> tuple[Message, bool]:
        options: dict[str, Any] = {"reply_markup": _inline(reply), "reply_parameters": thread}
        options["caption"] = reply.text
        if len(reply.text) > CAPTION_LIMIT:
            await self.app.bot.send_message(chat, reply.text, reply_parameters=thread)
            options["caption"] = None
        try:
            return await self._voice_or_file(chat, voice, options), True
        except BadRequest as exc:
            if "voice_messages_forbidden" not in exc.message.lower():
                raise
        # The user's privacy settings refuse voice messages: the audio as a file.
        upload = InputFile(await voice.audio(), filename=voice.filename)
        return await self.app.bot.send_document(chat, upload, **options), False

    async def _voice_or_file(self, chat: str, voice: Voice, options: dict[str, Any]) -> Message:
        bot = self.app.bot
        send = bot.send_voice if voice.mime_type in VOICE_TYPES else bot.send_document
        if voice.file_ref:
            try:
                return await send(chat, voice.file_ref, **options)
            except BadRequest as exc:
                if "voice_messages_forbidden" in exc.message.lower():
                    raise
                # A file id of another bot token (a restore, a new token): upload again.
                log.warning("Telegram refused a stored file id (%s); uploading again", exc)
        return await send(chat, InputFile(await voice.audio(), filename=voice.filename), **options)

    async def _refusals(
        self, chat_key: str, send: Callable[[str], Awaitable[str | None]]
    ) -> str | None:
        """Run `send(chat)` and map Telegram's refusals to what they mean for the row."""
        chat = self.moves.resolve(chat_key) if self.moves is not None else chat_key
        try:
            try:
                result: str | None = await send(chat)
            except ChatMigrated as exc:
                new = str(exc.new_chat_id)
                if self.moves is None:
                    raise PermanentFailure(f"chat moved to {new}: set CENTRE_CHAT_ID") from exc
                await self.moves.moved(chat, new)
                result = await send(new)
            return result
        except RetryAfter as exc:
            with warnings.catch_warnings():  # PTB 22 warns that the int becomes a timedelta
                warnings.simplefilter("ignore")
                delay = _seconds(exc.retry_after)
            raise RetryLater(delay, "429 Too Many Requests") from exc
        except Forbidden as exc:
            if _is_group(chat):
                raise self._staff_chat_refused(chat, exc.message) from exc
            raise PermanentFailure(f"forbidden: {exc.message}", blocked=True) from exc
        except BadRequest as exc:
            if _is_group(chat) and "chat not found" in exc.message.lower():
                raise self._staff_chat_refused(chat, exc.message) from exc
            raise PermanentFailure(f"bad request: {exc.message}") from exc
        except ChatMigrated as exc:  # moved twice in a row: the next try follows it
            raise RetryLater(1.0, f"chat moved again: {exc}") from exc
        except (TimedOut, NetworkError) as exc:
            raise RetryLater(2.0, f"network: {exc}") from exc

    def _staff_chat_refused(self, chat: str, why: str) -> RetryLater:
        """A group (the staff chat) refuses the bot: the chat's problem, not a worker's
        block. Its messages wait, without using up their attempts, until it is fixed."""
        log.error(
            "Telegram: the staff chat %s refuses the bot (%s): add the bot back to the group "
            "or fix CENTRE_CHAT_ID; its messages wait",
            chat,
            why,
        )
        return RetryLater(STAFF_CHAT_RETRY, f"staff chat refuses the bot: {why}", counts=False)

    async def _send(
        self, chat_key: str, reply: Reply, media: Media | None, thread: ReplyParameters | None
    ) -> str | None:
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
        if media is not None and media.kind == "location":
            media = None  # the card's text carries the place (a map link)
        if reply.attachment is not None:
            message = await self._send_attachment(chat_key, reply, markup, thread)
            return str(message.message_id)
        text = reply.text
        if media is not None and media.file_ref:
            captioned = media.kind != "video_note"  # round videos take no caption
            try:
                if captioned and len(reply.text) <= CAPTION_LIMIT:
                    message = await self._send_media(chat_key, media, text, markup, thread)
                    return str(message.message_id)
                await self._send_media(chat_key, media, None, None, thread)
            except BadRequest as exc:
                # A file Telegram cannot take (a Zalo link of the wrong type): the words
                # still go, with the link, and nothing is lost.
                log.warning("Telegram refused a %s: %s; sending the text", media.kind, exc)
                if media.file_ref not in text:
                    text += f"\n(tệp: {media.file_ref})"
        if not text:
            return None
        sent = await self._call(
            "sendMessage",
            chat_id=chat_key,
            text=text,
            reply_markup=markup,
            reply_parameters=thread,
        )
        message_id = sent.get("message_id") if isinstance(sent, dict) else None
        return None if message_id is None else str(message_id)

    async def _call(self, method: str, **params: Any) -> Any:
        """A Bot API call whose answer we read as plain JSON: PTB's request layer (the
        same encoding, error mapping and timeouts as `Bot.send_message`) without building
        a `Message` from the answer, which cost more CPU than the call (bench/load.py).
        `RequestParameter` is PTB's own encoder of a parameter (bot/ptb_internals.py)."""
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
        assert media.file_ref is not None  # the caller sends only media with a file
        if media.kind == "video_note":  # a round video: only sendVideoNote takes its file id
            return await self.app.bot.send_video_note(
                chat_key, media.file_ref, reply_markup=markup, reply_parameters=thread
            )
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


def _is_group(chat_key: str) -> bool:
    """Groups and supergroups have negative ids; a user's private chat is their id."""
    return chat_key.startswith("-")


def _thread(reply_to: str | None) -> ReplyParameters | None:
    """Reply to this message of the chat (a hand-off card), sent anyway if it is gone."""
    if reply_to and reply_to.isascii() and reply_to.isdigit():
        return ReplyParameters(int(reply_to), allow_sending_without_reply=True)
    return None


def _input_media(album: Sequence[Media]) -> list[Any]:
    kinds = {
        "photo": InputMediaPhoto,
        "video": InputMediaVideo,
        "document": InputMediaDocument,
        "audio": InputMediaAudio,
    }
    return [kinds.get(m.kind, InputMediaDocument)(media=m.file_ref) for m in album if m.file_ref]


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def to_incoming(update: Update, staff_chats: Collection[str] = ()) -> Incoming | None:
    """Map a Telegram update to the core's Incoming; None for what we do not handle.

    Only private chats and the staff chats are read: a group the bot is merely in (added
    by someone, a channel's discussion group) is not recorded at all."""
    key = str(update.update_id)
    member = update.my_chat_member
    if member is not None:
        return _following(key, member.chat.type, member.from_user.id, member.new_chat_member)
    query = update.callback_query
    if query is not None:
        if query.message is None or not query.data:
            return None
        if not _ours(query.message.chat.type, query.message.chat.id, staff_chats):
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
    if message is None or not _ours(message.chat.type, message.chat.id, staff_chats):
        return None
    sender = _sender(message)
    if sender is None:
        return None
    user_key, display_name = sender
    base: dict[str, Any] = {
        "channel": "telegram",
        "user_key": user_key,
        "update_key": key,
        "display_name": display_name,
        "chat_key": str(message.chat.id),
        "message_ref": str(message.message_id),
        "reply_to": str(message.reply_to_message.message_id) if message.reply_to_message else None,
    }
    if message.text is not None:
        return Incoming(**base, text=message.text)
    if message.contact is not None:
        contact = message.contact
        # The sender's own number only when Telegram says so (the share-contact button
        # sends the sender's own card); a phone-book card has no user_id.
        own = message.from_user is not None and contact.user_id == message.from_user.id
        return Incoming(**base, contact=Contact(contact.phone_number, contact.first_name, own))
    return Incoming(**base, media=_media(message), media_group=message.media_group_id)


def _ours(chat_type: str, chat_id: int, staff_chats: Collection[str]) -> bool:
    return chat_type == "private" or str(chat_id) in staff_chats


def _sender(message: Message) -> tuple[str, str] | None:
    """Who wrote it: the user; or, for an admin posting anonymously as a staff chat
    (`from` is @GroupAnonymousBot, `sender_chat` the chat itself), the chat, named by the
    admin's signature. Other bots (and channels posting) are not read."""
    sender = message.from_user
    if sender is not None and not sender.is_bot:
        return str(sender.id), sender.full_name
    chat = message.sender_chat
    if chat is not None and chat.id == message.chat.id and message.chat.type != "private":
        return str(chat.id), message.author_signature or ANONYMOUS_STAFF
    return None


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
        ("video_note", message.video_note),
        ("document", message.document),
    ):
        if attachment is not None:
            return Media(
                kind,  # type: ignore[arg-type]
                attachment.file_id,
                caption,
                size=attachment.file_size,
                duration=_duration(attachment),
                mime=getattr(attachment, "mime_type", None),
            )
    if message.sticker is not None:
        return Media("sticker", message.sticker.file_id)
    if message.location is not None:
        place = f"{message.location.latitude},{message.location.longitude}"
        return Media("location", place, f"https://maps.google.com/?q={place}")
    return Media("other")


def _duration(attachment: Any) -> int | None:
    """A file's length in seconds; PTB gives an int or a timedelta (PTB 22 moves to the
    latter and warns on the int)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = getattr(attachment, "duration", None)
    if value is None:
        return None
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else value
    return int(seconds) if isinstance(seconds, int | float) else None


def _inline(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.action)] for b in reply.buttons]
    )


def _sent_file_id(message: Message) -> str | None:
    """The file id Telegram gave a voice note, audio or file we sent."""
    for sent in (message.voice, message.audio, message.document):
        if sent is not None:
            return str(sent.file_id)
    return None
