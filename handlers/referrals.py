"""Referral links for the centre's local network (village heads, commune officers…).

Staff create a referrer (`/gioithieu add Tên | xã`) and get a Telegram deep link and a
QR code to print. A user who starts the bot from it carries the referrer, and so do
their registrations; `/gioithieu` counts users, registrations and departures.
"""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import AuditEvent, Referrer, Registration, User
from handlers.context import Context
from handlers.registration import referral
from handlers.router import ANYWHERE, Router
from handlers.types import Attachment, Incoming, Reply

router = Router("referrals")


async def attribute(ctx: Context, start_args: str) -> None:
    """`/start ref_CODE`: remember the referrer of a user who has none yet."""
    code = referral.parse_start_payload(f"/start {start_args}")
    if code is None or ctx.user.referrer_id is not None:
        return
    referrer = await ctx.session.scalar(select(Referrer).where(Referrer.code == code))
    if referrer is not None:
        ctx.user.referrer_id = referrer.id


@router.command(
    "gioithieu",
    staff=True,
    where=ANYWHERE,
    help="/gioithieu [add Tên | xã]: người giới thiệu, đường dẫn và mã QR",
)
async def command(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    verb, _, rest = args.strip().partition(" ")
    if verb.lower() in ("add", "them"):
        return await add(ctx, rest)
    if verb:
        return [Reply("Cách dùng: /gioithieu (danh sách) hoặc /gioithieu add Tên | xã")]
    return await listing(ctx)


async def add(ctx: Context, text: str) -> list[Reply]:
    name, _, commune = (part.strip() for part in text.partition("|"))
    if not name or len(name) > 100 or len(commune) > 100:
        return [Reply("Cách dùng: /gioithieu add Lò Văn Páo | Xã Bát Xát")]
    existing = set((await ctx.session.scalars(select(Referrer.code))).all())
    referrer = Referrer(code=referral.make_code(name, existing), name=name, commune=commune or None)
    ctx.session.add(referrer)
    await ctx.session.flush()
    ctx.session.add(
        AuditEvent(
            actor=f"{ctx.user.channel}:{ctx.user.external_id}",
            action="referrer",
            note=f"{referrer.code} {name}",
        )
    )
    if not ctx.bot_username:
        return [
            Reply(
                f"Đã tạo người giới thiệu {name}, mã {referrer.code}. "
                "Chưa có tên bot Telegram nên chưa tạo được đường dẫn."
            )
        ]
    link = referral.deep_link(ctx.bot_username, referrer.code)
    qr = Attachment.of(f"gioi-thieu-{referrer.code}.png", referral.qr_png(link), "photo")
    return [
        Reply(
            f"Người giới thiệu: {name}"
            + (f" ({commune})" if commune else "")
            + f"\nMã: {referrer.code}\nĐường dẫn: {link}\nIn mã QR này để phát cho bà con.",
            attachment=qr,
        )
    ]


async def listing(ctx: Context) -> list[Reply]:
    referrers = (await ctx.session.scalars(select(Referrer).order_by(Referrer.id))).all()
    if not referrers:
        return [Reply("Chưa có người giới thiệu nào. Tạo mới: /gioithieu add Tên | xã")]
    users = dict(
        (
            await ctx.session.execute(
                select(User.referrer_id, func.count()).group_by(User.referrer_id)
            )
        ).all()
    )
    registrations = dict(
        (
            await ctx.session.execute(
                select(Registration.referrer_id, func.count()).group_by(Registration.referrer_id)
            )
        ).all()
    )
    departed = dict(
        (
            await ctx.session.execute(
                select(Registration.referrer_id, func.count())
                .where(Registration.status == "da_xuat_canh")
                .group_by(Registration.referrer_id)
            )
        ).all()
    )
    lines = ["Người giới thiệu (người dùng / hồ sơ / đã xuất cảnh):"]
    for r in referrers:
        lines.append(
            f"• {r.code} {r.name}{f' ({r.commune})' if r.commune else ''}: "
            f"{users.get(r.id, 0)} / {registrations.get(r.id, 0)} / {departed.get(r.id, 0)}"
        )
    return [Reply("\n".join(lines))]
