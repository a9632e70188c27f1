"""What workers type to the fee check: a salary, an amount asked for, a contract length.

Workers write "1.200 USD", "30tr", "18 man", "3 năm rưỡi", and whole questions such as
«công ty đòi 150 triệu đi Nhật 3 năm có đúng không». This module reads them; it knows
no law (``faq/fee_rules.py``) and computes nothing (``faq/fees.py``). Bad input raises
:class:`FeeInputError` with a short Vietnamese message to show as is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from types import MappingProxyType

from faq.money import CURRENCY_DECIMALS, Money, plain
from faq.normalize import fold, normalize

__all__ = [
    "MAX_MONTHS",
    "FeeInputError",
    "FeeQuestion",
    "parse_amount",
    "parse_months",
    "parse_salary",
    "read_fee_question",
    "read_job",
    "read_market",
]

MAX_MONTHS = 120
# A salary or a contract length fits in a few words; anything longer is a
# pasted text, refused before any regular expression runs over it.
_MAX_INPUT_CHARS = 100
# No salary has more digits than this; it stops absurd inputs early.
_MAX_DIGITS = 13
# A question is read up to this length (a pasted advertisement is longer).
_MAX_SCAN_CHARS = 500

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


class FeeInputError(ValueError):
    """A worker's answer that cannot be used; ``message`` is Vietnamese, shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_salary(text: str) -> Money:
    """Read a monthly salary as workers type it ("1.200 USD", "30tr", "¥180,000").

    Vietnamese writing uses "." for thousands and "," for decimals, while Japanese and
    English sources use "," for thousands: a separator followed by exactly three digits
    is read as thousands, otherwise as a decimal point.
    """
    return _parse_money(text, "mức lương")


def parse_amount(text: str) -> Money:
    """Read an amount of money asked for ("150 triệu", "8.000 USD"), like a salary."""
    return _parse_money(text, "số tiền")


def _parse_money(text: str, noun: str) -> Money:
    noun_cap = noun[0].upper() + noun[1:]
    if len(text) > _MAX_INPUT_CHARS:
        raise FeeInputError(
            f"Tin nhắn quá dài. Bạn chỉ cần gõ {noun}, ví dụ: 1.200 USD hoặc 30 triệu."
        )
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    folded = fold(text)
    if _NEGATIVE_RE.search(folded):
        raise FeeInputError(f"{noun_cap} phải lớn hơn 0.")
    folded = _SALARY_NOISE_RE.sub(" ", folded)
    numbers = _NUMBER_RE.findall(folded)
    if not numbers:
        raise FeeInputError(
            f"Mình chưa thấy số tiền. Bạn gõ {noun}, ví dụ: 1.200 USD hoặc 30 triệu."
        )
    if len(numbers) > 1:
        raise FeeInputError(f"Bạn chỉ gõ một {noun} thôi nhé, ví dụ: 1.200 USD.")
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
        raise FeeInputError(f"{noun_cap} phải lớn hơn 0.")
    decimals = CURRENCY_DECIMALS[currency]
    if amount != amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN):
        raise FeeInputError("Số tiền chưa đúng. Ví dụ: 1.200 USD hoặc 30 triệu.")
    return Money(amount=plain(amount), currency=currency)


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


# --------------------------------------------------------------------------- questions

# An amount with its unit, as found inside a sentence (folded text).
_MONEY_IN_TEXT_RE = re.compile(
    r"(?:\$|usd\s*)?\d+(?:[.,]\d+)*\s*"
    r"(?:trieu|tr|cu|nghin|ngan|k|ty|usd|do la uc|do la my|do la|do uc|do my|dola|do|"
    r"yen|man|won|uon|krw|euro|eur|dai te|twd|ntd|ringgit|rm|myr|aud|vnd|dong|d)\b"
)
_DURATION_IN_TEXT_RE = re.compile(r"\d+(?:[.,]5)?\s*(?:nam|thang)\b(?:\s*ruoi)?")
# The amount is a salary when one of these comes just before it.
_SALARY_WORDS = ("luong", "thu nhap", "luong co ban", "luong cb", "duoc tra", "kiem duoc")
# The message asks about money taken from the worker…
_ASKED_WORDS = re.compile(
    r"\b(?:doi|thu|bat|nop|dong|tra|het|mat|lay|chi phi|phi|tien dich vu|dich vu|bao gia|"
    r"gia|dong tien|nop tien|dua|chuyen)\b"
)
# …or whether an amount is lawful or too much.
_QUESTION_WORDS = re.compile(
    r"\b(?:co dung|dung luat|dung khong|dung ko|qua muc|vuot|cao qua|cao khong|nhieu qua|"
    r"nhieu khong|co cao|co dat|dat qua|hop ly|hop le|hop phap|co duoc|duoc khong|toi da)\b"
)
# Not a service fee: deposits, loans and the support fund have rules of their own, and
# "… là gì" asks what something is.
_OTHER_MONEY = re.compile(
    r"\b(?:coc|dat coc|ky quy|giu suat|giu cho|vay von|vay ngan hang|vay tien|cho vay|"
    r"khoan vay|ngan hang chinh sach|dong quy|nop quy|quy ho tro|la gi)\b"
)
# Market codes of faq/data/fee_caps.yaml by the words that name them (normalized text);
# the first that matches wins, so programmes come before their countries.
_MARKET_WORDS: tuple[tuple[str, str], ...] = (
    ("eps", "kr_eps"), ("im japan", "jp_im"), ("imjapan", "jp_im"),
    ("triple win", "de_triple_win"), ("nhat ban", "jp"), ("di nhat", "jp"),
    ("sang nhat", "jp"), ("qua nhat", "jp"), ("han quoc", "kr"), ("dai loan", "tw"),
    ("duc", "de"), ("uc", "au"), ("australia", "au"), ("malaysia", "my"), ("ma lai", "my"),
    ("malai", "my"), ("trung dong", "mid_east"), ("a rap", "mid_east"),
    ("saudi", "mid_east"), ("dubai", "mid_east"), ("qatar", "mid_east"),
)  # fmt: skip
# Job codes by the words that name them.
_JOB_WORDS: tuple[tuple[str, str], ...] = (
    ("thuyen vien tau ca", "fishing"), ("tau ca", "fishing"), ("danh ca", "fishing"),
    ("danh bat", "fishing"), ("thuyen vien", "ship_crew"), ("tau bien", "ship_crew"),
    ("tau van tai", "ship_crew"), ("thuy thu", "ship_crew"), ("giup viec", "domestic"),
    ("osin", "domestic"), ("cham soc nguoi gia", "domestic"), ("cham nguoi gia", "domestic"),
    ("dieu duong", "nurse"), ("ho ly", "nurse"), ("y ta", "nurse"), ("xay dung", "construction"),
    ("nong nghiep", "agriculture"), ("trong trot", "agriculture"), ("chan nuoi", "agriculture"),
    ("nha may", "factory"), ("xuong", "factory"), ("san xuat", "factory"),
    ("co khi", "factory"), ("may mac", "factory"), ("thuc pham", "factory"),
    ("dien tu", "factory"),
)  # fmt: skip


@dataclass(frozen=True)
class FeeQuestion:
    """What a free-text message says about a fee: any of these may be missing but ``asked``."""

    asked: Money
    salary: Money | None
    months: int | None
    market: str | None
    job: str | None
    brokerage: bool = False  # the amount is called a brokerage fee, which is never lawful


def read_fee_question(text: str) -> FeeQuestion | None:
    """A question about an amount asked for («công ty đòi 150 triệu đi Nhật 3 năm có đúng
    không»), or None: no amount, only a salary, a deposit or a loan, or no fee words."""
    text = text[:_MAX_SCAN_CHARS]
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    folded = fold(text)
    words = normalize(text)
    if _OTHER_MONEY.search(words):
        return None
    asked: Money | None = None
    salary: Money | None = None
    for match in _MONEY_IN_TEXT_RE.finditer(folded):
        try:
            money = parse_amount(match.group(0))
        except FeeInputError:
            continue
        before = " ".join(_WORD_RE.findall(folded[: match.start()])[-3:])
        if any(re.search(rf"\b{w}\b", before) for w in _SALARY_WORDS):
            salary = salary or money
        elif asked is None:
            asked = money
    if asked is None or not (_ASKED_WORDS.search(words) or _QUESTION_WORDS.search(words)):
        return None
    months = None
    for match in _DURATION_IN_TEXT_RE.finditer(folded):
        try:
            months = parse_months(match.group(0))
        except FeeInputError:
            continue
        break
    return FeeQuestion(
        asked=asked,
        salary=salary,
        months=months,
        market=_first(words, _MARKET_WORDS),
        job=_first(words, _JOB_WORDS),
        brokerage=bool(re.search(r"\bmoi gioi\b", words)),
    )


def read_market(text: str) -> str | None:
    """The market code a message names ("nhật", "đài loan", "eps"), or None."""
    return _first(normalize(text[:_MAX_SCAN_CHARS]), _MARKET_WORDS)


def read_job(text: str) -> str | None:
    """The job code a message names ("giúp việc", "xây dựng"), or None."""
    return _first(normalize(text[:_MAX_SCAN_CHARS]), _JOB_WORDS)


def _first(words: str, table: Sequence[tuple[str, str]]) -> str | None:
    for phrase, code in table:
        if re.search(rf"\b{phrase}\b", words):
            return code
    return None
