"""Broadcasts as jobs: choose the audience, queue its recipients, count, cancel, finish.

A broadcast is a durable job: one `broadcast_recipients` row per person, written once
(`UNIQUE(broadcast_id, user_id)` with INSERT … SELECT … ON CONFLICT DO NOTHING, so
queueing twice adds nobody twice). The audience is read from `users` at queue time;
opt-out and blocking are checked again just before each send, so a worker who says
/huytin mid-broadcast gets nothing more.

Sending the rows (claims, rechecks, outcomes) is db/broadcast_recipients.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import utcnow
from db.models import Broadcast, BroadcastRecipient, User

ACTIVE = ("queued", "sending")
# Recipients not finished yet: waiting, claimed, or with their send under way.
UNFINISHED = ("pending", "sending", "inflight")


# --- audience ---------------------------------------------------------------------


def _names(audience: dict[str, Any], key: str) -> list[str]:
    values = audience.get(key) or []
    return [str(v) for v in values if str(v).strip()]


def _like_token(token: str) -> str:
    """A LIKE pattern that finds `token` as a whole JSON string in a JSON array's text.

    `json.dumps` escapes it exactly as the column's serializer did (quotes bound it, so
    "jp" never matches inside "jp_tts"); LIKE's own wildcards are escaped with "/".
    """
    encoded = json.dumps(token)
    escaped = encoded.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def audience_filter(audience: dict[str, Any]) -> ColumnElement[bool]:
    """Who receives a broadcast with this audience (a WHERE clause on `users`).

    Always: opted in to news (`news_opt_in IS TRUE`: silence is not consent) and not
    blocked. Unless `all`: an area (province OR commune, names compared exactly as
    stored), AND markets (the user's interests overlap them). A user who chose no market
    was told "không chọn gì thì bạn nhận tin của mọi nước" (handlers/subscriptions.py),
    so an empty interest list matches every market filter.

    Markets are matched with a LIKE per code on the JSON text: the same SQL on SQLite and
    PostgreSQL, exact because codes are matched with their quotes, and a sequential scan
    of 10,000 users takes milliseconds (the opt-in condition filters first).
    """
    clauses: list[ColumnElement[bool]] = [User.news_opt_in.is_(True), User.blocked_at.is_(None)]
    if not audience.get("all"):
        provinces = _names(audience, "provinces")
        communes = _names(audience, "communes")
        markets = _names(audience, "markets")
        area: list[ColumnElement[bool]] = []
        if provinces:
            area.append(User.province_name.in_(provinces))
        if communes:
            area.append(User.commune_name.in_(communes))
        if area:
            clauses.append(or_(*area))
        if markets:
            text = cast(User.interests, String)
            clauses.append(
                or_(
                    User.interests.is_(None),
                    text.in_(("[]", "null")),
                    *(text.like(_like_token(code), escape="/") for code in markets),
                )
            )
    return and_(*clauses)


async def audience_count(session: AsyncSession, audience: dict[str, Any]) -> int:
    """How many people a broadcast would reach now (the preview staff confirm)."""
    query = select(func.count()).select_from(User).where(audience_filter(audience))
    return int(await session.scalar(query) or 0)


async def queue(session: AsyncSession, broadcast: Broadcast) -> int:
    """Write one recipient row per person in the audience and mark the broadcast queued.

    Idempotent (ON CONFLICT DO NOTHING on the broadcast and user): calling it again adds
    only people who joined the audience since. Returns the broadcast's recipients, which
    equals `audience_count` for the same data. A finished or cancelled broadcast is left
    as it is.
    """
    if broadcast.status in ("draft", "queued", "sending"):
        now = utcnow()
        chosen = select(
            literal(broadcast.id),
            User.id,
            User.channel,
            User.external_id,
            literal("pending"),
            literal(0),
            literal(now),
        ).where(audience_filter(audience=broadcast.audience or {}))
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(BroadcastRecipient)
            .from_select(
                ["broadcast_id", "user_id", "channel", "chat_key", "status", "attempts"]
                + ["next_attempt_at"],
                chosen,
            )
            .on_conflict_do_nothing(index_elements=["broadcast_id", "user_id"])
        )
        await session.execute(stmt)
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast.id, Broadcast.status == "draft")
            .values(status="queued")
        )
        if broadcast.status == "draft":
            broadcast.status = "queued"
    total = await session.scalar(
        select(func.count())
        .select_from(BroadcastRecipient)
        .where(BroadcastRecipient.broadcast_id == broadcast.id)
    )
    return int(total or 0)


# --- state and counts -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    """Recipients by outcome; `pending` includes rows being sent right now."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0
    pending: int = 0
    unreachable: int = 0  # Zalo OA users outside the messaging window: not attempted

    @property
    def total(self) -> int:
        return (
            self.sent + self.failed + self.blocked + self.skipped + self.pending + self.unreachable
        )


async def counts(session: AsyncSession, broadcast_id: int) -> Counts:
    rows = await session.execute(
        select(BroadcastRecipient.status, func.count())
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .group_by(BroadcastRecipient.status)
    )
    by_status = {status: int(n) for status, n in rows.all()}
    return Counts(
        sent=by_status.get("sent", 0),
        failed=by_status.get("failed", 0),
        blocked=by_status.get("blocked", 0),
        skipped=by_status.get("skipped", 0),
        pending=sum(by_status.get(status, 0) for status in UNFINISHED),
        unreachable=by_status.get("unreachable", 0),
    )


async def cancel(session: AsyncSession, broadcast_id: int) -> bool:
    """Stop a broadcast: status cancelled, the recipients still waiting become skipped.

    Rows being sent at this moment finish as whatever the platform answers; senders
    check the status before every send. A broadcast that never started is finished here
    (nothing is in flight); one that did is finished by the sender, which reports it.
    Returns False when it was already done or cancelled.
    """
    now = utcnow()
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_(("draft", *ACTIVE)))
        .values(status="cancelled")
        .returning(Broadcast.started_at)
    )
    row = result.first()
    if row is None:
        return False
    if row.started_at is None:
        await session.execute(
            update(Broadcast).where(Broadcast.id == broadcast_id).values(finished_at=now)
        )
    await session.execute(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status == "pending",
        )
        .values(status="skipped", last_error="cancelled", claimed_until=None)
    )
    return True


async def active(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts a sender has work on, oldest first: queued or sending, and cancelled
    ones that had started and are not yet reported as finished."""
    query = (
        select(Broadcast)
        .where(
            or_(
                Broadcast.status.in_(ACTIVE),
                and_(
                    Broadcast.status == "cancelled",
                    Broadcast.started_at.is_not(None),
                    Broadcast.finished_at.is_(None),
                ),
            )
        )
        .order_by(Broadcast.id)
    )
    return list((await session.scalars(query)).all())


async def start(session: AsyncSession, broadcast_id: int) -> None:
    """queued → sending, stamping when the first process began."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "queued")
        .values(status="sending", started_at=func.coalesce(Broadcast.started_at, utcnow()))
    )


# --- finishing ---------------------------------------------------------------------


async def finish(session: AsyncSession, broadcast: Broadcast) -> bool:
    """When no recipient is left to send: done (or, if cancelled, finished). Returns True
    when this call finished it, so exactly one caller writes the final report (in the
    same transaction).

    A cancelled broadcast waits for rows still in flight under a live claim; rows left
    `sending` by a dead process become skipped.
    """
    now = utcnow()
    waiting = exists().where(
        BroadcastRecipient.broadcast_id == broadcast.id,
        BroadcastRecipient.status.in_(UNFINISHED),
    )
    if broadcast.status == "cancelled":
        live = exists().where(
            BroadcastRecipient.broadcast_id == broadcast.id,
            BroadcastRecipient.status.in_(("sending", "inflight")),
            BroadcastRecipient.claimed_until >= now,
        )
        if await session.scalar(select(live)):
            return False
        await session.execute(
            update(BroadcastRecipient)
            .where(
                BroadcastRecipient.broadcast_id == broadcast.id,
                BroadcastRecipient.status.in_(UNFINISHED),
            )
            .values(status="skipped", last_error="cancelled", claimed_until=None)
        )
        done = await session.execute(
            update(Broadcast)
            .where(
                Broadcast.id == broadcast.id,
                Broadcast.status == "cancelled",
                Broadcast.finished_at.is_(None),
            )
            .values(finished_at=now)
            .returning(Broadcast.id)
        )
    else:
        done = await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast.id, Broadcast.status.in_(ACTIVE), ~waiting)
            .values(
                status="done", finished_at=now, started_at=func.coalesce(Broadcast.started_at, now)
            )
            .returning(Broadcast.id)
        )
    return done.first() is not None
