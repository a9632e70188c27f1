"""The service-fee cap for one worker's case, and how an amount asked for compares.

Overcharging is the commonest harm done to people going abroad: a worker who knows the
legal maximum can refuse a recruiter's "price". The law (Luật 69/2020/QH14, Điều 23)
caps the fee in months of the contract wage; this module applies the rules of
``faq/data/fee_caps.yaml`` (read by ``faq/fee_rules.py``) to a market, a job, a contract
length and, when known, the wage and the amount the company asked for, and converts to
đồng with the indicative rates of ``faq/data/exchange_rates.yaml``. Every amount is
rounded down, so the bot never states a cap higher than the law's. Reading what workers
type is ``faq/fee_input.py``.

The per-market caps of the ministry's appendices (Thông tư 09/2026/TT-BNV) are not in
any text the project could read, so they are never given as numbers: the answer says a
lower cap may apply and whom to ask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import Literal

from faq.fee_input import (
    MAX_MONTHS,
    FeeInputError,
    FeeQuestion,
    parse_amount,
    parse_months,
    parse_salary,
    read_fee_question,
)
from faq.fee_rules import (
    DEFAULT_FEE_RULES_PATH,
    DEFAULT_RATES_PATH,
    FeeRule,
    FeeRules,
    FeeRulesError,
    JobRules,
    MarketRules,
    Rate,
    load_fee_rules,
)
from faq.money import CURRENCY_NAMES, Money, format_money, format_number, plain, times

__all__ = [
    "CURRENCY_NAMES",
    "DEFAULT_FEE_RULES_PATH",
    "DEFAULT_RATES_PATH",
    "MAX_MONTHS",
    "NEAR_SHARE",
    "Comparison",
    "FeeAnswer",
    "FeeInputError",
    "FeeQuestion",
    "FeeRule",
    "FeeRules",
    "FeeRulesError",
    "Money",
    "calculate",
    "format_money",
    "load_fee_rules",
    "parse_amount",
    "parse_months",
    "parse_salary",
    "read_fee_question",
]

Comparison = Literal["above", "near", "within"]
# When an indicative exchange rate was needed, an amount this close to the cap is
# "about the cap": the rate on the day of payment decides.
NEAR_SHARE = Decimal("0.05")


@dataclass(frozen=True)
class FeeAnswer:
    """The cap for one case, how the amount asked for compares, and the rules behind it.

    ``months_of_wage`` is None when no checked figure exists for the case or the contract
    length is not known; ``max_service_fee`` also when the wage is not known. Amounts in
    đồng (``*_vnd``) are exact for đồng wages and indicative otherwise (``rates``).
    """

    market: MarketRules
    job: JobRules | None
    months: int | None
    salary: Money | None
    no_fee: bool
    months_of_wage: Decimal | None
    max_service_fee: Money | None
    max_fee_vnd: Decimal | None
    asked: Money | None
    asked_vnd: Decimal | None
    comparison: Comparison | None
    excess_vnd: Decimal | None
    wage_needed: Money | None
    wage_needed_abroad: Money | None
    rates: tuple[Rate, ...]
    notes: tuple[FeeRule, ...]
    lines: list[str]
    sources: list[str]
    extension: Money | None = None
    rate_missing: tuple[str, ...] = field(default=())


def calculate(
    rules: FeeRules,
    market: str,
    salary: Money | None = None,
    months: int | None = None,
    *,
    job: str | None = None,
    asked: Money | None = None,
    extension_months: int = 0,
) -> FeeAnswer:
    """The maximum service fee a worker may be asked for, with the rules around it.

    Below the long-contract threshold the cap is pro rata ("1 month per 12 months":
    18 months -> 1.5 months' wage); from it on, a fixed total.
    """
    _check(salary, months, extension_months, asked)
    market_rules = rules.market(market)
    job_rules = rules.job(job)
    no_fee = market_rules.cap is None
    cap_id = (
        None if no_fee else (job_rules.cap if job_rules and job_rules.cap else market_rules.cap)
    )
    cap = rules.rules[cap_id] if cap_id else None
    used: list[FeeRule] = [cap] if cap else []
    lines: list[str] = []
    share: tuple[Decimal, int] | None = (Decimal(0), 1) if no_fee else None
    if cap is not None and months is not None:
        share, note = _share(rules, cap, months)
        if note is not None:
            lines.append(note.text)
            used.append(note)
    factor = None
    if share is not None:
        factor = plain((share[0] / share[1]).quantize(Decimal("0.01"), rounding=ROUND_DOWN))
    max_fee = times(salary, *share) if salary is not None and share is not None else None
    if salary is not None and max_fee is not None and factor is not None and not no_fee:
        lines.append(
            f"Với lương {format_money(salary)} một tháng và hợp đồng {months} tháng, "
            f"tiền dịch vụ tối đa là {format_money(max_fee)}."
        )
        lines.append(f"Số tiền này bằng {format_number(factor)} tháng lương.")
    elif no_fee and salary is not None:
        lines.append(f"Tiền dịch vụ: 0 {CURRENCY_NAMES[salary.currency]}.")
    extension = None
    if extension_months and cap is not None and salary is not None:
        rule = rules.rules[rules.extension_rule]
        assert rule.months_per_12 is not None  # checked when loading
        extension = times(salary, rule.months_per_12 * extension_months, 12)
        lines.append(
            f"Nếu gia hạn {extension_months} tháng, tiền dịch vụ cho phần gia hạn "
            f"tối đa là {format_money(extension)}."
        )
        used.append(rule)
    notes = _notes(rules, market_rules, job_rules)
    for note in notes:
        if note.text not in lines:
            lines.append(note.text)
    used += notes
    compare = _Compare(rules, market_rules, max_fee, share, asked, no_fee)
    return FeeAnswer(
        market=market_rules,
        job=job_rules,
        months=months,
        salary=salary,
        no_fee=no_fee,
        months_of_wage=factor,
        max_service_fee=max_fee,
        max_fee_vnd=compare.max_fee_vnd,
        asked=asked,
        asked_vnd=compare.asked_vnd,
        comparison=compare.comparison,
        excess_vnd=compare.excess_vnd,
        wage_needed=compare.wage_needed,
        wage_needed_abroad=compare.wage_needed_abroad,
        rates=tuple(compare.rates),
        notes=notes,
        lines=lines,
        sources=list(dict.fromkeys(rule.source for rule in used)),
        extension=extension,
        rate_missing=tuple(compare.missing),
    )


def _check(
    salary: Money | None, months: int | None, extension_months: int, asked: Money | None
) -> None:
    if salary is not None and (salary.amount <= 0 or salary.currency not in CURRENCY_NAMES):
        raise FeeInputError("Mức lương phải lớn hơn 0.")
    if asked is not None and (asked.amount <= 0 or asked.currency not in CURRENCY_NAMES):
        raise FeeInputError("Số tiền phải lớn hơn 0.")
    if months is not None and not 1 <= months <= MAX_MONTHS:
        raise FeeInputError(f"Thời hạn hợp đồng phải từ 1 đến {MAX_MONTHS} tháng.")
    if not 0 <= extension_months <= MAX_MONTHS:
        raise FeeInputError(f"Thời gian gia hạn phải từ 0 đến {MAX_MONTHS} tháng.")


def _share(
    rules: FeeRules, cap: FeeRule, months: int
) -> tuple[tuple[Decimal, int] | None, FeeRule | None]:
    """Months of wage allowed for a contract of ``months``, as an exact fraction
    (numerator, denominator); None when no checked figure exists (with the note saying
    whom to ask)."""
    assert cap.months_per_12 is not None  # checked when loading
    if cap.long_from_months is not None and months >= cap.long_from_months:
        if cap.long_total_months is None:
            return None, rules.rules[cap.long_note] if cap.long_note else None
        return (cap.long_total_months, 1), None
    return (cap.months_per_12 * months, 12), None


def _notes(rules: FeeRules, market: MarketRules, job: JobRules | None) -> tuple[FeeRule, ...]:
    """The job's notes, then the market's, each once."""
    ids = [*(job.notes if job else ()), *market.notes]
    return tuple(rules.rules[note] for note in dict.fromkeys(ids))


class _Compare:
    """The cap and the amount asked for, side by side (in đồng when currencies differ)."""

    def __init__(
        self,
        rules: FeeRules,
        market: MarketRules,
        max_fee: Money | None,
        share: tuple[Decimal, int] | None,
        asked: Money | None,
        no_fee: bool,
    ) -> None:
        self.rules = rules
        self.rates: list[Rate] = []
        self.missing: list[str] = []
        self.max_fee_vnd = self.to_vnd(max_fee) if max_fee is not None else None
        self.asked_vnd = self.to_vnd(asked) if asked is not None else None
        self.comparison: Comparison | None = None
        self.excess_vnd: Decimal | None = None
        self.wage_needed: Money | None = None
        self.wage_needed_abroad: Money | None = None
        if asked is None:
            return
        if no_fee:
            self.comparison = "above"
        elif max_fee is not None:
            self._against_cap(asked, max_fee)
        elif share is not None and share[0]:
            self._wage_needed(market, asked, share)

    def to_vnd(self, money: Money) -> Decimal | None:
        if money.currency == "VND":
            return money.amount
        rate = self.rules.rates.get(money.currency)
        if rate is None:
            self.missing.append(money.currency)
            return None
        if rate not in self.rates:
            self.rates.append(rate)
        return (money.amount * rate.vnd).quantize(Decimal(1), rounding=ROUND_DOWN)

    def _against_cap(self, asked: Money, max_fee: Money) -> None:
        if asked.currency == max_fee.currency:
            self.comparison = "above" if asked.amount > max_fee.amount else "within"
            if self.asked_vnd is not None and self.max_fee_vnd is not None:
                self.excess_vnd = self.asked_vnd - self.max_fee_vnd
            return
        if self.asked_vnd is None or self.max_fee_vnd is None:
            return  # no rate: the worker is told to compare on the day's rate
        self.excess_vnd = self.asked_vnd - self.max_fee_vnd
        if abs(self.excess_vnd) <= NEAR_SHARE * self.max_fee_vnd:
            self.comparison = "near"
        else:
            self.comparison = "above" if self.excess_vnd > 0 else "within"

    def _wage_needed(self, market: MarketRules, asked: Money, share: tuple[Decimal, int]) -> None:
        """The lowest monthly wage for which the amount asked is within the cap."""
        numerator, denominator = share
        step = Decimal(1) if asked.currency in ("VND", "JPY", "KRW", "TWD") else Decimal("0.01")
        needed = (asked.amount * denominator / numerator).quantize(step, rounding=ROUND_CEILING)
        self.wage_needed = Money(plain(needed), asked.currency)
        currency = market.currency
        if currency and currency != asked.currency and self.asked_vnd is not None:
            rate = self.rules.rates.get(currency)
            if rate is not None:
                if rate not in self.rates:
                    self.rates.append(rate)
                abroad = (self.asked_vnd * denominator / numerator / rate.vnd).quantize(
                    Decimal(1), rounding=ROUND_CEILING
                )
                self.wage_needed_abroad = Money(plain(abroad), currency)
