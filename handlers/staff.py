"""Centre staff at work in Telegram: review registrations, change status, add notes.

Staff are the users listed in STAFF_IDS (in the staff chat or in their private chat with
the bot), and with STAFF_ACCESS=staff_chat_members every member of the staff chat too.
Everyone else who tries a staff command is told politely that it is for staff.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from db.models import AuditEvent, Referrer, Registration
from faq.normalize import fold
from handlers import broadcast_compose, job_fairs, referrals, review
from handlers.context import Context
from handlers.registration.export import to_csv, to_xlsx
from handlers.registration.submit import STATUS_LABELS, card_text
from handlers.staff_input import (
    MAX_PAGE,
    StaffInputError,
    parse_date,
    parse_id,
    parse_page,
    utc_midnight,
)
from handlers.types import Attachment, Button, Incoming, Reply

COMMANDS = frozenset(
    {"dangky", "xem", "ghichu", "trangthai", "xuat", "faqreload", "gioithieu", "phien", "thongbao"}
)
PAGE_SIZE = 10
NOTE_FLOW = "staff_note"
CODE = re.compile(r"^[A-Za-z]{1,4}-\d{4}-\d{3,}$")


def is_staff(ctx: Context, incoming: Incoming) -> bool:
    if ctx.in_staff_chat and ctx.settings.staff_access == "staff_chat_members":
        return True
    # STAFF_IDS are user ids on the staff chat's platform (Telegram).
    channel = ctx.staff.channel if ctx.staff is not None else "telegram"
    return incoming.channel == channel and incoming.user_key in {
        str(i) for i in ctx.settings.staff_ids
    }


def refuse() -> list[Reply]:
    return [Reply("Lệnh này chỉ dành cho cán bộ trung tâm. Bạn gõ /menu để xem các mục nhé.")]


def refuse_in_staff_chat(incoming: Incoming) -> list[Reply]:
    """A member of the staff chat who is not in STAFF_IDS: say how to get the right."""
    return [
        Reply(
            "Bạn chưa có quyền dùng lệnh và nút của cán bộ. "
            f"Hãy nhờ quản trị viên thêm mã Telegram của bạn ({incoming.user_key}) "
            "vào danh sách cán bộ (STAFF_IDS)."
        )
    ]


def actor(ctx: Context) -> str:
    return f"{ctx.user.channel}:{ctx.user.external_id} {ctx.user.display_name or ''}".strip()


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
        Button(f"→ {label}", f"rs:{code}:{registration.id}")
        for code, label in STATUS_LABELS.items()
        if code != registration.status
    ]
    return (*buttons, Button("📝 Ghi chú", f"rn:{registration.id}"))


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


async def on_action(ctx: Context, incoming: Incoming, action: str) -> list[Reply]:
    if not is_staff(ctx, incoming):
        return refuse()
    parts = action.split(":")
    number = parse_id(parts[-1])
    if parts[0] == "rs" and len(parts) == 3 and number is not None and parts[1] in STATUS_LABELS:
        registration = await ctx.session.get(Registration, number)
        if registration is None:
            return [Reply("Không tìm thấy hồ sơ này.")]
        return await change_status(ctx, registration, parts[1])
    if parts[0] == "rn" and len(parts) == 2 and number is not None:
        registration = await ctx.session.get(Registration, number)
        if registration is None:
            return [Reply("Không tìm thấy hồ sơ này.")]
        ctx.start_flow(NOTE_FLOW, "text", {"registration_id": registration.id})
        return [Reply(f"Gõ ghi chú cho hồ sơ {registration.code} (gõ /huy để thôi).")]
    if parts[0] == "bc":
        return await broadcast_compose.on_action(ctx, incoming, action)
    page = parse_page(parts[-1])
    if parts[0] == "rl" and len(parts) == 3 and page is not None:
        status = None if parts[1] == "all" else parts[1]
        if status is None or status in STATUS_LABELS:
            return await list_page(ctx, status, page)
    return [Reply("Nút này đã cũ. Gõ /dangky để xem danh sách.")]


async def note_from_flow(ctx: Context, incoming: Incoming) -> list[Reply]:
    registration_id = (ctx.state.data or {}).get("registration_id")
    ctx.end_flow()
    text = (incoming.text or "").strip()
    registration = await ctx.session.get(Registration, registration_id or 0)
    if registration is None or not text:
        return [Reply("Chưa lưu ghi chú (không có nội dung hoặc không thấy hồ sơ).")]
    return add_note(ctx, registration, text)


def add_note(ctx: Context, registration: Registration, text: str) -> list[Reply]:
    review.add_note(ctx.session, registration, actor(ctx), text)
    return [Reply(f"✓ Đã ghi chú cho {registration.code}.")]


async def command(ctx: Context, incoming: Incoming, name: str, args: str) -> list[Reply]:
    if not is_staff(ctx, incoming):
        return refuse()
    if name == "dangky":
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
    if name in ("xem", "ghichu", "trangthai"):
        code, _, rest = args.strip().partition(" ")
        if not CODE.match(code):
            return [Reply(f"Cách dùng: /{name} MÃ_HỒ_SƠ …, ví dụ /{name} LC-2026-00042")]
        registration = await find(ctx, code)
        if registration is None:
            return [Reply(f"Không tìm thấy hồ sơ {code}.")]
        if name == "xem":
            return await detail(ctx, registration)
        if name == "ghichu":
            return (
                add_note(ctx, registration, rest)
                if rest.strip()
                else [Reply("Cách dùng: /ghichu LC-2026-00042 nội dung ghi chú")]
            )
        status_text, _, reason = rest.partition(";")
        status = parse_status(status_text)
        if status is None:
            labels = ", ".join(STATUS_LABELS.values())
            return [Reply(f"Cách dùng: /trangthai {code} trạng thái; lý do. Trạng thái: {labels}.")]
        return await change_status(ctx, registration, status, reason.strip() or None)
    if name == "xuat":
        return await export(ctx, args)
    if name == "gioithieu":
        return await referrals.command(ctx, args)
    if name == "phien":
        return await job_fairs.staff_command(ctx, args, actor(ctx))
    if name == "thongbao":
        return broadcast_compose.start(ctx)
    return [Reply("Lệnh này đang được chuẩn bị.")]


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
        buttons.append(Button("Trang sau ▶", f"rl:{status or 'all'}:{page + 1}"))
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
    text = (
        card_text(registration).replace("📝 Đăng ký mới", "📄 Hồ sơ")
        + f"\nTrạng thái: {STATUS_LABELS.get(registration.status, registration.status)}"
        + ("\nLịch sử:\n" + "\n".join(history) if history else "")
    )
    return [Reply(text, status_buttons(registration))]
