"""A fake Zalo server on 127.0.0.1: OA Open API v3 + OAuth v4 + ZNS + Bot Platform API.

One aiohttp app serves all four, so each base-URL setting points at it:

- OA: `POST /v3.0/oa/message/cs` (header `access_token`; an unknown or expired token
  answers `error: -216`; users in `closed_users` answer `-230`; an image or file must
  name an upload), `POST /v2.0/oa/upload/image` (JPG/PNG ≤ 1 MB → `attachment_id`) and
  `/v2.0/oa/upload/file` (PDF/DOC/DOCX ≤ 5 MB → `token`), as the docs describe them;
- OAuth: `POST /v4/oa/access_token` (header `secret_key`, form `refresh_token, app_id,
  grant_type`); the refresh token is single-use and rotates, a spent one is refused;
- ZNS: `POST /message/template`;
- Bot: `POST /bot{token}/{method}` (`getMe`, `getUpdates` one update per call and 408
  when nothing came, `setWebhook`, `deleteWebhook`, `sendMessage` ≤ 2,000 characters,
  `sendPhoto`, `sendChatAction`).

It records every call, signs OA events correctly (or not) and POSTs them to our
webhook, pushes Bot updates to polling or to the webhook (flat or wrapped in {ok,
result}), and injects faults on demand: a status or a Zalo error code for the next
calls, and an overall rate limit answered with 429.
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
        message = self.params.get("message") or {}
        attachment = message.get("attachment") or {}
        return list((attachment.get("payload") or {}).get("buttons") or [])


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
        self.refresh_token = "RT-0"  # the one refresh token that works now
        self.expires_in = "90000"
        self.refresh_delay = 0.0  # seconds OAuth takes (to overlap two refreshes)
        self.closed_users: set[str] = set()  # OA users outside the 7-day window
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
        """Every OA access token handed out so far stops working (-216)."""
        self.access_tokens.clear()

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
        else:
            event.update(sender={"id": user}, recipient={"id": OA_ID})
            event["message"] = {"msg_id": f"msg{next(self._serial)}", **(message or {})}
        return event

    def oa_text(self, user: str, text: str) -> dict[str, Any]:
        return self.oa_event("user_send_text", user, {"text": text})

    def oa_admin_text(
        self, user: str, text: str, admin_id: str | None = "4267886274574868951"
    ) -> dict[str, Any]:
        """`oa_send_text`: the OA wrote to `user`. From Zalo's OA chat tool the sender
        carries `admin_id`; for a send through the API (ours) it does not (docs: "Sự kiện
        Official Account gửi tin nhắn cho người dùng")."""
        sender: dict[str, Any] = {"id": OA_ID}
        if admin_id is not None:
            sender["admin_id"] = admin_id
        return {
            "app_id": self.app_id,
            "sender": sender,
            "recipient": {"id": user},
            "event_name": "oa_send_text",
            "message": {"text": text, "msg_id": f"oamsg{next(self._serial)}"},
            "user_id_by_app": f"app-{user}",
            "timestamp": str(int(time.time() * 1000) + next(self._serial)),
        }

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
                return web.json_response({"error": fault.error, "message": "injected"})
            return web.json_response({"error": -1, "message": "injected"}, status=fault.status)
        if token not in self.access_tokens:
            call.status = "-216"
            await self._record(call)
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        if call.user in self.closed_users:
            call.status = "-230"
            await self._record(call)
            return web.json_response(
                {"error": -230, "message": "User has not interacted with the OA in the past 7 days"}
            )
        if self._over_rate("oa", self.oa_rate_limit):
            call.status = "429"
            await self._record(call)
            return web.json_response({"error": -32, "message": "rate limit"}, status=429)
        text = call.text
        attached = _attached_upload(call.params)
        if attached is not None and attached not in self.uploads:
            call.status = "-201"
            await self._record(call)
            return web.json_response({"error": -201, "message": "attachment is invalid"})
        if len(text) > BOT_TEXT_LIMIT:
            call.status = "-201"
            await self._record(call)
            return web.json_response({"error": -201, "message": "text too long"})
        call.result = {"message_id": f"oamid{next(self._serial)}", "user_id": call.user}
        await self._record(call)
        return web.json_response({"error": 0, "message": "Success", "data": call.result})

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
        name = str(getattr(upload, "filename", "") or "")
        data = upload.file.read() if hasattr(upload, "file") else b""
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
        if call.token not in self.access_tokens:
            call.status = "-216"
            await self._record(call)
            return web.json_response({"error": -216, "message": "Access token is invalid"})
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
            return _bot_error(fault.status, "injected")
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
                return _bot_error(429, "Quota exceeded")
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
