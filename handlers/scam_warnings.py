"""Red flags in what a worker writes, answered with a short warning next to the answer.

Two sources: sourced warning-sign phrases (`faq/data/red_flags.yaml`: tourist visas to
work, paying before a contract, «bao đậu», a kept passport, crossing into China for work…)
and a company named in the message (read by `faq/company_mention.py`, the same reader as
the company check) that is not on the licensed list, or only looks like a licensed name.
"""

from __future__ import annotations

from faq import company_mention, red_flags
from faq.recruiters import choices, decide
from handlers.context import Context
from handlers.menu import OpenRecruiterCheck
from handlers.types import Button, Reply

CHECK_COMPANY = Button("🔎 Kiểm tra doanh nghiệp", OpenRecruiterCheck().pack())
MAX_NAME_SHOWN = 60


async def check(ctx: Context, text: str, companies: bool = True) -> list[Reply]:
    """A warning to add after the normal answer, or nothing.

    ``companies`` False: the message was already answered by the company check, so only
    the warning-sign phrases are looked for.
    """
    flags = red_flags.detect(text)
    lines = [red_flags.warning_text(flags)] if flags else []
    company = await _company_line(ctx, text) if companies else None
    if company:
        lines.insert(0, company)
    if not lines:
        return []
    return [Reply("\n".join(lines), (CHECK_COMPANY,))]


async def _company_line(ctx: Context, text: str) -> str | None:
    """A company named after «công ty» that is not, or not exactly, on the list."""
    mention = company_mention.find(text)
    if mention is None or not mention.company_word or not mention.name or mention.how_to:
        return None
    if ctx.registry is None:
        return None
    index = await ctx.registry.index(ctx.session)
    if index is None:
        return None
    name = mention.name[:MAX_NAME_SHOWN]
    matches = index.lookup(mention.name)
    verdict = decide(matches)
    if verdict == "lookalike":
        close = choices(matches)[0].recruiter
        return (
            f"⚠️ «{name}» không đúng tên doanh nghiệp nào được cấp phép (có tên gần giống: "
            f"{close.name}, giấy phép số {close.licence_number}). Kiểm tra số giấy phép trên "
            "hợp đồng, phiếu thu trước khi nộp tiền."
        )
    if verdict != "none":
        return None
    when = f" (danh sách ngày {ctx.registry.list_date:%d/%m/%Y})" if ctx.registry.list_date else ""
    return (
        f"⚠️ Không thấy công ty «{name}» trong danh sách doanh nghiệp được "
        f"cấp phép{when}. Đừng nộp tiền hay giấy tờ khi chưa kiểm tra."
    )
