"""The worker's own data (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15): see it, delete it.

/dulieu shows everything we hold about the sender (`db/held.py`), the staff's notes on
their registrations included. /xoadulieu, after a confirmation, erases it all: the
inbox processor runs `db.erasure.erase_user` once the turn's replies are queued
(`Context.forget_user`); Zalo's `user_withdraw` presses the same button.
"""

from __future__ import annotations

from sqlalchemy import select

from db.held import Held, held
from db.models import Registration
from handlers.actions import Action
from handlers.context import Context
from handlers.menu import BACK_TO_MENU, MENU_BUTTONS, MainMenu
from handlers.registration import form, ownership
from handlers.registration.fields import MARKETS
from handlers.registration.flow import draft
from handlers.registration.statuses import STATUS_LABELS
from handlers.router import Router
from handlers.types import Button, Incoming, Reply

router = Router("privacy")


class ConfirmErase(Action, prefix="privacy:erase:yes"):
    """The worker confirmed: erase everything we hold about them."""


CONFIRM = Button("🗑️ Xoá hết dữ liệu của tôi", ConfirmErase().pack())
KEEP = Button("Không xoá", MainMenu().pack())


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
    """Everything held about the sender: their user row, registrations with the staff's
    notes, subscriptions, messages, questions, hand-offs, fairs and a draft."""
    user = ctx.user
    regs = await _registrations(ctx)
    found = await held(ctx.session, user, [r.id for r in regs])
    lines = [
        "Dữ liệu chúng tôi đang giữ về bạn:",
        f"• Tên hiển thị: {user.display_name or '(không có)'}",
        f"• Kênh: {user.channel}, bắt đầu trò chuyện: {user.created_at:%d/%m/%Y}",
    ]
    buttons: list[Button] = []
    for reg in regs:
        lines.append(f"• Hồ sơ {reg.code} ({STATUS_LABELS.get(reg.status, reg.status)}):")
        lines += [f"  {line}" for line in form.lines(reg)]
        lines += [
            f"  Cán bộ ghi ({when:%d/%m/%Y}): {note}" for when, note in found.notes.get(reg.id, [])
        ]
        buttons += ownership.manage_buttons(reg)  # only the sender's own registrations
    lines += _news_lines(ctx) + _activity_lines(found)
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


def _news_lines(ctx: Context) -> list[str]:
    user = ctx.user
    lines = ["• Nhận tin phiên giao dịch việc làm: " + ("Có" if user.news_opt_in else "Không")]
    labels = {option.code: option.label for option in MARKETS}
    if user.interests:
        chosen = ", ".join(labels.get(str(code), str(code)) for code in user.interests)
        lines.append(f"  Nước quan tâm: {chosen}")
    area = ", ".join(a for a in (user.commune_name, user.province_name) if a)
    if area:
        lines.append(f"  Nơi ở để nhận tin: {area}")
    return lines


def _activity_lines(found: Held) -> list[str]:
    lines = [f"• Tin nhắn bạn đã gửi cho trung tâm: {found.messages}"]
    if found.conversations:
        lines.append(
            f"• Trò chuyện với cán bộ: {found.conversations} lần, "
            f"{found.conversation_messages} tin nhắn"
        )
    if found.questions:
        lines.append("• Câu hỏi bạn hỏi mà chưa có câu trả lời (giữ để bổ sung):")
        lines += [f"  «{text}»" for text in found.questions]
    lines += [f"• Quan tâm phiên: {title} ({when:%d/%m/%Y})" for title, when in found.fairs]
    if found.broadcasts:
        lines.append(f"• Thông báo trung tâm đã gửi bạn: {found.broadcasts}")
    return lines


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


@router.action(ConfirmErase)
async def erase(ctx: Context, incoming: Incoming, action: ConfirmErase) -> list[Reply]:
    # The inbox processor erases everything (`db.erasure.erase_user`) once this turn's
    # replies are queued: they still go to the worker, then their chat is forgotten.
    ctx.forget_user = True
    return [
        Reply(
            "Đã xoá dữ liệu cá nhân của bạn. Cảm ơn bạn đã dùng dịch vụ.\n"
            "Nếu nhắn tiếp, bạn sẽ được coi là người dùng mới.",
            MENU_BUTTONS,
        )
    ]
