"""Red flags in what a worker writes, answered with a short warning next to the answer.

Two sources: sourced warning-sign phrases (`faq/data/red_flags.yaml`: tourist visas to
work, paying before a contract, "bao đậu", a kept passport…) and a company named in the
message that is not on the licensed list.
"""

from __future__ import annotations

import re

from faq import red_flags
from faq.normalize import fold
from faq.recruiters import decide
from handlers.context import Context
from handlers.types import Button, Reply

CHECK_COMPANY = Button("🔎 Kiểm tra doanh nghiệp", "menu:recruiter")
# "công ty ABC", "cty ABC" (folded): up to five words of a name after the word.
MENTION = re.compile(r"\b(?:cong ty|cty|ct)\s+((?:[a-z0-9]+\s*){1,5})")
# Words that follow "công ty" in ordinary questions without naming anyone.
NOT_A_NAME = frozenset(
    "nao nay do kia uy xuat xkld xk co ma minh em anh chi a ay cua lam phai la duoc khong ko "
    "k gi thi se da dang bao nhieu tu van dich vu nha nuoc ben o tai va hay hoac nhu the".split()
)


async def check(ctx: Context, text: str) -> list[Reply]:
    """A warning to add after the normal answer, or nothing."""
    flags = red_flags.detect(text)
    lines = [red_flags.warning_text(flags)] if flags else []
    unlisted = await _unlisted_company(ctx, text)
    if unlisted:
        when = (
            f" (danh sách ngày {ctx.registry.list_date:%d/%m/%Y})"
            if (ctx.registry and ctx.registry.list_date)
            else ""
        )
        lines.insert(
            0,
            f"⚠️ Không thấy công ty «{unlisted}» trong danh sách doanh nghiệp được "
            f"cấp phép{when}. Đừng nộp tiền hay giấy tờ khi chưa kiểm tra.",
        )
    if not lines:
        return []
    return [Reply("\n".join(lines), (CHECK_COMPANY,))]


async def _unlisted_company(ctx: Context, text: str) -> str | None:
    match = MENTION.search(fold(text))
    if match is None or ctx.registry is None:
        return None
    words = match.group(1).split()
    if not words or words[0] in NOT_A_NAME:
        return None
    index = await ctx.registry.index(ctx.session)
    if index is None:
        return None
    name = " ".join(words)
    if decide(index.lookup(f"cong ty {name}")) != "none":
        return None
    return name
