"""Job fairs (phiên giao dịch việc làm): staff create them, workers see them and follow.

Staff write a fair as "key: value" lines in the staff chat (`/phien add`, `/phien sua ID`,
`/phien huy ID`, `/phien`). Workers see upcoming fairs, those in their province first,
and press «Quan tâm» for a reminder the day before (kept in `fair_interests`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from db.clock import utcnow
from db.models import FairInterest, JobFair
from db.upsert import insert_ignore
from faq import intents
from faq.normalize import fold
from handlers.access import actor
from handlers.actions import Action
from handlers.context import Context
from handlers.menu import BACK_TO_MENU, OpenJobFairs
from handlers.registration import fields, places
from handlers.router import ANYWHERE, Router
from handlers.staff_input import parse_id
from handlers.subscriptions import Subscribe, Unsubscribe
from handlers.types import Button, Incoming, Reply

router = Router("job_fairs")


class FollowFair(Action, prefix="fair:int"):
    """«Quan tâm, nhắc tôi»: a reminder the day before this fair."""

    fair_id: int


MORE_FAIRS = Button("📅 Xem phiên khác", OpenJobFairs().pack())

VIETNAM = timedelta(hours=7)
SHOWN = 5
FIELDS = {
    "ten": "title", "tieu de": "title", "thoi gian": "starts_at", "ngay": "starts_at",
    "tinh": "province", "xa": "commune", "phuong": "commune", "xa phuong": "commune",
    "dia chi": "address", "dia diem": "address", "ban do": "map_url", "thi truong": "markets",
    "nuoc": "markets", "doanh nghiep": "recruiters", "cong ty": "recruiters", "ghi chu": "note",
}  # fmt: skip
USAGE = (
    "Cách dùng (mỗi dòng một mục):\n/phien add\nTên: Phiên giao dịch việc làm tháng 12\n"
    "Thời gian: 15/12/2026 08:00\nTỉnh: Lào Cai\nXã: Bát Xát\nĐịa chỉ: Nhà văn hoá xã\n"
    "Bản đồ: (đường dẫn, không bắt buộc)\nThị trường: Hàn Quốc, Nhật Bản\n"
    "Doanh nghiệp: tên các doanh nghiệp tham gia\nGhi chú: …\n"
    "Sửa: /phien sua SỐ (chỉ các dòng cần sửa). Huỷ: /phien huy SỐ."
)


def to_utc(local: datetime) -> datetime:
    return local - VIETNAM


def to_local(utc: datetime) -> datetime:
    return utc + VIETNAM


# --- staff -----------------------------------------------------------------------------
def parse_fair(text: str) -> tuple[dict[str, Any], list[str]]:
    """'Key: value' lines → column values, and the problems found (in Vietnamese)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep or not value.strip():
            continue
        name = FIELDS.get(fold(key).strip())
        if name is None:
            problems.append(f"Không hiểu mục «{key.strip()}».")
            continue
        read = _READERS.get(name)
        if read is None:
            values[name] = value.strip()[:500]
        else:
            read(value.strip(), values, problems)
    return values, problems


def _read_time(value: str, values: dict[str, Any], problems: list[str]) -> None:
    when = _parse_time(value)
    if when is None:
        problems.append("Thời gian ghi như 15/12/2026 08:00.")
    else:
        values["starts_at"] = to_utc(when)


def _read_province(value: str, values: dict[str, Any], problems: list[str]) -> None:
    found = places.find_provinces(value, limit=1)
    if found and found[0].score >= 85:
        values["province_name"] = found[0].name
    else:
        problems.append(f"Không tìm thấy tỉnh «{value}».")


def _read_commune(value: str, values: dict[str, Any], problems: list[str]) -> None:
    values["commune_text"] = value  # found once the province is known (_resolve_commune)


def _read_markets(value: str, values: dict[str, Any], problems: list[str]) -> None:
    codes = []
    for item in value.split(","):
        option = fields.match_choice(fields.MARKETS, item)
        if option is None:
            problems.append(f"Không rõ thị trường «{item.strip()}».")
        else:
            codes.append(option.code)
    values["markets"] = codes


# Lines that are more than text: how each is read (the others are kept as typed).
_READERS: dict[str, Callable[[str, dict[str, Any], list[str]], None]] = {
    "starts_at": _read_time,
    "province": _read_province,
    "commune": _read_commune,
    "markets": _read_markets,
}


def _parse_time(text: str) -> datetime | None:
    for pattern in ("%d/%m/%Y %H:%M", "%d/%m/%Y %Hh%M", "%d/%m/%Y %Hh", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    return None


def _resolve_commune(values: dict[str, Any], fair: JobFair, problems: list[str]) -> None:
    text = values.pop("commune_text", None)
    if text is None:
        return
    province = places.find_provinces(values.get("province_name") or fair.province_name or "", 1)
    found = places.find_communes(text, province[0].code if province else None, limit=1)
    if found and found[0].score >= 85:
        fair.commune_name = found[0].name
        fair.province_name = found[0].province_name
    else:
        problems.append(f"Không tìm thấy xã/phường «{text}».")


@router.command(
    "phien", staff=True, where=ANYWHERE, help="/phien: phiên giao dịch việc làm (add, sua, huy)"
)
async def staff_command(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    verb, _, rest = args.strip().partition("\n")
    words = verb.split()
    action = fold(words[0]) if words else ""
    if action in ("", "ds", "danh sach"):
        return await staff_list(ctx)
    if action in ("add", "them"):
        return await _save(ctx, JobFair(created_by=actor(ctx), markets=[]), rest, new=True)
    if action in ("sua", "huy") and len(words) > 1 and words[1].isdigit():
        number = parse_id(words[1])
        fair = await ctx.session.get(JobFair, number) if number is not None else None
        if fair is None:
            return [Reply(f"Không có phiên số {words[1]}.")]
        if action == "huy":
            fair.cancelled_at = utcnow()
            return [Reply(f"Đã huỷ phiên #{fair.id}: {fair.title}.")]
        return await _save(ctx, fair, rest, new=False)
    return [Reply(USAGE)]


def apply(fair: JobFair, text: str, new: bool) -> list[str]:
    """Set a fair from 'key: value' lines (chat or dashboard); the problems, if any."""
    values, problems = parse_fair(text)
    _resolve_commune(values, fair, problems)
    if new and ("title" not in values or "starts_at" not in values):
        problems.append("Cần ít nhất Tên và Thời gian.")
    if not problems:
        for key, value in values.items():
            setattr(fair, key, value)
    return problems


async def _save(ctx: Context, fair: JobFair, text: str, new: bool) -> list[Reply]:
    problems = apply(fair, text, new)
    if problems:
        return [Reply("Chưa lưu:\n• " + "\n• ".join(problems) + "\n\n" + USAGE)]
    if new:
        ctx.session.add(fair)
    await ctx.session.flush()
    verb = "Đã tạo" if new else "Đã sửa"
    return [Reply(f"{verb} phiên #{fair.id}.\n{describe(fair)}")]


async def staff_list(ctx: Context) -> list[Reply]:
    fairs = await upcoming(ctx, limit=20)
    if not fairs:
        return [Reply("Chưa có phiên nào sắp tới. Tạo mới:\n" + USAGE)]
    return [
        Reply(
            "Các phiên sắp tới:\n"
            + "\n".join(f"#{f.id} {to_local(f.starts_at):%d/%m %H:%M} {f.title}" for f in fairs)
        )
    ]


# --- workers ---------------------------------------------------------------------------
def describe(fair: JobFair) -> str:
    place = ", ".join(p for p in (fair.address, fair.commune_name, fair.province_name) if p)
    markets = ", ".join(o.label for o in fields.MARKETS if o.code in (fair.markets or []))
    lines = [f"📅 {fair.title}", f"🕗 {to_local(fair.starts_at):%H:%M, ngày %d/%m/%Y}"]
    if place:
        lines.append(f"📍 {place}")
    if fair.map_url:
        lines.append(f"🗺️ {fair.map_url}")
    if markets:
        lines.append(f"🌏 Thị trường: {markets}")
    if fair.recruiters:
        lines.append(f"🏢 Doanh nghiệp tham gia: {fair.recruiters}")
    if fair.note:
        lines.append(f"ℹ️ {fair.note}")
    return "\n".join(lines)


async def upcoming(ctx: Context, limit: int = SHOWN) -> list[JobFair]:
    rows = (
        await ctx.session.scalars(
            select(JobFair)
            .where(JobFair.starts_at > utcnow(), JobFair.cancelled_at.is_(None))
            .order_by(JobFair.starts_at)
            .limit(50)
        )
    ).all()
    home = ctx.user.province_name
    # Nearest first (the worker's province), then soonest.
    return sorted(rows, key=lambda f: (f.province_name != home, f.starts_at))[:limit]


@router.action(OpenJobFairs)
async def show_fairs(ctx: Context, incoming: Incoming, action: OpenJobFairs) -> list[Reply]:
    ctx.end_flow()
    return await show(ctx)


@router.text("job_fairs")
async def asked_for_fairs(ctx: Context, incoming: Incoming, text: str) -> list[Reply] | None:
    """«bao giờ có phiên giao dịch việc làm»: the list, as the menu button shows it."""
    if "job_fairs" not in intents.detect(text):
        return None
    return await show(ctx)


async def show(ctx: Context) -> list[Reply]:
    fairs = await upcoming(ctx)
    subscribe = (
        Button("🔕 Thôi nhận tin", Unsubscribe().pack())
        if ctx.user.news_opt_in
        else Button("🔔 Nhận tin phiên mới", Subscribe().pack())
    )
    if not fairs:
        return [
            Reply(
                "Hiện chưa có phiên giao dịch việc làm nào sắp tới.\n"
                "Bật nhận tin để được báo khi có phiên mới.",
                (subscribe, BACK_TO_MENU),
            )
        ]
    replies = [
        Reply(describe(fair), (Button("🔔 Quan tâm, nhắc tôi", FollowFair(fair.id).pack()),))
        for fair in fairs
    ]
    replies.append(
        Reply("Bấm «Quan tâm» để được nhắc một ngày trước phiên.", (subscribe, BACK_TO_MENU))
    )
    return replies


def remind_time(ctx: Context, fair: JobFair) -> datetime:
    """The day before the fair at the configured local time, in UTC (not in the past)."""
    hour, _, minute = ctx.settings.fair_reminder_time.partition(":")
    day_before = to_local(fair.starts_at).date() - timedelta(days=1)
    local = datetime.combine(day_before, time(int(hour), int(minute or 0)))
    return max(to_utc(local), utcnow())


@router.action(FollowFair)
async def interested(ctx: Context, incoming: Incoming, action: FollowFair) -> list[Reply]:
    fair = await ctx.session.get(JobFair, action.fair_id)
    if fair is None or fair.cancelled_at is not None:
        return [Reply("Phiên này không còn nữa.", (MORE_FAIRS,))]
    if fair.starts_at <= utcnow():
        return [Reply("Phiên này đã diễn ra.", (MORE_FAIRS,))]
    when = remind_time(ctx, fair)
    await ctx.session.execute(
        insert_ignore(
            ctx.session,
            FairInterest,
            ["fair_id", "user_id"],
            fair_id=fair.id,
            user_id=ctx.user.id,
            remind_at=when,
            created_at=utcnow(),
        )
    )
    return [
        Reply(
            f"Đã ghi nhận. Tôi sẽ nhắc bạn lúc {to_local(when):%H:%M ngày %d/%m} "
            f"về «{fair.title}».",
            (BACK_TO_MENU,),
        )
    ]


def reminder_text(fair: JobFair) -> str:
    return "⏰ Nhắc bạn: ngày mai có phiên giao dịch việc làm.\n" + describe(fair)
