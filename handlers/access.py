"""Who is staff, and how staff actions are signed in the audit trail."""

from __future__ import annotations

from handlers.context import Context
from handlers.types import Reply


def is_staff(ctx: Context) -> bool:
    """Members of the staff chat, and the users the channel vouches for (STAFF_IDS)."""
    return ctx.in_staff_chat or ctx.staff_member


def refuse() -> list[Reply]:
    return [Reply("Lệnh này chỉ dành cho cán bộ trung tâm. Bạn gõ /menu để xem các mục nhé.")]


def actor(ctx: Context) -> str:
    """The staff member as the audit trail names them."""
    return f"{ctx.user.channel}:{ctx.user.external_id} {ctx.user.display_name or ''}".strip()
