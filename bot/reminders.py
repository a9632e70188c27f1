"""Job-fair reminders, scheduled in the database (no in-memory timers).

Every pass takes the due `fair_interests` rows, marks them reminded and queues the
reminder in the outbox in the same transaction: a crash either does both or neither, so
a reminder is neither lost nor sent twice, and two processes never take the same row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import outbox
from db.clock import utcnow
from db.core import claimable
from db.models import FairInterest, JobFair, User
from handlers.job_fairs import reminder_text
from handlers.menu import BACK_TO_MENU
from handlers.types import Reply

log = logging.getLogger(__name__)

PASS_SECONDS = 30.0
BATCH = 200


async def send_due(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Queue every reminder that is due now; returns how many were queued."""
    now = utcnow()
    async with sessions.begin() as session:
        due = (
            select(FairInterest.id)
            .where(FairInterest.reminded_at.is_(None), FairInterest.remind_at <= now)
            .limit(BATCH)
        )
        taken = (
            await session.scalars(
                update(FairInterest)
                .where(
                    FairInterest.id.in_(
                        claimable(due, session.get_bind().dialect.name == "postgresql")
                    ),
                    FairInterest.reminded_at.is_(None),
                )
                .values(reminded_at=now)
                .returning(FairInterest.id)
            )
        ).all()
        queued = 0
        for interest_id in taken:
            interest = await session.get(FairInterest, interest_id)
            fair = await session.get(JobFair, interest.fair_id) if interest else None
            user = await session.get(User, interest.user_id) if interest else None
            if fair is None or user is None or fair.cancelled_at or user.blocked_at:
                continue  # cancelled fair, deleted or blocked user: nothing to send
            await outbox.enqueue(
                session,
                key=f"reminder:{interest_id}",
                channel=user.channel,
                chat_key=user.external_id,
                kind="reminder",
                user_id=user.id,
                payload={"reply": Reply(reminder_text(fair), (BACK_TO_MENU,)).to_json()},
            )
            queued += 1
    return queued


async def run(
    sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event, wake: Callable[[], None]
) -> None:
    """The scheduler loop of `serve`: a pass at start, then every 30 seconds."""
    while not stop.is_set():
        try:
            if await send_due(sessions):
                wake()
        except Exception as exc:
            log.warning("reminder pass failed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PASS_SECONDS)
