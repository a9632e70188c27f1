"""The hand-off's periodic pass in `serve` (like job-fair reminders: state in the
database, no timers in memory, safe with several processes).

Every pass:

* closes conversations quiet for `HANDOFF_QUIET_HOURS` (no message either way): the
  worker is told and goes back to the bot, the thread in the staff chat says so;
* ends the quiet time of conversations a Zalo OA admin began once it is over (the bot
  answers that user again);
* in the morning's first opening period, posts to the staff chat the conversations
  nobody has answered yet (once a day: the outbox key is the date).

Each conversation is changed in its own transaction, taking the worker's conversation
state row first and the conversation row second, as the worker's own turn does, and the
condition is checked again under the lock, so a message that arrives meanwhile keeps
the conversation open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import handoffs, outbox
from db.clock import utcnow
from db.models import HandoffConversation, User
from handlers import handoff_staff
from handlers.context import StaffRoute
from handlers.menu import MENU_BUTTONS
from handlers.types import Outgoing, Reply
from settings import Settings

log = logging.getLogger(__name__)

PASS_SECONDS = 60.0


async def run_once(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    staff: StaffRoute | None,
    now: datetime | None = None,
) -> int:
    """One pass; returns how many messages it queued."""
    now = now or utcnow()
    queued = 0
    quiet = now - timedelta(hours=settings.handoff_quiet_hours)
    async with sessions() as session:
        candidates = await handoffs.quiet_since(session, quiet)
        paused = await handoffs.pauses_ended(session, now)
    for conversation_id, worker_id in candidates:
        queued += await _close(sessions, conversation_id, worker_id, staff, now, quiet=quiet)
    for conversation_id, worker_id in paused:
        queued += await _close(sessions, conversation_id, worker_id, staff, now, quiet=None)
    if staff is not None and settings.centre_open_hours:
        queued += await _morning(sessions, settings, staff, now)
    return queued


async def _close(
    sessions: async_sessionmaker[AsyncSession],
    conversation_id: int,
    worker_id: int,
    staff: StaffRoute | None,
    now: datetime,
    quiet: datetime | None,
) -> int:
    """Close one conversation if it still qualifies (quiet since `quiet`, or — `quiet`
    None — its Zalo OA pause is over)."""
    async with sessions.begin() as session:
        state = await handoffs.lock_worker(session, worker_id)
        conversation = await handoffs.locked(session, conversation_id)
        if conversation is None or conversation.status != handoffs.OPEN:
            return 0
        if quiet is not None and conversation.last_activity_at >= quiet:
            return 0
        paused = conversation.paused_until
        if quiet is None and (paused is None or paused >= now or conversation.reason != "platform"):
            return 0
        worker = await session.get(User, worker_id)
        if worker is None:
            return 0
        handoffs.close(conversation, "im lặng lâu" if quiet is not None else "hết tạm dừng")
        handoffs.leave_flow(state)
        stamp = f"{conversation.closed_at:%Y%m%d%H%M%S}"
        queued = 0
        if quiet is not None:
            await _queue(
                session,
                f"handoff:{conversation.id}:quiet:{stamp}",
                Outgoing(
                    worker.channel,
                    worker.external_id,
                    Reply(handoff_staff.quiet_closed_text(), MENU_BUTTONS),
                    kind="relay",
                    user_id=worker.id,
                    conversation=conversation.id,
                ),
            )
            queued += 1
        note = handoff_staff.closed_note(conversation, worker, quiet is not None)
        if _threaded(conversation, staff):
            assert staff is not None
            await _queue(
                session,
                f"handoff:{conversation.id}:closed:{stamp}",
                Outgoing(
                    staff.channel,
                    staff.chat_key,
                    Reply(note),
                    kind="handoff",
                    user_id=worker.id,
                    thread=conversation.card_key,
                    conversation=conversation.id,
                ),
            )
            queued += 1
    return queued


def _threaded(conversation: HandoffConversation, staff: StaffRoute | None) -> bool:
    return (
        staff is not None
        and conversation.card_key is not None
        and (conversation.staff_channel, conversation.staff_chat) == (staff.channel, staff.chat_key)
    )


async def _morning(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    staff: StaffRoute,
    now: datetime,
) -> int:
    """Once in the morning's first opening period: the conversations nobody answered."""
    hours = settings.office_hours
    if not hours.first_period_of_day(now):
        return 0
    start = hours.current_period_start(now)
    assert start is not None
    opened_before = start.astimezone(UTC).replace(tzinfo=None)  # the database's naive UTC
    async with sessions.begin() as session:
        rows = await handoffs.waiting(session, opened_before)
        if not rows:
            return 0
        row_id = await _queue(
            session,
            f"handoff:morning:{start:%Y-%m-%d}",
            Outgoing(
                staff.channel,
                staff.chat_key,
                Reply(handoff_staff.morning_text(rows, now)),
                kind="handoff",
            ),
        )
    return 1 if row_id else 0


async def _queue(session: AsyncSession, key: str, message: Outgoing) -> int | None:
    return await outbox.enqueue(
        session,
        key=f"{key}:1",
        channel=message.channel,
        chat_key=message.chat_key,
        kind=message.kind,
        payload=message.payload(),
        user_id=message.user_id,
    )


async def run(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    staff: Callable[[], StaffRoute | None],
    stop: asyncio.Event,
    wake: Callable[[], None],
) -> None:
    """The loop of `serve`: a pass at start, then every minute."""
    while not stop.is_set():
        try:
            if await run_once(sessions, settings, staff()):
                wake()
        except Exception as exc:
            log.warning("hand-off pass failed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PASS_SECONDS)
