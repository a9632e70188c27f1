"""Hand-off conversations: open, find, record, take, close (small repository functions).

Lock order: whoever changes a worker's conversation first locks that worker's
`conversation_states` row (`lock_worker`), exactly as the worker's own turn does
(`users.begin_turn`), so a staff member's turn, the quiet pass and the worker's turn
never wait for each other in opposite orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import utcnow
from db.models import (
    ConversationState,
    HandoffConversation,
    HandoffMessage,
    OutboxMessage,
    User,
)

FLOW = "handoff"
OPEN = "open"
CLOSED = "closed"
# Kinds of outbox rows that belong to a hand-off thread in the staff chat.
THREAD_KINDS = ("handoff",)
MEDIA_REF_CHARS = 512


async def open_of(session: AsyncSession, user_id: int) -> HandoffConversation | None:
    """The user's open conversation, if any."""
    return await session.scalar(
        select(HandoffConversation).where(
            HandoffConversation.user_id == user_id, HandoffConversation.status == OPEN
        )
    )


async def latest_of(session: AsyncSession, user_id: int) -> HandoffConversation | None:
    """The user's most recent conversation, open or closed."""
    return await session.scalar(
        select(HandoffConversation)
        .where(HandoffConversation.user_id == user_id)
        .order_by(HandoffConversation.id.desc())
        .limit(1)
    )


async def create(session: AsyncSession, user: User, reason: str) -> HandoffConversation:
    now = utcnow()
    conversation = HandoffConversation(
        user_id=user.id,
        channel=user.channel,
        status=OPEN,
        reason=reason,
        opened_at=now,
        last_activity_at=now,
    )
    session.add(conversation)
    await session.flush()
    return conversation


def reopen(conversation: HandoffConversation) -> None:
    conversation.status = OPEN
    conversation.closed_at = None
    conversation.closed_by = None
    conversation.last_activity_at = utcnow()


def close(conversation: HandoffConversation, by: str) -> None:
    conversation.status = CLOSED
    conversation.closed_at = utcnow()
    conversation.closed_by = by[:128]
    conversation.paused_until = None


def record(
    session: AsyncSession,
    conversation: HandoffConversation,
    author: str,
    *,
    text: str | None = None,
    media_kind: str | None = None,
    media_ref: str | None = None,
    author_name: str | None = None,
    staff_ref: str | None = None,
) -> None:
    """Add a message to the conversation and mark the activity of its side."""
    now = utcnow()
    session.add(
        HandoffMessage(
            conversation_id=conversation.id,
            author=author,
            author_name=(author_name or "")[:128] or None,
            text=text,
            media_kind=media_kind,
            media_ref=(media_ref or "")[:MEDIA_REF_CHARS] or None,
            staff_ref=staff_ref,
            created_at=now,
        )
    )
    conversation.last_activity_at = now
    if author == "worker":
        conversation.last_worker_at = now
    else:
        conversation.last_staff_at = now


async def lock_worker(session: AsyncSession, user_id: int) -> ConversationState | None:
    """The worker's conversation state, locked for this transaction (PostgreSQL; SQLite
    has one writer anyway)."""
    return await session.scalar(
        select(ConversationState)
        .where(ConversationState.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def enter_flow(state: ConversationState) -> None:
    """Put a worker (not the sender of this turn) in the hand-off: their next messages go
    to staff. Drafts (`draft:` keys) are kept, as `Context.start_flow` keeps them."""
    state.flow = FLOW
    state.step = OPEN
    state.data = {k: v for k, v in (state.data or {}).items() if k.startswith("draft:")}
    state.buttons = []
    state.updated_at = utcnow()


def leave_flow(state: ConversationState | None) -> None:
    """Take a worker out of the hand-off if they are in it (drafts kept)."""
    if state is None or state.flow != FLOW:
        return
    state.flow = None
    state.step = None
    state.data = {k: v for k, v in (state.data or {}).items() if k.startswith("draft:")}
    state.buttons = []
    state.updated_at = utcnow()


@dataclass(frozen=True, slots=True)
class Thread:
    """What a message in the staff chat belongs to."""

    conversation_id: int | None  # None: a card from before conversations were kept
    worker_id: int | None  # None: the worker erased their data
    key: str | None = None  # the outbox row's idempotency key (None: a staff answer)


async def thread_of(
    session: AsyncSession, channel: str, chat: str, message_id: str
) -> Thread | None:
    """The conversation and worker of a message of a hand-off thread in the staff chat
    (a card, a relayed message, a notice, or a staff member's own answer); None for
    anything else."""
    row = (
        await session.execute(
            select(
                OutboxMessage.payload, OutboxMessage.user_id, OutboxMessage.idempotency_key
            ).where(
                OutboxMessage.channel == channel,
                OutboxMessage.chat_key == chat,
                OutboxMessage.sent_message_id == message_id,
                OutboxMessage.kind.in_(THREAD_KINDS),
            )
        )
    ).first()
    if row is not None:
        payload, user_id, key = row
        conversation = payload.get("conversation") if isinstance(payload, dict) else None
        return Thread(conversation if isinstance(conversation, int) else None, user_id, key)
    found = (
        await session.execute(
            select(HandoffConversation.id, HandoffConversation.user_id)
            .join(HandoffMessage, HandoffMessage.conversation_id == HandoffConversation.id)
            .where(
                HandoffMessage.staff_ref == message_id,
                HandoffConversation.staff_channel == channel,
                HandoffConversation.staff_chat == chat,
            )
            .limit(1)
        )
    ).first()
    return Thread(found[0], found[1]) if found is not None else None


async def open_list(
    session: AsyncSession, limit: int = 200
) -> list[tuple[HandoffConversation, User]]:
    """Open conversations with their workers, untaken first, then oldest first."""
    rows = await session.execute(
        select(HandoffConversation, User)
        .join(User, User.id == HandoffConversation.user_id)
        .where(HandoffConversation.status == OPEN)
        .order_by(
            HandoffConversation.taken_at.is_not(None),
            HandoffConversation.opened_at,
            HandoffConversation.id,
        )
        .limit(limit)
    )
    return [(c, u) for c, u in rows.all()]


async def recently_closed(
    session: AsyncSession, since: datetime, limit: int = 100
) -> list[tuple[HandoffConversation, User]]:
    rows = await session.execute(
        select(HandoffConversation, User)
        .join(User, User.id == HandoffConversation.user_id)
        .where(HandoffConversation.status == CLOSED, HandoffConversation.closed_at >= since)
        .order_by(HandoffConversation.closed_at.desc())
        .limit(limit)
    )
    return [(c, u) for c, u in rows.all()]


async def messages(session: AsyncSession, conversation_id: int) -> Sequence[HandoffMessage]:
    return (
        await session.scalars(
            select(HandoffMessage)
            .where(HandoffMessage.conversation_id == conversation_id)
            .order_by(HandoffMessage.id)
        )
    ).all()


async def counts(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    """Messages per conversation."""
    if not ids:
        return {}
    rows = await session.execute(
        select(HandoffMessage.conversation_id, func.count())
        .where(HandoffMessage.conversation_id.in_(list(ids)))
        .group_by(HandoffMessage.conversation_id)
    )
    return {cid: n for cid, n in rows.all()}


async def quiet_since(
    session: AsyncSession, before: datetime, limit: int = 100
) -> list[tuple[int, int]]:
    """(conversation id, worker id) of open conversations with no message since `before`."""
    rows = await session.execute(
        select(HandoffConversation.id, HandoffConversation.user_id)
        .where(HandoffConversation.status == OPEN, HandoffConversation.last_activity_at < before)
        .order_by(HandoffConversation.id)
        .limit(limit)
    )
    return [(cid, uid) for cid, uid in rows.all()]


async def pauses_ended(
    session: AsyncSession, now: datetime, limit: int = 100
) -> list[tuple[int, int]]:
    """Open conversations a platform staff member began whose quiet time is over."""
    rows = await session.execute(
        select(HandoffConversation.id, HandoffConversation.user_id)
        .where(
            HandoffConversation.status == OPEN,
            HandoffConversation.reason == "platform",
            HandoffConversation.paused_until < now,
        )
        .order_by(HandoffConversation.id)
        .limit(limit)
    )
    return [(cid, uid) for cid, uid in rows.all()]


async def waiting(
    session: AsyncSession, before: datetime, limit: int = 50
) -> list[tuple[HandoffConversation, User]]:
    """Open conversations nobody has taken whose worker wrote before `before`."""
    rows = await session.execute(
        select(HandoffConversation, User)
        .join(User, User.id == HandoffConversation.user_id)
        .where(
            HandoffConversation.status == OPEN,
            HandoffConversation.taken_at.is_(None),
            HandoffConversation.opened_at < before,
        )
        .order_by(HandoffConversation.opened_at)
        .limit(limit)
    )
    return [(c, u) for c, u in rows.all()]


async def locked(session: AsyncSession, conversation_id: int) -> HandoffConversation | None:
    """The conversation row, locked and read afresh (after `lock_worker`)."""
    return await session.scalar(
        select(HandoffConversation)
        .where(HandoffConversation.id == conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
