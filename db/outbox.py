"""The outbox table's operations: queue, claim due rows, record the outcome.

Claiming is one UPDATE … RETURNING so two workers (or two replicas) never take the same
row; a claim expires, so a row taken by a process that died is taken again later.
A row waits while an earlier row for the same chat is in flight or waiting for a retry,
so replies stay in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import utcnow
from db.core import changed, claimable, table_of
from db.erasure import ERASED_KEY, FAREWELL
from db.models import OutboxMessage, User
from db.upsert import insert_ignore_statement

CLAIM_SECONDS = 60
MAX_ATTEMPTS = 12
_TABLE = table_of(OutboxMessage)
# Built once; the SET values come as parameters (see `_claim_statement`).
_BY_ID = update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))
# The replies of an erasing turn (`db.erasure.FAREWELL`) forget their chat once done.
_FORGET_CHAT = case((_TABLE.c.kind == FAREWELL, literal(ERASED_KEY)), else_=_TABLE.c.chat_key)
_SENT = _BY_ID.values(chat_key=_FORGET_CHAT)


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    channel: str,
    chat_key: str,
    kind: str,
    payload: dict[str, Any],
    user_id: int | None = None,
) -> int | None:
    """Queue a message; returns its id, or None when that key was queued before."""
    now = utcnow()
    stmt = insert_ignore_statement(
        session.get_bind().dialect.name, _TABLE, ("idempotency_key",), "id"
    )
    values = {
        "idempotency_key": key,
        "channel": channel,
        "chat_key": chat_key,
        "kind": kind,
        "payload": payload,
        "user_id": user_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    return (await session.execute(stmt, values)).scalar()


def _due(now: Any) -> Any:
    row = _TABLE.c
    earlier = _TABLE.alias("earlier").c
    waiting_behind = exists().where(
        earlier.channel == row.channel,
        earlier.chat_key == row.chat_key,
        earlier.id < row.id,
        or_(
            and_(earlier.status == "sending", earlier.claimed_until >= now),
            and_(earlier.status == "pending", earlier.next_attempt_at > now),
        ),
    )
    return and_(
        or_(
            and_(row.status == "pending", row.next_attempt_at <= now),
            and_(row.status == "sending", row.claimed_until < now),
        ),
        ~waiting_behind,
    )


@cache
def _claim_statement(postgresql: bool, by_ids: bool) -> Any:
    """The claim UPDATE, built once: constructing `_due`'s alias and correlated EXISTS
    cost more CPU than running the statement (the values are bound parameters)."""
    now = bindparam("now", type_=_TABLE.c.next_attempt_at.type)
    row = _TABLE.c
    candidates = select(row.id).where(_due(now)).order_by(row.id).limit(bindparam("limit"))
    if by_ids:
        candidates = candidates.where(row.id.in_(bindparam("ids", expanding=True)))
    # A Core statement on the table (rows come back as plain rows): the ORM's bulk-UPDATE
    # path cost more CPU than the query itself.
    return (
        update(_TABLE)
        .where(row.id.in_(claimable(candidates, postgresql)), _due(now))
        .values(
            status="sending",
            claimed_until=bindparam("claimed_until", type_=row.claimed_until.type),
            claimed_by=bindparam("by", type_=row.claimed_by.type),
            attempts=row.attempts + 1,
        )
        .returning(_TABLE)
    )


async def claim(
    session: AsyncSession, ids: Sequence[int] | None = None, limit: int = 50, by: str = ""
) -> list[Any]:
    """Take due rows (these `ids`, or any) for sending, oldest first (plain rows with the
    outbox columns as attributes)."""
    now = utcnow()
    postgresql = session.get_bind().dialect.name == "postgresql"
    params: dict[str, Any] = {
        "now": now,
        "limit": limit,
        "claimed_until": now + timedelta(seconds=CLAIM_SECONDS),
        "by": by or None,
    }
    if ids is not None:
        params["ids"] = list(ids)
    stmt = _claim_statement(postgresql, ids is not None)
    rows = list((await session.execute(stmt, params)).all())
    return sorted(rows, key=lambda r: r.id)


async def sent_message_of(
    session: AsyncSession, key: str, channel: str, chat_key: str
) -> str | None:
    """The platform message id of the row queued under `key`, if it was sent to this
    chat (a hand-off card its later messages reply to)."""
    row = (
        await session.execute(
            select(_TABLE.c.sent_message_id, _TABLE.c.channel, _TABLE.c.chat_key).where(
                _TABLE.c.idempotency_key == key
            )
        )
    ).first()
    if row is None or (row.channel, row.chat_key) != (channel, chat_key):
        return None
    return row.sent_message_id


async def release_own_claims(session: AsyncSession, by: str) -> int:
    """At start: rows this instance claimed before it stopped are free again at once.

    Nothing of ours is in flight at start, so this is safe; other instances' claims are
    left to expire. A row whose send reached the platform just before a crash is sent
    again (the Bot API has no idempotency key): at-least-once in that window.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_by == by)
        .values(status="pending", claimed_until=None, next_attempt_at=utcnow())
    )
    return changed(result)


async def mark_sent(session: AsyncSession, sent: dict[int, str | None]) -> None:
    """Record rows as sent, in one statement (row id → the platform's message id)."""
    now = utcnow()
    await session.execute(
        _SENT,
        [
            {"row_id": row_id, "status": "sent", "sent_message_id": message_id,
             "sent_at": now, "claimed_until": None}
            for row_id, message_id in sent.items()
        ],
    )  # fmt: skip


async def release(
    session: AsyncSession,
    row_ids: Sequence[int],
    delay: float,
    error: str | None,
    *,
    tried: int | None = None,
) -> None:
    """Put rows back to wait `delay` seconds (rate limit, outage, or an earlier row failed).

    Only the row `tried` was sent to the platform; for the others (waiting behind it, or
    stopped before their turn) the claim's attempt is taken back, so a row that waits
    behind a failing one does not run out of attempts without ever being tried."""
    values = {
        "status": "pending",
        "next_attempt_at": utcnow() + timedelta(seconds=delay),
        "claimed_until": None,
        "last_error": error,
    }
    table = _TABLE
    if tried is not None and tried in row_ids:
        await session.execute(update(table).where(table.c.id == tried).values(**values))
    waiting = [row_id for row_id in row_ids if row_id != tried]
    if waiting:
        await session.execute(
            update(table)
            .where(table.c.id.in_(waiting))
            .values(
                **values,
                attempts=case((table.c.attempts > 0, table.c.attempts - 1), else_=0),
            )
        )


async def mark_failed(
    session: AsyncSession,
    row: Any,
    error: str,
    blocked: bool = False,
    status: str = "failed",
) -> None:
    """Final failure; `status` "unreachable" = not attempted (Zalo window closed)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id)
        .values(status=status, last_error=error, claimed_until=None, chat_key=_FORGET_CHAT)
    )
    if blocked and row.user_id is not None:
        # Only a refusal of the user's own chat is their block: a card about them to the
        # staff chat that the staff chat refuses says nothing about the user.
        await session.execute(
            update(User)
            .where(
                User.id == row.user_id,
                User.channel == row.channel,
                User.external_id == row.chat_key,
            )
            .values(blocked_at=utcnow())
        )
