"""Broadcasts' operations: choose the audience, queue recipients, claim, record, report.

A broadcast is a durable job: one `broadcast_recipients` row per person, written once
(`UNIQUE(broadcast_id, user_id)` with INSERT … SELECT … ON CONFLICT DO NOTHING, so
queueing twice adds nobody twice). Senders claim due rows with one UPDATE … RETURNING
(`FOR UPDATE SKIP LOCKED` on PostgreSQL), like the outbox, so two processes never take
the same row; a claim carries the claiming instance and the attempt number, and expires,
so a row held by a process that died is taken again.

The audience is read from `users` at queue time; opt-out and blocking are checked again
just before each send (`recheck`), so a worker who says /huytin mid-broadcast gets
nothing more.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    case,
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

CLAIM_SECONDS = 120
# A claimed row is sent only while its claim has at least this long to run, so a send
# (PTB's read timeout is 15 s) always finishes before another process may take the row.
CLAIM_MARGIN_SECONDS = 30
MAX_ATTEMPTS = 10
ACTIVE = ("queued", "sending")
UNFINISHED = ("pending", "sending", "inflight")
# A row whose send had started when its process stopped: maybe delivered, maybe not.
# It is not sent again (nobody twice) and counts as failed with this reason.
UNCERTAIN = "uncertain: the sender stopped during this send; not resent"

_R = BroadcastRecipient.__table__


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


# --- claims -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    """A recipient row taken for sending; (`by`, `attempt`) identifies this very claim."""

    id: int
    broadcast_id: int
    user_id: int | None
    channel: str
    chat_key: str
    attempt: int


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(BroadcastRecipient.status == "pending", BroadcastRecipient.next_attempt_at <= now),
        and_(BroadcastRecipient.status == "sending", BroadcastRecipient.claimed_until < now),
    )


async def claim(
    session: AsyncSession,
    broadcast_id: int,
    limit: int,
    by: str,
    claim_seconds: float = CLAIM_SECONDS,
) -> list[Claimed]:
    """Take up to `limit` due rows of one broadcast (oldest first) in one statement.

    A row still `sending` whose claim expired belongs to a process that died: it is taken
    again (at-least-once for a send that reached the platform just before the crash).
    """
    now = utcnow()
    candidates = (
        select(BroadcastRecipient.id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id, _due(now))
        .order_by(BroadcastRecipient.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # A LIMIT … FOR UPDATE SKIP LOCKED subquery inside IN may be run again by the
        # planner and take more than `limit` rows; a materialized CTE runs it once.
        locked = (candidates.with_for_update(skip_locked=True).cte("candidates")).prefix_with(
            "MATERIALIZED"
        )
        chosen: Any = select(locked.c.id)
    else:
        chosen = candidates.scalar_subquery()
    stmt = (
        update(BroadcastRecipient)
        .where(BroadcastRecipient.id.in_(chosen), _due(now))
        .values(
            status="sending",
            claimed_until=now + timedelta(seconds=claim_seconds),
            claimed_by=by,
            attempts=BroadcastRecipient.attempts + 1,
        )
        .returning(
            BroadcastRecipient.id,
            BroadcastRecipient.broadcast_id,
            BroadcastRecipient.user_id,
            BroadcastRecipient.channel,
            BroadcastRecipient.chat_key,
            BroadcastRecipient.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    rows = [Claimed(*row) for row in (await session.execute(stmt)).all()]
    return sorted(rows, key=lambda r: r.id)


async def release_own_claims(session: AsyncSession, by: str) -> int:
    """At start (and at a clean stop): rows this instance claimed are free again at once.

    Nothing of ours is in flight then. The attempt is given back: it never reached the
    platform, or (SIGKILL between the platform's answer and our commit) it did and is sent
    again, the at-least-once window of docs/architecture.md "Delivery guarantee".
    """
    result = await session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.status == "sending", BroadcastRecipient.claimed_by == by)
        .values(
            status="pending",
            claimed_until=None,
            next_attempt_at=utcnow(),
            attempts=case(
                (BroadcastRecipient.attempts > 0, BroadcastRecipient.attempts - 1), else_=0
            ),
        )
    )
    await session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.status == "inflight", BroadcastRecipient.claimed_by == by)
        .values(status="failed", last_error=UNCERTAIN, claimed_until=None)
    )
    return result.rowcount or 0


async def sweep_uncertain(session: AsyncSession) -> int:
    """Rows left in flight by a process that never came back (claim expired): failed."""
    result = await session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.status == "inflight", BroadcastRecipient.claimed_until < utcnow())
        .values(status="failed", last_error=UNCERTAIN, claimed_until=None)
    )
    return result.rowcount or 0


@dataclass(frozen=True, slots=True)
class Recheck:
    """What must still hold just before a row is sent."""

    ours: bool  # still `sending` under this very claim, with time to spare
    opted_in: bool  # the user exists, is opted in and has not blocked the bot
    cancelled: bool  # the broadcast was cancelled


async def recheck(session: AsyncSession, rows: Sequence[Claimed], by: str) -> dict[int, Recheck]:
    """Read the rows' claims, users and broadcasts again, right before they are sent."""
    now = utcnow()
    query = (
        select(
            BroadcastRecipient.id,
            BroadcastRecipient.status,
            BroadcastRecipient.claimed_by,
            BroadcastRecipient.attempts,
            BroadcastRecipient.claimed_until,
            User.id,
            User.news_opt_in,
            User.blocked_at,
            Broadcast.status,
        )
        .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
        .outerjoin(User, User.id == BroadcastRecipient.user_id)
        .where(BroadcastRecipient.id.in_([r.id for r in rows]))
    )
    attempts = {r.id: r.attempt for r in rows}
    margin = now + timedelta(seconds=CLAIM_MARGIN_SECONDS)
    found: dict[int, Recheck] = {}
    for rid, status, claimed_by, attempt, until, user_id, opt_in, blocked, b_status in (
        await session.execute(query)
    ).all():
        found[rid] = Recheck(
            ours=status == "sending"
            and claimed_by == by
            and attempt == attempts[rid]
            and until is not None
            and until > margin,
            opted_in=user_id is not None and opt_in is True and blocked is None,
            cancelled=b_status == "cancelled",
        )
    gone = Recheck(ours=False, opted_in=False, cancelled=True)
    return {r.id: found.get(r.id, gone) for r in rows}


# --- outcomes -----------------------------------------------------------------------

Result = Literal[
    "inflight", "sent", "failed", "blocked", "skipped", "unreachable", "retry", "unclaim"
]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one claimed row; `record` writes many in one transaction."""

    row: Claimed
    result: Result
    message_id: str | None = None
    error: str | None = None
    delay: float = 0.0


async def record(session: AsyncSession, outcomes: Sequence[Outcome]) -> None:
    """Write outcomes (one executemany per kind, so a busy sender commits in groups).

    Only rows still `sending` change, so a late outcome never overwrites a final one.
    "retry" puts a row back to wait `delay` seconds; "unclaim" hands back a row that was
    never sent (sender stopping), without counting the attempt.
    """
    if not outcomes:
        return
    conn = await session.connection()
    now = utcnow()
    mine = and_(
        _R.c.id == bindparam("rid"), or_(_R.c.status == "sending", _R.c.status == "inflight")
    )
    inflight = [{"rid": o.row.id} for o in outcomes if o.result == "inflight"]
    if inflight:  # committed before the send starts: a crash now cannot cause a resend
        await conn.execute(
            update(_R)
            .where(_R.c.id == bindparam("rid"), _R.c.status == "sending")
            .values(status="inflight"),
            inflight,
        )
    sent = [
        {"rid": o.row.id, "mid": o.message_id, "at": now} for o in outcomes if o.result == "sent"
    ]
    if sent:
        await conn.execute(
            update(_R)
            .where(
                _R.c.id == bindparam("rid"),
                # no IN with executemany
                or_(_R.c.status == "sending", _R.c.status == "inflight", _R.c.status == "pending"),
            )
            .values(
                status="sent",
                sent_message_id=bindparam("mid"),
                sent_at=bindparam("at"),
                claimed_until=None,
                last_error=None,
            ),
            sent,
        )
    for result in ("failed", "blocked", "skipped", "unreachable"):
        final = [{"rid": o.row.id, "err": o.error} for o in outcomes if o.result == result]
        if final:
            await conn.execute(
                update(_R)
                .where(mine)
                .values(status=result, last_error=bindparam("err"), claimed_until=None),
                final,
            )
    retry = [
        {"rid": o.row.id, "err": o.error, "due": now + timedelta(seconds=o.delay)}
        for o in outcomes
        if o.result == "retry"
    ]
    if retry:
        await conn.execute(
            update(_R)
            .where(mine)
            .values(
                status="pending",
                next_attempt_at=bindparam("due"),
                last_error=bindparam("err"),
                claimed_until=None,
            ),
            retry,
        )
    unclaim = [{"rid": o.row.id} for o in outcomes if o.result == "unclaim"]
    if unclaim:
        await conn.execute(
            update(_R)
            .where(mine)
            .values(
                status="pending",
                next_attempt_at=now,
                claimed_until=None,
                attempts=_R.c.attempts - 1,
            ),
            unclaim,
        )
    blocked_users = sorted(
        {o.row.user_id for o in outcomes if o.result == "blocked" and o.row.user_id is not None}
    )
    if blocked_users:
        await session.execute(
            update(User)
            .where(User.id.in_(blocked_users), User.blocked_at.is_(None))
            .values(blocked_at=now)
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
