"""«Kiểm tra doanh nghiệp»: is this company on the official list of licensed recruiters?

The worker types a name in any spelling, or a licence number. One clear match shows its
licence and status with the date of the list; several close ones become buttons; none
gives a plain warning: not on the list, do not pay, ask the centre.
"""

from __future__ import annotations

from datetime import date

from faq.recruiters import Recruiter, RecruiterMatch, choices, decide
from handlers.context import Context
from handlers.menu import BACK_TO_MENU, contact_line
from handlers.types import Button, Incoming, Reply

FLOW = "recruiter"
STATUS = {
    "active": "✅ Đang được phép hoạt động",
    "suspended": "⚠️ Đang bị đình chỉ: không được đưa người đi làm việc lúc này",
    "revoked": "❌ Đã bị thu hồi giấy phép: không được đưa người đi làm việc",
}
ANOTHER = Button("🔎 Kiểm tra công ty khác", "menu:recruiter")
OFFICIAL_LIST = (
    "Danh sách chính thức do Cục Quản lý lao động ngoài nước (Bộ Nội vụ) công bố "
    "trên cổng thông tin của Cục (dolab.gov.vn / dolab.moha.gov.vn)."
)
MAX_QUERY = 200


def start(ctx: Context) -> list[Reply]:
    ctx.start_flow(FLOW, "ask")
    return [
        Reply(
            "Bạn gõ tên công ty (viết tắt, không dấu cũng được) hoặc số giấy phép để kiểm tra. "
            "Ví dụ: cty Sông Hồng.",
            (BACK_TO_MENU,),
        )
    ]


def _fmt(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else "?"


def card(ctx: Context, recruiter: Recruiter) -> str:
    lines = [
        f"🏢 {recruiter.name}" + (f" ({recruiter.short_name})" if recruiter.short_name else ""),
        f"Giấy phép số {recruiter.licence_number}, cấp ngày {_fmt(recruiter.licence_date)}.",
        STATUS.get(recruiter.status, recruiter.status)
        + (f" (từ ngày {_fmt(recruiter.status_date)})" if recruiter.status_date else "")
        + ".",
    ]
    if recruiter.address:
        lines.append(f"Trụ sở: {recruiter.address}")
    lines.append(f"Theo danh sách ngày {_fmt(recruiter.list_date)} ({recruiter.source}).")
    if recruiter.status == "active":
        lines.append(
            "Có giấy phép là chưa đủ: chỉ nộp tiền sau khi ký hợp đồng, nộp cho chính công ty "
            "và lấy biên lai. Không ai được thu tiền môi giới của bạn."
        )
    else:
        lines.append("Đừng nộp tiền hay giấy tờ cho công ty này. " + contact_line(ctx.settings))
    return "\n".join(lines)


def not_found(ctx: Context, query: str, list_date: date | None) -> Reply:
    when = f" (danh sách ngày {_fmt(list_date)})" if list_date else ""
    return Reply(
        f"⚠️ Không thấy «{query[:80]}» trong danh sách doanh nghiệp được cấp phép{when}.\n"
        "• Đừng nộp tiền, đừng đưa hộ chiếu, giấy tờ gốc hay sổ đỏ cho nơi này.\n"
        "• Bạn thử gõ lại tên đầy đủ, hoặc số giấy phép ghi trên giấy tờ của công ty.\n"
        "• Hỏi trung tâm trước khi quyết định. Thấy dấu hiệu lừa đảo, báo Sở Nội vụ hoặc "
        "công an nơi bạn ở.\n" + contact_line(ctx.settings),
        (ANOTHER, Button("👩‍💼 Gặp cán bộ tư vấn", "menu:staff"), BACK_TO_MENU),
    )


async def check(ctx: Context, incoming: Incoming) -> list[Reply]:
    """The typed name or licence number → the registry's answer."""
    query = (incoming.text or "").strip()
    if incoming.media is not None or not query:
        return [Reply("Bạn gõ tên công ty bằng chữ nhé, ví dụ: cty Sông Hồng.", (BACK_TO_MENU,))]
    if ctx.registry is None:
        return [_no_list(ctx)]
    index = await ctx.registry.index(ctx.session)
    if index is None:
        return [_no_list(ctx)]
    ctx.end_flow()
    matches = index.lookup(query[:MAX_QUERY], limit=5)
    verdict = decide(matches)
    if verdict == "found":
        return [Reply(card(ctx, matches[0].recruiter), (ANOTHER, BACK_TO_MENU))]
    if verdict == "choose":
        # Careful wording: a lookalike of a licensed name is how scammers pass themselves off.
        close = choices(matches)
        ctx.start_flow(FLOW, "choose", {"licences": [m.recruiter.licence_number for m in close]})
        buttons = tuple(Button(_label(m), f"rc:{n}") for n, m in enumerate(close))
        return [
            Reply(
                f"Không có tên đúng như «{query[:60]}». Các doanh nghiệp được cấp phép có tên "
                "gần giống là (bấm để xem). Nếu không phải công ty bạn định hỏi, hãy cẩn thận: "
                "có thể đó là nơi mạo danh.",
                (*buttons, ANOTHER),
            )
        ]
    return [not_found(ctx, query, ctx.registry.list_date)]


async def chosen(ctx: Context, action: str) -> list[Reply]:
    """A button from the «choose» list (the licence numbers are in the flow's data)."""
    licences = (ctx.state.data or {}).get("licences") or []
    number = action.removeprefix("rc:")
    if ctx.registry is None or not number.isdigit() or int(number) >= len(licences):
        return start(ctx)
    index = await ctx.registry.index(ctx.session)
    ctx.end_flow()
    found = index.lookup(licences[int(number)], limit=1) if index else []
    if not found or not found[0].exact:
        return start(ctx)
    return [Reply(card(ctx, found[0].recruiter), (ANOTHER, BACK_TO_MENU))]


def _label(match: RecruiterMatch) -> str:
    name = match.recruiter.short_name or match.recruiter.name
    return name if len(name) <= 60 else name[:59] + "…"


def _no_list(ctx: Context) -> Reply:
    return Reply(
        "Trợ lý chưa có danh sách doanh nghiệp được cấp phép để tra cứu.\n"
        + OFFICIAL_LIST
        + "\n"
        + contact_line(ctx.settings),
        (BACK_TO_MENU,),
    )
