"""Users and their conversation state."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import utcnow
from db.models import ConversationState, User
from db.upsert import insert_ignore

LAST_SEEN_PRECISION = timedelta(minutes=5)


async def touch(
    session: AsyncSession, channel: str, external_id: str, display_name: str | None
) -> User:
    """The user behind an event (created on first contact), with last-seen updated."""
    query = select(User).where(User.channel == channel, User.external_id == external_id)
    user = await session.scalar(query)
    if user is None:
        now = utcnow()
        await session.execute(
            insert_ignore(
                session,
                User,
                ["channel", "external_id"],
                channel=channel,
                external_id=external_id,
                display_name=display_name,
                language="vi",
                created_at=now,
                last_seen_at=now,
            )
        )
        user = await session.scalar(query)
        assert user is not None
        return user
    now = utcnow()
    # Minute precision is plenty, and it spares an UPDATE on most messages of a conversation.
    if user.last_seen_at is None or now - user.last_seen_at > LAST_SEEN_PRECISION:
        user.last_seen_at = now
    if display_name and user.display_name != display_name:
        user.display_name = display_name
    return user


async def conversation(session: AsyncSession, user_id: int) -> ConversationState:
    """The user's conversation state row, created empty when missing.

    Locked until the transaction ends (PostgreSQL), so two replicas handling messages of
    one user at the same moment take turns instead of overwriting each other's step.
    """
    state = await session.get(
        ConversationState, user_id, populate_existing=True, with_for_update=True
    )
    if state is None:
        await session.execute(
            insert_ignore(
                session,
                ConversationState,
                ["user_id"],
                user_id=user_id,
                data={},
                buttons=[],
                updated_at=utcnow(),
            )
        )
        state = await session.get(ConversationState, user_id)
        assert state is not None
    return state
