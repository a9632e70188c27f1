"""Ingress: record an update, acknowledge it, then handle it under the user's lock.

    verify (adapter) → submit: write the inbox row and commit → platform gets its 200
    → process: load user and state, run the dialog, write state + outbox in one
      transaction → deliver the outbox rows

A duplicate update (same channel and key) is dropped at `submit`. Rows left pending by a
crash or an outage are handled by `recover`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import Channel, MediaSource
from bot.locks import KeyedLocks
from bot.metrics import Metrics
from bot.outbox import OutboxSender
from bot.splitting import split_text
from db import erasure, outbox, users
from db.clock import utcnow
from db.core import changed, table_of
from db.models import InboxUpdate, User
from db.recruiters import RegistryCache
from db.upsert import insert_ignore_statement
from db.users import State
from faq.service import FaqService
from handlers.context import Context, StaffRoute
from handlers.dialog import handle
from handlers.menu import contact_line
from handlers.registration import form
from handlers.types import Button, Incoming, Outgoing, Reply
from settings import Settings

log = logging.getLogger(__name__)

WORKING = 16  # updates handled concurrently (each one a transaction and a few sends)
# Seconds an album's item waits before it is handled, so the album's other items (which
# the platform sends as separate updates, within a second) are recorded and join it.
ALBUM_SETTLE = 1.5
APOLOGY_WINDOW = 600.0  # seconds: one outage apology per chat
_INBOX = table_of(InboxUpdate)
# Built once (a Core statement keeps its cache key); the SET values come as parameters.
TAKE_UPDATE = update(_INBOX).where(_INBOX.c.id == bindparam("row_id"), _INBOX.c.status == "pending")


class InboxProcessor:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        channels: Mapping[str, Channel],
        sender: OutboxSender,
        faq: FaqService | None = None,
        staff: StaffRoute | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.sessions = sessions
        self.channels = channels
        self.sender = sender
        self.faq = faq
        self.staff = staff
        self.bot_username: str | None = None
        self.registry = RegistryCache()
        self._locks = KeyedLocks()
        self._apologised: dict[tuple[str, str], float] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._working = asyncio.Semaphore(WORKING)
        self.album_settle = ALBUM_SETTLE

    # --- ingress ---------------------------------------------------------------
    async def submit(self, incoming: Incoming, wait: bool = False) -> bool:
        """Record the update durably; False when it was seen before (a redelivery).

        Raises if the database cannot record it: the caller must then NOT acknowledge
        the platform, so the platform delivers it again. The sender is told once (per
        outage window) that the answer will come later.
        """
        try:
            inbox_id = await self._record(incoming)
        except Exception:
            self.metrics.errors.labels("inbox").inc()
            self._spawn(self._apologise_unrecorded(incoming))
            raise
        if inbox_id is None:
            log.info("duplicate update %s/%s dropped", incoming.channel, incoming.update_key)
            self.metrics.duplicates.labels(incoming.channel).inc()
            return False
        self.metrics.updates.labels(incoming.channel).inc()
        work = self.process(inbox_id, incoming)
        if wait:
            await work
        else:
            self._spawn(work)
        return True

    async def _record(self, incoming: Incoming) -> int | None:
        """The inbox row's id, or None for an update recorded before."""
        async with self.sessions.begin() as session:
            stmt = insert_ignore_statement(
                session.get_bind().dialect.name,
                _INBOX,
                ("channel", "update_key"),
                "id",
            )
            values = {
                "channel": incoming.channel,
                "update_key": incoming.update_key,
                "user_key": incoming.user_key,
                "payload": incoming.to_json(),
                "status": "pending",
                "received_at": utcnow(),
            }
            return (await session.execute(stmt, values)).scalar()

    async def _apologise_unrecorded(self, incoming: Incoming) -> None:
        """The database is down: say so directly (not through the outbox, which is in the
        database), at most once per chat in APOLOGY_WINDOW; the platform redelivers."""
        now = time.monotonic()
        chat = (incoming.channel, incoming.chat)
        self._apologised = {k: t for k, t in self._apologised.items() if now - t < APOLOGY_WINDOW}
        channel = self.channels.get(incoming.channel)
        if chat in self._apologised or channel is None:
            return
        self._apologised[chat] = now
        text = (
            "Xin lỗi, hệ thống đang tạm gián đoạn. Tin nhắn của bạn sẽ được trả lời "
            "khi hệ thống hoạt động lại.\nNếu 15 phút nữa chưa có trả lời, bạn gửi lại giúp nhé."
        )
        for attempt in range(2):
            try:
                await channel.send(incoming.chat, Reply(text))
                return
            except Exception as exc:
                log.warning("could not tell %s about the outage: %s", incoming.channel, exc)
                await asyncio.sleep(1.0 + attempt)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._bounded(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _bounded(self, work: Coroutine[Any, Any, None]) -> None:
        """At most WORKING updates are handled at once; the rest wait (already recorded),
        so a burst does not slow down the acknowledgement of the next webhook request."""
        async with self._working:
            await work

    async def drain(self) -> None:
        """Wait for the updates being handled (clean shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def recover(self, older_than: float = 0.0) -> int:
        """Handle updates recorded but never handled (crash, outage). Returns how many."""
        cutoff = utcnow() - timedelta(seconds=older_than)
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(InboxUpdate.id, InboxUpdate.payload)
                    .where(InboxUpdate.status == "pending", InboxUpdate.received_at <= cutoff)
                    .order_by(InboxUpdate.id)
                )
            ).all()
        for inbox_id, payload in rows:
            await self.process(inbox_id, Incoming.from_json(payload))
        if rows:
            log.info("recovered %d pending updates", len(rows))
        return len(rows)

    # --- handling --------------------------------------------------------------
    async def process(self, inbox_id: int, incoming: Incoming) -> None:
        if incoming.media_group and not incoming.album:
            await asyncio.sleep(self.album_settle)  # let the album's other items arrive
        started = time.perf_counter()
        result = "ok"
        async with self._locks.hold(f"{incoming.channel}:{incoming.user_key}"):
            claimed: list[Any] = []
            ids: list[int] = []
            try:
                claimed = await self._handle_in_transaction(inbox_id, incoming)
            except Exception:
                log.exception("update %s failed", inbox_id)
                self.metrics.errors.labels("handler").inc()
                result = "failed"
                ids = await self._apologise(inbox_id, incoming)
            try:
                await self.sender.send_claimed(claimed)
                await self.sender.deliver(ids)
            except Exception:
                log.exception("delivery of update %s replies deferred to the worker", inbox_id)
                self.metrics.errors.labels("delivery").inc()
                self.sender.wake()
        self.metrics.handled.labels(incoming.channel, result).inc()
        self.metrics.latency.labels(incoming.channel).observe(time.perf_counter() - started)

    async def _handle_in_transaction(self, inbox_id: int, incoming: Incoming) -> list[Any]:
        """Handle the update in one transaction; returns its outbox rows, already claimed
        for sending by this process in the same transaction (one commit less than claiming
        after it; rows that must wait behind an earlier one of their chat are left to the
        worker, exactly as a claim after the commit would)."""
        async with self.sessions.begin() as session:
            # Take the update (a row lock on PostgreSQL): a second handler of the same row,
            # on another replica or in recovery, finds it no longer pending. The mark is
            # rolled back with everything else if the handler fails.
            taken = await session.execute(
                TAKE_UPDATE, {"row_id": inbox_id, "status": "done", "handled_at": utcnow()}
            )
            if changed(taken) != 1:
                return []
            if incoming.media_group:
                incoming = await _gather_album(session, inbox_id, incoming)
            if incoming.following is not None:  # blocked / unblocked, unfollow / follow
                await users.set_following(
                    session, incoming.channel, incoming.user_key, incoming.following
                )
                if not _says_anything(incoming):
                    return []
            user, state = await users.begin_turn(
                session,
                incoming.channel,
                incoming.user_key,
                incoming.display_name,
                # A Zalo OA admin writing to the user is not the user writing to us.
                seen=incoming.operator is None,
            )
            if user.blocked_at is not None and incoming.chat == incoming.user_key:
                # They wrote to us in their own chat: they can be written to again.
                user.blocked_at = None
            channel = self.channels.get(incoming.channel)
            incoming = _pressed(incoming, state, channel)
            ctx = Context(
                settings=self.settings,
                session=session,
                user=user,
                state=state,
                faq=self.faq,
                registry=self.registry,
                staff=self.staff,
                bot_username=self.bot_username,
                in_staff_chat=self._in_staff_chat(incoming),
                channel_limits={name: c.limits for name, c in self.channels.items()},
                **_capabilities(channel, incoming),
            )
            replies = await handle(ctx, incoming)
            answers = await self._queue_replies(
                session, inbox_id, incoming, state, channel, replies
            )
            ids = answers + await self._queue_outgoing(session, inbox_id, ctx.outgoing)
            if ctx.forget_user:
                await self._forget(session, user, answers)
            else:
                await users.save_state(session, state)
            claimed = (
                await outbox.claim(session, ids, limit=len(ids), by=self.sender.instance)
                if ids
                else []
            )
        self.metrics.observe_events(ctx.events)
        return claimed

    def _in_staff_chat(self, incoming: Incoming) -> bool:
        """The centre's staff chat, or one of the chats registrations are routed to."""
        if self.staff is None or incoming.channel != self.staff.channel:
            return False
        routed = {str(chat) for chat in self.settings.staff_chat_routes.values()}
        return incoming.chat == self.staff.chat_key or incoming.chat in routed

    async def _forget(self, session: AsyncSession, user: User, keep: list[int]) -> None:
        """Erasure on request (`/xoadulieu`, Zalo's `user_withdraw`): see `db/erasure.py`.
        `keep`: this turn's replies, still sent to them."""
        staff = erasure.staff_keys(self.settings, self.staff.chat_key if self.staff else None)
        await erasure.erase_user(
            session, user, personal=form.PERSONAL_COLUMNS, staff=staff, keep=keep
        )

    async def _queue_replies(
        self,
        session: AsyncSession,
        inbox_id: int,
        incoming: Incoming,
        state: State,
        channel: Channel | None,
        replies: list[Reply],
    ) -> list[int]:
        """Queue the replies as the channel shows them (buttons, or choices numbered on
        across the turn's replies), and remember the buttons' actions in order, so a typed
        number can press one (`Channel.choose`)."""
        actions: list[str] = []
        ids: list[int] = []
        for n, reply in enumerate(replies, start=1):
            shown = channel.render(reply, start=len(actions) + 1) if channel else reply
            actions.extend(b.action for b in reply.buttons)
            message = Outgoing(
                incoming.channel, incoming.chat, shown, kind="reply", user_id=state.user_id
            )
            ids += await self._enqueue(session, f"u{inbox_id}:r{n}", message)
        if replies:
            state.buttons = actions
        return ids

    async def _queue_outgoing(
        self, session: AsyncSession, inbox_id: int, outgoing: list[Outgoing]
    ) -> list[int]:
        ids: list[int] = []
        for n, message in enumerate(outgoing, start=1):
            channel = self.channels.get(message.channel)
            if channel is not None and not channel.limits.buttons and message.reply.buttons:
                # Numbers would need the recipient's state, which is not ours to set.
                message = replace(message, reply=replace(message.reply, buttons=()))
            ids += await self._enqueue(session, message.key or f"u{inbox_id}:o{n}", message)
        return ids

    async def _enqueue(self, session: AsyncSession, key: str, message: Outgoing) -> list[int]:
        """Queue one message, split at the channel's limit (buttons on the last part)."""
        channel = self.channels.get(message.channel)
        limit = channel.limits.max_text if channel else 4096
        ids: list[int] = []
        for part_no, part in enumerate(_parts(message.reply, limit), start=1):
            row_id = await outbox.enqueue(
                session,
                key=f"{key}:{part_no}",
                channel=message.channel,
                chat_key=message.chat_key,
                kind=message.kind,
                payload=message.payload(part, first=part_no == 1),
                user_id=message.user_id,
            )
            if row_id is not None:
                ids.append(row_id)
        return ids

    async def _apologise(self, inbox_id: int, incoming: Incoming) -> list[int]:
        """The handler failed: say sorry (never a stack trace) and keep the update."""
        text = (
            "Xin lỗi, hệ thống đang gặp trục trặc. Tin nhắn của bạn đã được lưu lại.\n"
            "Bạn thử lại sau ít phút nhé.\n" + contact_line(self.settings)
        )
        try:
            async with self.sessions.begin() as session:
                row = await session.get(InboxUpdate, inbox_id)
                if row is not None:
                    row.status = "failed"
                    row.handled_at = utcnow()
                row_id = await outbox.enqueue(
                    session,
                    key=f"u{inbox_id}:error",
                    channel=incoming.channel,
                    chat_key=incoming.chat,
                    kind="reply",
                    payload={
                        "reply": Reply(text, (Button("🏠 Về menu chính", "menu:main"),)).to_json()
                    },
                )
            return [row_id] if row_id else []
        except Exception:
            # The database itself is down: the update stays pending and `recover` retries it.
            log.exception("could not record the failure of update %s", inbox_id)
            return []


def _capabilities(channel: Channel | None, incoming: Incoming) -> dict[str, Any]:
    """What the dialog knows of the sender's channel (Context fields)."""
    if channel is None:
        return {}
    return {
        "limits": channel.limits,
        "channel_title": channel.title,
        "staff_member": channel.is_staff(incoming.user_key),
        "download": channel.download if isinstance(channel, MediaSource) else None,
    }


async def _gather_album(session: AsyncSession, inbox_id: int, incoming: Incoming) -> Incoming:
    """The album this item belongs to, as one message: the other items of the same album
    still pending in the inbox are taken with it (marked done in this transaction, so
    their own turn finds nothing to do). `media` is the first item, carrying the album's
    caption; `album` holds every item in the order they were received."""
    rows = (
        await session.execute(
            select(InboxUpdate.id, InboxUpdate.payload)
            .where(
                InboxUpdate.channel == incoming.channel,
                InboxUpdate.user_key == incoming.user_key,
                InboxUpdate.status == "pending",
                InboxUpdate.id != inbox_id,
            )
            .order_by(InboxUpdate.id)
        )
    ).all()
    items = [(inbox_id, incoming)]
    for row_id, payload in rows:
        other = Incoming.from_json(payload)
        if other.media_group != incoming.media_group or other.media is None:
            continue
        taken = await session.execute(
            TAKE_UPDATE, {"row_id": row_id, "status": "done", "handled_at": utcnow()}
        )
        if changed(taken) == 1:
            items.append((row_id, other))
    if len(items) == 1 or incoming.media is None:
        return incoming
    items.sort(key=lambda item: item[0])
    media = [item.media for _, item in items if item.media is not None]
    caption = next((m.caption for m in media if m.caption), None)
    first = items[0][1]
    return replace(first, media=replace(media[0], caption=caption), album=tuple(media))


def _says_anything(incoming: Incoming) -> bool:
    return any((incoming.text, incoming.action, incoming.contact, incoming.media))


def _pressed(incoming: Incoming, state: State, channel: Channel | None) -> Incoming:
    """A typed message that picks one of the buttons last shown (on text-only channels a
    number) becomes that button's press."""
    if channel is None or incoming.action or not incoming.text:
        return incoming
    action = channel.choose(incoming.text, state.buttons or [])
    return incoming if action is None else replace(incoming, text=None, action=action)


def _parts(reply: Reply, limit: int) -> list[Reply]:
    chunks = split_text(reply.text, limit) or [reply.text or "…"]
    last = len(chunks) - 1
    return [
        reply if len(chunks) == 1 else
        replace(reply, text=chunk) if i == last else
        Reply(chunk)
        for i, chunk in enumerate(chunks)
    ]  # fmt: skip
