"""Submitting a registration: commit it with a code, queue the card for the centre."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.clock import utcnow
from db.models import AuditEvent, Registration
from faq.normalize import fold
from handlers.context import Context
from handlers.menu import MENU_BUTTONS
from handlers.registration import form
from handlers.routing import route_for
from handlers.types import Button, Outgoing, Reply

# Statuses in which a registration is still open (one per phone number).
OPEN_STATUSES = ("moi", "da_lien_he", "hen_phong_van", "dang_dao_tao")
STATUS_LABELS = {
    "moi": "mới",
    "da_lien_he": "đã liên hệ",
    "hen_phong_van": "hẹn phỏng vấn",
    "dang_dao_tao": "đang đào tạo",
    "da_xuat_canh": "đã xuất cảnh",
    "khong_phu_hop": "không phù hợp",
    "rut_ho_so": "rút hồ sơ",
}


def code_prefix(province: str) -> str:
    """'Lào Cai' → 'LC': the initials of the centre's province."""
    return "".join(word[0] for word in fold(province).split()).upper() or "TT"


async def open_registration_for_phone(ctx: Context, phone: str) -> Registration | None:
    return await ctx.session.scalar(
        select(Registration).where(
            Registration.phone == phone,
            Registration.status.in_(OPEN_STATUSES),
            Registration.anonymised_at.is_(None),
        )
    )


def card_text(registration: Registration, heading: str = "📝 Đăng ký mới") -> str:
    """The registration as staff read it: every answered field of the form, in order."""
    return "\n".join([f"{heading} {registration.code}", *form.lines(registration)])


STAFF_BUTTONS = (
    Button("📞 Đã liên hệ", "rs:da_lien_he"),
    Button("📅 Hẹn phỏng vấn", "rs:hen_phong_van"),
    Button("🚫 Không phù hợp", "rs:khong_phu_hop"),
    Button("📝 Ghi chú", "rn"),
)


async def submit(ctx: Context, values: dict[str, Any], update_id: int | None = None) -> list[Reply]:
    """Commit the registration (status 'mới') and queue its card for the staff chat."""
    registration: Registration | None = None
    if update_id is not None:
        registration = await ctx.session.get(Registration, update_id)
    action = "update" if registration is not None else "submit"
    if registration is None:
        registration = Registration(
            user_id=ctx.user.id, status="moi", code="pending", referrer_id=ctx.user.referrer_id
        )
        ctx.session.add(registration)
    form.apply(registration, values)
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
    card = card_text(registration)
    buttons = tuple(Button(b.label, f"{b.action}:{registration.id}") for b in STAFF_BUTTONS)
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
    return [
        Reply(
            f"✅ Đã {verb} đăng ký. Mã hồ sơ của bạn: {registration.code}.\n"
            f"Cán bộ {ctx.settings.centre_name} sẽ gọi cho bạn trong giờ làm việc "
            f"({ctx.settings.centre_hours}). Hãy giữ máy và ghi lại mã hồ sơ.\n"
            "Lưu ý: đăng ký qua trợ lý này không mất tiền. Không đưa tiền cho ai hứa "
            "«chắc chắn được đi».",
            MENU_BUTTONS,
        )
    ]


async def submit_draft(ctx: Context) -> list[Reply]:
    """The worker pressed «Gửi»: check the draft, one open registration per phone."""
    from handlers.registration.flow import DRAFT, FLOW, draft, forget_draft, start

    values = draft(ctx)
    if ctx.flow != FLOW or any(f.key not in values and f.needed(values) for f in form.FIELDS):
        return start(ctx)
    existing = await open_registration_for_phone(ctx, values["phone"])
    replace_id = values.get("replace_id")
    if existing is not None and existing.id != replace_id:
        values["replace_id"] = existing.id
        ctx.state.data = {**ctx.state.data, DRAFT: values}
        return [
            Reply(
                f"Số điện thoại {values['phone']} đã có hồ sơ {existing.code} "
                f"(trạng thái: {STATUS_LABELS[existing.status]}).\n"
                "Bạn muốn cập nhật hồ sơ đó bằng thông tin mới không?",
                (
                    Button("🔄 Cập nhật hồ sơ cũ", "reg:submit"),
                    Button("✏️ Sửa", "reg:edit"),
                    Button("✖️ Dừng đăng ký", "reg:cancel"),
                ),
            )
        ]
    replies = await submit(ctx, values, update_id=replace_id)
    if "news" in values:
        ctx.user.news_opt_in = bool(values["news"])
    # The worker's area, for announcements near them.
    ctx.user.province_name = (values.get("province") or {}).get("name", ctx.user.province_name)
    ctx.user.commune_name = (values.get("commune") or {}).get("name", ctx.user.commune_name)
    if ctx.user.consent_at is None:
        ctx.user.consent_at = utcnow()
    forget_draft(ctx)
    return replies
