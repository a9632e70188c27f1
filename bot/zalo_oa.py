"""Zalo Official Account adapter (Open API v3): signed webhook in, `/v3.0/oa/message/cs` out.

Checked against Zalo's own documentation (facts/zalo-docs, the error table "Phụ lục — Mã
lỗi") and reviews/zalo-conformance-2026-12.md.

- Ingress: `X-ZEvent-Signature` = "mac=" + hex SHA-256(app_id + raw body + timestamp +
  OA secret key), `app_id` and `timestamp` read from the body, compared in constant time.
  An event signed longer ago than `ZALO_OA_REPLAY_WINDOW` is refused like a bad signature
  (a captured body cannot be replayed later). Anything else is refused before the body
  is used.
- Events: the user's messages (`user_send_*`: text; a link is the user's text; a business
  card is a contact that is not the sender's own; location, media), `follow` / `unfollow`
  and `user_click_chatnow` (greeted like /start), `user_submit_info` (the phone form: the
  user's own number), `user_withdraw` (the user's data-subject request: the erasure of
  /xoadulieu), `oa_send_*` with an `admin_id` (a person wrote from the OA chat tool:
  recorded as `Incoming.operator` in the user's hand-off; the bot keeps
  quiet for that user a while). Every other event, known or not, is
  acknowledged with 200 and ignored (receipts, reactions, our own sends echoed back).
- Egress: one CS message per part (`MAX_TEXT`); the choices of a reply are numbered in
  the text (`render`) AND, up to `MAX_BUTTONS`, sent as `oa.query.show` buttons that send
  the number back. Buttons are not a documented format of the v3 cs endpoint: if Zalo
  refuses the attachment as a bad parameter, the same text goes again without it and
  this process stops attaching buttons (metric `bot_zalo_oa_buttons_refused`). A reply
  that asks for the phone number is followed by the `request_user_info` form when
  `ZALO_OA_FORM_IMAGE_URL` is set.
- Zalo's refusals mean what its error table says: -216/-220 (-124 on ZNS) refresh the
  token once and resend; -213, -227, -230, -232, -244 make the user unreachable; -217
  (invitations blocked) is the user's block; -32 waits for the next minute; -201, -210,
  -233 are our bad requests, logged with the request's shape; -320/-321 (no or empty
  Zalo Cloud Account) raise one operator alert per process.
- Messaging windows: a user who has not written for `CS_WINDOW` is not attempted
  (`Unreachable`). Registration status notices go out as ZNS templates instead when
  `ZALO_ZNS_TEMPLATE_ID` is set, filled from the notice's facts.
- Each sent message's quota (`data.quota.quota_type`: free reply or paid) is counted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
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
    SendError,
    Unreachable,
    secret_matches,
)
from bot.metrics import Metrics
from bot.splitting import split_text
from bot.zalo_oa_tokens import OaTokens
from db import users
from db.clock import utcnow
from faq.normalize import fold
from handlers.privacy import ConfirmErase
from handlers.types import Attachment, Contact, Incoming, Media, Notice, Reply
from settings import Settings

log = logging.getLogger(__name__)

NAME = "zalo_oa"
PATH = "/zalo/oa"
SIGNATURE_HEADER = "X-ZEvent-Signature"
# Text limit of one OA message (documented: 2,000).
MAX_TEXT = 2000
# Buttons in one template (the buttons appendix: at most 5, titles of 100 characters).
MAX_BUTTONS = 5
MAX_BUTTON_TITLE = 100
# After 48 h of silence an OA message is paid; after 7 days only ZNS can reach the user.
FREE_WINDOW = timedelta(hours=48)
CS_WINDOW = timedelta(days=7)
# Zalo's error table (OA) and the ZNS one: what each refusal means for the message.
TOKEN_REFUSED = frozenset({-216, -220})  # invalid; expired or removed: refresh, resend
ZNS_TOKEN_REFUSED = frozenset({-124}) | TOKEN_REFUSED
BAD_REQUEST = frozenset({-201, -210, -233})  # invalid parameter, over a limit, bad type
UNREACHABLE = frozenset({-213, -227, -230, -232, -244})  # not a follower, banned, windows
BLOCKED = frozenset({-217})  # the user blocked the OA's invitations
RATE_LIMITED = frozenset({-32})  # requests per minute per app
NO_CLOUD_ACCOUNT = frozenset({-320, -321})  # paid messages need a funded Zalo Cloud Account
UNREACHABLE_TEXT = "không liên lạc được qua Zalo"
# The phone form (request_user_info): its title is what the phone question names.
FORM_TITLE = "Gửi số điện thoại của tôi"
TRACKING_ID_MAX = 48


class OaRefused(PermanentFailure):
    """Zalo refused the request with an error code of its table."""

    def __init__(self, reason: str, code: int) -> None:
        super().__init__(reason)
        self.code = code


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
    template_buttons = MAX_BUTTONS
    webhook_path = PATH
    webhook_probe = True  # the developer console checks the URL with a GET

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.metrics = metrics or Metrics()
        self.base = settings.zalo_oa_api_base_url.rstrip("/")
        self.zns_url = settings.zalo_zns_api_base_url.rstrip("/") + "/message/template"
        # Numbered choices (a typed number presses one), the first few also as buttons;
        # the phone shared with the OA's form when it can be shown.
        # Staff files reach OA users as uploaded images (JPG/PNG ≤ 1 MB) and files
        # (PDF/DOC/DOCX ≤ 5 MB); the cs API sends no audio or video.
        self.limits = ChannelLimits(
            max_text=MAX_TEXT,
            buttons=False,
            share_contact=bool(settings.zalo_oa_form_image_url),
            media=frozenset({"photo", "document"}),
        )
        # Zalo refused a buttons attachment in this process: numbered text only from now.
        self.buttons_refused = False
        self._billing_alerted = False
        self._http: aiohttp.ClientSession | None = None
        self._tokens: OaTokens | None = None

    # --- lifecycle -------------------------------------------------------------
    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        self._tokens = OaTokens(self.settings, self.sessions, self._http)
        log.info("Zalo OA: webhook at %s, app %s", PATH, self.settings.zalo_app_id)
        if not self.limits.share_contact:
            log.info("Zalo OA: ZALO_OA_FORM_IMAGE_URL is not set, phone numbers are typed")

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
        if not secret_matches(app_id, self.settings.zalo_app_id):
            return False
        try:
            expected = signature(app_id, body, timestamp, secret)
        except UnicodeEncodeError:  # a lone surrogate in the timestamp: not Zalo's
            return False
        if not given.startswith("mac="):
            given = "mac=" + given
        if not secret_matches(given, expected):
            return False
        return self._fresh(timestamp)

    def _fresh(self, timestamp: str) -> bool:
        """Signed within the replay window (Zalo's timestamps are milliseconds)."""
        window = self.settings.zalo_oa_replay_window
        if not window:
            return True
        try:
            signed = int(timestamp) / 1000
        except ValueError:
            return False
        age = time.time() - signed
        if abs(age) <= window:
            return True
        log.warning("Zalo OA: event signed %.0f s ago refused (replay window %d s)", age, window)
        return False

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
        for part in parts[:-1]:
            message_id = await self._post_cs(chat_key, {"text": part})
        message_id = await self._post_last(chat_key, parts[-1], reply)
        if reply.request_contact and self.limits.share_contact:
            await self._ask_phone(chat_key)
        return message_id

    async def _post_last(self, chat_key: str, text: str, reply: Reply) -> str | None:
        """The last part, with the reply's buttons unless Zalo refused buttons before: on
        a bad-parameter refusal of the attachment the same text goes again without it
        (the choices are numbered in it), and buttons are not attached again."""
        buttons = [] if self.buttons_refused else _buttons(reply)
        if not buttons:
            return await self._post_cs(chat_key, {"text": text})
        attachment = {"type": "template", "payload": {"buttons": buttons}}
        try:
            return await self._post_cs(chat_key, {"text": text, "attachment": attachment})
        except OaRefused as refused:
            if refused.code not in BAD_REQUEST:
                raise
            reason = str(refused)
        message_id = await self._post_cs(chat_key, {"text": text})
        self.buttons_refused = True
        self.metrics.zalo_oa_buttons_refused.set(1)
        log.warning(
            "Zalo OA: buttons refused (%s); choices are sent as numbered text only from now "
            "(docs/zalo.md, go-live check)",
            reason,
        )
        return message_id

    async def _ask_phone(self, chat_key: str) -> None:
        """The OA's phone form after the question; its answer comes as `user_submit_info`.
        The question was sent: a form Zalo refuses only leaves the number to be typed."""
        form = {
            "title": FORM_TITLE,
            "subtitle": f"{self.settings.centre_name[:400]} cần số điện thoại của bạn "
            "để cán bộ liên lạc.",
            "image_url": self.settings.zalo_oa_form_image_url,
        }
        template = {"template_type": "request_user_info", "elements": [form]}
        try:
            await self._post_cs(chat_key, {"attachment": {"type": "template", "payload": template}})
        except SendError as exc:
            log.warning("Zalo OA: the phone form was not sent (%s); the number is typed", exc)

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
        """Upload a file (multipart `file`); the id Zalo gives it. A refused token (-216,
        -220) is refreshed once."""
        token = await self.tokens.access_token()
        data = await self._upload_once(path, attachment, token)
        if data.get("error") in TOKEN_REFUSED:
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
        data = await self._post(f"{self.base}/v3.0/oa/message/cs", body, TOKEN_REFUSED)
        result: dict[str, Any] = data["data"] if isinstance(data.get("data"), dict) else {}
        quota: dict[str, Any] = result["quota"] if isinstance(result.get("quota"), dict) else {}
        self.metrics.zalo_oa_quota.labels(str(quota.get("quota_type") or "paid")[:32]).inc()
        return str(result.get("message_id") or "") or None

    async def _post_zns(self, phone: str, template_data: dict[str, str], tracking: str) -> str:
        body = {
            "phone": phone,
            "template_id": self.settings.zalo_zns_template_id,
            "template_data": template_data,
            "tracking_id": tracking,
        }
        data = await self._post(self.zns_url, body, ZNS_TOKEN_REFUSED)
        return str((data.get("data") or {}).get("msg_id") or "zns")

    async def _post(
        self, url: str, body: dict[str, Any], token_refused: frozenset[int]
    ) -> dict[str, Any]:
        """POST with the current token; a token refusal refreshes it once and resends."""
        token = await self.tokens.access_token()
        data = await self._request(url, body, token)
        if _code(data) in token_refused:
            log.info("Zalo OA: token refused (%s), refreshing", _code(data))
            token = (await self.tokens.refresh(stale=token)).access
            data = await self._request(url, body, token)
        error = _code(data)
        if error == 0:
            return data
        reason = f"Zalo OA error {error}: {str(data.get('message') or '')[:200]}"
        if error in token_refused:
            raise RetryLater(30.0, reason)
        if error in UNREACHABLE:
            raise Unreachable(f"{UNREACHABLE_TEXT}: {reason}")
        if error in BLOCKED:
            raise PermanentFailure(reason, blocked=True)
        if error in RATE_LIMITED:
            raise RetryLater(_next_minute(), f"429 {reason}")
        if error in NO_CLOUD_ACCOUNT:
            self._alert_billing(reason)
        elif error in BAD_REQUEST:
            # Our request is wrong (a bug, or a format Zalo does not take): never the
            # user's fault. Logged with its shape, not its content.
            log.error("Zalo OA refused a request as invalid: %s; request %s", reason, _shape(body))
        raise OaRefused(reason, error)

    def _alert_billing(self, reason: str) -> None:
        if self._billing_alerted:
            return
        self._billing_alerted = True
        self.metrics.errors.labels("zalo_cloud_account").inc()
        log.error(
            "Zalo OA: messages to people who wrote more than 48 hours ago are paid, and Zalo "
            "refuses them: %s. Link the app to a Zalo Cloud Account and top it up "
            "(docs/zalo.md, 'Paid messages'). Until then these messages fail.",
            reason,
        )

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


def _code(data: dict[str, Any]) -> int:
    try:
        return int(data.get("error") or 0)
    except (TypeError, ValueError):
        return -1


def _next_minute() -> float:
    """Seconds until Zalo's per-minute rate window starts again (at least one)."""
    return max(1.0, 60.0 - math.fmod(time.time(), 60.0) + 0.5)


def _shape(value: Any) -> Any:
    """A request body with every string replaced by its length: what was sent, no words."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value[:6]]
    if isinstance(value, str):
        return f"<{len(value)} chars>"
    return value


# --- mapping ------------------------------------------------------------------------


def _load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise MalformedEvent(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or not data.get("event_name"):
        raise MalformedEvent("not a Zalo OA event")
    return data


def _id(value: Any) -> str | None:
    """A user or message id from an event field (a dict's "id", or the value itself)."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if isinstance(value, (str, int)) and str(value) else None


def _zns_data(notice: Notice) -> tuple[str, dict[str, str], str]:
    """Phone (84…), template values and tracking id of a status notice. The tracking id
    is at most 48 letters and digits (ZNS: no special characters): the code and the
    status, folded."""
    phone = notice.phone or ""
    phone = "84" + phone[1:] if phone.startswith("0") else phone.lstrip("+")
    data = {
        "ho_ten": notice.full_name[:30],
        "ma_ho_so": notice.code,
        "trang_thai": notice.status[:30],
    }
    tracking = _alnum(notice.code) + _alnum(fold(notice.status))
    return phone, data, tracking[:TRACKING_ID_MAX]


def _alnum(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


def to_incoming(event: dict[str, Any]) -> Incoming | None:
    """Map an OA event to the core's Incoming; None for what we do not handle (receipts,
    reactions, our own sends echoed back, events we do not know: all acknowledged)."""
    name = str(event.get("event_name"))
    stamp = str(event.get("timestamp", ""))
    if name.startswith("user_send_"):
        return _user_message(name, event, stamp)
    if name.startswith("oa_send_"):
        return _admin_message(name, event)
    if name == "user_submit_info":
        return _submitted_info(event, stamp)
    if name in ("follow", "unfollow"):
        user = _id(event.get("follower")) or _id(event.get("sender"))
        following = name == "follow"  # a (re)follow is greeted like /start
        text = "/start" if following else None
        return (
            _incoming(user, f"{name}:{user}:{stamp}", text=text, following=following)
            if user
            else None
        )
    user = _id(event.get("user_id"))
    if user is None:
        return None
    if name == "user_click_chatnow":  # once per user: they opened the chat, greet them
        return _incoming(user, f"{name}:{user}", text="/start")
    if name == "user_withdraw":
        # The user's data-subject request through Zalo (withdraw consent, delete, restrict,
        # object): the same erasure as a confirmed /xoadulieu.
        return _incoming(user, f"{name}:{user}:{stamp}", action=ConfirmErase().pack())
    return None


def _user_message(name: str, event: dict[str, Any], stamp: str) -> Incoming:
    """`user_send_*`: what the user wrote or sent."""
    user = _id(event.get("sender"))
    message = event.get("message")
    if user is None or not isinstance(message, dict):
        raise MalformedEvent("event without sender or message")
    msg_id = str(message.get("msg_id") or "")
    key = f"{name}:{msg_id}" if msg_id else f"{name}:{user}:{stamp}"
    text = str(message.get("text") or "")
    if name == "user_send_text":
        return _incoming(user, key, msg_id, text=text)
    if name == "user_send_link":
        # A pasted job advert or a link: the user's own text (with the link), so the
        # recruiter check and the scam warnings read it like any message.
        link = _payload(message)
        extra = [str(link.get(k) or "") for k in ("description", "url")]
        words = " ".join(w for w in (text, *extra) if w and w not in text)
        return _incoming(user, key, msg_id, text=(text + " " + words).strip() if text else words)
    if name == "user_send_business_card":
        phone = _card_phone(message)
        if phone:  # someone's card: not vouched for as the sender's own number
            return _incoming(user, key, msg_id, contact=Contact(phone, text or None, is_own=False))
    return _incoming(user, key, msg_id, media=_media(name, message))


def _incoming(user: str, key: str, msg_id: str = "", **fields: Any) -> Incoming:
    return Incoming(
        channel=NAME, user_key=user, update_key=key[:128], message_ref=msg_id or None, **fields
    )


def _payload(message: dict[str, Any]) -> dict[str, Any]:
    attachments = message.get("attachments") or [{}]
    first = attachments[0] if isinstance(attachments, list) and attachments else {}
    payload = first.get("payload") if isinstance(first, dict) else None
    return payload if isinstance(payload, dict) else {}


def _card_phone(message: dict[str, Any]) -> str | None:
    """The phone of a business card: JSON in the payload's description (as integrations
    that captured real cards read it; not in Zalo's documentation)."""
    try:
        details = json.loads(str(_payload(message).get("description") or "{}"))
    except ValueError:
        return None
    phone = details.get("phone") if isinstance(details, dict) else None
    return str(phone) if phone else None


def _submitted_info(event: dict[str, Any], stamp: str) -> Incoming | None:
    """The phone form the OA sent (`request_user_info`), filled in by the user: Zalo
    vouches the number comes from them (the number itself is a JSON number in Zalo's
    example)."""
    user = _id(event.get("sender"))
    info = event.get("info")
    if user is None or not isinstance(info, dict) or not info.get("phone"):
        return None
    phone = str(info["phone"])
    name = str(info.get("name") or "") or None
    return _incoming(user, f"user_submit_info:{user}:{stamp}", contact=Contact(phone, name))


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
        return None  # not a message to a user we could record: acknowledged, ignored
    msg_id = str(message.get("msg_id") or "")
    user = str(recipient["id"])
    key = f"{name}:{msg_id}" if msg_id else f"{name}:{user}:{event.get('timestamp', '')}"
    base: dict[str, Any] = {
        "channel": NAME,
        "user_key": user,
        "update_key": key[:128],
        "message_ref": msg_id or None,
        "operator": str(sender["admin_id"])[:64],
    }
    if name == "oa_send_text":
        return Incoming(**base, text=str(message.get("text") or ""))
    return Incoming(**base, media=_media(name.replace("oa_send_", "user_send_"), message))


def _media(name: str, message: dict[str, Any]) -> Media:
    payload = _payload(message)
    url = payload.get("url")
    caption = str(message.get("text") or "") or None
    if name == "user_send_location":
        coords: dict[str, Any] = payload.get("coordinates") or {}
        try:  # strings in Zalo's example
            lat, lon = float(coords["latitude"]), float(coords["longitude"])
        except (TypeError, ValueError, KeyError, AttributeError):
            return Media("location")
        return Media("location", f"{lat},{lon}", f"https://maps.google.com/?q={lat},{lon}")
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
