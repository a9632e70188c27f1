"""«Tính tiền dịch vụ tối đa»: the legal cap from the worker's salary and contract length.

The caps are data (`faq/data/fee_caps.yaml`, each rule with its source and review date);
this module only asks the questions and lays out the answer.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from faq import fees
from handlers.context import Context
from handlers.menu import BACK_TO_MENU
from handlers.types import Button, Incoming, Reply

FLOW = "fee"
MARKETS = (
    ("kr_eps", "Hàn Quốc (EPS)"),
    ("jp_im", "Nhật Bản (IM Japan)"),
    ("jp", "Nhật Bản (qua công ty)"),
    ("tw", "Đài Loan"),
    ("de", "Đức"),
    ("au", "Úc"),
    ("my", "Malaysia"),
    ("mid_east", "Trung Đông"),
    ("ship_crew", "Thuyền viên tàu biển"),
    ("general", "Nước khác"),
)
PUBLIC_PROGRAMMES = frozenset({"kr_eps", "jp_im"})
CHECK_COMPANY = Button("🔎 Kiểm tra doanh nghiệp", "menu:recruiter")
AGAIN = Button("💰 Tính lại", "fee:start")
CANCEL = Button("✖️ Thôi", "menu:main")
MAX_INPUT = 100


@cache
def rules() -> fees.FeeRules:
    """The rules file, read once per process; `/faqreload` reads it again."""
    return fees.load_fee_rules()


def start(ctx: Context) -> list[Reply]:
    ctx.start_flow(FLOW, "market")
    buttons = tuple(Button(label, f"fee:m:{code}") for code, label in MARKETS)
    return [
        Reply(
            "Tôi tính giúp bạn mức tiền dịch vụ TỐI ĐA mà luật cho phép công ty thu. "
            "Bạn đi nước nào?",
            (*buttons, CANCEL),
        )
    ]


def on_action(ctx: Context, action: str) -> list[Reply]:
    if action == "fee:start":
        return start(ctx)
    code = action.removeprefix("fee:m:")
    if code not in dict(MARKETS):
        return start(ctx)
    if code in PUBLIC_PROGRAMMES:
        ctx.end_flow()
        # Public programmes charge no service fee whatever the wage: no need to ask for it.
        answer = fees.calculate(rules(), code, fees.Money(Decimal(1), "USD"), 12)
        return _answer(answer)
    ctx.start_flow(FLOW, "salary", {"market": code})
    return [
        Reply(
            "Lương tháng ghi trong hợp đồng là bao nhiêu? Ghi cả đơn vị tiền, ví dụ: "
            "1200 USD, 180000 yên, 30 triệu.",
            (CANCEL,),
        )
    ]


def on_message(ctx: Context, incoming: Incoming) -> list[Reply]:
    text = (incoming.text or "").strip()[: MAX_INPUT + 1]
    data = dict(ctx.state.data or {})
    if ctx.step == "salary":
        try:
            salary = fees.parse_salary(text)
        except fees.FeeInputError as error:
            return [Reply(f"{error.message}\nVí dụ: 1200 USD, 180000 yên, 30 triệu.", (CANCEL,))]
        ctx.start_flow(
            FLOW, "months", {**data, "amount": str(salary.amount), "currency": salary.currency}
        )
        return [Reply("Hợp đồng mấy tháng (hoặc mấy năm)? Ví dụ: 36 tháng, 3 năm.", (CANCEL,))]
    if ctx.step == "months":
        try:
            months = fees.parse_months(text)
        except fees.FeeInputError as error:
            return [Reply(f"{error.message}\nVí dụ: 36 tháng, 3 năm.", (CANCEL,))]
        ctx.end_flow()
        salary = fees.Money(Decimal(data["amount"]), data["currency"])
        return _answer(fees.calculate(rules(), data.get("market", "general"), salary, months))
    return start(ctx)


def _answer(answer: fees.FeeAnswer) -> list[Reply]:
    """The figure first (short), then the rules to remember, each with its sources."""
    head, rest = answer.lines[:3], answer.lines[3:]
    sources = "; ".join(dict.fromkeys(answer.sources))
    replies = [Reply("💰 " + "\n".join(head))]
    if rest:
        replies.append(Reply("Cần nhớ:\n" + "\n".join(f"• {line}" for line in rest)))
    replies.append(Reply(f"📚 Nguồn: {sources}.", (CHECK_COMPANY, AGAIN, BACK_TO_MENU)))
    return replies


def from_text(ctx: Context, text: str) -> list[Reply] | None:
    """A question about an amount asked for, typed anywhere; None when it is not one."""
    return None
