"""Erasure: after it, no table holds the person's name, phone, ID numbers, village or
the texts of their messages (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15; issue 18).

One place for every way a person's data goes:

* `erase_user`: a confirmed `/xoadulieu`, and Zalo's `user_withdraw` (the same action
  through the inbox processor). Their registrations are anonymised (code, status, province,
  commune, market and dates stay for statistics, linked to nobody) and the staff notes and
  status reasons on them emptied; their inbox rows, the outbox rows to them and about them
  (staff-chat cards, relays, notices) and their broadcast rows keep only what counts
  (status, dates); their FAQ misses, hand-off conversations, user row and conversation
  state are deleted. The replies of the erasing turn itself are kept until sent
  (`FAREWELL`), then lose their chat too (`db/outbox.py`).
* `erase_registrations`: `retention purge` for registrations nobody touched for N days.

Both then `scrub` the rows nobody links to the person that still quote them (`Traces`):
what staff typed or were shown (their inbox rows, the bot's messages to the staff chats,
their conversation state) loses every text that holds the person's identifiers, their
message texts or the notes about them; audit notes, FAQ misses, other hand-off
conversations and broadcasts lose every text that holds an identifier.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, delete, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.sqltypes import String

from db.clock import utcnow
from db.models import (
    AuditEvent,
    Broadcast,
    BroadcastRecipient,
    ConversationState,
    FaqMiss,
    HandoffConversation,
    HandoffMessage,
    InboxUpdate,
    OutboxMessage,
    Registration,
    User,
)
from db.traces import REDACTED, Traces, redact

ERASED: dict[str, Any] = {"erased": True}
ERASED_KEY = "erased"
# The kind of the erasing turn's own replies: sent, then their chat is forgotten too.
FAREWELL = "farewell"
BATCH = 500


@dataclass
class Refs:
    """Platform message ids in the staff chats that belong to the person's hand-offs: a
    staff member's own answers (`staff_ref`) and the cards and relays staff reply to."""

    staff: set[str] = field(default_factory=set)
    cards: set[str] = field(default_factory=set)

    def linked(self, payload: dict[str, Any]) -> bool:
        return payload.get("message_ref") in self.staff or payload.get("reply_to") in self.cards


def staff_keys(settings: Any, *extra: str | None) -> frozenset[str]:
    """The chats and users whose messages are the staff's (`Settings`: the staff chat,
    the routed chats, STAFF_IDS; `extra`: the running staff route's chat)."""
    keys = {str(settings.centre_chat_id)} if settings.centre_chat_id else set()
    keys |= {str(chat) for chat in settings.staff_chat_routes.values()}
    keys |= {str(user) for user in settings.staff_ids}
    return frozenset(keys | {key for key in extra if key})


def anonymise(
    session: AsyncSession,
    registrations: Iterable[Registration],
    columns: Sequence[str],
    actor: str,
    action: str = "erase",
    note: str | None = None,
) -> int:
    """Clear these columns (the form's personal ones) of these registrations, each with
    an audit event."""
    now = utcnow()
    count = 0
    for reg in registrations:
        for column in columns:
            setattr(reg, column, None)
        reg.anonymised_at = now
        session.add(AuditEvent(registration_id=reg.id, actor=actor, action=action, note=note))
        count += 1
    return count


async def erase_user(
    session: AsyncSession,
    user: User,
    *,
    personal: Sequence[str],
    staff: Collection[str],
    keep: Collection[int] = (),
) -> None:
    """Erase everything about `user` in this transaction; `keep`: outbox rows of this
    turn still to be sent to them (the confirmation), sent before they are forgotten."""
    regs = list(
        (
            await session.scalars(
                select(Registration)
                .where(Registration.user_id == user.id)
                .order_by(Registration.id)
            )
        ).all()
    )
    traces = Traces()
    traces.identifier(user.display_name)
    traces.identifier(user.external_id)
    await _registration_traces(session, regs, traces)
    await _message_traces(session, user, traces)
    refs = await _handoff_traces(session, user, staff, traces)
    await _clear_notes(session, [r.id for r in regs], actor=f"user:{user.id}")
    anonymise(session, [r for r in regs if r.anonymised_at is None], personal, "applicant")
    await _erase_outbox(session, user, keep)
    await _erase_inbox(session, user)
    await session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.user_id == user.id)
        .values(
            chat_key=ERASED_KEY,
            last_error=None,
            status=func.coalesce(_skip_pending(BroadcastRecipient.status), "skipped"),
        )
    )
    await session.execute(delete(FaqMiss).where(FaqMiss.user_id == user.id))
    await session.execute(delete(HandoffConversation).where(HandoffConversation.user_id == user.id))
    session.expunge(user)
    await session.execute(delete(User).where(User.id == user.id))
    await scrub(session, traces, staff, refs)


async def erase_registrations(
    session: AsyncSession,
    registrations: Sequence[Registration],
    *,
    personal: Sequence[str],
    staff: Collection[str],
    actor: str,
    action: str,
    note: str | None = None,
) -> int:
    """Anonymise these registrations (retention) and scrub what quotes them elsewhere;
    their user, if still talking to the bot, stays."""
    traces = Traces()
    await _registration_traces(session, registrations, traces)
    await _clear_notes(session, [r.id for r in registrations])
    count = anonymise(session, registrations, personal, actor, action, note)
    if traces:
        await scrub(session, traces, staff, Refs())
    return count


def _skip_pending(status: InstrumentedAttribute[str]) -> ColumnElement[Any]:
    """NULL for a row still to be sent (it becomes skipped), else the status."""
    return func.nullif(status, "pending")


async def _registration_traces(
    session: AsyncSession, regs: Sequence[Registration], traces: Traces
) -> None:
    """The registrations' names and numbers; their notes and the staff's notes on them."""
    for reg in regs:
        traces.identifier(reg.full_name)
        traces.identifier(reg.phone)
        for typed in (reg.village, reg.old_address, reg.note, reg.worked_abroad):
            traces.text(typed)
    notes = await session.scalars(
        select(AuditEvent.note).where(
            AuditEvent.registration_id.in_([r.id for r in regs]), AuditEvent.note.is_not(None)
        )
    )
    for note in notes:
        traces.text(note)


async def _message_traces(session: AsyncSession, user: User, traces: Traces) -> None:
    """What the person wrote to us: texts, shared contacts, their FAQ questions."""
    payloads = await session.scalars(
        select(InboxUpdate.payload).where(
            InboxUpdate.channel == user.channel,
            InboxUpdate.user_key == user.external_id,
        )
    )
    for payload in payloads:
        traces.text(payload.get("text"))
        contact = payload.get("contact") or {}
        traces.identifier(contact.get("phone_number") or contact.get("phone"))
    for text in await session.scalars(select(FaqMiss.text).where(FaqMiss.user_id == user.id)):
        traces.text(text)


async def _handoff_traces(
    session: AsyncSession, user: User, staff: Collection[str], traces: Traces
) -> Refs:
    """The texts of their hand-off conversations (both ways), and the staff-chat message
    ids that belong to them."""
    refs = Refs()
    rows = await session.execute(
        select(HandoffMessage.text, HandoffMessage.author_name, HandoffMessage.staff_ref)
        .join(HandoffConversation, HandoffMessage.conversation_id == HandoffConversation.id)
        .where(HandoffConversation.user_id == user.id)
    )
    for text, author_name, staff_ref in rows.all():
        traces.text(text)
        if staff_ref:
            refs.staff.add(staff_ref)
        if author_name and staff_ref is None:
            traces.identifier(author_name)  # the worker's name as the platform gave it
    cards = await session.scalars(
        select(OutboxMessage.sent_message_id).where(
            OutboxMessage.user_id == user.id,
            OutboxMessage.chat_key.in_(list(staff)),
            OutboxMessage.sent_message_id.is_not(None),
        )
    )
    refs.cards |= {str(card) for card in cards}
    return refs


async def _clear_notes(
    session: AsyncSession, registration_ids: Sequence[int], actor: str | None = None
) -> None:
    """The notes and status reasons on these registrations (what happened stays); the
    applicant's own events name no user row; no registration says it had the same phone
    number as these (`duplicate_of_id`, both ways: it would tell the number)."""
    if not registration_ids:
        return
    await session.flush()
    await session.execute(
        update(Registration)
        .where(
            Registration.duplicate_of_id.in_(registration_ids)
            | Registration.id.in_(registration_ids),
            Registration.duplicate_of_id.is_not(None),
        )
        .values(duplicate_of_id=None)
    )
    await session.execute(
        update(AuditEvent)
        .where(AuditEvent.registration_id.in_(registration_ids), AuditEvent.note.is_not(None))
        .values(note=None)
    )
    if actor is not None:
        await session.execute(
            update(AuditEvent).where(AuditEvent.actor == actor).values(actor="applicant")
        )


async def _erase_outbox(session: AsyncSession, user: User, keep: Collection[int]) -> None:
    """Messages to them and about them: the payload and their chat go, the outcome stays;
    one still waiting is not sent."""
    if keep:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(keep)))
            .values(kind=FAREWELL, user_id=None)
        )
    theirs = or_(
        OutboxMessage.user_id == user.id,
        (OutboxMessage.channel == user.channel) & (OutboxMessage.chat_key == user.external_id),
    )
    mine = [OutboxMessage.id.not_in(list(keep))] if keep else []
    await session.execute(
        update(OutboxMessage)
        .where(theirs, *mine)
        .values(
            payload=ERASED,
            last_error=None,
            status=func.coalesce(
                func.nullif(func.nullif(OutboxMessage.status, "pending"), "sending"), "failed"
            ),
        )
    )
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == user.channel,
            OutboxMessage.chat_key == user.external_id,
            *mine,
        )
        .values(chat_key=ERASED_KEY)
    )


async def _erase_inbox(session: AsyncSession, user: User) -> None:
    """Their messages to us: only that a message came, and when. A key that names them
    (Zalo's `follow:<user id>:<time>`) becomes the row's own. One not handled yet stays
    as it is: it is handled after this, as a new user's."""
    theirs = (
        (InboxUpdate.channel == user.channel)
        & (InboxUpdate.user_key == user.external_id)
        & (InboxUpdate.status != "pending")
    )
    await session.execute(
        update(InboxUpdate)
        .where(theirs, InboxUpdate.update_key.contains(user.external_id, autoescape=True))
        .values(update_key=literal("erased:") + InboxUpdate.id.cast(String()))
    )
    await session.execute(
        update(InboxUpdate).where(theirs).values(payload=ERASED, user_key=ERASED_KEY)
    )


async def scrub(session: AsyncSession, traces: Traces, staff: Collection[str], refs: Refs) -> None:
    """Rows not linked to the person that quote them (see the module's docstring)."""
    if staff:
        await _scrub_staff_inbox(session, traces, staff, refs)
        in_staff_chats = OutboxMessage.chat_key.in_(list(staff))
        await _scrub_json(session, OutboxMessage, OutboxMessage.payload, in_staff_chats, traces)
        staff_users = select(User.id).where(User.external_id.in_(list(staff)))
        await _scrub_json(
            session,
            ConversationState,
            ConversationState.data,
            ConversationState.user_id.in_(staff_users),
            traces,
            key="user_id",
        )
    if not traces.words:
        return
    for model, column in (
        (AuditEvent, AuditEvent.note),
        (HandoffMessage, HandoffMessage.text),
        (Broadcast, Broadcast.text),
    ):
        await _scrub_text(session, model, column, traces)
    misses = await _matching(session, FaqMiss, FaqMiss.text, traces)
    for start in range(0, len(misses), BATCH):
        await session.execute(delete(FaqMiss).where(FaqMiss.id.in_(misses[start : start + BATCH])))


async def _scrub_staff_inbox(
    session: AsyncSession, traces: Traces, staff: Collection[str], refs: Refs
) -> None:
    """The staff's own messages: one in the person's hand-off is emptied; any other that
    quotes them loses the texts that do."""
    rows = await session.execute(
        select(InboxUpdate.id, InboxUpdate.payload, InboxUpdate.status).where(
            or_(
                InboxUpdate.user_key.in_(list(staff)),
                InboxUpdate.payload["chat_key"].as_string().in_(list(staff)),
            )
        )
    )
    for row_id, payload, status in rows.all():
        if not isinstance(payload, dict) or payload in (ERASED,):
            continue
        if refs.linked(payload) and status != "pending":
            new, hit = ERASED, True
        else:
            new, hit = redact(payload, traces, texts=True)
        if hit:
            await session.execute(
                update(InboxUpdate).where(InboxUpdate.id == row_id).values(payload=new)
            )


async def _scrub_json(
    session: AsyncSession,
    model: Any,
    column: Any,
    condition: ColumnElement[bool],
    traces: Traces,
    key: str = "id",
) -> None:
    """Redact a JSON column (texts included) in the rows `condition` selects."""
    key_column = getattr(model, key)
    rows = await session.execute(select(key_column, column).where(condition))
    for row_key, value in rows.all():
        new, hit = redact(value, traces, texts=True)
        if hit:
            await session.execute(
                update(model).where(key_column == row_key).values({column.key: new})
            )


async def _matching(
    session: AsyncSession, model: Any, column: InstrumentedAttribute[Any], traces: Traces
) -> list[int]:
    """Ids of the rows whose text holds an identifier: a LIKE narrows, `Traces` decides."""
    likes = [func.lower(column).contains(p, autoescape=True) for p in traces.patterns()]
    if not likes:
        return []
    rows = await session.execute(select(model.id, column).where(or_(*likes)))
    return [row_id for row_id, text in rows.all() if text and traces.found(text)]


async def _scrub_text(
    session: AsyncSession, model: Any, column: InstrumentedAttribute[Any], traces: Traces
) -> None:
    ids = await _matching(session, model, column, traces)
    for start in range(0, len(ids), BATCH):
        await session.execute(
            update(model)
            .where(model.id.in_(ids[start : start + BATCH]))
            .values({column.key: REDACTED})
        )
