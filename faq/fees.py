"""Service-fee caps for work abroad under contract, computed from data.

Overcharging is the commonest harm done to people going abroad: a worker who
knows the legal maximum can refuse a recruiter's "price". The rules (caps,
when money may be asked for, what may never be held) live in
``faq/data/fee_caps.yaml`` with their legal source and review date, so a
lawyer can check and change them without touching code. This module only
parses what the worker types (salary, contract length) and applies the rules.

Deliberately absent: exchange rates and the per-market caps of the ministry's
appendices. Both would be invented numbers; the cap is given in the salary's
own currency and the answer says that a lower cap may apply.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from faq.normalize import fold
from faq.rules_file import RulesFileError, as_date, load_rules_file, positive_decimal

__all__ = [
    "CURRENCY_NAMES",
    "DEFAULT_FEE_RULES_PATH",
    "MAX_MONTHS",
    "FeeAnswer",
    "FeeInputError",
    "FeeRule",
    "FeeRules",
    "FeeRulesError",
    "MarketRules",
    "Money",
    "calculate",
    "format_money",
    "load_fee_rules",
    "parse_months",
    "parse_salary",
]

DEFAULT_FEE_RULES_PATH = Path(__file__).parent / "data" / "fee_caps.yaml"
# Luật 69 contracts are rarely longer than 5 years; 10 years leaves room for
# extensions while still catching typos such as "360".
MAX_MONTHS = 120
# A salary or a contract length fits in a few words; anything longer is a
# pasted text, refused before any regular expression runs over it.
_MAX_INPUT_CHARS = 100
# No salary has more digits than this; it stops absurd inputs early.
_MAX_DIGITS = 13

# ISO code -> (Vietnamese name shown to the worker, minor-unit digits).
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
_CURRENCY_DECIMALS: Mapping[str, int] = MappingProxyType(
    {"VND": 0, "USD": 2, "JPY": 0, "TWD": 0, "KRW": 0, "EUR": 2, "AUD": 2, "MYR": 2}
)
# Symbols are replaced by a word before folding so that "$1200" reads as
# "usd 1200"; folding would otherwise drop them.
_SYMBOLS: Mapping[str, str] = MappingProxyType(
    {"$": " usd ", "¥": " yen ", "￥": " yen ", "円": " yen ", "₩": " won ", "€": " euro ",
     "₫": " vnd "}
)  # fmt: skip
# Folded word sequences naming a currency. Longer phrases are tried first so
# that "do la uc" is Australian dollars, not US dollars.
_CURRENCY_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "do la uc": "AUD", "do uc": "AUD", "aud": "AUD",
        "do la my": "USD", "do my": "USD", "do la": "USD", "do": "USD", "dola": "USD",
        "usd": "USD", "us": "USD", "dollar": "USD",
        "dai te": "TWD", "tien dai": "TWD", "twd": "TWD", "ntd": "TWD", "nt": "TWD",
        "yen": "JPY", "jpy": "JPY", "man": "JPY",
        "won": "KRW", "uon": "KRW", "krw": "KRW",
        "euro": "EUR", "eur": "EUR", "ero": "EUR",
        "ringgit": "MYR", "rm": "MYR", "myr": "MYR",
        "vnd": "VND", "dong": "VND", "d": "VND", "vn": "VND",
    }
)  # fmt: skip
_CURRENCY_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    sorted(
        ((tuple(phrase.split()), code) for phrase, code in _CURRENCY_WORDS.items()),
        key=lambda item: -len(item[0]),
    )
)
# Word -> multiplier. "man" (万) is how people working in Japan count yen.
_MULTIPLIERS: Mapping[str, Decimal] = MappingProxyType(
    {
        "trieu": Decimal(1_000_000), "tr": Decimal(1_000_000), "cu": Decimal(1_000_000),
        "nghin": Decimal(1_000), "ngan": Decimal(1_000), "k": Decimal(1_000),
        "ty": Decimal(1_000_000_000), "man": Decimal(10_000),
    }
)  # fmt: skip
# Words that imply VND when no currency is written ("30 triệu").
_VND_MULTIPLIERS = frozenset({"trieu", "tr", "cu", "nghin", "ngan", "k", "ty"})
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_NEGATIVE_RE = re.compile(r"(?:^|[\s(])[-−–]\s*\d")
# "hợp đồng" contains "đồng"; "/tháng", "một tháng" is just "per month".
_SALARY_NOISE_RE = re.compile(r"\bhop dong\b|\bhd\b|(?:/|\bmoi\b|\bmot\b|\b1\b)\s*thang\b")
_WORD_RE = re.compile(r"[a-z]+")

_YEAR_UNITS = frozenset({"nam", "n"})
_MONTH_UNITS = frozenset({"thang", "th", "t"})
_DURATION_RE = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>nam|n|thang|th|t)?\b\s*(?P<half>ruoi)?"
)
# Words allowed around a duration ("hợp đồng 3 năm", "khoảng 36 tháng").
_DURATION_FILLER = frozenset(
    {"hop", "dong", "hd", "khoang", "tam", "la", "thoi", "han", "lam", "viec", "tong",
     "cong", "va", "duoc", "co", "ky", "di"}
)  # fmt: skip

_RULE_KEYS = frozenset(
    {"id", "text", "source", "reviewed", "months_per_12", "long_from_months",
     "long_total_months", "long_note"}
)  # fmt: skip
_MARKET_KEYS = frozenset({"label", "cap", "notes"})
_TOP_KEYS = frozenset({"version", "rules", "markets", "aliases", "extension_rule"})
_REQUIRED_MARKETS = ("general", "kr_eps", "jp_im", "ship_crew")


class FeeInputError(ValueError):
    """A worker's answer that cannot be used; ``message`` is Vietnamese, shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FeeRulesError(RulesFileError):
    """The rules file is unusable; lists every problem so an editor fixes all at once."""


@dataclass(frozen=True)
class Money:
    """An amount in one currency (ISO code); never converted, see module docstring."""

    amount: Decimal
    currency: str


@dataclass(frozen=True)
class FeeRule:
    """One legal rule: the sentence shown to workers, its source and, for caps, the figures."""

    id: str
    text: str
    source: str
    reviewed: dt.date
    months_per_12: Decimal | None = None
    long_from_months: int | None = None
    long_total_months: Decimal | None = None
    long_note: str | None = None


@dataclass(frozen=True)
class MarketRules:
    """How one market is answered: its cap rule (None: public programme, no fee) and notes."""

    code: str
    label: str
    cap: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class FeeRules:
    """All rules, validated; immutable so one instance can be shared by every chat."""

    rules: Mapping[str, FeeRule]
    markets: Mapping[str, MarketRules]
    aliases: Mapping[str, str]
    extension_rule: str

    def market(self, code: str) -> MarketRules:
        """Resolve a market code used anywhere in the bot (e.g. "tw") to its rules."""
        key = self.aliases.get(code, code)
        try:
            return self.markets[key]
        except KeyError:
            raise ValueError(f"unknown market code {code!r}") from None


@dataclass(frozen=True)
class FeeAnswer:
    """The cap for one case, plain sentences to show, and the sources behind them.

    ``max_service_fee`` and ``months_of_wage`` are None when no checked figure
    exists for the case (then ``lines`` says whom to ask).
    """

    max_service_fee: Money | None
    months_of_wage: Decimal | None
    lines: list[str]
    sources: list[str]


# --------------------------------------------------------------------------- loading


def load_fee_rules(path: Path | str = DEFAULT_FEE_RULES_PATH) -> FeeRules:
    """Load and validate the rules; refuses a file with any unsourced or undated rule.

    A fee figure without a legal source must never reach a worker, so a broken
    file stops the bot at start-up rather than answering wrongly later.
    """
    return load_rules_file(path, _parse_rules, FeeRulesError)


def _parse_rules(data: Any, origin: str) -> FeeRules:
    """Build :class:`FeeRules` from parsed YAML, collecting every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise FeeRulesError(origin, ["top level must be a mapping"])
    unknown = set(data) - _TOP_KEYS
    if unknown:
        problems.append(f"unknown top-level keys {sorted(unknown)}")

    rules: dict[str, FeeRule] = {}
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("'rules' must be a non-empty list")
        raw_rules = []
    for index, raw in enumerate(raw_rules):
        rule = _parse_rule(raw, f"rules[{index}]", problems)
        if rule is None:
            continue
        if rule.id in rules:
            problems.append(f"duplicate rule id {rule.id!r}")
        rules[rule.id] = rule

    for rule in rules.values():
        if rule.long_note is not None and rule.long_note not in rules:
            problems.append(f"rule {rule.id!r}: unknown long_note {rule.long_note!r}")

    markets: dict[str, MarketRules] = {}
    raw_markets = data.get("markets")
    if not isinstance(raw_markets, dict):
        problems.append("'markets' must be a mapping")
        raw_markets = {}
    for code, raw in raw_markets.items():
        market = _parse_market(str(code), raw, rules, problems)
        if market is not None:
            markets[market.code] = market
    for code in _REQUIRED_MARKETS:
        if code not in markets:
            problems.append(f"market {code!r} is missing")

    aliases: dict[str, str] = {}
    raw_aliases = data.get("aliases") or {}
    if not isinstance(raw_aliases, dict):
        problems.append("'aliases' must be a mapping")
        raw_aliases = {}
    for alias, target in raw_aliases.items():
        if target not in markets:
            problems.append(f"alias {alias!r} points to unknown market {target!r}")
        else:
            aliases[str(alias)] = str(target)

    extension_rule = data.get("extension_rule")
    if extension_rule not in rules or rules[extension_rule].months_per_12 is None:
        problems.append("'extension_rule' must name a rule with months_per_12")

    if problems:
        raise FeeRulesError(origin, problems)
    return FeeRules(
        rules=MappingProxyType(rules),
        markets=MappingProxyType(markets),
        aliases=MappingProxyType(aliases),
        extension_rule=str(extension_rule),
    )


def _parse_rule(raw: Any, where: str, problems: list[str]) -> FeeRule | None:
    """Validate one rule; the source and review date are mandatory for every rule."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping")
        return None
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        problems.append(f"{where}: missing id")
        return None
    where = f"rule {rule_id!r}"
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    text, source = raw.get("text"), raw.get("source")
    ok = True
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: missing text")
        ok = False
    if not isinstance(source, str) or not source.strip():
        problems.append(f"{where}: missing source (law and article)")
        ok = False
    reviewed = as_date(raw.get("reviewed"))
    if reviewed is None:
        problems.append(f"{where}: missing or invalid reviewed date (YYYY-MM-DD)")
        ok = False
    per_12 = positive_decimal(raw.get("months_per_12"), f"{where}: months_per_12", problems)
    long_total = positive_decimal(
        raw.get("long_total_months"), f"{where}: long_total_months", problems
    )
    long_from = raw.get("long_from_months")
    if long_from is not None and (not isinstance(long_from, int) or long_from <= 0):
        problems.append(f"{where}: long_from_months must be a positive integer")
        ok = False
    long_note = raw.get("long_note")
    if long_note is not None and not isinstance(long_note, str):
        problems.append(f"{where}: long_note must be a rule id")
        ok = False
    if not ok or reviewed is None:
        return None
    return FeeRule(
        id=rule_id,
        text=" ".join(str(text).split()),
        source=str(source).strip(),
        reviewed=reviewed,
        months_per_12=per_12,
        long_from_months=long_from,
        long_total_months=long_total,
        long_note=long_note,
    )


def _parse_market(
    code: str, raw: Any, rules: Mapping[str, FeeRule], problems: list[str]
) -> MarketRules | None:
    """Validate one market entry against the known rules."""
    where = f"market {code!r}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping")
        return None
    unknown = set(raw) - _MARKET_KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    cap = raw.get("cap")
    if cap is not None and (cap not in rules or rules[cap].months_per_12 is None):
        problems.append(f"{where}: cap {cap!r} is not a rule with months_per_12")
    notes = raw.get("notes") or []
    if not isinstance(notes, list):
        problems.append(f"{where}: notes must be a list")
        notes = []
    for note in notes:
        if note not in rules:
            problems.append(f"{where}: unknown note {note!r}")
    label = raw.get("label")
    if not isinstance(label, str) or not label:
        problems.append(f"{where}: missing label")
        label = code
    return MarketRules(code=code, label=label, cap=cap, notes=tuple(str(n) for n in notes))


# --------------------------------------------------------------------------- parsing


def parse_salary(text: str) -> Money:
    """Read a monthly salary as workers type it ("1.200 USD", "30tr", "¥180,000").

    Vietnamese writing uses "." for thousands and "," for decimals, while
    Japanese and English sources use "," for thousands: a separator followed by
    exactly three digits is read as thousands, otherwise as a decimal point.
    """
    if len(text) > _MAX_INPUT_CHARS:
        raise FeeInputError(
            "Tin nhắn quá dài. Bạn chỉ cần gõ mức lương, ví dụ: 1.200 USD hoặc 30 triệu."
        )
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    folded = fold(text)
    if _NEGATIVE_RE.search(folded):
        raise FeeInputError("Mức lương phải lớn hơn 0.")
    folded = _SALARY_NOISE_RE.sub(" ", folded)
    numbers = _NUMBER_RE.findall(folded)
    if not numbers:
        raise FeeInputError(
            "Mình chưa thấy số tiền. Bạn gõ mức lương, ví dụ: 1.200 USD hoặc 30 triệu."
        )
    if len(numbers) > 1:
        raise FeeInputError("Bạn chỉ gõ một mức lương thôi nhé, ví dụ: 1.200 USD.")
    amount = _parse_number(numbers[0])
    words = _WORD_RE.findall(_NUMBER_RE.sub(" ", folded))
    currency, multiplier_word = _find_currency(words)
    if multiplier_word is not None:
        amount *= _MULTIPLIERS[multiplier_word]
        if currency is None and multiplier_word in _VND_MULTIPLIERS:
            currency = "VND"
    if currency is None:
        raise FeeInputError(
            "Bạn ghi rõ loại tiền nhé, ví dụ: 1.200 USD, 30 triệu đồng, 180.000 yên."
        )
    if amount <= 0:
        raise FeeInputError("Mức lương phải lớn hơn 0.")
    decimals = _CURRENCY_DECIMALS[currency]
    if amount != amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN):
        raise FeeInputError("Số tiền chưa đúng. Ví dụ: 1.200 USD hoặc 30 triệu.")
    return Money(amount=_plain(amount), currency=currency)


def _parse_number(raw: str) -> Decimal:
    """Parse "1.200", "180,000", "2,5", "1.200,50" or "1,200.50" into a Decimal."""
    if len(re.sub(r"\D", "", raw)) > _MAX_DIGITS:
        raise FeeInputError("Số tiền quá lớn. Bạn kiểm tra lại nhé.")
    separators = [c for c in raw if c in ".,"]
    integer, fraction = raw, ""
    if separators:
        last = separators[-1]
        head, _, tail = raw.rpartition(last)
        if len(set(separators)) == 2:
            # Both kinds: the last one is the decimal mark, the other groups thousands.
            integer, fraction = head, tail
        elif len(separators) == 1 and len(tail) != 3:
            integer, fraction = head, tail
        integer_groups = re.split(r"[.,]", integer)
        if len(integer_groups) > 1 and (
            not 1 <= len(integer_groups[0]) <= 3
            or any(len(group) != 3 for group in integer_groups[1:])
        ):
            raise FeeInputError("Số tiền chưa đúng. Ví dụ: 1.200 USD hoặc 30 triệu.")
        integer = "".join(integer_groups)
    value = Decimal(f"{integer}.{fraction}" if fraction else integer)
    return value


def _find_currency(words: Sequence[str]) -> tuple[str | None, str | None]:
    """Return the single currency and multiplier word named in ``words``.

    Other words are ignored ("lương", "khoảng"), but two different currencies
    or multipliers mean the worker wrote two amounts: that is refused.
    """
    currencies: set[str] = set()
    multipliers: set[str] = set()
    i = 0
    while i < len(words):
        for phrase, code in _CURRENCY_PHRASES:
            if tuple(words[i : i + len(phrase)]) == phrase:
                currencies.add(code)
                if phrase == ("man",):
                    multipliers.add("man")
                i += len(phrase)
                break
        else:
            if words[i] in _MULTIPLIERS:
                multipliers.add(words[i])
            i += 1
    if len(currencies) > 1:
        raise FeeInputError("Bạn chỉ ghi một loại tiền thôi nhé, ví dụ: 1.200 USD.")
    if len(multipliers) > 1:
        raise FeeInputError("Số tiền chưa rõ. Ví dụ: 30 triệu hoặc 1.200 USD.")
    return (next(iter(currencies), None), next(iter(multipliers), None))


def parse_months(text: str) -> int:
    """Read a contract length ("36", "3 năm", "1 năm rưỡi", "2,5 năm") as whole months.

    A bare number is months, as contracts are written in months. Only lengths
    from 1 to :data:`MAX_MONTHS` are accepted.
    """
    if len(text) > _MAX_INPUT_CHARS:
        raise FeeInputError("Tin nhắn quá dài. Bạn chỉ cần gõ thời hạn, ví dụ: 36 tháng.")
    folded = fold(text)
    if _NEGATIVE_RE.search(folded):
        raise FeeInputError("Thời hạn hợp đồng phải từ 1 đến 120 tháng.")
    total = Decimal(0)
    seen_units: set[str] = set()
    found = False
    for match in _DURATION_RE.finditer(folded):
        number = _parse_duration_number(match.group("num"))
        unit = "year" if match.group("unit") in _YEAR_UNITS else "month"
        if unit in seen_units:
            raise FeeInputError("Bạn chỉ gõ một thời hạn thôi nhé, ví dụ: 36 tháng.")
        seen_units.add(unit)
        if match.group("half"):
            number += Decimal("0.5")
        total += number * (12 if unit == "year" else 1)
        found = True
    leftover = _WORD_RE.findall(_DURATION_RE.sub(" ", folded))
    if not found or any(word not in _DURATION_FILLER for word in leftover):
        raise FeeInputError("Bạn gõ thời hạn hợp đồng, ví dụ: 36 tháng hoặc 3 năm.")
    if total != total.to_integral_value():
        raise FeeInputError("Bạn gõ số tháng tròn nhé, ví dụ: 18 tháng.")
    months = int(total)
    if not 1 <= months <= MAX_MONTHS:
        raise FeeInputError(f"Thời hạn hợp đồng phải từ 1 đến {MAX_MONTHS} tháng.")
    return months


def _parse_duration_number(raw: str) -> Decimal:
    """ "2,5" and "2.5" are both two and a half; durations never have thousands."""
    if len(raw) > 6:
        raise FeeInputError(f"Thời hạn hợp đồng phải từ 1 đến {MAX_MONTHS} tháng.")
    return Decimal(raw.replace(",", "."))


# --------------------------------------------------------------------------- calculation


def calculate(
    rules: FeeRules,
    market: str,
    salary: Money,
    months: int,
    *,
    extension_months: int = 0,
) -> FeeAnswer:
    """The maximum service fee a worker may be asked for, with the rules around it.

    Below the long-contract threshold the cap is pro rata ("1 month per 12
    months": 18 months -> 1.5 months' wage); from it on, a fixed total. Amounts
    are rounded down so the bot never states a cap higher than the law's.
    """
    if salary.amount <= 0 or salary.currency not in CURRENCY_NAMES:
        raise FeeInputError("Mức lương phải lớn hơn 0.")
    if not 1 <= months <= MAX_MONTHS:
        raise FeeInputError(f"Thời hạn hợp đồng phải từ 1 đến {MAX_MONTHS} tháng.")
    if not 0 <= extension_months <= MAX_MONTHS:
        raise FeeInputError(f"Thời gian gia hạn phải từ 0 đến {MAX_MONTHS} tháng.")
    market_rules = rules.market(market)
    lines: list[str] = []
    used: list[FeeRule] = []
    salary_text = format_money(salary)
    max_fee: Money | None
    months_of_wage: Decimal | None

    if market_rules.cap is None:
        max_fee = Money(Decimal(0), salary.currency)
        months_of_wage = Decimal(0)
        lines.append(f"Tiền dịch vụ: 0 {CURRENCY_NAMES[salary.currency]}.")
    else:
        cap = rules.rules[market_rules.cap]
        used.append(cap)
        assert cap.months_per_12 is not None  # checked when loading
        long_contract = cap.long_from_months is not None and months >= cap.long_from_months
        if long_contract and cap.long_total_months is None:
            max_fee, months_of_wage = None, None
            if cap.long_note is not None:
                note = rules.rules[cap.long_note]
                lines.append(note.text)
                used.append(note)
        else:
            if long_contract:
                assert cap.long_total_months is not None
                numerator, denominator = cap.long_total_months, 1
            else:
                numerator, denominator = cap.months_per_12 * months, 12
            max_fee = _times(salary, numerator, denominator)
            months_of_wage = _plain(
                (numerator / denominator).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
            )
            lines.append(
                f"Với lương {salary_text} một tháng và hợp đồng {months} tháng, "
                f"tiền dịch vụ tối đa là {format_money(max_fee)}."
            )
            lines.append(f"Số tiền này bằng {_format_number(months_of_wage)} tháng lương.")
        if extension_months:
            extension = rules.rules[rules.extension_rule]
            assert extension.months_per_12 is not None
            extra = _times(salary, extension.months_per_12 * extension_months, 12)
            lines.append(
                f"Nếu gia hạn {extension_months} tháng, tiền dịch vụ cho phần gia hạn "
                f"tối đa là {format_money(extra)}."
            )
            used.append(extension)

    for note_id in market_rules.notes:
        note = rules.rules[note_id]
        if note.text not in lines:
            lines.append(note.text)
        used.append(note)

    sources: list[str] = []
    for rule in used:
        if rule.source not in sources:
            sources.append(rule.source)
    return FeeAnswer(
        max_service_fee=max_fee, months_of_wage=months_of_wage, lines=lines, sources=sources
    )


def _times(salary: Money, numerator: Decimal, denominator: int) -> Money:
    """Salary x numerator / denominator, rounded DOWN to the currency's smallest unit.

    Multiplying before dividing keeps "13 months of 1 month per 12" exact
    (1.200 USD -> 1.300 USD, not 1.299,99 USD).
    """
    step = Decimal(1).scaleb(-_CURRENCY_DECIMALS[salary.currency])
    amount = (salary.amount * numerator / denominator).quantize(step, rounding=ROUND_DOWN)
    return Money(amount=_plain(amount), currency=salary.currency)


def _plain(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent form (1200, not 1.2E+3)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def format_money(money: Money) -> str:
    """Vietnamese style: "1.200 USD", "30.000.000 đồng", "1.237,50 USD"."""
    decimals = _CURRENCY_DECIMALS.get(money.currency, 0)
    name = CURRENCY_NAMES.get(money.currency, money.currency)
    return f"{_format_number(money.amount, min_decimals=decimals)} {name}"


def _format_number(value: Decimal, min_decimals: int = 0) -> str:
    """Group thousands with "." and write decimals after ",".

    Whole numbers get no decimals; a fractional amount of money shows all its
    cents ("1.237,50"), a month factor only the digits it has ("1,5").
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
