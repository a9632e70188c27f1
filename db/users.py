"""Users and their conversation state."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import utcnow
from db.core import table_of
from db.models import ConversationState, User
from db.stored_text import fitted
from db.upsert import insert_ignore

LAST_SEEN_PRECISION = timedelta(minutes=5)
# Last-seen of a user first met through someone else's message (never wrote to us).
NEVER_SEEN = datetime(2000, 1, 1)


async def touch(
    session: AsyncSession,
    channel: str,
    external_id: str,
    display_name: str | None,
    seen: bool = True,
) -> User:
    """The user behind an event (created on first contact), with last-seen updated
    (`seen` False: the event is not the user's own, e.g. a Zalo OA admin writing to
    them, so it does not open their messaging window)."""
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
                last_seen_at=now if seen else NEVER_SEEN,
            )
        )
        user = await session.scalar(query)
        assert user is not None
        return user
    if seen:
        _seen(user, display_name)
    return user


async def set_following(
    session: AsyncSession, channel: str, external_id: str, following: bool
) -> None:
    """The user blocked the bot or unfollowed (False: `blocked_at` set, so announcements
    leave them out), or allowed it again (True: cleared). A user we never met is not
    created."""
    await session.execute(
        update(User)
        .where(User.channel == channel, User.external_id == external_id)
        .values(blocked_at=None if following else utcnow())
    )


async def last_seen(session: AsyncSession, channel: str, external_id: str) -> datetime | None:
    """When the user last wrote to us (None: no such user)."""
    return await session.scalar(
        select(User.last_seen_at).where(User.channel == channel, User.external_id == external_id)
    )


def _seen(user: User, display_name: str | None) -> None:
    now = utcnow()
    display_name = fitted(User.__table__.c.display_name, display_name)
    # Minute precision is plenty, and it spares an UPDATE on most messages of a conversation.
    if user.last_seen_at is None or now - user.last_seen_at > LAST_SEEN_PRECISION:
        user.last_seen_at = now
    if display_name and user.display_name != display_name:
        user.display_name = display_name


_STATES = table_of(ConversationState)
# The user (an ORM object: handlers change it) and their state's columns in one statement,
# built once. The state row is locked until the transaction ends (PostgreSQL; SQLite has
# one writer anyway), so two replicas handling messages of one user take turns.
_TURN = (
    select(User, _STATES.c.flow, _STATES.c.step, _STATES.c.data, _STATES.c.buttons,
           _STATES.c.updated_at)
    .join(_STATES, _STATES.c.user_id == User.id)
    .where(User.channel == bindparam("channel"), User.external_id == bindparam("external_id"))
    .with_for_update(of=_STATES)
)  # fmt: skip
_SAVE = update(_STATES).where(_STATES.c.user_id == bindparam("state_user_id"))


@dataclass(eq=False)
class State:
    """A user's conversation state for one update: a plain object, written back with one
    UPDATE when it changed (the ORM's unit of work on this row cost more CPU than the
    handler itself, bench/load.py). Changing `data` in place is seen too."""

    user_id: int
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    buttons: list[Any] = field(default_factory=list)
    updated_at: datetime | None = None
    _loaded: tuple[Any, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        self.mark_saved()

    def mark_saved(self) -> None:
        """What is in the database now: later changes are measured from here."""
        self._loaded = self._values()

    def _values(self) -> tuple[Any, ...]:
        return (self.flow, self.step, copy.deepcopy(self.data), list(self.buttons))

    @property
    def changed(self) -> bool:
        return self._values() != self._loaded


async def begin_turn(
    session: AsyncSession,
    channel: str,
    external_id: str,
    display_name: str | None,
    seen: bool = True,
) -> tuple[User, State]:
    """The user behind an event and their conversation state (both created on first
    contact), the state locked for this transaction; last-seen updated when `seen`."""
    params = {"channel": channel, "external_id": external_id}
    row = (await session.execute(_TURN, params)).first()
    if row is None:  # first contact, or a user whose state row is gone
        user = await touch(session, channel, external_id, display_name, seen)
        await session.execute(
            insert_ignore(
                session,
                ConversationState,
                ["user_id"],
                user_id=user.id,
                data={},
                buttons=[],
                updated_at=utcnow(),
            )
        )
        row = (await session.execute(_TURN, params)).first()
        assert row is not None
    user, flow, step, data, buttons, updated_at = row
    if seen:
        _seen(user, display_name)
    state = State(user.id, flow, step, data or {}, buttons or [], updated_at)
    return user, state


async def save_state(session: AsyncSession, state: State) -> None:
    """Write the state back if the update changed it."""
    if not state.changed:
        return
    await session.execute(
        _SAVE,
        {
            "state_user_id": state.user_id,
            "flow": state.flow,
            "step": state.step,
            "data": state.data,
            "buttons": state.buttons,
            "updated_at": utcnow(),
        },
    )
    state.mark_saved()
