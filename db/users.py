"""Users and their conversation state."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import utcnow
from db.models import ConversationState, User
from db.upsert import insert_ignore


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
    user.last_seen_at = utcnow()
    if display_name and user.display_name != display_name:
        user.display_name = display_name
    return user


async def conversation(session: AsyncSession, user_id: int) -> ConversationState:
    """The user's conversation state row, created empty when missing."""
    state = await session.get(ConversationState, user_id, populate_existing=True)
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
