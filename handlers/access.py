"""Who is staff, and how staff actions are signed in the audit trail."""

from __future__ import annotations

from handlers.context import Context
from handlers.types import Incoming, Reply


def is_staff(ctx: Context) -> bool:
    """The users the channel vouches for (Telegram: STAFF_IDS); with
    STAFF_ACCESS=staff_chat_members, also every member of the staff chat."""
    if ctx.in_staff_chat and ctx.settings.staff_access == "staff_chat_members":
        return True
    return ctx.staff_member


def refuse() -> list[Reply]:
    return [Reply("Lệnh này chỉ dành cho cán bộ trung tâm. Bạn gõ /menu để xem các mục nhé.")]


def refuse_in_staff_chat(incoming: Incoming) -> list[Reply]:
    """A member of the staff chat who is not staff: say how to get the right."""
    return [
        Reply(
            "Bạn chưa có quyền dùng lệnh và nút của cán bộ. "
            f"Hãy nhờ quản trị viên thêm mã Telegram của bạn ({incoming.user_key}) "
            "vào danh sách cán bộ (STAFF_IDS)."
        )
    ]


def actor(ctx: Context) -> str:
    """The staff member as the audit trail names them."""
    return f"{ctx.user.channel}:{ctx.user.external_id} {ctx.user.display_name or ''}".strip()
