"""Staff groups Telegram moved to a new id (a group upgraded to a supergroup).

Telegram then refuses every send to the old id with 400 and `migrate_to_chat_id`, and
posts a service message with the same field in the old group. Either way (`moved`):

1. the move is kept in `setting_overrides` (`telegram.chat_moved:<old>` = new), so a
   restart with the old `CENTRE_CHAT_ID` still uses the new group;
2. the messages still queued for the old id (cards, reports) are moved to the new one;
3. the running settings and the staff route follow (`CENTRE_CHAT_ID`, `STAFF_CHAT_ROUTES`);
4. the operator is told: an ERROR in the log and a message in the new group, asking to
   put the new id in the configuration.

At start `load` applies the stored moves to the settings before anything reads them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import outbox
from db.clock import utcnow
from db.core import changed
from db.models import OutboxMessage, SettingOverride
from db.upsert import insert_ignore
from handlers.types import Reply
from settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "telegram"
PREFIX = "telegram.chat_moved:"
UNSENT = ("pending", "sending")


class ChatMoves:
    """The moves this deployment knows (old chat id → new), and what a new one changes."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        on_moved: Callable[[str, str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.on_moved = on_moved  # the process's own follow-up (staff route, wake the sender)
        self.moves: dict[str, str] = {}
        self._lock = asyncio.Lock()

    def resolve(self, chat: str) -> str:
        """The id a chat has now (following moves one after another)."""
        seen = {chat}
        while chat in self.moves and self.moves[chat] not in seen:
            chat = self.moves[chat]
            seen.add(chat)
        return chat

    async def load(self) -> None:
        """Apply the stored moves to the settings (at start, before they are read)."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(SettingOverride.name, SettingOverride.value)
                    .where(SettingOverride.name.startswith(PREFIX))
                    .order_by(SettingOverride.updated_at)
                )
            ).all()
        for name, value in rows:
            old = name.removeprefix(PREFIX)
            self.moves[old] = value
            if _apply(self.settings, old, value):
                log.warning(
                    "Telegram moved the staff group %s to %s (a supergroup); using %s. "
                    "Put the new id in the configuration (CENTRE_CHAT_ID / STAFF_CHAT_ROUTES).",
                    old,
                    value,
                    value,
                )

    async def moved(self, old: str, new: str) -> None:
        """Telegram says group `old` is now `new`: keep it, move its queue, tell the
        operator. Idempotent (both the refused send and the service message report it)."""
        async with self._lock:
            if self.moves.get(old) == new:
                return
            async with self.sessions.begin() as session:
                await _store(session, PREFIX + old, new)
                moved = await session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.channel == CHANNEL,
                        OutboxMessage.chat_key == old,
                        OutboxMessage.status.in_(UNSENT),
                    )
                    .values(chat_key=new)
                )
                await outbox.enqueue(
                    session,
                    key=f"chat-moved:{old}:{new}",
                    channel=CHANNEL,
                    chat_key=new,
                    kind="alert",
                    payload={"reply": Reply(_notice(old, new)).to_json()},
                )
            self.moves[old] = new
            _apply(self.settings, old, new)
        log.error(
            "Telegram upgraded the staff group %s to a supergroup with the id %s: %d queued "
            "messages moved there. Set CENTRE_CHAT_ID (or STAFF_CHAT_ROUTES) to %s; until "
            "then the stored move is used.",
            old,
            new,
            changed(moved),
            new,
        )
        if self.on_moved is not None:
            self.on_moved(old, new)


async def _store(session: AsyncSession, name: str, value: str) -> None:
    result = await session.execute(
        update(SettingOverride)
        .where(SettingOverride.name == name)
        .values(value=value, updated_at=utcnow())
    )
    if not changed(result):
        await session.execute(
            insert_ignore(
                session, SettingOverride, ["name"], name=name, value=value, updated_at=utcnow()
            )
        )


def _apply(settings: Settings, old: str, new: str) -> bool:
    """Point the settings that name `old` at `new`; whether any did."""
    changed = False
    if settings.centre_chat_id is not None and str(settings.centre_chat_id) == old:
        settings.centre_chat_id = int(new)
        changed = True
    routes = dict(settings.staff_chat_routes)
    for place, chat in routes.items():
        if str(chat) == old:
            routes[place] = int(new)
            changed = True
    settings.staff_chat_routes = routes
    return changed


def _notice(old: str, new: str) -> str:
    return (
        "⚠️ Telegram đã nâng cấp nhóm cán bộ thành siêu nhóm (mã nhóm mới "
        f"{new}, mã cũ {old}). Trợ lý đã chuyển sang nhóm này; các tin đang chờ đã được "
        f"chuyển theo.\nQuản trị viên hãy sửa cấu hình: CENTRE_CHAT_ID={new} "
        "(hoặc mã nhóm trong STAFF_CHAT_ROUTES)."
    )
