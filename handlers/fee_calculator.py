"""«Tính tiền dịch vụ tối đa»: is the amount a company asks for within the law?

The worker's real question is «công ty đòi 150 triệu, có đúng không?». The flow asks the
market, the job, the contract length, the wage and the amount asked for (each can be
skipped), then answers on one phone screen: the legal maximum in the wage's currency and
in đồng, whether the amount asked is above it, and what to do; the rules and their
sources are behind a button. A question typed anywhere («công ty đòi 150 triệu đi Nhật 3
năm có đúng không») is answered at once from what it says (:func:`from_text`).

The caps and notes are data (`faq/data/fee_caps.yaml`, every rule with its source and
review date), the rates too (`faq/data/exchange_rates.yaml`); this module only asks and
lays out.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal
from functools import cache
from typing import Annotated, Any, Literal

from db.clock import utcnow
from faq import fees, intents, red_flags
from faq.fee_input import read_job, read_market
from faq.money import Money, format_money, format_number, format_vnd
from faq.normalize import fold
from handlers import scam_warnings
from handlers.actions import Action, Text
from handlers.context import Context
from handlers.menu import BACK_TO_MENU, MainMenu, OpenFeeCheck, OpenRecruiterCheck
from handlers.router import Router
from handlers.types import Button, Incoming, Reply

router = Router("fee_calculator")
FLOW = "fee"


class ChooseMarket(Action, prefix="fee:m"):
    code: Annotated[str, Text(24)]


class ChooseJob(Action, prefix="fee:j"):
    code: Annotated[str, Text(24)]


class ChooseMonths(Action, prefix="fee:n"):
    months: int


class NoSalary(Action, prefix="fee:s"):
    """«Chưa biết lương»."""

    value: Literal["none"]


class NothingAsked(Action, prefix="fee:a"):
    """«Chưa ai đòi tiền»."""

    value: Literal["none"]


class ShowSources(Action, prefix="fee:src"):
    """The rules and sources behind an answer (``job`` is ``-`` for none)."""

    market: Annotated[str, Text(24)]
    job: Annotated[str, Text(24)]


Step = ChooseMarket | ChooseJob | ChooseMonths | NoSalary | NothingAsked
# Market buttons, in this order (labels come from the rules file).
MARKETS = ("kr_eps", "kr", "jp_im", "jp", "tw", "de_triple_win", "de", "au", "my", "mid_east",
           "general")  # fmt: skip
MONTH_BUTTONS = ((12, "1 năm"), (24, "2 năm"), (36, "3 năm"), (60, "5 năm"))
CHECK_COMPANY = Button("🔎 Kiểm tra doanh nghiệp", OpenRecruiterCheck().pack())
AGAIN = Button("💰 Tính lại", OpenFeeCheck().pack())
CANCEL = Button("✖️ Thôi", MainMenu().pack())
NO_SALARY = Button("Chưa biết lương", NoSalary("none").pack())
NOTHING_ASKED = Button("Chưa ai đòi tiền", NothingAsked("none").pack())
MAX_INPUT = 100
# Notes shown on the phone screen while the message stays within SCREEN_CHARS; the rest
# are behind «Nguồn và chi tiết».
SCREEN_NOTES = 2
SCREEN_CHARS = 800
_DONT_KNOW = re.compile(r"\b(?:chua|khong|ko|k|hok|hong) (?:biet|ro|co)\b|^(?:khong|chua|ko)$")


@cache
def rules() -> fees.FeeRules:
    """The rules and rate files, read once per process; `/faqreload` reads them again."""
    return fees.load_fee_rules()


def start(ctx: Context) -> list[Reply]:
    ctx.start_flow(FLOW, "market")
    return [
        _ask_market(
            "Tôi tính giúp bạn tiền dịch vụ TỐI ĐA luật cho phép công ty thu. "
            "Bạn đi nước nào, theo chương trình nào?"
        )
    ]


@router.action(OpenFeeCheck)
def open_check(ctx: Context, incoming: Incoming, action: OpenFeeCheck) -> list[Reply]:
    return start(ctx)


@router.action(ShowSources)
def sources(ctx: Context, incoming: Incoming, action: ShowSources) -> list[Reply]:
    return _details(action.market, action.job)


@router.action(ChooseMarket, ChooseJob, ChooseMonths, NoSalary, NothingAsked)
def on_button(ctx: Context, incoming: Incoming, action: Step) -> list[Reply]:
    """A step answered by a button (or by typing one of its choices)."""
    data = dict(ctx.state.data or {}) if ctx.flow == FLOW else {}
    updated = _take(action, data, rules())
    return start(ctx) if updated is None else _next(ctx, updated)


def _take(action: Step, data: dict[str, Any], book: fees.FeeRules) -> dict[str, Any] | None:
    """The flow's data with this answer in it, or None when it does not fit (an old button)."""
    if isinstance(action, ChooseMarket):
        if action.code not in book.markets:
            return None
        # Keep what a typed question already said (the amount asked, the length…).
        kept = ("asked", "brokerage", "months", "salary", "quick", "job")
        return {**{k: v for k, v in data.items() if k in kept}, "market": action.code}
    if "market" not in data:
        return None
    if isinstance(action, ChooseJob):
        return {**data, "job": action.code} if action.code in book.jobs else None
    if isinstance(action, ChooseMonths):
        return {**data, "months": action.months}
    key = "salary" if isinstance(action, NoSalary) else "asked"
    return {**data, key: None}


def on_message(ctx: Context, incoming: Incoming) -> list[Reply] | None:
    text = (incoming.text or "").strip()[: MAX_INPUT + 1]
    data = dict(ctx.state.data or {})
    step = ctx.step
    if data.pop("followup", False):
        try:  # after an answer: a wage makes it exact; anything else is a new question
            data["salary"] = _dump(fees.parse_salary(text))
        except fees.FeeInputError:
            ctx.end_flow()
            return None  # a new question: the free-text routes answer it
        return _next(ctx, data)
    if step in ("market", "job"):  # a typed answer instead of a button
        code = (read_market if step == "market" else read_job)(text)
        if code is None or (step == "job" and code not in rules().market(data["market"]).jobs):
            return [_prompt(ctx, step, data, "Bạn bấm một nút bên dưới nhé.")]
        return on_button(ctx, incoming, ChooseMarket(code) if step == "market" else ChooseJob(code))
    try:
        if step == "months":
            data["months"] = fees.parse_months(text)
        elif step == "salary":
            data["salary"] = (
                None if _DONT_KNOW.search(fold(text)) else _dump(fees.parse_salary(text))
            )
        elif step == "asked":
            data["asked"] = (
                None if _DONT_KNOW.search(fold(text)) else _dump(fees.parse_amount(text))
            )
        else:
            return start(ctx)
    except fees.FeeInputError as error:
        return [_prompt(ctx, step or "", data, error.message)]
    return _next(ctx, data)


def from_text(ctx: Context, text: str) -> list[Reply] | None:
    """«công ty đòi 150 triệu đi Nhật 3 năm có đúng không»: answered at once; None when the
    message is not about an amount asked for. Money lost («bị lừa mất 50 triệu») is
    distress, and an offer that is no lawful contract («visa du lịch… mất 8000 đô») has no
    cap to compare with: both are left to the FAQ and its warnings."""
    question = fees.read_fee_question(text)
    if question is None or _not_a_fee_question(text):
        return None
    # "quick": answer as soon as market and length are known; the job is what the message
    # says (or none in particular) and the wage is asked for after the answer.
    data: dict[str, Any] = {
        "asked": _dump(question.asked),
        "brokerage": question.brokerage,
        "quick": True,
        "job": question.job or "other",
    }
    if question.salary is not None:
        data["salary"] = _dump(question.salary)
    if question.months is not None:
        data["months"] = question.months
    if question.market is None:
        ctx.start_flow(FLOW, "market", data)
        return [
            _ask_market(
                f"Công ty đòi {_money(question.asked)}. Để so với mức luật cho phép, "
                "cho tôi biết bạn đi nước nào, theo chương trình nào?"
            )
        ]
    data["market"] = question.market
    return _next(ctx, data)


def _not_a_fee_question(text: str) -> bool:
    """An amount in a message about trouble or an unlawful route (checked only once the
    message reads as a fee question, so other messages pay nothing for it)."""
    if "distress" in intents.detect(text):
        return True
    return any(flag.unlawful_route for flag in red_flags.detect(text))


# --- steps ------------------------------------------------------------------------------


def _next(ctx: Context, data: dict[str, Any]) -> list[Reply]:
    """Ask for the first thing missing, or answer."""
    book = rules()
    market = book.market(data["market"])
    quick = bool(data.get("quick"))
    if data.get("job") not in market.jobs:
        if quick:
            data["job"] = "other"
        else:
            data.pop("job", None)
    if market.cap is not None:
        if market.jobs and "job" not in data:
            return [_save(ctx, "job", data, _prompt(ctx, "job", data))]
        if "months" not in data:
            return [_save(ctx, "months", data, _prompt(ctx, "months", data))]
        if "salary" not in data and not quick:
            return [_save(ctx, "salary", data, _prompt(ctx, "salary", data))]
        if "asked" not in data:
            return [_save(ctx, "asked", data, _prompt(ctx, "asked", data))]
    answer = fees.calculate(
        book,
        market.code,
        _load(data.get("salary")),
        data.get("months"),
        job=data.get("job") if market.cap is not None else None,
        asked=_load(data.get("asked")),
    )
    brokerage = bool(data.get("brokerage"))
    reply = _answer(answer, brokerage=brokerage)
    if "salary" not in data and answer.wage_needed is not None and not brokerage:
        # A wage typed next makes the answer exact; anything else is a new question.
        ctx.start_flow(FLOW, "salary", {**data, "followup": True})
        return [reply]
    ctx.end_flow()
    return [reply]


def _save(ctx: Context, step: str, data: dict[str, Any], reply: Reply) -> Reply:
    ctx.start_flow(FLOW, step, data)
    return reply


def _ask_market(question: str) -> Reply:
    book = rules()
    buttons = tuple(Button(book.markets[code].label, ChooseMarket(code).pack()) for code in MARKETS)
    return Reply(question, (*buttons, CANCEL))


def _prompt(ctx: Context, step: str, data: dict[str, Any], error: str = "") -> Reply:
    """The question of a step (after an error message, when the answer was not usable)."""
    book = rules()
    first = f"{error}\n" if error else ""
    if step == "job":
        market = book.market(data["market"])
        buttons = tuple(Button(book.jobs[j].label, ChooseJob(j).pack()) for j in market.jobs)
        return Reply(f"{first}Bạn sẽ làm việc gì?", (*buttons, CANCEL))
    if step == "months":
        buttons = tuple(Button(label, ChooseMonths(n).pack()) for n, label in MONTH_BUTTONS)
        if data.get("brokerage") and not error:
            first = "Bạn KHÔNG phải trả phí môi giới: luật cấm thu khoản này.\n"
        return Reply(
            f"{first}Hợp đồng mấy năm? Bấm nút hoặc gõ, ví dụ: 3 năm, 36 tháng.",
            (*buttons, CANCEL),
        )
    if step == "salary":
        return Reply(
            f"{first}Lương tháng ghi trong hợp đồng là bao nhiêu? Ghi cả đơn vị tiền, ví dụ: "
            "180.000 yên, 1.200 USD, 30 triệu.",
            (NO_SALARY, CANCEL),
        )
    if step == "asked":
        return Reply(
            f"{first}Công ty đòi bạn bao nhiêu tiền? Gõ số tiền, ví dụ: 150 triệu.",
            (NOTHING_ASKED, CANCEL),
        )
    return _ask_market(f"{first}Bạn đi nước nào, theo chương trình nào?")


# --- the answer ----------------------------------------------------------------------


def _answer(answer: fees.FeeAnswer, *, brokerage: bool = False) -> Reply:
    """One phone screen: the case, the maximum, the amount asked, what to do, two notes."""
    lines = [_heading(answer), *_figure(answer), *_comparison(answer, brokerage)]
    rate = _rate_lines(answer)
    notes = list(answer.notes)
    if brokerage:
        forbidden = rules().rules["brokerage_forbidden"]
        notes = [forbidden, *[n for n in notes if n.id != forbidden.id]]
    size = len("\n".join([*lines, *rate]))
    shown = 0
    for note in notes:
        if shown == SCREEN_NOTES or note.text in lines:
            continue
        if size + len(note.text) + 3 > SCREEN_CHARS:
            break
        lines.append(f"• {note.text}")
        size += len(note.text) + 3
        shown += 1
    lines += rate
    job = answer.job.code if answer.job else "-"
    buttons = (
        Button("📚 Nguồn và chi tiết", ShowSources(answer.market.code, job).pack()),
        CHECK_COMPANY,
        AGAIN,
        BACK_TO_MENU,
    )
    return Reply("\n".join(lines), buttons)


def _heading(answer: fees.FeeAnswer) -> str:
    parts = [answer.market.label]
    if answer.job is not None and answer.job.code != "other":
        parts.append(answer.job.label.lower())
    if answer.months is not None and not answer.no_fee:
        parts.append(f"hợp đồng {answer.months} tháng")
    return "💰 " + " · ".join(parts)


def _figure(answer: fees.FeeAnswer) -> list[str]:
    if answer.no_fee:
        return ["Bạn KHÔNG phải trả tiền dịch vụ."]
    factor = answer.months_of_wage
    if factor is None:
        long_note = next((line for line in answer.lines if "hỏi trung tâm" in line), "")
        return [long_note or "Chưa có mức trần đã kiểm tra cho trường hợp này: hỏi trung tâm."]
    months = f"{format_number(factor)} tháng lương"
    if answer.max_service_fee is None:
        return [f"Tiền dịch vụ tối đa: {months} ghi trong hợp đồng."]
    money = format_money(answer.max_service_fee)
    if answer.max_service_fee.currency == "VND":
        return [f"Tiền dịch vụ tối đa: {months} = {money}."]
    if answer.max_fee_vnd is None:
        return [f"Tiền dịch vụ tối đa: {months} = {money}."]
    return [f"Tiền dịch vụ tối đa: {months} = {money}, khoảng {format_vnd(answer.max_fee_vnd)}."]


def _comparison(answer: fees.FeeAnswer, brokerage: bool = False) -> list[str]:
    asked = answer.asked
    if asked is None:
        return []
    said = f"Công ty đòi {_money(asked)}"
    if brokerage:
        return [
            f"{said} «phí môi giới»: bạn KHÔNG phải trả khoản này. Chỉ tiền dịch vụ trong "
            "mức trần trên mới đúng luật. Đừng nộp tiền môi giới."
        ]
    other_costs = (
        "Nếu số này gồm cả vé máy bay, học tiếng, visa, khám sức khỏe: đề nghị ghi rõ từng khoản."
    )
    if answer.no_fee:
        return [f"{said}: không ai được thu tiền để «lo» cho bạn đi. Đừng nộp."]
    if answer.comparison == "above":
        more = (
            f" khoảng {format_vnd(answer.excess_vnd, down=False)}"
            if answer.excess_vnd is not None and answer.excess_vnd > 0
            else ""
        )
        return [
            f"{said}: CAO HƠN mức luật cho phép{more}.",
            "👉 Đừng nộp. Đề nghị công ty ghi đúng tiền dịch vụ trong hợp đồng; nếu họ không "
            "giảm, báo trung tâm hoặc Sở Nội vụ.",
            other_costs,
        ]
    if answer.comparison == "near":
        return [f"{said}: xấp xỉ mức trần, tùy tỷ giá ngày nộp. Hỏi trung tâm trước khi nộp."]
    if answer.comparison == "within":
        return [
            f"{said}: không vượt mức trần. Vẫn chỉ nộp sau khi ký hợp đồng, nộp cho chính "
            "công ty và lấy phiếu thu."
        ]
    if answer.wage_needed is not None:
        abroad = (
            f" (khoảng {format_money(_round_up(answer.wage_needed_abroad))})"
            if answer.wage_needed_abroad is not None
            else ""
        )
        return [
            f"{said}: chỉ đúng luật khi lương hợp đồng của bạn từ "
            f"{_money(answer.wage_needed)} một tháng trở lên{abroad}.",
            "Gõ lương tháng ghi trong hợp đồng để tôi so chính xác.",
            other_costs,
        ]
    if answer.max_service_fee is not None:
        return [
            f"{said}: tôi chưa có tỷ giá {fees.CURRENCY_NAMES[answer.max_service_fee.currency]} "
            f"để so. Đổi {format_money(answer.max_service_fee)} ra đồng theo tỷ giá ngân hàng "
            "hôm nay: đòi nhiều hơn số đó là sai luật."
        ]
    return []


def _rate_lines(answer: fees.FeeAnswer) -> list[str]:
    if not answer.rates:
        return []
    today = utcnow().date()
    table = rules().rates
    parts = []
    for rate in answer.rates:
        name = fees.CURRENCY_NAMES[rate.currency]
        old = ", đã cũ" if table.is_stale(rate, today) else ""
        parts.append(f"1 {name} ≈ {format_number(rate.vnd)} đồng, ngày {rate.date:%d/%m/%Y}{old}")
    return [f"Tỷ giá tham khảo: {'; '.join(parts)} (tỷ giá thay đổi mỗi ngày)."]


def _details(market_code: str, job_code: str) -> list[Reply]:
    """The rules behind an answer, and their sources (the «Nguồn và chi tiết» button)."""
    book = rules()
    if market_code not in book.markets:
        return [Reply("Bạn bấm «Tính lại» để xem lại nhé.", (AGAIN, BACK_TO_MENU))]
    job = job_code if job_code in book.jobs else None
    answer = fees.calculate(book, market_code, job=job if book.markets[market_code].cap else None)
    sources = list(answer.sources)
    rate_sources = [f"Tỷ giá: {r.source}" for r in book.rates.rates.values()]
    return [
        Reply("Cần nhớ:\n" + "\n".join(f"• {line}" for line in answer.lines)),
        Reply(
            "📚 Nguồn: " + "; ".join(sources) + ".\n" + "\n".join(dict.fromkeys(rate_sources)),
            (CHECK_COMPANY, AGAIN, BACK_TO_MENU),
        ),
    ]


# --- helpers ---------------------------------------------------------------------------


def _money(money: Money) -> str:
    """An amount asked for or a wage: đồng as people say it, other currencies exactly."""
    return format_vnd(money.amount, down=False) if money.currency == "VND" else format_money(money)


def _round_up(money: Money) -> Money:
    """A wage in another currency, rounded up to three significant digits (289.000 yên)."""
    digits = len(str(int(money.amount)))
    step = Decimal(10) ** max(0, digits - 3)
    return Money((money.amount / step).quantize(Decimal(1), rounding=ROUND_CEILING) * step,
                 money.currency)  # fmt: skip


def _dump(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}


def _load(raw: Any) -> Money | None:
    if isinstance(raw, dict):
        return Money(Decimal(raw["amount"]), raw["currency"])
    return None


@router.text("fee_amount")
async def amount_question(ctx: Context, incoming: Incoming, text: str) -> list[Reply] | None:
    """«công ty đòi 150 triệu đi Nhật 3 năm có đúng không»: answered at once."""
    replies = from_text(ctx, text)
    if replies is None:
        return None
    return replies + await scam_warnings.check(ctx, text, companies=False)


FEE = router.flow(FLOW, start, on_message)
