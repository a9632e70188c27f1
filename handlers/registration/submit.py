"""Submitting a registration: commit it with a code, queue the card for the centre.

A new registration, or the owner's update of their open one (`ownership.py` checks the
owner). A phone number already in another person's open registration does not stop the
worker: the registration is stored as its own record, linked to the other
(`duplicate_of_id`), and the staff card shows both side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db.clock import utcnow
from db.models import AuditEvent, Registration
from faq.normalize import fold
from handlers.context import Context
from handlers.menu import MENU_BUTTONS
from handlers.registration import form, ownership
from handlers.registration.actions import SetStatus, WriteNote
from handlers.registration.draft import FLOW, draft, forget_draft
from handlers.registration.statuses import OPEN_STATUSES as OPEN_STATUSES
from handlers.registration.statuses import STATUS_LABELS as STATUS_LABELS
from handlers.staff_chats import route_for
from handlers.types import Button, Outgoing, Reply

NEW = "📝 Đăng ký mới"
UPDATED = "🔄 Cập nhật hồ sơ"


def code_prefix(province: str) -> str:
    """'Lào Cai' → 'LC': the initials of the centre's province."""
    return "".join(word[0] for word in fold(province).split()).upper() or "TT"


def card_text(registration: Registration, heading: str = NEW) -> str:
    """The registration as staff read it: every answered field of the form, in order."""
    rows = [f"{heading} {registration.code}", *form.lines(registration)]
    checks = form.flags(registration)
    if checks:
        rows.append("⚠️ Cần kiểm tra: " + "; ".join(checks))
    return "\n".join(rows)


def same_phone_text(others: Sequence[Registration]) -> str:
    """Registrations of another person with the same phone, to follow a card: staff
    compare them side by side."""
    text = ""
    for other in others:
        status = STATUS_LABELS.get(other.status, other.status)
        text += (
            f"\n\n— Cùng số điện thoại: hồ sơ {other.code} của người khác (trạng thái: "
            f"{status}). Người gửi hồ sơ này không được biết hồ sơ kia.\n"
            + "\n".join(form.lines(other))
        )
    return text


def staff_buttons(registration_id: int) -> tuple[Button, ...]:
    """The buttons under a new card: the next steps staff take most."""
    return (
        Button("📞 Đã liên hệ", SetStatus("da_lien_he", registration_id).pack()),
        Button("📅 Hẹn phỏng vấn", SetStatus("hen_phong_van", registration_id).pack()),
        Button("🚫 Không phù hợp", SetStatus("khong_phu_hop", registration_id).pack()),
        Button("📝 Ghi chú", WriteNote(registration_id).pack()),
    )


async def submit(
    ctx: Context,
    values: dict[str, Any],
    registration: Registration | None = None,
    duplicate_of: Registration | None = None,
) -> list[Reply]:
    """Commit the registration (new: status 'mới'; or the owner's update of `registration`)
    and queue its card for the staff chat."""
    action = "update" if registration is not None else "submit"
    if registration is None:
        registration = Registration(
            user_id=ctx.user.id, status="moi", code="pending", referrer_id=ctx.user.referrer_id
        )
        ctx.session.add(registration)
    else:
        ownership.keep_exact_birth(values, registration)
    form.apply(registration, values)
    registration.duplicate_of_id = duplicate_of.id if duplicate_of is not None else None
    registration.consent_forward_at = utcnow()
    await ctx.session.flush()
    if registration.code == "pending":
        year = utcnow().year
        registration.code = f"{code_prefix(ctx.settings.province)}-{year}-{registration.id:05d}"
    ctx.session.add(
        AuditEvent(
            registration_id=registration.id,
            actor=f"user:{ctx.user.id}",
            action=action,
            to_status=registration.status,
        )
    )
    heading = UPDATED if action == "update" else NEW
    card = card_text(registration, heading) + same_phone_text(
        [duplicate_of] if duplicate_of else []
    )
    buttons = staff_buttons(registration.id)
    route = route_for(ctx, registration.commune_name, registration.province_name)
    ctx.send_to_staff(Reply(card, buttons), kind="registration", route=route)
    if ctx.settings.email_enabled:
        # The same card by e-mail; the outbox key becomes its Message-ID (no duplicates).
        ctx.outgoing.append(
            Outgoing(
                "email",
                ctx.settings.centre_email,
                Reply(card),
                kind="registration",
                user_id=ctx.user.id,
            )
        )
    verb = "cập nhật" if action == "update" else "gửi"
    shared = (
        "\nSố điện thoại này đã có trong một đăng ký khác: cán bộ sẽ kiểm tra."
        if duplicate_of is not None
        else ""
    )
    return [
        Reply(
            f"✅ Đã {verb} đăng ký. Mã hồ sơ của bạn: {registration.code}.\n"
            f"Cán bộ {ctx.settings.centre_name} sẽ gọi cho bạn trong giờ làm việc "
            f"({ctx.settings.centre_hours}). Hãy giữ máy và ghi lại mã hồ sơ.{shared}\n"
            "Lưu ý: đăng ký qua trợ lý này không mất tiền. Không đưa tiền cho ai hứa "
            "«chắc chắn được đi».",
            MENU_BUTTONS,
        )
    ]


async def submit_draft(ctx: Context) -> list[Reply]:
    """The worker pressed «Gửi»: check the draft and the owner, then commit."""
    from handlers.registration.flow import start

    values = draft(ctx)
    if ctx.flow != FLOW or any(f.key not in values and f.needed(values) for f in form.FIELDS):
        return start(ctx)
    # Updating is for the owner only; an id that is not theirs (or no longer open) is
    # ignored and the answers become a registration of their own.
    registration = await ownership.owned(ctx, values.get("replace_id"))
    exclude = registration.id if registration is not None else None
    existing = await ownership.open_for_phone(ctx.session, values["phone"], exclude)
    if existing is not None and existing.user_id == ctx.user.id:
        # The phone was changed at the summary to that of another of their registrations.
        return [ownership.offer_update(existing, values["phone"])]
    replies = await submit(ctx, values, registration, duplicate_of=existing)
    if "news" in values:
        ctx.user.news_opt_in = bool(values["news"])
    # The worker's area, for announcements near them.
    ctx.user.province_name = (values.get("province") or {}).get("name", ctx.user.province_name)
    ctx.user.commune_name = (values.get("commune") or {}).get("name", ctx.user.commune_name)
    if ctx.user.consent_at is None:
        ctx.user.consent_at = utcnow()
    forget_draft(ctx)
    return replies
