"""Centre staff at work in Telegram: review registrations, change status, add notes.

Staff are the users listed in STAFF_IDS (in the staff chat or in their private chat with
the bot), and with STAFF_ACCESS=staff_chat_members every member of the staff chat too.
Everyone else who tries a staff command is told politely that it is for staff.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated

from sqlalchemy import func, select

from db.models import AuditEvent, Referrer, Registration
from faq.normalize import fold
from handlers import review
from handlers.access import actor
from handlers.actions import Action, Text
from handlers.context import Context
from handlers.registration import ownership
from handlers.registration.actions import SetStatus, WriteNote
from handlers.registration.export import to_csv, to_xlsx
from handlers.registration.submit import STATUS_LABELS, card_text, same_phone_text
from handlers.router import ANYWHERE, Router
from handlers.staff_input import (
    MAX_PAGE,
    StaffInputError,
    parse_date,
    parse_page,
    utc_midnight,
)
from handlers.types import Attachment, Button, Incoming, Reply

router = Router("staff")
PAGE_SIZE = 10
NOTE_FLOW = "staff_note"
CODE = re.compile(r"^[A-Za-z]{1,4}-\d{4}-\d{3,}$")


class ListPage(Action, prefix="rl"):
    """«Trang sau» of /dangky; ``status`` is a status code or ``all``."""

    status: Annotated[str, Text(20)]
    page: int


def parse_status(text: str) -> str | None:
    """'hen phong van', 'Hẹn phỏng vấn' or 'hen_phong_van' → 'hen_phong_van'."""
    key = fold(text).replace("_", " ").strip()
    for code, label in STATUS_LABELS.items():
        if key in (fold(label), code.replace("_", " ")):
            return code
    return None


async def find(ctx: Context, code: str) -> Registration | None:
    return await ctx.session.scalar(
        select(Registration).where(func.upper(Registration.code) == code.strip().upper())
    )


def status_buttons(registration: Registration) -> tuple[Button, ...]:
    buttons = [
        Button(f"→ {label}", SetStatus(code, registration.id).pack())
        for code, label in STATUS_LABELS.items()
        if code != registration.status
    ]
    return (*buttons, Button("📝 Ghi chú", WriteNote(registration.id).pack()))


async def change_status(
    ctx: Context, registration: Registration, status: str, reason: str | None = None
) -> list[Reply]:
    change = await review.set_status(
        ctx.session, ctx.settings, registration, status, actor(ctx), reason
    )
    if change.error == "same":
        return [Reply(f"{registration.code} đã ở trạng thái «{STATUS_LABELS[status]}».")]
    if change.error:
        return [Reply(f"{registration.code}: người lao động đã xoá dữ liệu, không đổi được.")]
    told = ""
    if change.notice is not None:
        ctx.outgoing.append(change.notice)
        told = " Đã báo cho người lao động."
    return [
        Reply(
            f"✓ {registration.code}: {STATUS_LABELS[change.old]} → {STATUS_LABELS[status]} "
            f"(bởi {ctx.user.display_name or ctx.user.external_id}).{told}"
        )
    ]


@router.action(SetStatus, staff=True, where=ANYWHERE)
async def status_button(ctx: Context, incoming: Incoming, action: SetStatus) -> list[Reply]:
    registration = await ctx.session.get(Registration, action.registration_id)
    if registration is None or action.status not in STATUS_LABELS:
        return [Reply("Không tìm thấy hồ sơ này.")]
    return await change_status(ctx, registration, action.status)


@router.action(WriteNote, staff=True, where=ANYWHERE)
async def note_button(ctx: Context, incoming: Incoming, action: WriteNote) -> list[Reply]:
    registration = await ctx.session.get(Registration, action.registration_id)
    if registration is None:
        return [Reply("Không tìm thấy hồ sơ này.")]
    ctx.start_flow(NOTE_FLOW, "text", {"registration_id": registration.id})
    return [Reply(f"Gõ ghi chú cho hồ sơ {registration.code} (gõ /huy để thôi).")]


@router.action(ListPage, staff=True, where=ANYWHERE)
async def page_button(ctx: Context, incoming: Incoming, action: ListPage) -> list[Reply]:
    status = None if action.status == "all" else action.status
    if (status is not None and status not in STATUS_LABELS) or not 1 <= action.page <= MAX_PAGE:
        return [Reply("Nút này đã cũ. Gõ /dangky để xem danh sách.")]
    return await list_page(ctx, status, action.page)


async def note_from_flow(ctx: Context, incoming: Incoming) -> list[Reply]:
    registration_id = (ctx.state.data or {}).get("registration_id")
    ctx.end_flow()
    text = (incoming.text or "").strip()
    registration = await ctx.session.get(Registration, registration_id or 0)
    if registration is None or not text:
        return [Reply("Chưa lưu ghi chú (không có nội dung hoặc không thấy hồ sơ).")]
    return add_note(ctx, registration, text)


def _note_flow_start(ctx: Context) -> list[Reply]:
    return [Reply("Bấm «📝 Ghi chú» dưới một hồ sơ để ghi chú.")]


NOTE = router.flow(NOTE_FLOW, _note_flow_start, note_from_flow, where=ANYWHERE, staff=True)


def add_note(ctx: Context, registration: Registration, text: str) -> list[Reply]:
    review.add_note(ctx.session, registration, actor(ctx), text)
    return [Reply(f"✓ Đã ghi chú cho {registration.code}.")]


@router.command(
    "dangky",
    staff=True,
    where=ANYWHERE,
    help="/dangky [trạng thái] [trang]: danh sách hồ sơ",
)
async def list_command(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    words = args.split()
    page = 1
    if words and words[-1].isdigit():
        page = parse_page(words.pop()) or 0
        if not page:
            return [Reply(f"Số trang phải từ 1 đến {MAX_PAGE}, ví dụ /dangky 2")]
    status = parse_status(" ".join(words)) if words else None
    if words and status is None:
        labels = ", ".join(STATUS_LABELS.values())
        return [Reply(f"Không rõ trạng thái «{' '.join(words)}». Có: {labels}.")]
    return await list_page(ctx, status, page)


CodeHandler = Callable[[Context, Registration, str], Awaitable[list[Reply]]]
CommandHandler = Callable[[Context, Incoming, str], Awaitable[list[Reply]]]


def _by_code(name: str, handler: CodeHandler) -> CommandHandler:
    """The commands that name a registration: check the code, find it, then act."""

    async def run(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
        code, _, rest = args.strip().partition(" ")
        if not CODE.match(code):
            return [Reply(f"Cách dùng: /{name} MÃ_HỒ_SƠ …, ví dụ /{name} LC-2026-00042")]
        registration = await find(ctx, code)
        if registration is None:
            return [Reply(f"Không tìm thấy hồ sơ {code}.")]
        return await handler(ctx, registration, rest)

    return run


async def _view(ctx: Context, registration: Registration, rest: str) -> list[Reply]:
    return await detail(ctx, registration)


async def _note(ctx: Context, registration: Registration, rest: str) -> list[Reply]:
    if not rest.strip():
        return [Reply("Cách dùng: /ghichu LC-2026-00042 nội dung ghi chú")]
    return add_note(ctx, registration, rest)


async def _status(ctx: Context, registration: Registration, rest: str) -> list[Reply]:
    status_text, _, reason = rest.partition(";")
    status = parse_status(status_text)
    if status is None:
        labels = ", ".join(STATUS_LABELS.values())
        return [
            Reply(
                f"Cách dùng: /trangthai {registration.code} trạng thái; lý do. "
                f"Trạng thái: {labels}."
            )
        ]
    return await change_status(ctx, registration, status, reason.strip() or None)


router.command("xem", staff=True, where=ANYWHERE, help="/xem MÃ: xem một hồ sơ")(
    _by_code("xem", _view)
)
router.command("ghichu", staff=True, where=ANYWHERE, help="/ghichu MÃ nội dung: thêm ghi chú")(
    _by_code("ghichu", _note)
)
router.command(
    "trangthai", staff=True, where=ANYWHERE, help="/trangthai MÃ trạng thái; lý do: đổi trạng thái"
)(_by_code("trangthai", _status))


@router.command("xuat", staff=True, where=ANYWHERE, help="/xuat [từ ngày] [đến ngày]: xuất Excel")
async def export_command(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    return await export(ctx, args)


async def export(ctx: Context, args: str) -> list[Reply]:
    """/xuat [từ ngày] [đến ngày]: the registrations of that period as XLSX and CSV."""
    usage = "Cách dùng: /xuat [từ ngày] [đến ngày], ví dụ /xuat 1/1/2026 30/6/2026"
    words = args.split()
    if len(words) > 2:
        return [Reply(usage)]
    try:
        dates = [parse_date(w) for w in words]
    except StaffInputError as exc:
        return [Reply(f"{exc}\n{usage}")]
    start = dates[0] if dates else None
    end = dates[1] if len(dates) > 1 else None
    if start and end and end < start:
        return [Reply("Ngày kết thúc phải sau ngày bắt đầu.")]
    query = select(Registration).order_by(Registration.id)
    # Dates are Vietnam dates; the database holds UTC.
    if start:
        query = query.where(Registration.created_at >= utc_midnight(start))
    if end:
        query = query.where(Registration.created_at < utc_midnight(end + timedelta(days=1)))
    rows = list((await ctx.session.scalars(query)).all())
    names = dict((await ctx.session.execute(select(Referrer.id, Referrer.name))).all())
    period = f"{start:%d/%m/%Y}" if start else "đầu"
    period += f" – {end:%d/%m/%Y}" if end else " – nay"
    stamp = f"{start or 'dau'}_{end or 'nay'}".replace("-", "")
    ctx.session.add(
        AuditEvent(actor=actor(ctx), action="export", note=f"{len(rows)} hồ sơ, {period}")
    )
    return [
        Reply(
            f"Danh sách đăng ký ({period}): {len(rows)} hồ sơ.",
            attachment=Attachment.of(
                f"dang-ky_{stamp}.xlsx", to_xlsx(rows, names, f"Đăng ký {period}")
            ),
        ),
        Reply(
            "Bản CSV (mở bằng Excel):",
            attachment=Attachment.of(f"dang-ky_{stamp}.csv", to_csv(rows, names)),
        ),
    ]


async def list_page(ctx: Context, status: str | None, page: int) -> list[Reply]:
    query = select(Registration).where(Registration.anonymised_at.is_(None))
    if status:
        query = query.where(Registration.status == status)
    total = await ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    rows = (
        await ctx.session.scalars(
            query.order_by(Registration.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        )
    ).all()
    what = f"«{STATUS_LABELS[status]}»" if status else "tất cả"
    if not rows:
        return [Reply(f"Không có hồ sơ nào ({what}, trang {page}).")]
    lines = [f"Hồ sơ {what}: {total} hồ sơ, trang {page}/{-(-total // PAGE_SIZE)}"]
    for r in rows:
        lines.append(
            f"• {r.code} · {r.full_name} · {r.phone} · {r.market} · "
            f"{STATUS_LABELS.get(r.status, r.status)} · {r.created_at:%d/%m}"
        )
    buttons = []
    if page * PAGE_SIZE < total:
        buttons.append(Button("Trang sau ▶", ListPage(status or "all", page + 1).pack()))
    return [Reply("\n".join(lines) + "\nXem một hồ sơ: /xem MÃ", tuple(buttons))]


async def detail(ctx: Context, registration: Registration) -> list[Reply]:
    events = (
        await ctx.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.registration_id == registration.id)
            .order_by(AuditEvent.id)
        )
    ).all()
    history = []
    for event in events:
        when = f"{event.created_at:%d/%m %H:%M}"
        if event.action == "status":
            history.append(
                f"{when} {STATUS_LABELS.get(event.from_status or '', '?')} → "
                f"{STATUS_LABELS.get(event.to_status or '', '?')} ({event.actor})"
                + (f": {event.note}" if event.note else "")
            )
        elif event.action == "note":
            history.append(f"{when} 📝 {event.note} ({event.actor})")
        else:
            history.append(f"{when} {event.action} ({event.actor})")
    same_phone = await ownership.same_phone(ctx.session, registration)
    text = (
        card_text(registration, "📄 Hồ sơ")
        + f"\nTrạng thái: {STATUS_LABELS.get(registration.status, registration.status)}"
        + ("\nLịch sử:\n" + "\n".join(history) if history else "")
    )
    text += same_phone_text(same_phone)  # another person's, with the same phone: to compare
    return [Reply(text, status_buttons(registration))]
