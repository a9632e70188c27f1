"""Data retention: `python -m bot retention purge --older-than-days N [--dry-run]`.

Personal data is kept only as long as the centre needs it (Luật Bảo vệ dữ liệu cá nhân
91/2025/QH15). For everything not changed for N days this:

* anonymises registrations exactly as erasure on request does (`db/erasure.py`:
  name, birth, phone, village… cleared; code, status, province, commune, market and
  dates stay for statistics), each with an audit event (actor `retention`); the staff
  notes and status reasons on them are emptied, and what quotes them elsewhere (the
  staff's commands and the bot's answers in the staff chat, export notes, FAQ misses)
  loses the texts that name them;
* drops unfinished form drafts from conversation states;
* replaces the texts of handled inbox updates and of sent or failed outbox messages
  with `{"expired": true}`;
* empties the messages of ended hand-off conversations (text and file link; who wrote
  and when stay);
* deletes the questions the FAQ could not answer (`faq_misses`).

One audit event (no registration) records each run that changed something. `--dry-run`
counts and changes nothing. The age defaults to `RETENTION_DAYS`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.clock import utcnow
from db.engine import session_factory
from db.erasure import erase_registrations, staff_keys
from db.migrate import open_database
from db.models import (
    AuditEvent,
    ConversationState,
    FaqMiss,
    HandoffConversation,
    HandoffMessage,
    InboxUpdate,
    OutboxMessage,
    Registration,
)
from handlers.registration import form

ACTOR = "retention"
EXPIRED: dict[str, Any] = {"expired": True}
BATCH = 500


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime
    registrations: int
    drafts: int
    inbox: int
    outbox: int
    dry_run: bool
    handoff: int = 0
    misses: int = 0

    def lines(self) -> list[str]:
        verb = "would be" if self.dry_run else "were"
        return [
            f"Older than {self.cutoff:%Y-%m-%d %H:%M} UTC:",
            f"  registrations anonymised: {self.registrations}",
            f"  form drafts dropped: {self.drafts}",
            f"  inbox messages emptied: {self.inbox}",
            f"  outbox messages emptied: {self.outbox}",
            f"  hand-off messages emptied: {self.handoff}",
            f"  FAQ misses deleted: {self.misses}",
            f"(dry run: nothing {verb} changed)" if self.dry_run else "Done.",
        ]


@dataclass
class _Due:
    """What is older than the cutoff (ids, or the rows to change)."""

    regs: list[Registration]
    states: list[ConversationState]
    inbox: list[int]
    sent: list[int]
    talk: list[int]
    misses: list[int]

    def report(self, cutoff: datetime, dry_run: bool) -> RetentionReport:
        return RetentionReport(
            cutoff, len(self.regs), len(self.states), len(self.inbox), len(self.sent),
            dry_run, len(self.talk), len(self.misses),
        )  # fmt: skip

    def __bool__(self) -> bool:
        return any((self.regs, self.states, self.inbox, self.sent, self.talk, self.misses))


async def purge(
    sessions: async_sessionmaker[AsyncSession],
    older_than_days: int,
    dry_run: bool = False,
    now: datetime | None = None,
    staff: Collection[str] = (),
) -> RetentionReport:
    """Anonymise and empty what is older than the age, in one transaction. `staff`: the
    staff's chats and users (`db.erasure.staff_keys`), whose messages quoting a purged
    registration are scrubbed."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    async with sessions.begin() as session:
        due = await _due(session, cutoff)
        report = due.report(cutoff, dry_run)
        if dry_run:
            await session.rollback()
            return report
        await _apply(session, due, f"older than {older_than_days} days", staff)
    return report


async def _due(session: AsyncSession, cutoff: datetime) -> _Due:
    regs = await session.scalars(
        select(Registration)
        .where(Registration.anonymised_at.is_(None), Registration.updated_at < cutoff)
        .order_by(Registration.id)
    )
    states = await session.scalars(
        select(ConversationState).where(ConversationState.updated_at < cutoff)
    )
    inbox = await _payload_ids(
        session,
        InboxUpdate,
        InboxUpdate.received_at < cutoff,
        InboxUpdate.status.in_(("done", "failed")),
    )
    sent = await _payload_ids(
        session,
        OutboxMessage,
        OutboxMessage.created_at < cutoff,
        OutboxMessage.status.in_(("sent", "failed")),
    )
    ended = select(HandoffConversation.id).where(
        HandoffConversation.status == "closed", HandoffConversation.closed_at < cutoff
    )
    talk = await session.scalars(
        select(HandoffMessage.id).where(
            HandoffMessage.conversation_id.in_(ended),
            HandoffMessage.created_at < cutoff,
            (HandoffMessage.text.is_not(None) | HandoffMessage.media_ref.is_not(None)),
        )
    )
    misses = await session.scalars(select(FaqMiss.id).where(FaqMiss.created_at < cutoff))
    return _Due(
        list(regs.all()),
        [s for s in states.all() if s.data or s.flow],
        inbox,
        sent,
        list(talk.all()),
        list(misses.all()),
    )


async def _apply(session: AsyncSession, due: _Due, note: str, staff: Collection[str]) -> None:
    await erase_registrations(
        session,
        due.regs,
        personal=form.PERSONAL_COLUMNS,
        staff=staff,
        actor=ACTOR,
        action="retention",
        note=note,
    )
    for state in due.states:
        state.flow = None
        state.step = None
        state.data = {}
        state.buttons = []
    await _expire(session, InboxUpdate, due.inbox, user_key="expired")
    await _expire(session, OutboxMessage, due.sent)
    for start in range(0, len(due.talk), BATCH):
        await session.execute(
            update(HandoffMessage)
            .where(HandoffMessage.id.in_(due.talk[start : start + BATCH]))
            .values(text=None, media_ref=None)
        )
    for start in range(0, len(due.misses), BATCH):
        await session.execute(
            delete(FaqMiss).where(FaqMiss.id.in_(due.misses[start : start + BATCH]))
        )
    if due:
        session.add(
            AuditEvent(
                actor=ACTOR,
                action="purge",
                note=f"{note}: {len(due.regs)} registrations, {len(due.states)} drafts, "
                f"{len(due.inbox)} inbox and {len(due.sent)} outbox messages, "
                f"{len(due.talk)} hand-off messages, {len(due.misses)} FAQ misses",
            )
        )


async def _payload_ids(
    session: AsyncSession, model: Any, *conditions: ColumnElement[bool]
) -> list[int]:
    """Ids of rows matching `conditions` whose payload is not already emptied."""
    rows = await session.execute(select(model.id, model.payload).where(*conditions))
    return [row_id for row_id, payload in rows.all() if payload not in (EXPIRED, {"erased": True})]


async def _expire(session: AsyncSession, model: Any, ids: Sequence[int], **values: Any) -> None:
    for start in range(0, len(ids), BATCH):
        await session.execute(
            update(model)
            .where(model.id.in_(ids[start : start + BATCH]))
            .values(payload=EXPIRED, **values)
        )


async def run(settings: Any, older_than_days: int | None, dry_run: bool) -> int:
    """The CLI command; returns the exit status."""
    days = older_than_days if older_than_days is not None else settings.retention_days
    if not days or days < 1:
        print("Give --older-than-days N (N ≥ 1) or set RETENTION_DAYS.")
        return 2
    engine = await open_database(settings)
    try:
        report = await purge(
            session_factory(engine), days, dry_run=dry_run, staff=staff_keys(settings)
        )
    finally:
        await engine.dispose()
    print("\n".join(report.lines()))
    return 0
