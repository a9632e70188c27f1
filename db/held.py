"""What the centre holds about one user beyond their user row and registrations, for
`/dulieu` (the worker's right to see their data; issue 18, F14). Everything listed here
is what `db/erasure.py` erases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    AuditEvent,
    BroadcastRecipient,
    FairInterest,
    FaqMiss,
    HandoffConversation,
    HandoffMessage,
    InboxUpdate,
    JobFair,
    User,
)


@dataclass
class Held:
    messages: int = 0  # what they sent us (texts, buttons, files)
    questions: list[str] = field(default_factory=list)  # kept for staff: FAQ misses
    conversations: int = 0  # hand-offs to staff
    conversation_messages: int = 0
    fairs: list[tuple[str, datetime]] = field(default_factory=list)  # «Quan tâm»
    broadcasts: int = 0  # announcements sent to them
    # Staff notes and status reasons per registration id: (when, text).
    notes: dict[int, list[tuple[datetime, str]]] = field(default_factory=dict)


async def held(session: AsyncSession, user: User, registration_ids: Sequence[int]) -> Held:
    found = Held()
    found.messages = await _count(
        session,
        select(func.count()).where(
            InboxUpdate.channel == user.channel,
            InboxUpdate.user_key == user.external_id,
        ),
    )
    misses = await session.scalars(
        select(FaqMiss.text).where(FaqMiss.user_id == user.id).order_by(FaqMiss.id)
    )
    found.questions = list(misses.all())
    found.conversations = await _count(
        session, select(func.count()).where(HandoffConversation.user_id == user.id)
    )
    found.conversation_messages = await _count(
        session,
        select(func.count())
        .select_from(HandoffMessage)
        .join(HandoffConversation, HandoffMessage.conversation_id == HandoffConversation.id)
        .where(HandoffConversation.user_id == user.id),
    )
    fairs = await session.execute(
        select(JobFair.title, JobFair.starts_at)
        .join(FairInterest, FairInterest.fair_id == JobFair.id)
        .where(FairInterest.user_id == user.id)
        .order_by(JobFair.starts_at)
    )
    found.fairs = [(title, starts) for title, starts in fairs.all()]
    found.broadcasts = await _count(
        session, select(func.count()).where(BroadcastRecipient.user_id == user.id)
    )
    notes = await session.execute(
        select(AuditEvent.registration_id, AuditEvent.created_at, AuditEvent.note)
        .where(AuditEvent.registration_id.in_(list(registration_ids)), AuditEvent.note.is_not(None))
        .order_by(AuditEvent.id)
    )
    for registration_id, created, note in notes.all():
        if registration_id is not None and note:
            found.notes.setdefault(registration_id, []).append((created, note))
    return found


async def _count(session: AsyncSession, query: Select[int]) -> int:
    return int(await session.scalar(query) or 0)
