"""Sending a broadcast's recipient rows: claim, recheck, record what became of each.

Senders claim due rows with one UPDATE … RETURNING (`FOR UPDATE SKIP LOCKED` on
PostgreSQL), like the outbox, so two processes never take the same row; a claim carries
the claiming instance and the attempt number, and expires, so a row held by a process that
died is taken again. Just before its send a row is re-read (`recheck`: claim still ours,
user still opted in, broadcast not cancelled) and marked `inflight` (at most once: a row
left `inflight` by a process that stopped is failed as uncertain, never resent).

Choosing the audience and the broadcast's own state are db/broadcasts.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, bindparam, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import utcnow
from db.core import changed, claimable, table_of
from db.models import Broadcast, BroadcastRecipient, User

CLAIM_SECONDS = 120
# A claimed row is sent only while its claim has at least this long to run, so a send
# (PTB's read timeout is 15 s) always finishes before another process may take the row.
CLAIM_MARGIN_SECONDS = 30
MAX_ATTEMPTS = 10
# A row whose send had started when its process stopped: maybe delivered, maybe not.
# It is not sent again (nobody twice) and counts as failed with this reason.
UNCERTAIN = "uncertain: the sender stopped during this send; not resent"

_R = table_of(BroadcastRecipient)


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
    chosen = claimable(candidates, session.get_bind().dialect.name == "postgresql")
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
    return changed(result)


async def sweep_uncertain(session: AsyncSession) -> int:
    """Rows left in flight by a process that never came back (claim expired): failed."""
    result = await session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.status == "inflight", BroadcastRecipient.claimed_until < utcnow())
        .values(status="failed", last_error=UNCERTAIN, claimed_until=None)
    )
    return changed(result)


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


# --- outcomes ----------------------------------------------------------

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


_CLAIMED = (_R.c.status == "sending", _R.c.status == "inflight")
# result → (statuses the row may be in, the values written). Only rows still claimed
# change, so a late outcome never overwrites a final one; "sent" is also written over a
# row put back meanwhile ("pending"), since it did go out. Parameters: `rid` the row,
# `mid` the message id, `err` the error, `due` when to try again, `now`.
_WRITES: dict[str, tuple[tuple[ColumnElement[bool], ...], dict[str, Any]]] = {
    # committed before the send starts: a crash now cannot cause a resend
    "inflight": ((_R.c.status == "sending",), {"status": "inflight"}),
    "sent": (
        (*_CLAIMED, _R.c.status == "pending"),
        {
            "status": "sent",
            "sent_message_id": bindparam("mid"),
            "sent_at": bindparam("now"),
            "claimed_until": None,
            "last_error": None,
        },
    ),
    **{
        final: (
            _CLAIMED,
            {"status": final, "last_error": bindparam("err"), "claimed_until": None},
        )
        for final in ("failed", "blocked", "skipped", "unreachable")
    },
    "retry": (
        _CLAIMED,
        {
            "status": "pending",
            "next_attempt_at": bindparam("due"),
            "last_error": bindparam("err"),
            "claimed_until": None,
        },
    ),
    # never sent (the sender is stopping): back at once, the attempt not counted
    "unclaim": (
        _CLAIMED,
        {
            "status": "pending",
            "next_attempt_at": bindparam("now"),
            "claimed_until": None,
            "attempts": _R.c.attempts - 1,
        },
    ),
}


async def record(session: AsyncSession, outcomes: Sequence[Outcome]) -> None:
    """Write outcomes: one executemany per result (`_WRITES`), so a busy sender commits
    many in one transaction. A "blocked" outcome also marks its user blocked."""
    if not outcomes:
        return
    conn = await session.connection()
    now = utcnow()
    for result, (statuses, values) in _WRITES.items():
        params = [
            {
                "rid": o.row.id,
                "mid": o.message_id,
                "err": o.error,
                "due": now + timedelta(seconds=o.delay),
                "now": now,
            }
            for o in outcomes
            if o.result == result
        ]
        if params:
            # OR rather than IN: an expanding IN cannot be used with executemany.
            where = and_(_R.c.id == bindparam("rid"), or_(*statuses))
            await conn.execute(update(_R).where(where).values(**values), params)
    blocked_users = sorted(
        {o.row.user_id for o in outcomes if o.result == "blocked" and o.row.user_id is not None}
    )
    if blocked_users:
        await session.execute(
            update(User)
            .where(User.id.in_(blocked_users), User.blocked_at.is_(None))
            .values(blocked_at=now)
        )
