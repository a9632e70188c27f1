"""«Kiểm tra doanh nghiệp»: is this company on the official list of licensed recruiters?

The worker types a name in any spelling, or a licence number, from the menu or inside a
question («cty tan minh co giay phep ko»). The answer is one of the verdicts of
``faq/recruiters.py``: ✅ only when it is certain (a revoked or suspended licence says
so first, in plain words); «Có công ty tên gần giống» with no tick for a look-alike;
not on the list. Several companies with exactly the typed name become buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from faq import company_mention
from faq.recruiters import Recruiter, RecruiterMatch, RegistryIndex, choices, decide
from handlers import scam_warnings
from handlers.actions import Action
from handlers.context import Context
from handlers.menu import BACK_TO_MENU, TALK_TO_STAFF, OpenRecruiterCheck, contact_line
from handlers.router import Router
from handlers.types import Button, Incoming, Reply

router = Router("recruiter_check")
FLOW = "recruiter"


class ChooseCompany(Action, prefix="rc"):
    """One of several companies registered under the typed name (its place in the list
    the flow keeps)."""

    number: int


class ByLicence(Action, prefix="rc:licence"):
    """«Tra bằng số giấy phép»."""


ANOTHER = Button("🔎 Kiểm tra công ty khác", OpenRecruiterCheck().pack())
BY_LICENCE = Button("🔢 Tra bằng số giấy phép", ByLicence().pack())
OFFICIAL_LIST = (
    "Danh sách chính thức do Cục Quản lý lao động ngoài nước (Bộ Nội vụ) công bố "
    "trên cổng thông tin của Cục (dolab.gov.vn / dolab.moha.gov.vn)."
)
MAX_QUERY = 200
# Buttons for companies registered under the same distinctive name.
MAX_CHOICES = 5
STATUS_NOTE = {
    "suspended": "đang bị đình chỉ",
    "revoked": "đã bị thu hồi giấy phép",
}


def start(ctx: Context, prompt: str | None = None) -> list[Reply]:
    ctx.start_flow(FLOW, "ask")
    return [
        Reply(
            prompt
            or "Bạn gõ tên công ty (viết tắt, không dấu cũng được) hoặc số giấy phép để "
            "kiểm tra. Ví dụ: cty Sông Hồng.",
            (BACK_TO_MENU,),
        )
    ]


def _fmt(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else "?"


def card(ctx: Context, recruiter: Recruiter) -> str:
    """A certain match. A revoked or suspended licence is the first thing said."""
    since = f" từ ngày {_fmt(recruiter.status_date)}" if recruiter.status_date else ""
    name = recruiter.name + (f" ({recruiter.short_name})" if recruiter.short_name else "")
    if recruiter.status == "revoked":
        lines = [
            f"❌ CÔNG TY NÀY ĐÃ BỊ THU HỒI GIẤY PHÉP{since}. Công ty không còn được đưa "
            "người đi làm việc ở nước ngoài.",
            f"🏢 {name}",
        ]
    elif recruiter.status == "suspended":
        lines = [
            f"⚠️ CÔNG TY NÀY ĐANG BỊ ĐÌNH CHỈ{since}. Lúc này công ty không được đưa người "
            "đi làm việc ở nước ngoài.",
            f"🏢 {name}",
        ]
    else:
        lines = [f"✅ Có trong danh sách được cấp phép:\n🏢 {name}"]
    lines.append(
        f"Giấy phép số {recruiter.licence_number}, cấp ngày {_fmt(recruiter.licence_date)}."
    )
    if recruiter.address:
        lines.append(f"Trụ sở: {recruiter.address}")
    lines.append(f"Theo danh sách ngày {_fmt(recruiter.list_date)} ({recruiter.source}).")
    if recruiter.status == "active":
        lines.append(
            "Kẻ gian có thể mượn tên công ty thật: so số giấy phép trên với số ghi trên hợp "
            "đồng, phiếu thu. Chỉ nộp tiền sau khi ký hợp đồng, nộp cho chính công ty và lấy "
            "phiếu thu. Không ai được thu tiền môi giới của bạn."
        )
    else:
        lines.append("Đừng nộp tiền hay giấy tờ cho công ty này. " + contact_line(ctx.settings))
    return "\n".join(lines)


def _candidate(match: RecruiterMatch) -> str:
    r = match.recruiter
    note = STATUS_NOTE.get(r.status)
    return f"• {r.name} (giấy phép số {r.licence_number}" + (f", {note})" if note else ")")


def lookalike(ctx: Context, query: str, close: Sequence[RecruiterMatch]) -> Reply:
    """Close but not certain: never a tick, and the licence number is the way to be sure."""
    return Reply(
        f"⚠️ Không có doanh nghiệp nào tên đúng «{query[:80]}» trong danh sách được cấp "
        "phép.\nCó công ty tên gần giống:\n"
        + "\n".join(_candidate(m) for m in close)
        + "\nTên bạn gõ không đúng tên đăng ký. Kẻ gian hay dùng tên gần giống công ty thật. "
        "Hãy kiểm tra số giấy phép trên hợp đồng, phiếu thu và gõ số đó để tra. "
        "Chưa chắc chắn thì đừng nộp tiền.",
        (BY_LICENCE, TALK_TO_STAFF, BACK_TO_MENU),
    )


def not_found(ctx: Context, query: str, list_date: date | None) -> Reply:
    when = f" (danh sách ngày {_fmt(list_date)})" if list_date else ""
    return Reply(
        f"⚠️ Không thấy «{query[:80]}» trong danh sách doanh nghiệp được cấp phép{when}.\n"
        "• Đừng nộp tiền, đừng đưa hộ chiếu, giấy tờ gốc hay sổ đỏ cho nơi này.\n"
        "• Bạn thử gõ lại tên đầy đủ, hoặc số giấy phép ghi trên giấy tờ của công ty.\n"
        "• Hỏi trung tâm trước khi quyết định. Thấy dấu hiệu lừa đảo, báo Sở Nội vụ hoặc "
        "công an nơi bạn ở.\n" + contact_line(ctx.settings),
        (ANOTHER, TALK_TO_STAFF, BACK_TO_MENU),
    )


def answer(ctx: Context, index: RegistryIndex, query: str) -> list[Reply]:
    """The registry's answer to a name or licence number, as the menu and free text give it."""
    matches = index.lookup(query[:MAX_QUERY], limit=MAX_CHOICES)
    verdict = decide(matches)
    ctx.events.append(f"recruiter:{verdict}")
    if verdict == "certain":
        return [Reply(card(ctx, choices(matches)[0].recruiter), (ANOTHER, BACK_TO_MENU))]
    if verdict == "choose":
        same = choices(matches)[:MAX_CHOICES]
        ctx.start_flow(FLOW, "choose", {"licences": [m.recruiter.licence_number for m in same]})
        buttons = tuple(Button(_label(m), ChooseCompany(n).pack()) for n, m in enumerate(same))
        return [
            Reply(
                f"Có {len(same)} doanh nghiệp được cấp phép mang tên «{query[:60]}». Bấm để "
                "xem, rồi so số giấy phép với số trên hợp đồng, phiếu thu của bạn.",
                (*buttons, ANOTHER),
            )
        ]
    if verdict == "lookalike":
        return [lookalike(ctx, query, choices(matches))]
    registry = ctx.registry
    return [not_found(ctx, query, registry.list_date if registry else None)]


async def check(ctx: Context, incoming: Incoming) -> list[Reply]:
    """The menu flow: what the worker typed (the question around a name is dropped)."""
    text = (incoming.text or "").strip()
    if incoming.media is not None or not text:
        return [Reply("Bạn gõ tên công ty bằng chữ nhé, ví dụ: cty Sông Hồng.", (BACK_TO_MENU,))]
    ctx.end_flow()
    index = await _index(ctx)
    if index is None:
        return [_no_list(ctx)]
    mention = company_mention.find(text)
    query = text
    if mention is not None and (mention.licence or mention.name):
        query = mention.licence or mention.name
    return answer(ctx, index, query)


async def from_text(ctx: Context, text: str) -> list[Reply] | None:
    """A company question typed anywhere («cty tan minh co giay phep ko»); None if not one.

    Without the word «công ty», a name is only answered when the list knows something
    close to it: «X có uy tín không» about anything else is left to the FAQ.
    """
    mention = company_mention.find(text)
    if mention is None or mention.how_to:
        return None
    query = mention.licence or mention.name
    if not query:
        if not mention.unnamed:
            return None
        return start(
            ctx,
            "Bạn muốn kiểm tra công ty nào? Gõ tên công ty (không dấu cũng được) hoặc số giấy "
            "phép ghi trên hợp đồng, phiếu thu.",
        )
    if not mention.asks:
        return None
    index = await _index(ctx)
    if index is None:
        return [_no_list(ctx)] if mention.company_word or mention.licence else None
    if not (mention.company_word or mention.licence):
        if decide(index.lookup(query[:MAX_QUERY])) == "none":
            return None
    return answer(ctx, index, query)


@router.action(OpenRecruiterCheck)
def open_check(ctx: Context, incoming: Incoming, action: OpenRecruiterCheck) -> list[Reply]:
    return start(ctx)


@router.action(ByLicence)
def by_licence(ctx: Context, incoming: Incoming, action: ByLicence) -> list[Reply]:
    return start(ctx, "Gõ số giấy phép ghi trên hợp đồng hoặc phiếu thu, ví dụ: 123/LĐTBXH-GP.")


@router.action(ChooseCompany)
async def chosen(ctx: Context, incoming: Incoming, action: ChooseCompany) -> list[Reply]:
    """A button: one of several companies with the typed name."""
    licences = (ctx.state.data or {}).get("licences") or []
    if ctx.registry is None or action.number >= len(licences):
        return start(ctx)
    index = await ctx.registry.index(ctx.session)
    ctx.end_flow()
    found = index.lookup(licences[action.number], limit=1) if index else []
    if not found or not found[0].certain:
        return start(ctx)
    return [Reply(card(ctx, found[0].recruiter), (ANOTHER, BACK_TO_MENU))]


@router.text("company")
async def company_question(ctx: Context, incoming: Incoming, text: str) -> list[Reply] | None:
    """«cty tan minh co giay phep ko»: checked as the menu does, with the red flags."""
    replies = await from_text(ctx, text)
    if replies is None:
        return None
    return replies + await scam_warnings.check(ctx, text, companies=False)


async def _index(ctx: Context) -> RegistryIndex | None:
    if ctx.registry is None:
        return None
    return await ctx.registry.index(ctx.session)


def _label(match: RecruiterMatch) -> str:
    """The name with its licence number (the two must be told apart), within 60 characters."""
    suffix = f" ({match.recruiter.licence_number})"
    name, room = match.recruiter.name, 60 - len(suffix)
    return (name if len(name) <= room else name[: room - 1] + "…") + suffix


def _no_list(ctx: Context) -> Reply:
    return Reply(
        "Trợ lý chưa có danh sách doanh nghiệp được cấp phép để tra cứu.\n"
        + OFFICIAL_LIST
        + "\n"
        + contact_line(ctx.settings),
        (BACK_TO_MENU,),
    )


CHECK = router.flow(FLOW, start, check)
