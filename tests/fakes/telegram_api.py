"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests.

The real python-telegram-bot `Application` talks HTTP to it (via `base_url`). It records
every call, queues updates for getUpdates (long polling), pushes updates to a registered
webhook with the secret header, serves files (`getFile`, then the file URL), refuses a
reply to a message it does not know unless `allow_sending_without_reply` (as Telegram
does), and answers 429 / 5xx / 403 on demand.

Refusals as Telegram words them: 403 "Forbidden: bot was blocked by the user" for
`blocked_chats`, 403 "Forbidden: bot was kicked from the supergroup chat" for
`kicked_chats`, and 400 "Bad Request: group chat was upgraded to a supergroup chat" with
`parameters.migrate_to_chat_id` for `migrated_chats` (old id → new id). The update
builders cover the shapes of the robustness review: contacts (own, someone else's, a
phone-book card without `user_id`), anonymous admins (`sender_chat`), albums
(`media_group_id`), round videos, the supergroup migration service message, groups the
bot is merely in, `my_chat_member` of a group, and an update the library cannot parse.

For broadcast tests it can also enforce Telegram's limits (all off by default): an
overall rate (`rate_limit` sends a second, `rate_burst` at once) and one message per
`per_chat_interval` per chat, answered with 429 and `retry_after` when exceeded; answer
403 for `blocked_chats`; and `sprinkle` random faults. `duplicates()` counts messages
accepted twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

BOT_USER = {"id": 999000, "is_bot": True, "first_name": "Trợ lý", "username": "test_assistant_bot"}
JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
    "media",
}
# Where `_params` keeps the bytes of uploaded files, by field (kept out of `Call.params`'s
# other keys).
UPLOADS = "_uploads"
# What a send of a file answers with, by method: the message's field and its file kind.
FILE_FIELDS = {"sendVoice": "voice", "sendAudio": "audio", "sendDocument": "document"}
SEND_METHODS = {
    "sendMessage": "text",
    "sendPhoto": "photo",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendDocument": "document",
    "sendVideoNote": "video_note",
    "sendLocation": "latitude",
    "sendMediaGroup": "media",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> str:
        return str(self.params.get("chat_id"))

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def message_id(self) -> int:
        result = self.result[0] if isinstance(self.result, list) else self.result
        return int(result["message_id"])

    @property
    def media(self) -> list[str]:
        """The file ids of a sendMediaGroup call (an album)."""
        items = self.params.get("media") or []
        return [str(item.get("media")) for item in items if isinstance(item, dict)]

    @property
    def replying_to(self) -> int | None:
        """The message this one was sent as a reply to (`reply_parameters`)."""
        parameters = self.params.get("reply_parameters") or {}
        found = parameters.get("message_id") if isinstance(parameters, dict) else None
        return int(found) if found is not None else None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or []
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"
ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


@dataclass
class Fault:
    status: int
    retry_after: int | None = None
    description: str = ""
    times: int = 1
    migrate_to: int | None = None


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-token", seed: int = 0) -> None:
        self.token = token
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._faults: dict[str, list[Fault]] = {}
        # Sends to these chats fail with 502 (a chat that cannot be reached for a while).
        self.unreachable_chats: set[str] = set()
        # Sends to these chats fail with 403 (the user blocked the bot).
        self.blocked_chats: set[str] = set()
        # Groups the bot was removed from (403 "kicked"), and groups upgraded to a
        # supergroup: old id → new id (400 with migrate_to_chat_id).
        self.kicked_chats: set[str] = set()
        self.migrated_chats: dict[str, int] = {}
        # Telegram's limits, enforced when set: sends a second overall (at most
        # `rate_burst` at once) and seconds between two messages to one chat.
        self.rate_limit: float | None = None
        self.rate_burst: float = 1.0
        self.per_chat_interval: float | None = None
        self.enforced_429 = 0  # 429s answered because a limit above was exceeded
        self.enforced_by: Counter[str] = Counter()  # the same, by limit ("chat", "rate")
        self._tat = 0.0  # theoretical arrival time of the next send (GCRA)
        self._chat_last: dict[str, float] = {}
        self._sprinkles: list[tuple[float, Fault]] = []
        self._rng = random.Random(seed)
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        # The next N calls of a method get no answer for `stall_seconds` (a client timeout).
        self._stalls: list[list[Any]] = []  # [method, chat or None, times]
        self.stall_seconds = 30.0
        self.stalled = 0  # requests that got no answer in time
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Files the bot may download (getFile, then the file URL), by file id.
        self.files: dict[str, tuple[str, bytes]] = {}
        # File ids this bot cannot send (another bot token's): 400 "wrong file identifier".
        self.foreign_files: set[str] = set()
        # Users whose privacy settings refuse voice messages (400 VOICE_MESSAGES_FORBIDDEN).
        self.no_voice_chats: set[str] = set()
        self._chat_messages: dict[str, set[int]] = {}  # message ids seen in each chat

    # --- server lifecycle ------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)  # Telegram takes 50 MB
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._stopping.set()
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # --- control ---------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        status: int,
        retry_after: int | None = None,
        times: int = 1,
        description: str = "",
    ) -> None:
        """Answer the next `times` calls of `method` with an error."""
        self._faults.setdefault(method, []).append(Fault(status, retry_after, description, times))

    def stall_next(self, method: str, times: int = 1, chat_id: int | str | None = None) -> None:
        """Leave the next `times` calls of `method` (to `chat_id`, when given) unanswered
        for `stall_seconds`, then answer 504: the client times out, nothing is sent."""
        self._stalls.append([method, None if chat_id is None else str(chat_id), times])

    def _take_stall(self, method: str, params: dict[str, Any]) -> bool:
        for stall in self._stalls:
            if stall[0] == method and stall[1] in (None, str(params.get("chat_id"))):
                stall[2] -= 1
                if stall[2] <= 0:
                    self._stalls.remove(stall)
                return True
        return False

    def sprinkle(self, status: int, probability: float, retry_after: int | None = None) -> None:
        """Answer each send with `status` at random, with this probability (seeded)."""
        self._sprinkles.append((probability, Fault(status, retry_after)))

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates."""
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    def message_update(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        name: str = "Lò Văn A",
        reply_to: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        chat = chat_id if chat_id is not None else user_id
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {
                "id": chat,
                "type": "private" if chat == user_id else "group",
                "title": None if chat == user_id else "Cán bộ",
            },
            "from": {"id": user_id, "is_bot": False, "first_name": name},
            **extra,
        }
        if text is not None:
            message["text"] = text
        self._chat_messages.setdefault(str(chat), set()).add(message["message_id"])
        if reply_to is not None:
            message["reply_to_message"] = {
                "message_id": reply_to,
                "date": int(time.time()),
                "chat": message["chat"],
                "from": BOT_USER,
                "text": "…",
            }
        return {"update_id": next(self._update_ids), "message": message}

    def callback_update(
        self, user_id: int, data: str, message_id: int = 1, chat_id: int | None = None
    ) -> dict[str, Any]:
        chat = user_id if chat_id is None else chat_id
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": f"cb{next(self._update_ids)}",
                "from": {"id": user_id, "is_bot": False, "first_name": "Lò Văn A"},
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat, "type": "private" if chat == user_id else "group"},
                    "from": BOT_USER,
                    "text": "…",
                },
            },
        }

    def contact_update(
        self, user_id: int, phone: str, owner: int | None, name: str = "Lò Văn A"
    ) -> dict[str, Any]:
        """A shared contact: `owner` is the contact's Telegram user id (the sender's own
        when they pressed «Gửi số điện thoại của tôi»), None for a phone-book card."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": name}
        if owner is not None:
            contact["user_id"] = owner
        return self.message_update(user_id, contact=contact)

    def anonymous_admin_update(
        self, chat_id: int, text: str, reply_to: int | None = None, signature: str | None = None
    ) -> dict[str, Any]:
        """A message from an admin who posts as the group (`from` = @GroupAnonymousBot,
        `sender_chat` = the group itself)."""
        update = self.message_update(
            int(str(ANONYMOUS_ADMIN["id"])), text, chat_id=chat_id, reply_to=reply_to
        )
        message = update["message"]
        message["from"] = dict(ANONYMOUS_ADMIN)
        message["chat"] = {"id": chat_id, "type": "supergroup", "title": "Cán bộ"}
        message["sender_chat"] = {"id": chat_id, "type": "supergroup", "title": "Cán bộ"}
        if signature:
            message["author_signature"] = signature
        return update

    def album_updates(
        self, user_id: int, file_ids: list[str], caption: str | None = None, group: str = "1"
    ) -> list[dict[str, Any]]:
        """A media album: one update per photo, one `media_group_id`, the caption on the
        first photo only (as Telegram sends them)."""
        updates = []
        for n, file_id in enumerate(file_ids):
            photo = [{"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 800,
                      "height": 600}]  # fmt: skip
            extra: dict[str, Any] = {"photo": photo, "media_group_id": group}
            if n == 0 and caption:
                extra["caption"] = caption
            updates.append(self.message_update(user_id, **extra))
        return updates

    def video_note_update(self, user_id: int, file_id: str = "DQACvideonote") -> dict[str, Any]:
        note = {"file_id": file_id, "file_unique_id": "vn1", "length": 240, "duration": 5}
        return self.message_update(user_id, video_note=note)

    def migrated_update(self, old_chat: int, new_chat: int) -> dict[str, Any]:
        """The service message in a group Telegram upgraded to a supergroup."""
        update = self.message_update(7001, chat_id=old_chat, migrate_to_chat_id=new_chat)
        update["message"]["chat"] = {"id": old_chat, "type": "group", "title": "Cán bộ"}
        return update

    def group_member_update(self, chat_id: int, status: str, by: int = 7001) -> dict[str, Any]:
        """`my_chat_member` of a group: the bot was removed ("kicked", "left") or added
        ("member", "administrator")."""
        old = "member" if status in ("kicked", "left") else "left"
        person = {"id": by, "is_bot": False, "first_name": "Cán bộ"}
        return {
            "update_id": next(self._update_ids),
            "my_chat_member": {
                "chat": {"id": chat_id, "type": "supergroup", "title": "Cán bộ"},
                "from": person,
                "date": int(time.time()),
                "old_chat_member": {"user": BOT_USER, "status": old},
                "new_chat_member": {"user": BOT_USER, "status": status, "until_date": 0},
            },
        }

    def unparsable_update(self, user_id: int) -> dict[str, Any]:
        """A poll sent by the worker in the shape before Bot API 9.6 (no `persistent_id`):
        valid JSON that python-telegram-bot 22.8 refuses to parse."""
        poll = {"id": "5", "question": "Đi Hàn hay đi Nhật?", "total_voter_count": 0,
                "options": [{"text": "Hàn", "voter_count": 0}, {"text": "Nhật", "voter_count": 0}],
                "is_closed": False, "is_anonymous": True, "type": "regular",
                "allows_multiple_answers": False}  # fmt: skip
        return self.message_update(user_id, poll=poll)

    def member_update(self, user_id: int, status: str) -> dict[str, Any]:
        """The user blocked the bot (`status` "kicked") or unblocked it ("member"), as
        Telegram tells a bot in a `my_chat_member` update of their private chat."""
        old = "member" if status == "kicked" else "kicked"
        person = {"id": user_id, "is_bot": False, "first_name": "Lò Văn A"}
        return {
            "update_id": next(self._update_ids),
            "my_chat_member": {
                "chat": {"id": user_id, "type": "private", "first_name": "Lò Văn A"},
                "from": person,
                "date": int(time.time()),
                "old_chat_member": {"user": BOT_USER, "status": old, "until_date": 0},
                "new_chat_member": {"user": BOT_USER, "status": status, "until_date": 0},
            },
        }

    async def deliver_webhook(
        self, update: dict[str, Any] | bytes, secret: str | None = None
    ) -> int:
        """POST an update to the registered webhook, as Telegram would; returns the status."""
        assert self.webhook_url, "no webhook registered"
        headers = {"Content-Type": "application/json"}
        token = self.webhook_secret if secret is None else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        async with aiohttp.ClientSession() as session:
            async with session.post(self.webhook_url, data=body, headers=headers) as response:
                return response.status

    # --- assertions ------------------------------------------------------------
    def sent(self, chat_id: int | str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method in SEND_METHODS and (chat_id is None or c.chat_id == str(chat_id))
        ]

    def duplicates(self) -> int:
        """Messages accepted more than once (same chat, same text): the extra copies."""
        seen = Counter((c.chat_id, c.text) for c in self.sent())
        return sum(n - 1 for n in seen.values() if n > 1)

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    texts = [f"{c.method} {c.chat_id}: {c.text[:80]!r}" for c in self.calls]
                    raise AssertionError(f"timed out waiting for {what}; calls: {texts}")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    continue

    async def wait_sent(self, chat_id: int | str, count: int, timeout: float = 10.0) -> list[Call]:
        await self.wait_for(
            lambda: len(self.sent(chat_id)) >= count, timeout, f"{count} messages to {chat_id}"
        )
        return self.sent(chat_id)

    # --- the API ---------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        if self._stalls and self._take_stall(method, params):
            async with self._changed:
                self.stalled += 1
                self._changed.notify_all()
            with contextlib.suppress(TimeoutError):  # until the client gave up, or we stop
                await asyncio.wait_for(self._stopping.wait(), self.stall_seconds)
            return _fault(Fault(504))
        if method in SEND_METHODS and str(params.get("chat_id")) in self.unreachable_chats:
            async with self._changed:
                self.calls.append(Call(f"{method}!502", params))
                self._changed.notify_all()
            return _fault(Fault(502))
        faults = self._faults.get(method)
        if faults:
            fault = faults[0]
            fault.times -= 1
            if fault.times <= 0:
                faults.pop(0)
            async with self._changed:
                self.calls.append(Call(f"{method}!{fault.status}", params))
                self._changed.notify_all()
            return _fault(fault)
        refusal = self._refusal(params) if method in SEND_METHODS else None
        if refusal is None and params.get(FILE_FIELDS.get(method, "")) in self.foreign_files:
            refusal = Fault(
                400, description="Bad Request: wrong file identifier/HTTP URL specified"
            )
        if (
            refusal is None
            and method == "sendVoice"
            and str(params.get("chat_id")) in (self.no_voice_chats)
        ):
            refusal = Fault(400, description="Bad Request: VOICE_MESSAGES_FORBIDDEN")
        if refusal is None and method in SEND_METHODS:
            refusal = self._missing_reply(params)
        if refusal is not None:
            async with self._changed:
                self.calls.append(Call(f"{method}!{refusal.status}", params))
                self._changed.notify_all()
            return _fault(refusal)
        if method == "getUpdates":
            return await self._get_updates(params)
        result = self._result(method, params)
        async with self._changed:
            self.calls.append(Call(method, params, result))
            self._changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    def _missing_reply(self, params: dict[str, Any]) -> Fault | None:
        """Telegram refuses a reply to a message not in the chat, unless told to send
        it anyway."""
        wanted = params.get("reply_parameters")
        if not isinstance(wanted, dict) or wanted.get("allow_sending_without_reply"):
            return None
        known = self._chat_messages.get(str(params.get("chat_id")), set())
        if int(wanted.get("message_id", 0)) in known:
            return None
        return Fault(400, description="Bad Request: message to be replied not found")

    async def _file(self, request: web.Request) -> web.Response:
        """A file's bytes at `{base_file_url}/{file_path}`, as api.telegram.org serves them."""
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        for stored_path, data in self.files.values():
            if stored_path == path:
                async with self._changed:
                    self.calls.append(Call("file", {"path": path}))
                    self._changed.notify_all()
                return web.Response(body=data)
        return _error(404, "Not Found")

    def _file_sent(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The file object of a sent voice note, audio or document, as Telegram answers
        it: an upload gets a new file id (and can be fetched back), a file id is reused."""
        field = FILE_FIELDS[method]
        given = params.get(field)
        upload = (params.get(UPLOADS) or {}).get(field)
        if upload is not None:
            file_id = f"UP-{field}-{next(self._message_ids)}"
            self.files[file_id] = (f"{field}/{file_id}", upload)
        else:
            file_id = str(given)
        info: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
        if field != "document":
            info["duration"] = 1
        return info

    def add_file(self, file_id: str, path: str, data: bytes) -> None:
        """A file a user sent, which the bot may download."""
        self.files[file_id] = (path, data)

    def _refusal(self, params: dict[str, Any]) -> Fault | None:
        """The optional blocking, random faults and limits, in that order."""
        chat = str(params.get("chat_id"))
        if chat in self.blocked_chats:
            return Fault(403)
        if chat in self.kicked_chats:
            return Fault(403, description="Forbidden: bot was kicked from the supergroup chat")
        if chat in self.migrated_chats:
            return Fault(400, description=MIGRATED, migrate_to=self.migrated_chats[chat])
        for probability, fault in self._sprinkles:
            if self._rng.random() < probability:
                return fault
        now = time.monotonic()
        if self.per_chat_interval is not None and chat in self._chat_last:
            since = now - self._chat_last[chat]
            if since < self.per_chat_interval:
                self.enforced_429 += 1
                self.enforced_by[f"chat {since:.3f}s"] += 1
                return Fault(429, max(1, math.ceil(self.per_chat_interval - since)))
        if self.rate_limit is not None:
            interval = 1.0 / self.rate_limit
            tolerance = (max(1.0, self.rate_burst) - 1.0) * interval
            due = max(self._tat, now)
            if due - now > tolerance + 1e-9:
                self.enforced_429 += 1
                self.enforced_by["rate"] += 1
                return Fault(429, max(1, math.ceil(due - tolerance - now)))
            self._tat = due + interval
        if self.per_chat_interval is not None:
            self._chat_last[chat] = now
        return None

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 0.5)
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
            batch = list(self._updates[: int(params.get("limit") or 100)])
        return web.json_response({"ok": True, "result": batch})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                **BOT_USER,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "setWebhook":
            self.webhook_url = params.get("url")
            self.webhook_secret = params.get("secret_token")
            return True
        if method == "deleteWebhook":
            self.webhook_url = None
            return True
        if method == "getFile":
            file_id = str(params.get("file_id"))
            path, data = self.files.get(file_id, (f"documents/{file_id}", b""))
            return {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(data),
                "file_path": path,
            }
        if method == "getWebhookInfo":
            return {
                "url": self.webhook_url or "",
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        if method == "sendMediaGroup":
            return [
                self._result("sendPhoto", {"chat_id": params["chat_id"]})
                for _ in params.get("media") or []
            ]
        if method in SEND_METHODS:
            chat_id = int(params["chat_id"])
            message: dict[str, Any] = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": BOT_USER,
            }
            self._chat_messages.setdefault(str(chat_id), set()).add(message["message_id"])
            if method == "sendMessage":
                message["text"] = params.get("text", "")
            elif params.get("caption"):
                message["caption"] = params["caption"]
            if method in FILE_FIELDS:
                message[FILE_FIELDS[method]] = self._file_sent(method, params)
            return message
        return True


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        raw = await request.json()
        return dict(raw) if isinstance(raw, dict) else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if not isinstance(value, str):
            params[key] = "<file>"
            data = value if isinstance(value, bytes | bytearray) else value.file.read()
            params.setdefault(UPLOADS, {})[key] = bytes(data)
        elif key in JSON_FIELDS:
            params[key] = json.loads(value)
        else:
            params[key] = value
    params.update({k: v for k, v in request.query.items() if k not in params})
    return params


def _error(code: int, description: str, **extra: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    body.update(extra)
    return web.json_response(body, status=code)


def _fault(fault: Fault) -> web.Response:
    if fault.status == 429:
        retry = fault.retry_after or 1
        return _error(
            429, f"Too Many Requests: retry after {retry}", parameters={"retry_after": retry}
        )
    if fault.status == 403:
        return _error(403, fault.description or "Forbidden: bot was blocked by the user")
    if fault.status == 400 and fault.migrate_to is not None:
        return _error(400, fault.description, parameters={"migrate_to_chat_id": fault.migrate_to})
    if fault.status == 400:
        return _error(400, fault.description or "Bad Request: chat not found")
    return _error(fault.status, fault.description or "Bad Gateway")
