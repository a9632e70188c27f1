"""Who is staff, and how staff actions are signed in the audit trail."""

from __future__ import annotations

from handlers.context import Context
from handlers.types import Incoming, Reply


def is_staff(ctx: Context, incoming: Incoming) -> bool:
    """Members of the staff chat and the users listed in STAFF_IDS."""
    if ctx.in_staff_chat:
        return True
    return incoming.channel == "telegram" and incoming.user_key in {
        str(i) for i in ctx.settings.staff_ids
    }


def refuse() -> list[Reply]:
    return [Reply("Lệnh này chỉ dành cho cán bộ trung tâm. Bạn gõ /menu để xem các mục nhé.")]


def actor(ctx: Context) -> str:
    """The staff member as the audit trail names them."""
    return f"{ctx.user.channel}:{ctx.user.external_id} {ctx.user.display_name or ''}".strip()
