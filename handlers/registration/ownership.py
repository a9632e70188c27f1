"""A registration belongs to the person who sent it (the same channel user).

Only the owner may update or withdraw it. A phone number says nothing about anyone
else's registration: a worker who types a number another person has registered learns
nothing (no code, no status, no name), is told kindly that the centre will check, and
their registration is stored as its own record flagged for staff («trùng số điện thoại»).
Every worker button that carries a registration id (`Update`, `Withdraw`,
`ConfirmWithdraw`) is checked against the owner, and answers a stranger exactly as it
answers a stale button.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Registration
from handlers import review
from handlers.context import Context
from handlers.menu import BACK_TO_MENU, MENU_BUTTONS, MainMenu
from handlers.registration import form
from handlers.registration.actions import ConfirmWithdraw, Update, Withdraw
from handlers.registration.draft import FLOW, draft, save
from handlers.registration.questions import CANCEL
from handlers.registration.statuses import OPEN_STATUSES, STATUS_LABELS, WITHDRAWN
from handlers.staff_chats import route_for
from handlers.types import Button, Reply

# Told to a worker whose phone number is already in someone else's registration.
SHARED_PHONE = (
    "Số điện thoại này đã có trong một đăng ký khác. Không sao, bạn cứ làm tiếp: "
    "cán bộ trung tâm sẽ kiểm tra và gọi lại cho bạn."
)
# A button that is not (or no longer) the presser's to use: says nothing about why.
NOT_AVAILABLE = "Nút này không còn dùng được. Gõ /dulieu để xem hồ sơ của bạn."


async def open_for_phone(
    session: AsyncSession, phone: str, exclude: int | None = None
) -> Registration | None:
    """An open registration with this phone number (the oldest), whoever sent it."""
    query = select(Registration).where(
        Registration.phone == phone,
        Registration.status.in_(OPEN_STATUSES),
        Registration.anonymised_at.is_(None),
    )
    if exclude is not None:
        query = query.where(Registration.id != exclude)
    return await session.scalar(query.order_by(Registration.id).limit(1))


async def same_phone(session: AsyncSession, registration: Registration) -> Sequence[Registration]:
    """Registrations of other people with this one's phone number, linked either way
    (`duplicate_of_id`), for staff to see side by side (the chat card and the dashboard)."""
    return (
        await session.scalars(
            select(Registration)
            .where(
                or_(
                    Registration.id == registration.duplicate_of_id,
                    Registration.duplicate_of_id == registration.id,
                )
            )
            .order_by(Registration.id)
        )
    ).all()


async def owned(ctx: Context, registration_id: object) -> Registration | None:
    """The sender's own open registration with this id, or None (not theirs, closed, gone)."""
    if not isinstance(registration_id, int) or isinstance(registration_id, bool):
        return None
    registration = await ctx.session.get(Registration, registration_id)
    if (
        registration is None
        or registration.user_id != ctx.user.id
        or registration.anonymised_at is not None
        or registration.status not in OPEN_STATUSES
    ):
        return None
    return registration


def offer_update(registration: Registration, phone: str) -> Reply:
    """The worker typed the phone of their own open registration: update it instead."""
    return Reply(
        f"Bạn đã có hồ sơ {registration.code} với số {phone} "
        f"(trạng thái: {STATUS_LABELS[registration.status]}).\n"
        "Bạn muốn sửa hồ sơ đó không? Nếu đây là số khác, bạn gõ lại số điện thoại.",
        (
            Button(f"✏️ Sửa hồ sơ {registration.code}", Update(registration.id).pack()),
            CANCEL,
        ),
    )


def keep_exact_birth(values: dict[str, Any], registration: Registration) -> None:
    """A year typed again for a registration that knows the exact date keeps the date."""
    birth = values.get("birth") or {}
    known = registration.birth_date
    if known is not None and not birth.get("date") and birth.get("year") == known.year:
        values["birth"] = {"date": known.isoformat(), "year": known.year}


async def load_for_update(ctx: Context, registration_id: int) -> bool:
    """Make the draft the owner's registration (answers from the row), to edit and resend.

    From the phone step of a new form, the answers given so far win over the row's
    (they are newer), except that a year does not replace a known exact birth date.
    """
    registration = await owned(ctx, registration_id)
    if registration is None:
        return False
    typed = draft(ctx) if ctx.flow == FLOW and ctx.step == "phone" else {}
    values = {
        **form.answers(registration),
        **{key: value for key, value in typed.items() if key in form.BY_KEY},
    }
    keep_exact_birth(values, registration)
    values.update(
        consent=True,
        news=bool(typed.get("news", ctx.user.news_opt_in)),
        replace_id=registration.id,
        replace_code=registration.code,
    )
    save(ctx, values)
    return True


def manage_buttons(registration: Registration) -> tuple[Button, ...]:
    """The owner's buttons for one open registration (shown by /dulieu)."""
    if registration.status not in OPEN_STATUSES:
        return ()
    return (
        Button(f"✏️ Sửa hồ sơ {registration.code}", Update(registration.id).pack()),
        Button(f"↩️ Rút hồ sơ {registration.code}", Withdraw(registration.id).pack()),
    )


async def ask_withdraw(ctx: Context, registration_id: int) -> list[Reply]:
    registration = await owned(ctx, registration_id)
    if registration is None:
        return [Reply(NOT_AVAILABLE, (BACK_TO_MENU,))]
    return [
        Reply(
            f"Bạn muốn rút hồ sơ {registration.code}? Cán bộ sẽ không xử lý hồ sơ này nữa.\n"
            "Sau này muốn đi, bạn đăng ký lại.",
            (
                Button("↩️ Rút hồ sơ", ConfirmWithdraw(registration.id, "yes").pack()),
                Button("Không rút", MainMenu().pack()),
            ),
        )
    ]


async def withdraw(ctx: Context, registration_id: int) -> list[Reply]:
    """The owner withdraws: status «rút hồ sơ» (audited), and staff are told."""
    registration = await owned(ctx, registration_id)
    if registration is None:
        return [Reply(NOT_AVAILABLE, (BACK_TO_MENU,))]
    await review.set_status(
        ctx.session, ctx.settings, registration, WITHDRAWN, f"user:{ctx.user.id}"
    )
    route = route_for(ctx, registration.commune_name, registration.province_name)
    ctx.send_to_staff(
        Reply(f"↩️ Người lao động rút hồ sơ {registration.code} ({registration.full_name})."),
        kind="registration",
        route=route,
    )
    return [Reply(f"Đã rút hồ sơ {registration.code}. Cảm ơn bạn đã báo.", MENU_BUTTONS)]
