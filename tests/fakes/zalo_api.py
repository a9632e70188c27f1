"""A fake Zalo server on 127.0.0.1: OA Open API v3 + OAuth v4 + ZNS + Bot Platform API.

One aiohttp app serves all four, so each base-URL setting points at it:

- OA: `POST /v3.0/oa/message/cs` (header `access_token`), answering with the codes of
  Zalo's own error table ("Phụ lục — Mã lỗi", facts/zalo-docs): an unknown token -216, an
  expired one -220 (`expire_access_tokens`), users in `closed_users` -230 and users in
  `unreachable_users` the code given (-213, -227, -232, -244, -217 …), text over 2,000
  characters -210, a malformed template (more than 5 buttons, a title over 100, an
  unknown button type, a `request_user_info` form without its image) -201, and, with
  `refuse_buttons`, any buttons attachment -201 (the v3 cs endpoint does not document
  buttons: the go-live check). A success carries `data.quota` as documented: "reply"
  for the first 8 messages to a user within 48 h, nothing after (paid);
  `POST /v2.0/oa/upload/image` (JPG/PNG ≤ 1 MB → `attachment_id`) and
  `/v2.0/oa/upload/file` (PDF/DOC/DOCX ≤ 5 MB → `token`), as the docs describe them; an
  image or file message must name such an upload (else -201);
- OAuth: `POST /v4/oa/access_token` (header `secret_key`, form `refresh_token, app_id,
  grant_type`); the refresh token is single-use and rotates, a spent one is refused;
- ZNS: `POST /message/template` (a bad token is -124, ZNS's own code; `tracking_id` must
  be at most 48 letters and digits);
- Bot: `POST /bot{token}/{method}` (`getMe`, `getUpdates` one update per call and 408
  when nothing came, `setWebhook`, `deleteWebhook`, `sendMessage` ≤ 2,000 characters,
  `sendPhoto`, `sendChatAction`); errors as the Bot error table quotes them (403
  "Internal server error", 429 "Quota exceeded").

It records every call, signs OA events correctly (or not) and POSTs them to our
webhook (every documented event shape: messages, links, business cards, follow,
receipts with the OA as sender, `oa_send_*` with the admin id, `user_click_chatnow`,
`user_submit_info`, `user_withdraw`), pushes Bot updates to polling or to the webhook
(flat or wrapped in {ok, result}, also without a `message` as real traffic has them),
and injects faults on demand: a status or a Zalo error code for the next calls.

`oa_rate_limit` is a test device, not Zalo's documented behaviour (4,000 requests a
minute per app, -32 beyond): sends faster than it get HTTP 429 (as a gateway in front
of the API would answer), so pacing tests need not wait for Zalo's one-minute window.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

APP_ID = "1234567890123456789"
OA_ID = "579745863508352884"
OA_SECRET_KEY = "oa-secret-key-TEST"
APP_SECRET = "app-secret-TEST"
BOT_TOKEN = "2441:zalo-bot-TEST"
BOT_SECRET = "zalo-bot-webhook-secret"
BOT_TEXT_LIMIT = 2000
OA_TEXT_LIMIT = 2000
MAX_BUTTONS = 5
BUTTON_TYPES = {"oa.query.show", "oa.query.hide", "oa.open.url", "oa.open.phone", "oa.open.sms"}
FREE_REPLIES = 8  # free consultation messages within 48 h of the user's last message
# Zalo's OA error table: the messages of the codes the fake answers with.
OA_ERRORS = {
    -32: "Your application reached limit call api",
    -201: "<data_field> is invalid!",
    -210: "Parameter exceeds allowable limit",
    -213: "User has not followed OA",
    -216: "Access token is invalid",
    -217: "User has blocked invitation from OA",
    -220: "access_token is expired or removed",
    -227: "User is banned or has been inactive for more than 45 days",
    -230: "User has not interacted with the OA in the past 7 days",
    -232: "User has not interacted with the OA, or the last interaction has expired",
    -233: "message type is invalid or not support",
    -244: "User has restricted this message type from your OA",
    -320: "Your app needs to connect with Zalo Cloud Account to use paid features",
    -321: "Zalo Cloud Account associated with this app is out of money or unable to be charged",
}
ZNS_TOKEN_INVALID = -124
# The Zalo Bot error table as a secondary source quotes it (facts: channels.md 1a).
BOT_ERRORS = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Internal server error",
    404: "Not found",
    408: "Request timeout",
    429: "Quota exceeded",
}


@dataclass
class ZaloCall:
    api: str  # "oa", "zns", "oauth" or the Bot method name
    params: dict[str, Any]
    token: str | None = None
    status: str = "ok"  # ok, or what was answered instead ("-216", "429", "408" …)
    result: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def user(self) -> str:
        if self.api == "oa":
            return str(self.params.get("recipient", {}).get("user_id"))
        return str(self.params.get("chat_id") or self.params.get("phone"))

    @property
    def text(self) -> str:
        message = self.params.get("message")
        if isinstance(message, dict):
            return str(message.get("text") or "")
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return list(self.template.get("buttons") or [])

    @property
    def template(self) -> dict[str, Any]:
        """The attachment's payload (buttons, or a `request_user_info` form …)."""
        message = self.params.get("message") or {}
        attachment = message.get("attachment") or {} if isinstance(message, dict) else {}
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        return payload if isinstance(payload, dict) else {}


@dataclass
class Fault:
    status: int = 200
    error: int | None = None  # a Zalo error code in a 200 answer
    times: int = 1


class FakeZalo:
    def __init__(self) -> None:
        self.app_id = APP_ID
        self.oa_secret_key = OA_SECRET_KEY
        self.app_secret = APP_SECRET
        self.bot_token = BOT_TOKEN
        self.calls: list[ZaloCall] = []
        self._serial = itertools.count(1)
        self.access_tokens = {"AT-0"}  # valid OA access tokens
        self.expired_tokens: set[str] = set()  # answered -220 ("expired or removed")
        self.refresh_token = "RT-0"  # the one refresh token that works now
        self.expires_in = "90000"
        self.refresh_delay = 0.0  # seconds OAuth takes (to overlap two refreshes)
        self.closed_users: set[str] = set()  # OA users outside the 7-day window
        # OA users Zalo refuses with another code of its table (-213, -227, -232, -244 …).
        self.unreachable_users: dict[str, int] = {}
        self.refuse_buttons = False  # the cs endpoint refuses a buttons attachment (-201)
        self._replies: dict[str, int] = {}  # free replies used per user (data.quota)
        self.uploads: dict[str, bytes] = {}  # OA uploads by attachment id / file token
        self.oa_rate_limit: float | None = None  # OA sends a second, else 429
        self.bot_rate_limit: float | None = None
        self.rate_burst = 2.0
        self._tat: dict[str, float] = {}
        self._faults: dict[str, list[Fault]] = {}
        self._updates: list[dict[str, Any]] = []
        self.poll_hold = 0.3  # seconds getUpdates waits before 408
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._oa_send)
        app.router.add_post("/v2.0/oa/upload/image", self._oa_upload_image)
        app.router.add_post("/v2.0/oa/upload/file", self._oa_upload_file)
        app.router.add_post("/v4/oa/access_token", self._oauth)
        app.router.add_post("/message/template", self._zns)
        app.router.add_post("/bot{token}/{method}", self._bot)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self, oa: bool = True, bot: bool = True, **extra: Any) -> dict[str, Any]:
        """The settings that point our adapters here."""
        values: dict[str, Any] = {}
        if oa:
            values.update(
                zalo_app_id=self.app_id,
                zalo_app_secret=self.app_secret,
                zalo_oa_secret_key=self.oa_secret_key,
                zalo_oa_access_token="AT-0",
                zalo_oa_refresh_token="RT-0",
                zalo_oa_api_base_url=self.base_url,
                zalo_oauth_base_url=self.base_url,
                zalo_zns_api_base_url=self.base_url,
            )
        if bot:
            values.update(zalo_bot_token=self.bot_token, zalo_bot_api_base_url=self.base_url)
        values.update(extra)
        return values

    # --- control ---------------------------------------------------------------
    def fail_next(
        self, api: str, status: int = 200, error: int | None = None, times: int = 1
    ) -> None:
        """Answer the next `times` calls of `api` ("oa", "zns", "oauth" or a Bot method)
        with an HTTP status, or with a Zalo error code in a 200 answer."""
        self._faults.setdefault(api, []).append(Fault(status, error, times))

    def expire_access_tokens(self) -> None:
        """Every OA access token handed out so far expires (-220, "expired or removed")."""
        self.expired_tokens |= self.access_tokens
        self.access_tokens.clear()

    def revoke_access_tokens(self) -> None:
        """Every OA access token handed out so far is unknown to Zalo (-216, "invalid")."""
        self.access_tokens.clear()

    def user_wrote(self, user: str) -> None:
        """The user wrote again: their 8 free replies within 48 h start over."""
        self._replies.pop(user, None)

    # OA events ---------------------------------------------------------------------
    def oa_event(
        self, name: str, user: str, message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "app_id": self.app_id,
            "user_id_by_app": f"app-{user}",
            "event_name": name,
            "timestamp": str(int(time.time() * 1000) + next(self._serial)),
        }
        if name in ("follow", "unfollow"):
            event.update(oa_id=OA_ID, follower={"id": user}, source="testing")
        elif name in ("user_click_chatnow", "user_withdraw"):
            event.update(oa_id=OA_ID, user_id=user)  # no sender, no message
        elif name in ("user_received_message", "user_seen_message") or name.startswith("oa_send_"):
            # Events of the OA's own messages: the OA is the sender, the user the recipient.
            event.update(sender={"id": OA_ID}, recipient={"id": user})
            event["message"] = dict(message or {"msg_ids": [f"oamid{next(self._serial)}"]})
        else:
            event.update(sender={"id": user}, recipient={"id": OA_ID})
            event["message"] = {"msg_id": f"msg{next(self._serial)}", **(message or {})}
        return event

    def oa_admin_text(
        self, user: str, text: str, admin: str | None = "4267886274574868951"
    ) -> dict[str, Any]:
        """`oa_send_text`: the OA wrote to the user; with `admin`, a person typed it in the
        OA chat tool (oa.zalo.me), without it our own API send is echoed back."""
        event = self.oa_event("oa_send_text", user, {"text": text, "msg_id": "oa1"})
        event["message"]["msg_id"] = f"oamsg{next(self._serial)}"
        if admin is not None:
            event["sender"]["admin_id"] = admin
        return event

    def oa_link(self, user: str, text: str, url: str, description: str = "") -> dict[str, Any]:
        """`user_send_link`, the documented shape: the user's text and the link's preview."""
        payload = {"thumbnail": "https://link.photo.talk.zdn.vn/x.jpg", "url": url,
                   "description": description}  # fmt: skip
        event = self.oa_attachment("user_send_link", user, payload)
        if text:
            event["message"]["text"] = text
        return event

    def oa_business_card(self, user: str, name: str, phone: str) -> dict[str, Any]:
        """`user_send_business_card` as integrations report it: the card's name as the
        message text, its phone and QR code as JSON in the payload's description."""
        description = json.dumps({"phone": phone, "qrCodeUrl": "https://qr.zalo.me/x"})
        payload = {"thumbnail": "https://s120.avatar.talk.zdn.vn/x.jpg", "url": "",
                   "description": description}  # fmt: skip
        event = self.oa_attachment("user_send_business_card", user, payload)
        event["message"]["text"] = name
        return event

    def oa_submit_info(self, user: str, phone: int | str, name: str = "Lò Văn A") -> dict[str, Any]:
        """`user_submit_info`: the user filled in the `request_user_info` form (the phone is
        a number in Zalo's example)."""
        event = self.oa_event("user_submit_info", user)
        event.pop("message", None)
        event["info"] = {"address": "Bản Lếch", "phone": phone, "city": "Lào Cai",
                         "district": "", "name": name, "ward": "Bát Xát"}  # fmt: skip
        return event

    def oa_text(self, user: str, text: str) -> dict[str, Any]:
        return self.oa_event("user_send_text", user, {"text": text})

    def oa_attachment(self, name: str, user: str, payload: dict[str, Any]) -> dict[str, Any]:
        kind = name.removeprefix("user_send_")
        return self.oa_event(name, user, {"attachments": [{"type": kind, "payload": payload}]})

    def sign(self, body: bytes, event: dict[str, Any], secret: str | None = None) -> str:
        key = self.oa_secret_key if secret is None else secret
        raw = event["app_id"].encode() + body + event["timestamp"].encode() + key.encode()
        return "mac=" + hashlib.sha256(raw).hexdigest()

    async def deliver_oa(
        self,
        url: str,
        event: dict[str, Any],
        *,
        signature: str | None = "good",
        body: bytes | None = None,
    ) -> int:
        """POST an event to our webhook as Zalo would. `signature`: "good", "wrong-secret",
        "tampered" (signed, then the body changed), None (no header) or a literal value."""
        raw = json.dumps(event, ensure_ascii=False).encode() if body is None else body
        headers = {"Content-Type": "application/json"}
        if signature == "good":
            headers["X-ZEvent-Signature"] = self.sign(raw, event)
        elif signature == "wrong-secret":
            headers["X-ZEvent-Signature"] = self.sign(raw, event, secret="not-the-secret")
        elif signature == "tampered":
            headers["X-ZEvent-Signature"] = self.sign(raw, event)
            raw = raw.replace(b"user_send_text", b"user_send_link")
        elif signature is not None:
            headers["X-ZEvent-Signature"] = signature
        async with aiohttp.ClientSession() as http:
            async with http.post(url, data=raw, headers=headers) as response:
                return response.status

    # Bot updates ---------------------------------------------------------------------
    def bot_update(
        self, user: str, text: str | None = None, event: str = "message.text.received", **extra: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": f"bm{next(self._serial)}",
            "date": int(time.time() * 1000),
            "chat": {"id": user, "chat_type": "PRIVATE"},
            "from": {"id": user, "display_name": "Lò Văn A", "is_bot": False},
            **extra,
        }
        if text is not None:
            message["text"] = text
        return {"event_name": event, "message": message}

    def bot_bare(self, event: str = "message.unsupported.received") -> dict[str, Any]:
        """An update without a `message`, as real traffic has them (unsupported content,
        the bot added to a group)."""
        return {"event_name": event}

    def bot_group_update(self, user: str, group: str, text: str) -> dict[str, Any]:
        """A message in a group the bot is in (it gets only mentions and replies)."""
        update = self.bot_update(user, text)
        update["message"]["chat"] = {"id": group, "chat_type": "GROUP"}
        return update

    async def push(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates."""
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()

    async def deliver_bot(
        self,
        url: str,
        update: dict[str, Any],
        *,
        secret: str | None = BOT_SECRET,
        wrapped: bool = False,
    ) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Bot-Api-Secret-Token"] = secret
        body = {"ok": True, "result": update} if wrapped else update
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=body, headers=headers) as response:
                return response.status

    # --- assertions ------------------------------------------------------------
    def oa_sent(self, user: str | None = None) -> list[ZaloCall]:
        return [
            c
            for c in self.calls
            if c.api == "oa" and c.status == "ok" and (user is None or c.user == user)
        ]

    def bot_sent(self, user: str | None = None) -> list[ZaloCall]:
        return [
            c
            for c in self.calls
            if c.api in ("sendMessage", "sendPhoto")
            and c.status == "ok"
            and (user is None or c.user == user)
        ]

    def refreshes(self) -> list[ZaloCall]:
        return [c for c in self.calls if c.api == "oauth"]

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [f"{c.api} {c.user} {c.status}: {c.text[:60]!r}" for c in self.calls]
                    raise AssertionError(f"timed out waiting for {what}; calls: {seen}")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    continue

    async def wait_oa(self, user: str, count: int, timeout: float = 10.0) -> list[ZaloCall]:
        await self.wait_for(
            lambda: len(self.oa_sent(user)) >= count, timeout, f"{count} OA messages to {user}"
        )
        return self.oa_sent(user)

    async def wait_bot(self, user: str, count: int, timeout: float = 10.0) -> list[ZaloCall]:
        await self.wait_for(
            lambda: len(self.bot_sent(user)) >= count, timeout, f"{count} Bot messages to {user}"
        )
        return self.bot_sent(user)

    # --- the APIs --------------------------------------------------------------
    async def _record(self, call: ZaloCall) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _fault(self, api: str) -> Fault | None:
        faults = self._faults.get(api)
        if not faults:
            return None
        fault = faults[0]
        fault.times -= 1
        if fault.times <= 0:
            faults.pop(0)
        return fault

    def _over_rate(self, api: str, rate: float | None) -> bool:
        """GCRA: `rate` sends a second, `rate_burst` at once; faster ones are refused."""
        if rate is None:
            return False
        now = time.monotonic()
        interval = 1.0 / rate
        tolerance = (max(1.0, self.rate_burst) - 1.0) * interval
        due = max(self._tat.get(api, 0.0), now)
        if due - now > tolerance + 1e-9:
            return True
        self._tat[api] = due + interval
        return False

    async def _oa_send(self, request: web.Request) -> web.Response:
        token = request.headers.get("access_token")
        params = await request.json()
        call = ZaloCall("oa", params, token)
        fault = self._fault("oa")
        if fault is not None:
            call.status = str(fault.error if fault.error is not None else fault.status)
            await self._record(call)
            if fault.error is not None:
                return _oa_error(fault.error)
            return web.json_response({"error": -1, "message": "injected"}, status=fault.status)
        if token in self.expired_tokens:
            return await self._refuse(call, -220)
        if token not in self.access_tokens:
            return await self._refuse(call, -216)
        if self._over_rate("oa", self.oa_rate_limit):
            call.status = "429"
            await self._record(call)
            return web.json_response({"error": -32, "message": OA_ERRORS[-32]}, status=429)
        attached = _attached_upload(call.params)
        if attached is not None and attached not in self.uploads:
            return await self._refuse(call, -201)
        invalid = _invalid_cs_message(params.get("message"), self.refuse_buttons)
        if invalid is not None:
            return await self._refuse(call, invalid)
        if call.user in self.closed_users:
            return await self._refuse(call, -230)
        if call.user in self.unreachable_users:
            return await self._refuse(call, self.unreachable_users[call.user])
        used = self._replies.get(call.user, 0)
        self._replies[call.user] = used + 1
        call.result = {"message_id": f"oamid{next(self._serial)}", "user_id": call.user}
        if used < FREE_REPLIES:  # within the 8 free replies; after them the send is paid
            call.result["quota"] = {"quota_type": "reply", "remain": str(FREE_REPLIES - used - 1),
                                    "total": str(FREE_REPLIES)}  # fmt: skip
        await self._record(call)
        return web.json_response({"error": 0, "message": "Success", "data": call.result})

    async def _refuse(self, call: ZaloCall, code: int) -> web.Response:
        call.status = str(code)
        await self._record(call)
        return _oa_error(code)

    async def _oa_upload_image(self, request: web.Request) -> web.Response:
        """Docs "Upload hình ảnh": multipart `file`, JPG or PNG, at most 1 MB."""
        return await self._oa_upload(
            request, "upload_image", (".jpg", ".jpeg", ".png"), 1_000_000, "attachment_id"
        )

    async def _oa_upload_file(self, request: web.Request) -> web.Response:
        """Docs "Upload file": multipart `file`, PDF, DOC or DOCX, at most 5 MB."""
        return await self._oa_upload(
            request, "upload_file", (".pdf", ".doc", ".docx"), 5_000_000, "token"
        )

    async def _oa_upload(
        self,
        request: web.Request,
        api: str,
        types: tuple[str, ...],
        limit: int,
        field: str,
    ) -> web.Response:
        token = request.headers.get("access_token")
        form = await request.post()
        upload = form.get("file")
        name, data = "", b""
        if isinstance(upload, web.FileField):
            name, data = upload.filename, upload.file.read()
        call = ZaloCall(api, {"filename": name, "size": len(data)}, token)
        if token not in self.access_tokens:
            call.status = "-216"
            await self._record(call)
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        if not name.lower().endswith(types) or not data or len(data) > limit:
            call.status = "-201"
            await self._record(call)
            return web.json_response({"error": -201, "message": "file is invalid"})
        call.result = {field: f"{api}-{next(self._serial)}"}
        self.uploads[call.result[field]] = data
        await self._record(call)
        return web.json_response({"error": 0, "message": "Success", "data": call.result})

    async def _oauth(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        call = ZaloCall(
            "oauth", {k: str(v) for k, v in form.items()}, request.headers.get("secret_key")
        )
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        fault = self._fault("oauth")
        if fault is not None:
            call.status = str(fault.status)
            await self._record(call)
            return web.json_response({"error": -1}, status=fault.status)
        if (
            call.token != self.app_secret
            or form.get("app_id") != self.app_id
            or form.get("grant_type") != "refresh_token"
            or form.get("refresh_token") != self.refresh_token
        ):
            call.status = "refused"
            await self._record(call)
            return web.json_response(
                {
                    "error": -14014,
                    "error_name": "Invalid refresh token",
                    "error_description": "spent",
                }
            )
        serial = next(self._serial)
        access, refresh = f"AT-{serial}", f"RT-{serial}"
        self.access_tokens.add(access)
        self.refresh_token = refresh  # the old one is spent
        call.result = {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": self.expires_in,
        }
        await self._record(call)
        return web.json_response(call.result)

    async def _zns(self, request: web.Request) -> web.Response:
        params = await request.json()
        call = ZaloCall("zns", params, request.headers.get("access_token"))
        fault = self._fault("zns")
        if fault is not None and fault.error is not None:
            return await self._refuse(call, fault.error)
        if call.token not in self.access_tokens:
            call.status = str(ZNS_TOKEN_INVALID)
            await self._record(call)
            body = {"error": ZNS_TOKEN_INVALID, "message": "Access token invalid"}
            return web.json_response(body)
        tracking = str(params.get("tracking_id") or "")
        if len(tracking) > 48 or not tracking.isascii() or not tracking.isalnum():
            return await self._refuse(call, -201)  # "no special characters", ≤ 48
        call.result = {"msg_id": f"zns{next(self._serial)}"}
        await self._record(call)
        return web.json_response({"error": 0, "message": "Success", "data": call.result})

    async def _bot(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.bot_token:
            return _bot_error(401, "Unauthorized")
        method = request.match_info["method"]
        try:
            params = await request.json()
        except ValueError:
            params = {}
        call = ZaloCall(method, params if isinstance(params, dict) else {})
        fault = self._fault(method)
        if fault is not None:
            call.status = str(fault.status)
            await self._record(call)
            return _bot_error(fault.status, BOT_ERRORS.get(fault.status, "injected"))
        if method == "getUpdates":
            return await self._get_update(call)
        if method in ("sendMessage", "sendPhoto"):
            text = str(call.params.get("text") or call.params.get("caption") or "")
            if method == "sendMessage" and not 1 <= len(text) <= BOT_TEXT_LIMIT:
                call.status = "400"
                await self._record(call)
                return _bot_error(400, "text must be 1-2000 characters")
            if self._over_rate("bot", self.bot_rate_limit):
                call.status = "429"
                await self._record(call)
                return _bot_error(429, BOT_ERRORS[429])
            call.result = {
                "message_id": f"zbm{next(self._serial)}",
                "date": int(time.time() * 1000),
            }
        elif method == "getMe":
            call.result = {
                "id": "2441",
                "account_name": "Bot Trợ lý",
                "account_type": "BASIC",
                "can_join_groups": False,
            }
        elif method == "setWebhook":
            self.webhook_url = call.params.get("url")
            self.webhook_secret = call.params.get("secret_token")
            call.result = {"url": self.webhook_url}
        elif method == "deleteWebhook":
            self.webhook_url = None
            call.result = {"url": ""}
        else:
            call.result = True
        await self._record(call)
        return web.json_response({"ok": True, "result": call.result})

    async def _get_update(self, call: ZaloCall) -> web.Response:
        """One update per call; 408 when nothing came within the (shortened) timeout."""
        hold = min(float(call.params.get("timeout") or 0), self.poll_hold)
        deadline = time.monotonic() + hold
        async with self._changed:
            while not self._updates and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
            update = self._updates.pop(0) if self._updates else None
            call.status = "ok" if update else "408"
            call.result = update
            self.calls.append(call)
            self._changed.notify_all()
        if update is None:
            return _bot_error(408, "Request timeout")
        return web.json_response({"ok": True, "result": update})


def _attached_upload(params: dict[str, Any]) -> str | None:
    """The uploaded image's `attachment_id` or file's `token` a cs message sends, if any."""
    attachment = (params.get("message") or {}).get("attachment") or {}
    payload = attachment.get("payload") or {}
    if attachment.get("type") == "file":
        return str(payload.get("token") or "")
    for element in payload.get("elements") or []:
        if isinstance(element, dict) and element.get("attachment_id"):
            return str(element["attachment_id"])
    return None


def _bot_error(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )


def _oa_error(code: int) -> web.Response:
    """A refusal as Zalo answers it: HTTP 200, the code and message in the body."""
    return web.json_response({"error": code, "message": OA_ERRORS.get(code, "error")})


def _invalid_cs_message(message: Any, refuse_buttons: bool) -> int | None:
    """The error code a malformed consultation message gets (-201, -210), or None."""
    if not isinstance(message, dict):
        return -201
    text = message.get("text")
    attachment = message.get("attachment")
    if text is None and attachment is None:
        return -201
    if text is not None and (not isinstance(text, str) or not text):
        return -201
    if isinstance(text, str) and len(text) > OA_TEXT_LIMIT:
        return -210
    if attachment is None:
        return None
    payload = attachment.get("payload") if isinstance(attachment, dict) else None
    if not isinstance(payload, dict):
        return -201
    if attachment.get("type") == "file":  # docs "Gửi tin Tư vấn đính kèm file": an upload token
        return None if isinstance(payload.get("token"), str) and payload["token"] else -201
    if attachment.get("type") != "template":
        return -201
    if "buttons" in payload:
        buttons = payload["buttons"]
        if refuse_buttons or not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
            return -201
        for button in buttons:
            if (
                not isinstance(button, dict)
                or button.get("type") not in BUTTON_TYPES
                or not 1 <= len(str(button.get("title") or "")) <= 100
                or len(str(button.get("payload") or "")) > 1000
            ):
                return -201
        return None
    template = payload.get("template_type")
    elements = payload.get("elements")
    if template == "request_user_info":
        if not isinstance(elements, list) or len(elements) != 1:
            return -201
        form = elements[0]
        if not (
            isinstance(form, dict)
            and 1 <= len(str(form.get("title") or "")) <= 100
            and 1 <= len(str(form.get("subtitle") or "")) <= 500
            and str(form.get("image_url") or "").startswith(("http://", "https://"))
        ):
            return -201
        return None
    if template == "media" and isinstance(elements, list) and elements:
        return None
    return -201
