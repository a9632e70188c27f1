"""The worker's own data (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15): see it, delete it.

/dulieu shows everything we hold about the sender. /xoadulieu, after a confirmation,
anonymises their registrations (commune, market and status stay for the centre's
statistics), and the dispatcher then erases the user record, the conversation state and
the texts of their past messages (`Context.forget_user`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import utcnow
from db.models import AuditEvent, Registration
from handlers.actions import Action
from handlers.context import Context
from handlers.menu import BACK_TO_MENU, MENU_BUTTONS, MainMenu
from handlers.registration import form, ownership
from handlers.registration.flow import draft
from handlers.registration.submit import STATUS_LABELS
from handlers.router import Router
from handlers.types import Button, Incoming, Reply

router = Router("privacy")


class ConfirmErase(Action, prefix="privacy:erase:yes"):
    """The worker confirmed: erase everything we hold about them."""


CONFIRM = Button("🗑️ Xoá hết dữ liệu của tôi", ConfirmErase().pack())
KEEP = Button("Không xoá", MainMenu().pack())
# Cleared on erasure (declared with the form's fields); code, status, province, commune,
# market and dates stay for statistics.
PERSONAL = form.PERSONAL_COLUMNS


async def _registrations(ctx: Context) -> list[Registration]:
    rows = await ctx.session.scalars(
        select(Registration)
        .where(Registration.user_id == ctx.user.id, Registration.anonymised_at.is_(None))
        .order_by(Registration.id)
    )
    return list(rows.all())


@router.command("dulieu", help="/dulieu: xem dữ liệu trung tâm đang giữ về bạn")
async def show_command(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    return await show(ctx)


async def show(ctx: Context) -> list[Reply]:
    lines = [
        "Dữ liệu chúng tôi đang giữ về bạn:",
        f"• Tên hiển thị: {ctx.user.display_name or '(không có)'}",
        f"• Kênh: {ctx.user.channel}, bắt đầu trò chuyện: {ctx.user.created_at:%d/%m/%Y}",
    ]
    buttons: list[Button] = []
    for reg in await _registrations(ctx):
        lines.append(f"• Hồ sơ {reg.code} ({STATUS_LABELS.get(reg.status, reg.status)}):")
        lines += [f"  {line}" for line in form.lines(reg)]
        buttons += ownership.manage_buttons(reg)  # only the sender's own registrations
    lines.append(
        "• Nhận tin phiên giao dịch việc làm: " + ("Có" if ctx.user.news_opt_in else "Không")
    )
    if ctx.user.listen_language:  # it may say which people the worker belongs to
        label = ctx.settings.voice_language_labels.get(ctx.user.listen_language)
        lines.append(f"• Tiếng bạn chọn để nghe câu trả lời: {label or ctx.user.listen_language}")
    values = draft(ctx)
    if values:
        answered = [f for f in form.FIELDS if f.key in values]
        lines.append(f"• Bản đăng ký đang làm dở: {len(answered)} câu đã trả lời.")
        lines += [f"  {f.label}: {f.show(values[f.key])}" for f in answered]
    lines.append("Muốn xoá tất cả, gõ /xoadulieu.")
    return [Reply("\n".join(lines), (*buttons, BACK_TO_MENU))]


@router.command("xoadulieu", help="/xoadulieu: xoá dữ liệu của bạn")
def ask_erase(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    return [
        Reply(
            "Bạn muốn xoá toàn bộ dữ liệu cá nhân của bạn?\n"
            "• Hồ sơ đăng ký sẽ bị xoá tên, ngày sinh, số điện thoại, dân tộc…; "
            "trung tâm chỉ giữ lại số liệu thống kê (xã, nước muốn đi) không biết là ai.\n"
            "• Cán bộ sẽ không liên lạc với bạn về hồ sơ cũ nữa.\n"
            "Việc này không làm lại được.",
            (CONFIRM, KEEP),
        )
    ]


def anonymise(
    session: AsyncSession,
    registrations: Iterable[Registration],
    actor: str,
    action: str = "erase",
    note: str | None = None,
) -> int:
    """Clear the personal columns of these registrations, each with an audit event.

    Used by erasure on request and by `python -m bot retention purge`."""
    now = utcnow()
    count = 0
    for reg in registrations:
        for column in PERSONAL:
            setattr(reg, column, None)
        reg.anonymised_at = now
        session.add(AuditEvent(registration_id=reg.id, actor=actor, action=action, note=note))
        count += 1
    return count


@router.action(ConfirmErase)
async def erase(ctx: Context, incoming: Incoming, action: ConfirmErase) -> list[Reply]:
    anonymise(ctx.session, await _registrations(ctx), actor="applicant")
    ctx.forget_user = True
    return [
        Reply(
            "Đã xoá dữ liệu cá nhân của bạn. Cảm ơn bạn đã dùng dịch vụ.\n"
            "Nếu nhắn tiếp, bạn sẽ được coi là người dùng mới.",
            MENU_BUTTONS,
        )
    ]
