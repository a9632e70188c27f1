"""Prometheus metrics of one process, served at `/metrics` (text exposition format).

Counters and the latency histogram live in this process (each replica has its own; sum
them in Prometheus). Queue figures — the outbox backlog and its oldest row, inbox rows
waiting, broadcast progress — are read from the database at scrape time, so every
replica reports the same shared values (use `max` over replicas, not `sum`).

The registry belongs to the `Metrics` object (never prometheus-client's global default
registry), so two servers in one test process do not collide.

Access: with `METRICS_TOKEN` set, a scrape must send `Authorization: Bearer <token>`;
without it, only requests from the loopback address are answered (403 otherwise).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.clock import utcnow
from db.models import (
    Broadcast,
    BroadcastRecipient,
    HandoffConversation,
    InboxUpdate,
    OutboxMessage,
)

log = logging.getLogger(__name__)

# Seconds from taking an update off the inbox to its replies being sent.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ACTIVE_BROADCASTS = ("queued", "sending")
UNSENT = ("pending", "sending")


class Metrics:
    """Every metric this process exposes, on a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter(
            "bot_updates", "Updates recorded in the inbox", ["channel"], registry=r
        )
        self.duplicates = Counter(
            "bot_duplicate_updates",
            "Updates dropped because the same update id was recorded before (redelivery)",
            ["channel"],
            registry=r,
        )
        self.handled = Counter(
            "bot_updates_handled",
            "Updates handled, by result (ok, failed: the worker got an apology)",
            ["channel", "result"],
            registry=r,
        )
        self.latency = Histogram(
            "bot_update_handling_seconds",
            "Time from taking an update to its replies having been sent",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.faq = Counter(
            "bot_faq_answers",
            "Free-text questions by outcome: answer (confident hit), suggest, none "
            "(fallback), unavailable (no content loaded)",
            ["outcome"],
            registry=r,
        )
        self.handoffs = Counter(
            "bot_handoffs_opened",
            "Hand-off conversations opened, by what opened them (button, request, callback, "
            "distress, media, message, reply, platform)",
            ["reason"],
            registry=r,
        )
        self.voice = Counter(
            "bot_spoken_answers",
            "Spoken answers asked for with «🔊 Nghe», by the language heard",
            ["language"],
            registry=r,
        )
        self.sends = Counter(
            "bot_outbox_sends",
            "Outbox send attempts by result: sent, retry (429/5xx/timeout), failed, error",
            ["channel", "result"],
            registry=r,
        )
        self.errors = Counter(
            "bot_errors",
            "Unexpected errors by place (handler, delivery, outbox, recovery)",
            ["where"],
            registry=r,
        )
        self.zalo_oa_quota = Counter(
            "bot_zalo_oa_messages",
            "Zalo OA consultation messages sent, by the quota Zalo took them from (its "
            "data.quota.quota_type): reply (one of the 8 free within 48 h), sub_quota, "
            "purchase_quota, reward_quota, or paid (no quota: billed)",
            ["quota"],
            registry=r,
        )
        self.zalo_oa_buttons_refused = Gauge(
            "bot_zalo_oa_buttons_refused",
            "1 once Zalo refused a buttons attachment on a consultation message in this "
            "process (choices are then numbered in the text only; docs/zalo.md)",
            registry=r,
        )
        self.spooled = Gauge(
            "bot_spooled_events",
            "Received events kept on local disk because the database could not take them "
            "(handled once it is back)",
            registry=r,
        )
        self.unparsable = Counter(
            "bot_unparsable_updates",
            "Platform updates skipped because they could not be read (logged with their id)",
            ["channel"],
            registry=r,
        )
        self.database_up = Gauge(
            "bot_database_up", "1 when the last scrape could read the database", registry=r
        )
        self.outbox_backlog = Gauge(
            "bot_outbox_backlog", "Outbox rows not yet sent", ["channel"], registry=r
        )
        self.outbox_oldest = Gauge(
            "bot_outbox_oldest_age_seconds",
            "Age of the oldest outbox row not yet sent (0 when none)",
            registry=r,
        )
        self.inbox_waiting = Gauge(
            "bot_inbox_waiting",
            "Inbox rows by status: pending (not yet handled), failed (apology sent)",
            ["status"],
            registry=r,
        )
        self.handoffs_open = Gauge(
            "bot_handoffs_open",
            "Open hand-off conversations: waiting (nobody has answered yet) or taken",
            ["state"],
            registry=r,
        )
        self.broadcast_recipients = Gauge(
            "bot_broadcast_recipients",
            "Recipients of queued or sending broadcasts by delivery status",
            ["broadcast", "status"],
            registry=r,
        )

    def observe_events(self, events: list[str]) -> None:
        """Events the dialog recorded in `Context.events` (after its transaction committed)."""
        for event in events:
            kind, _, value = event.partition(":")
            if kind == "faq":
                self.faq.labels(value).inc()
            elif kind == "handoff":
                self.handoffs.labels(value).inc()
            elif kind == "voice":
                self.voice.labels(value).inc()

    async def refresh(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Read the queue figures from the database (at scrape time)."""
        try:
            async with sessions() as session:
                backlog = (
                    await session.execute(
                        select(OutboxMessage.channel, func.count())
                        .where(OutboxMessage.status.in_(UNSENT))
                        .group_by(OutboxMessage.channel)
                    )
                ).all()
                oldest = await session.scalar(
                    select(func.min(OutboxMessage.created_at)).where(
                        OutboxMessage.status.in_(UNSENT)
                    )
                )
                inbox = (
                    await session.execute(
                        select(InboxUpdate.status, func.count())
                        .where(InboxUpdate.status.in_(("pending", "failed")))
                        .group_by(InboxUpdate.status)
                    )
                ).all()
                handoffs = (
                    await session.execute(
                        select(HandoffConversation.taken_at.is_(None), func.count())
                        .where(HandoffConversation.status == "open")
                        .group_by(HandoffConversation.taken_at.is_(None))
                    )
                ).all()
                progress = (
                    await session.execute(
                        select(
                            BroadcastRecipient.broadcast_id,
                            BroadcastRecipient.status,
                            func.count(),
                        )
                        .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
                        .where(Broadcast.status.in_(ACTIVE_BROADCASTS))
                        .group_by(BroadcastRecipient.broadcast_id, BroadcastRecipient.status)
                    )
                ).all()
        except Exception as exc:
            log.warning("metrics: the database could not be read: %s", exc)
            self.database_up.set(0)
            return
        self.database_up.set(1)
        self.outbox_backlog.clear()
        for channel, count in backlog:
            self.outbox_backlog.labels(channel).set(count)
        self.outbox_oldest.set(max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0)
        counts = {status: int(n) for status, n in inbox}
        for status in ("pending", "failed"):
            self.inbox_waiting.labels(status).set(counts.get(status, 0))
        open_counts = {bool(waiting): int(n) for waiting, n in handoffs}
        self.handoffs_open.labels("waiting").set(open_counts.get(True, 0))
        self.handoffs_open.labels("taken").set(open_counts.get(False, 0))
        self.broadcast_recipients.clear()
        for broadcast_id, status, count in progress:
            self.broadcast_recipients.labels(str(broadcast_id), status).set(count)

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The body and its content type, in the format the scraper asks for."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type


def metrics_route(
    metrics: Metrics, sessions: async_sessionmaker[AsyncSession], token: str = ""
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """GET /metrics: bearer token when one is set, else loopback callers only."""

    async def scrape(request: web.Request) -> web.Response:
        if not _allowed(request, token):
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        await metrics.refresh(sessions)
        body, content_type = metrics.exposition(request.headers.get("Accept", ""))
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    return scrape


def _allowed(request: web.Request, token: str) -> bool:
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    # A request forwarded by a reverse proxy on this host comes from loopback too.
    forwarded = any(h in request.headers for h in ("X-Forwarded-For", "X-Real-IP", "Forwarded"))
    return not forwarded and _is_loopback(request.remote)


def _is_loopback(remote: Any) -> bool:
    try:
        return ipaddress.ip_address(str(remote)).is_loopback
    except ValueError:
        return False
