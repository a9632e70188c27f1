"""Staff review of registrations, shared by the staff chat and the web dashboard.

A status change writes its audit row and, for the statuses the applicant is told about,
returns the notice as an `Outgoing`; the caller queues it through the outbox in the same
transaction (the inbox processor for chat commands, `queue_notice` for the dashboard). The
notice carries its facts (`Notice`: code, status, name, phone) for channels that deliver
notices as templates (Zalo ZNS), so no adapter reads the registrations table.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db import outbox
from db.models import AuditEvent, Registration, User
from handlers.registration.statuses import STATUS_LABELS
from handlers.types import Notice, Outgoing, Reply
from settings import Settings

# Status changes the applicant is told about, in plain words.
NOTICES = {
    "hen_phong_van": (
        "Hồ sơ {code}: cán bộ trung tâm muốn hẹn bạn phỏng vấn. Cán bộ sẽ gọi để báo ngày, "
        "giờ và địa điểm. Nếu 2 ngày chưa thấy gọi, bạn gọi {phone} nhé."
    ),
    "khong_phu_hop": (
        "Hồ sơ {code}: hiện bạn chưa phù hợp với chương trình đã chọn.{reason}\n"
        "Bạn có thể hỏi cán bộ về chương trình khác, gọi {phone}."
    ),
}
NOTE_MAX = 2000


@dataclass
class StatusChange:
    """What `set_status` did: `error` says why nothing changed."""

    old: str
    new: str
    event: AuditEvent | None = None
    notice: Outgoing | None = None
    error: str | None = None


async def set_status(
    session: AsyncSession,
    settings: Settings,
    registration: Registration,
    status: str,
    actor: str,
    reason: str | None = None,
) -> StatusChange:
    old = registration.status
    if status not in STATUS_LABELS:
        return StatusChange(old, status, error="unknown")
    if old == status:
        return StatusChange(old, status, error="same")
    if registration.anonymised_at is not None:
        return StatusChange(old, status, error="anonymised")
    registration.status = status
    event = AuditEvent(
        registration_id=registration.id,
        actor=actor[:64],
        action="status",
        from_status=old,
        to_status=status,
        note=reason[:NOTE_MAX] if reason else None,
    )
    session.add(event)
    change = StatusChange(old, status, event=event)
    notice = NOTICES.get(status)
    if notice and registration.user_id is not None:
        applicant = await session.get(User, registration.user_id)
        if applicant is not None:
            text = notice.format(
                code=registration.code,
                phone=settings.centre_phone or settings.centre_name,
                reason=f" Lý do: {reason}." if reason else "",
            )
            change.notice = Outgoing(
                channel=applicant.channel,
                chat_key=applicant.external_id,
                reply=Reply(text),
                kind="notice",
                user_id=applicant.id,
                notice=Notice(
                    code=registration.code,
                    status=STATUS_LABELS[status],
                    full_name=registration.full_name or "",
                    phone=registration.phone or None,
                ),
            )
    return change


def add_note(
    session: AsyncSession, registration: Registration, actor: str, text: str
) -> AuditEvent:
    event = AuditEvent(
        registration_id=registration.id, actor=actor[:64], action="note", note=text[:NOTE_MAX]
    )
    session.add(event)
    return event


async def queue_notice(session: AsyncSession, key: str, message: Outgoing) -> int | None:
    """Queue a notice outside a chat update (the dashboard); `key` makes it once only."""
    return await outbox.enqueue(
        session,
        key=key,
        channel=message.channel,
        chat_key=message.chat_key,
        kind=message.kind,
        payload=message.payload(),
        user_id=message.user_id,
    )
