"""Amounts of money as the fee check shows them: exact, rounded down, Vietnamese style.

A fee cap shown to a worker must never be higher than the law's, so every conversion
and every rounding here goes down. Numbers are written the Vietnamese way: "." groups
thousands, "," marks decimals ("1.237,50 USD", "93,4 triệu đồng").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from types import MappingProxyType

__all__ = [
    "CURRENCY_DECIMALS",
    "CURRENCY_NAMES",
    "Money",
    "format_money",
    "format_number",
    "format_vnd",
    "plain",
    "times",
]

# ISO code -> the name shown to the worker.
CURRENCY_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "VND": "đồng",
        "USD": "USD",
        "JPY": "yên",
        "TWD": "Đài tệ",
        "KRW": "won",
        "EUR": "euro",
        "AUD": "AUD",
        "MYR": "ringgit",
    }
)
CURRENCY_DECIMALS: Mapping[str, int] = MappingProxyType(
    {"VND": 0, "USD": 2, "JPY": 0, "TWD": 0, "KRW": 0, "EUR": 2, "AUD": 2, "MYR": 2}
)
_MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Money:
    """An amount in one currency (ISO code)."""

    amount: Decimal
    currency: str


def plain(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent form (1200, not 1.2E+3)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def times(money: Money, numerator: Decimal, denominator: int = 1) -> Money:
    """Money x numerator / denominator, rounded DOWN to the currency's smallest unit.

    Multiplying before dividing keeps "13 months of 1 month per 12" exact
    (1.200 USD -> 1.300 USD, not 1.299,99 USD).
    """
    step = Decimal(1).scaleb(-CURRENCY_DECIMALS.get(money.currency, 0))
    amount = (money.amount * numerator / denominator).quantize(step, rounding=ROUND_DOWN)
    return Money(amount=plain(amount), currency=money.currency)


def format_money(money: Money) -> str:
    """Vietnamese style: "1.200 USD", "30.000.000 đồng", "1.237,50 USD"."""
    decimals = CURRENCY_DECIMALS.get(money.currency, 0)
    name = CURRENCY_NAMES.get(money.currency, money.currency)
    return f"{format_number(money.amount, min_decimals=decimals)} {name}"


def format_vnd(amount: Decimal, *, down: bool = True) -> str:
    """Đồng as people say it: "93,4 triệu đồng" from a million on, else "850.000 đồng".

    Millions keep one decimal, rounded down (a cap) or to the nearest (other amounts).
    """
    if abs(amount) < _MILLION:
        return f"{format_number(amount.quantize(Decimal(1), rounding=ROUND_DOWN))} đồng"
    millions = (amount / _MILLION).quantize(
        Decimal("0.1"), rounding=ROUND_DOWN if down else ROUND_HALF_UP
    )
    return f"{format_number(plain(millions))} triệu đồng"


def format_number(value: Decimal, min_decimals: int = 0) -> str:
    """Group thousands with "." and write decimals after ",".

    Whole numbers get no decimals; a fractional amount of money shows all its cents
    ("1.237,50"), a month factor only the digits it has ("1,5").
    """
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == value.to_integral_value():
        integer, fraction = int(value), ""
    else:
        integer_text, _, fraction = format(value.normalize(), "f").partition(".")
        integer = int(integer_text)
        fraction = fraction.ljust(min_decimals, "0")
    grouped = f"{integer:,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"
