"""Zalo Official Account adapter (Open API v3): signed webhook in, `/v3.0/oa/message/cs` out.

- Ingress: `X-ZEvent-Signature` = "mac=" + hex SHA-256(app_id + raw body + timestamp +
  OA secret key), `app_id` and `timestamp` read from the body, compared in constant time
  (facts: channels.md 1b). Anything else is refused before the body is used.
- Events: text, image, sticker, location, audio, video, file, follow, unfollow. `follow`
  greets like /start and `unfollow` says the user can no longer be written to (both as
  `Incoming.following`: the dispatcher marks the user blocked until they follow again).
  Receipts (`user_received_message`, `user_seen_message`) are ignored. `oa_send_*` with
  `sender.admin_id` (a person answering in Zalo's OA chat tool) becomes an `Incoming`
  for the recipient with `staff_author` (their hand-off; the bot keeps quiet).
- Egress: one CS message per part (`MAX_TEXT`); the choices of a reply are numbered in
  the text (`render`) AND, up to `MAX_BUTTONS`, sent as a button template whose
  `oa.query.show` buttons send the number back, so tapping and typing work alike.
- Messaging windows: a user who has not written for `CS_WINDOW` is not attempted
  (`Unreachable`: recorded "unreachable" and counted in reports). Registration status
  notices go out as ZNS templates instead when `ZALO_ZNS_TEMPLATE_ID` is set, filled
  from the notice's facts (`Notice`, put in the outbox row when the notice was queued).
- Tokens: `bot/zalo_oa_tokens.py`; error -216 refreshes once and resends.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import (
    ChannelLimits,
    MalformedBody,
    NumberedChoices,
    PermanentFailure,
    Received,
    RetryLater,
    Unreachable,
)
from bot.splitting import split_text
from bot.zalo_oa_tokens import OaTokens
from db import users
from db.clock import utcnow
from handlers.types import Attachment, Incoming, Media, Notice, Reply
from settings import Settings

log = logging.getLogger(__name__)

NAME = "zalo_oa"
PATH = "/zalo/oa"
SIGNATURE_HEADER = "X-ZEvent-Signature"
# Text limit of one OA message (to confirm on go-live; Zalo Bot documents 2,000).
MAX_TEXT = 2000
# Buttons in one OA button template (to confirm on go-live); more = numbered text only.
MAX_BUTTONS = 5
MAX_BUTTON_TITLE = 100
# After 48 h of silence an OA message is paid; after 7 days only ZNS can reach the user.
FREE_WINDOW = timedelta(hours=48)
CS_WINDOW = timedelta(days=7)
TOKEN_EXPIRED = -216
WINDOW_CLOSED = {-213, -230, -201}  # 48 h quota, 7 days, not a follower (facts 1b)
RATE_LIMITED = {-32}  # "exceeded rate limit" (to confirm)
UNREACHABLE_TEXT = "không liên lạc được qua Zalo"
# Uploads (docs "Upload hình ảnh" / "Upload file"): JPG/PNG up to 1 MB; PDF/DOC/DOCX
# up to 5 MB.
MAX_IMAGE_BYTES = 1_000_000
IMAGE_TYPES = (".jpg", ".jpeg", ".png")
MAX_FILE_BYTES = 5_000_000
FILE_TYPES = (".pdf", ".doc", ".docx")


class MalformedEvent(MalformedBody):
    """A verified body that is not an OA event (answered with 400)."""


def signature(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """The value Zalo puts in X-ZEvent-Signature for this body."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
    return "mac=" + digest.hexdigest()


class ZaloOAChannel(NumberedChoices):
    name = NAME
    title = "Zalo OA"
    # Numbered choices (a typed number presses one), the first few also as buttons.
    # Staff files reach OA users as uploaded images (JPG/PNG ≤ 1 MB) and files
    # (PDF/DOC/DOCX ≤ 5 MB); the cs API sends no audio or video.
    limits = ChannelLimits(max_text=MAX_TEXT, buttons=False, media=frozenset({"photo", "document"}))
    template_buttons = MAX_BUTTONS
    webhook_path = PATH
    webhook_probe = True  # the developer console checks the URL with a GET

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.sessions = sessions
        self.base = settings.zalo_oa_api_base_url.rstrip("/")
        self.zns_url = settings.zalo_zns_api_base_url.rstrip("/") + "/message/template"
        self._http: aiohttp.ClientSession | None = None
        self._tokens: OaTokens | None = None

    # --- lifecycle -------------------------------------------------------------
    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        self._tokens = OaTokens(self.settings, self.sessions, self._http)
        log.info("Zalo OA: webhook at %s, app %s", PATH, self.settings.zalo_app_id)

    async def stop(self) -> None:
        """Nothing to stop: events come by webhook (the web server stops taking them)."""

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    def is_staff(self, user_key: str) -> bool:
        return False  # staff work in the Telegram staff chat

    @property
    def tokens(self) -> OaTokens:
        assert self._tokens is not None, "ZaloOAChannel.start() was not called"
        return self._tokens

    # --- ingress ---------------------------------------------------------------
    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        given = headers.get(SIGNATURE_HEADER, "")
        secret = self.settings.zalo_oa_secret_key
        if not given or not secret:
            return False
        try:
            data = json.loads(body)
            app_id, timestamp = str(data["app_id"]), str(data["timestamp"])
        except (ValueError, TypeError, KeyError):
            return False
        if not hmac.compare_digest(app_id.encode(), self.settings.zalo_app_id.encode()):
            return False
        expected = signature(app_id, body, timestamp, secret)
        if not given.startswith("mac="):
            given = "mac=" + given
        return hmac.compare_digest(given.encode(), expected.encode())

    def receive(self, body: bytes) -> list[Received]:
        """A verified webhook body's event (raises MalformedEvent when malformed)."""
        incoming = to_incoming(_load(body))
        return [Received(incoming)] if incoming else []

    # --- egress ----------------------------------------------------------------
    async def send(
        self, chat_key: str, reply: Reply, media: Media | None = None, reply_to: str | None = None
    ) -> str | None:
        await self._check_window(chat_key)
        if reply.attachment is not None:
            return await self._send_file(chat_key, reply, reply.attachment)
        parts = split_text(reply.text, MAX_TEXT) or ["…"]
        message_id: str | None = None
        if media is not None and media.kind == "photo" and _is_url(media.file_ref):
            message_id = await self._post_cs(chat_key, _image(str(media.file_ref)))
        for index, part in enumerate(parts):
            message: dict[str, Any] = {"text": part}
            if index == len(parts) - 1:
                buttons = _buttons(reply)
                if buttons:
                    message["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
            message_id = await self._post_cs(chat_key, message)
        return message_id

    async def _send_file(self, chat_key: str, reply: Reply, attachment: Attachment) -> str | None:
        """A file from staff (a photo, a PDF): uploaded, then sent (docs: "Upload hình
        ảnh", "Upload file", "Gửi tin Tư vấn đính kèm ảnh/file"). One Zalo will not take
        goes as words only, saying so, so the text is never lost."""
        data, name = attachment.data, attachment.filename.lower()
        kind = attachment.kind
        if kind == "photo" and len(data) <= MAX_IMAGE_BYTES and name.endswith(IMAGE_TYPES):
            token = await self._upload("/v2.0/oa/upload/image", attachment, "attachment_id")
            message = _image_id(token)
            if reply.text:
                message["text"] = reply.text[:MAX_TEXT]
            return await self._post_cs(chat_key, message)
        if kind == "document" and len(data) <= MAX_FILE_BYTES and name.endswith(FILE_TYPES):
            if reply.text:
                await self.send(chat_key, Reply(reply.text))
            token = await self._upload("/v2.0/oa/upload/file", attachment, "token")
            return await self._post_cs(
                chat_key, {"attachment": {"type": "file", "payload": {"token": token}}}
            )
        note = "(Cán bộ gửi kèm một tệp Zalo chưa nhận được; cán bộ sẽ gửi cách khác.)"
        return await self.send(chat_key, Reply(f"{reply.text}\n{note}".strip(), reply.buttons))

    async def _upload(self, path: str, attachment: Attachment, field: str) -> str:
        """Upload a file (multipart `file`); the id Zalo gives it. -216 refreshes once."""
        token = await self.tokens.access_token()
        data = await self._upload_once(path, attachment, token)
        if data.get("error") == TOKEN_EXPIRED:
            token = (await self.tokens.refresh(stale=token)).access
            data = await self._upload_once(path, attachment, token)
        error = data.get("error", 0)
        found = (data.get("data") or {}).get(field) if error == 0 else None
        if not found:
            raise PermanentFailure(f"Zalo OA upload refused: {error} {data.get('message', '')}")
        return str(found)

    async def _upload_once(self, path: str, attachment: Attachment, token: str) -> dict[str, Any]:
        assert self._http is not None
        form = aiohttp.FormData()
        form.add_field("file", attachment.data, filename=attachment.filename)
        try:
            async with self._http.post(
                f"{self.base}{path}", data=form, headers={"access_token": token}
            ) as response:
                if response.status == 429 or response.status >= 500:
                    raise RetryLater(2.0, f"Zalo OA upload answered {response.status}")
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RetryLater(2.0, f"Zalo OA upload: {exc}") from exc
        return data if isinstance(data, dict) else {}

    async def send_notice(self, chat_key: str, reply: Reply, notice: Notice) -> str | None:
        """A registration status notice: ZNS when configured and a phone is known."""
        if self.settings.zalo_zns_template_id and notice.phone:
            return await self._post_zns(*_zns_data(notice))
        return await self.send(chat_key, reply)

    async def window(self, chat_key: str) -> str:
        """free (≤ 48 h since the user last wrote), paid (≤ 7 days) or closed.

        No user row: they erased their data a moment ago and this is the confirmation (we
        queue nothing else for an erased user), so it is sent; Zalo would refuse it
        (-230 → unreachable) if the window were closed after all.
        """
        async with self.sessions() as session:
            seen = await users.last_seen(session, NAME, chat_key)
        if seen is None:
            return "free"
        age = utcnow() - seen
        return "free" if age <= FREE_WINDOW else "paid" if age <= CS_WINDOW else "closed"

    async def _check_window(self, chat_key: str) -> None:
        if await self.window(chat_key) == "closed":
            raise Unreachable(f"{UNREACHABLE_TEXT}: no message from the user for 7 days")

    async def _post_cs(self, chat_key: str, message: dict[str, Any]) -> str | None:
        body = {"recipient": {"user_id": chat_key}, "message": message}
        data = await self._post(f"{self.base}/v3.0/oa/message/cs", body)
        return str((data.get("data") or {}).get("message_id") or "") or None

    async def _post_zns(self, phone: str, template_data: dict[str, str], tracking: str) -> str:
        body = {
            "phone": phone,
            "template_id": self.settings.zalo_zns_template_id,
            "template_data": template_data,
            "tracking_id": tracking,
        }
        data = await self._post(self.zns_url, body)
        return str((data.get("data") or {}).get("msg_id") or "zns")

    async def _post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST with the current token; -216 refreshes it once and resends."""
        token = await self.tokens.access_token()
        data = await self._request(url, body, token)
        if data.get("error") == TOKEN_EXPIRED:
            log.info("Zalo OA: token refused (-216), refreshing")
            token = (await self.tokens.refresh(stale=token)).access
            data = await self._request(url, body, token)
        error = data.get("error", 0)
        if error == 0:
            return data
        reason = f"Zalo OA error {error}: {data.get('message', '')}"
        if error == TOKEN_EXPIRED:
            raise RetryLater(30.0, reason)
        if error in WINDOW_CLOSED:
            raise Unreachable(f"{UNREACHABLE_TEXT}: {reason}")
        if error in RATE_LIMITED:
            raise RetryLater(1.0, f"429 {reason}")
        raise PermanentFailure(reason)

    async def _request(self, url: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        assert self._http is not None
        headers = {"access_token": token, "Content-Type": "application/json"}
        try:
            async with self._http.post(url, json=body, headers=headers) as response:
                if response.status == 429:
                    delay = float(response.headers.get("Retry-After", "1") or 1)
                    raise RetryLater(delay, "429 Too Many Requests (Zalo OA)")
                if response.status >= 500:
                    raise RetryLater(2.0, f"Zalo OA answered {response.status}")
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetryLater(2.0, f"network: {exc}") from exc
        except ValueError as exc:
            raise RetryLater(2.0, f"Zalo OA answered something else than JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise RetryLater(2.0, "Zalo OA answered something else than an object")
        return data


# --- mapping ------------------------------------------------------------------------


def _load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise MalformedEvent(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or not data.get("event_name"):
        raise MalformedEvent("not a Zalo OA event")
    return data


def _follower(event: dict[str, Any]) -> str | None:
    who = event.get("follower") or event.get("sender") or {}
    return str(who["id"]) if isinstance(who, dict) and who.get("id") else None


def _zns_data(notice: Notice) -> tuple[str, dict[str, str], str]:
    """Phone (84…), template values and tracking id of a status notice."""
    phone = notice.phone or ""
    phone = "84" + phone[1:] if phone.startswith("0") else phone.lstrip("+")
    data = {
        "ho_ten": notice.full_name[:30],
        "ma_ho_so": notice.code,
        "trang_thai": notice.status[:30],
    }
    return phone, data, f"{notice.code}:{notice.status}"


def to_incoming(event: dict[str, Any]) -> Incoming | None:
    """Map an OA event to the core's Incoming; None for what we do not handle."""
    name = str(event.get("event_name"))
    if name in ("follow", "unfollow"):
        user = _follower(event)
        if user is None:
            return None
        key = f"{name}:{user}:{event.get('timestamp', '')}"
        following = name == "follow"  # a (re)follow is greeted like /start
        return Incoming(
            channel=NAME,
            user_key=user,
            update_key=key[:128],
            text="/start" if following else None,
            following=following,
        )
    if name.startswith("oa_send_"):
        return _admin_message(name, event)
    if not name.startswith("user_send_"):
        return None  # receipts, anonymous chats
    sender = event.get("sender") or {}
    message = event.get("message") or {}
    if not isinstance(sender, dict) or not sender.get("id") or not isinstance(message, dict):
        raise MalformedEvent("event without sender or message")
    user = str(sender["id"])
    msg_id = str(message.get("msg_id") or "")
    key = f"{name}:{msg_id}" if msg_id else f"{name}:{user}:{event.get('timestamp', '')}"
    base: dict[str, Any] = {
        "channel": NAME,
        "user_key": user,
        "update_key": key[:128],
        "message_ref": msg_id or None,
    }
    if name == "user_send_text":
        return Incoming(**base, text=str(message.get("text") or ""))
    return Incoming(**base, media=_media(name, message))


def _admin_message(name: str, event: dict[str, Any]) -> Incoming | None:
    """`oa_send_*`: the OA wrote to a user. Zalo sends it for our own API sends too; only
    one with `sender.admin_id` was written by a person in Zalo's OA chat tool, and that
    one is the user's hand-off (the bot keeps quiet for them a while)."""
    sender = event.get("sender") or {}
    recipient = event.get("recipient") or {}
    message = event.get("message") or {}
    if not isinstance(sender, dict) or not sender.get("admin_id"):
        return None
    if not isinstance(recipient, dict) or not recipient.get("id") or not isinstance(message, dict):
        raise MalformedEvent("OA message without recipient or message")
    msg_id = str(message.get("msg_id") or "")
    user = str(recipient["id"])
    key = f"{name}:{msg_id}" if msg_id else f"{name}:{user}:{event.get('timestamp', '')}"
    base: dict[str, Any] = {
        "channel": NAME,
        "user_key": user,
        "update_key": key[:128],
        "message_ref": msg_id or None,
        "staff_author": str(sender["admin_id"])[:64],
    }
    if name == "oa_send_text":
        return Incoming(**base, text=str(message.get("text") or ""))
    return Incoming(**base, media=_media(name.replace("oa_send_", "user_send_"), message))


def _media(name: str, message: dict[str, Any]) -> Media:
    attachments = message.get("attachments") or [{}]
    first = attachments[0] if isinstance(attachments[0], dict) else {}
    payload = first.get("payload") or {}
    url = payload.get("url") if isinstance(payload, dict) else None
    caption = str(message.get("text") or "") or None
    if name == "user_send_location":
        coords = payload.get("coordinates") or {} if isinstance(payload, dict) else {}
        return Media("location", f"{coords.get('latitude')},{coords.get('longitude')}")
    kinds = {
        "user_send_image": "photo",
        "user_send_gif": "photo",
        "user_send_sticker": "sticker",
        "user_send_audio": "voice",
        "user_send_video": "video",
        "user_send_file": "document",
    }
    kind = kinds.get(name, "other")
    if kind in ("voice", "video", "document") and url:
        # Staff see the link even when Telegram cannot fetch Zalo's file by URL.
        caption = f"{caption}\n{url}" if caption else str(url)
    return Media(kind, str(url) if url else None, caption)  # type: ignore[arg-type]


def _buttons(reply: Reply) -> list[dict[str, str]]:
    """The reply's choices as `oa.query.show` buttons that send back their number (as
    `render` left them: the number is the button's action, "1. Hỏi đáp" in the text)."""
    if not reply.buttons or not all(b.action.isdigit() for b in reply.buttons):
        return []  # (a row queued before numbers were actions: text only)
    return [
        {"title": b.label[:MAX_BUTTON_TITLE], "payload": b.action, "type": "oa.query.show"}
        for b in reply.buttons
    ]


def _image(url: str) -> dict[str, Any]:
    return {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "url": url}],
            },
        }
    }


def _image_id(attachment_id: str) -> dict[str, Any]:
    return {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "attachment_id": attachment_id}],
            },
        }
    }


def _is_url(ref: str | None) -> bool:
    return bool(ref) and str(ref).startswith(("http://", "https://"))
