"""The fee rules and the exchange-rate table, read from the files staff edit.

``faq/data/fee_caps.yaml`` holds the law: each rule with the sentence shown to workers,
its legal source and review date; the markets (countries and programmes) and jobs with
the cap rule and notes that apply. ``faq/data/exchange_rates.yaml`` holds indicative
rates with their date and source, so a cap can be shown in đồng too (no network at run
time). A figure without a source must never reach a worker, so a file with any problem
is refused whole (:class:`FeeRulesError` lists every problem) and `/faqreload` keeps the
old rules in service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from faq.money import CURRENCY_NAMES
from faq.rules_file import RulesFileError, as_date, load_rules_file, positive_decimal

__all__ = [
    "DEFAULT_FEE_RULES_PATH",
    "DEFAULT_RATES_PATH",
    "FeeRule",
    "FeeRules",
    "FeeRulesError",
    "JobRules",
    "MarketRules",
    "Rate",
    "RateTable",
    "load_fee_rules",
    "load_rates",
]

DEFAULT_FEE_RULES_PATH = Path(__file__).parent / "data" / "fee_caps.yaml"
DEFAULT_RATES_PATH = Path(__file__).parent / "data" / "exchange_rates.yaml"

_RULE_KEYS = frozenset(
    {"id", "text", "source", "reviewed", "months_per_12", "long_from_months",
     "long_total_months", "long_note"}
)  # fmt: skip
_MARKET_KEYS = frozenset({"label", "cap", "notes", "jobs", "currency"})
_JOB_KEYS = frozenset({"label", "cap", "notes"})
_TOP_KEYS = frozenset({"version", "rules", "markets", "jobs", "aliases", "extension_rule"})
_REQUIRED_MARKETS = ("general", "kr_eps", "jp_im", "undecided")
_REQUIRED_JOBS = ("ship_crew", "other")
_RATE_TOP_KEYS = frozenset({"version", "date", "source", "stale_after_days", "rates"})
_RATE_KEYS = frozenset({"vnd", "date", "source"})


class FeeRulesError(RulesFileError):
    """The rules or the rate file is unusable; lists every problem so an editor fixes all."""


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
class JobRules:
    """A kind of work: a cap of its own (ship crew) and notes (domestic work)."""

    code: str
    label: str
    cap: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class MarketRules:
    """How one market is answered: its cap rule (None: no service fee), notes, the jobs to
    ask about (none: do not ask) and the currency its wages are usually paid in."""

    code: str
    label: str
    cap: str | None
    notes: tuple[str, ...]
    jobs: tuple[str, ...] = ()
    currency: str | None = None


@dataclass(frozen=True)
class Rate:
    """How many đồng one unit of a currency is worth, on a date, from a source."""

    currency: str
    vnd: Decimal
    date: dt.date
    source: str


@dataclass(frozen=True)
class RateTable:
    """Indicative rates; ``stale_after_days`` says when the answer must call them old."""

    rates: Mapping[str, Rate]
    stale_after_days: int

    def get(self, currency: str) -> Rate | None:
        return self.rates.get(currency)

    def is_stale(self, rate: Rate, today: dt.date) -> bool:
        return (today - rate.date).days > self.stale_after_days


EMPTY_RATES = RateTable(MappingProxyType({}), 0)


@dataclass(frozen=True)
class FeeRules:
    """All rules, validated; immutable so one instance can be shared by every chat."""

    rules: Mapping[str, FeeRule]
    markets: Mapping[str, MarketRules]
    jobs: Mapping[str, JobRules]
    aliases: Mapping[str, str]
    extension_rule: str
    rates: RateTable = EMPTY_RATES

    def market(self, code: str) -> MarketRules:
        """Resolve a market code used anywhere in the bot (e.g. "eps") to its rules."""
        key = self.aliases.get(code, code)
        try:
            return self.markets[key]
        except KeyError:
            raise ValueError(f"unknown market code {code!r}") from None

    def job(self, code: str | None) -> JobRules | None:
        if code is None:
            return None
        try:
            return self.jobs[code]
        except KeyError:
            raise ValueError(f"unknown job code {code!r}") from None


# --------------------------------------------------------------------------- loading


def load_fee_rules(
    path: Path | str = DEFAULT_FEE_RULES_PATH, rates_path: Path | str = DEFAULT_RATES_PATH
) -> FeeRules:
    """Load and validate the rules and the rate table; refuses any unsourced or undated one.

    A broken file stops the bot at start-up rather than answering wrongly later.
    """
    rules = load_rules_file(path, _parse_rules, FeeRulesError)
    rates = load_rates(rates_path)
    return FeeRules(rules.rules, rules.markets, rules.jobs, rules.aliases, rules.extension_rule,
                    rates)  # fmt: skip


def load_rates(path: Path | str = DEFAULT_RATES_PATH) -> RateTable:
    """Load the exchange-rate table (every rate with a date and a source)."""
    return load_rules_file(path, _parse_rates, FeeRulesError)


def _parse_rules(data: Any, origin: str) -> FeeRules:
    """Build :class:`FeeRules` from parsed YAML, collecting every problem."""
    if not isinstance(data, dict):
        raise FeeRulesError(origin, ["top level must be a mapping"])
    problems: list[str] = []
    unknown = set(data) - _TOP_KEYS
    if unknown:
        problems.append(f"unknown top-level keys {sorted(unknown)}")
    rules = _parse_rule_list(data.get("rules"), problems)
    jobs = _parse_entries(data.get("jobs"), "jobs", _parse_job, rules, problems)
    markets = _parse_entries(
        data.get("markets"), "markets", _parse_market, rules, problems, jobs=jobs
    )
    for code in _REQUIRED_MARKETS:
        if code not in markets:
            problems.append(f"market {code!r} is missing")
    for code in _REQUIRED_JOBS:
        if code not in jobs:
            problems.append(f"job {code!r} is missing")
    aliases = _parse_aliases(data.get("aliases"), markets, problems)
    extension_rule = data.get("extension_rule")
    if extension_rule not in rules or rules[extension_rule].months_per_12 is None:
        problems.append("'extension_rule' must name a rule with months_per_12")
    if problems:
        raise FeeRulesError(origin, problems)
    return FeeRules(
        rules=MappingProxyType(rules),
        markets=MappingProxyType(markets),
        jobs=MappingProxyType(jobs),
        aliases=MappingProxyType(aliases),
        extension_rule=str(extension_rule),
    )


def _parse_rule_list(raw_rules: Any, problems: list[str]) -> dict[str, FeeRule]:
    rules: dict[str, FeeRule] = {}
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("'rules' must be a non-empty list")
        return rules
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
    return rules


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
    count = len(problems)
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    text, source = raw.get("text"), raw.get("source")
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: missing text")
    if not isinstance(source, str) or not source.strip():
        problems.append(f"{where}: missing source (law and article)")
    reviewed = as_date(raw.get("reviewed"))
    if reviewed is None:
        problems.append(f"{where}: missing or invalid reviewed date (YYYY-MM-DD)")
    per_12 = positive_decimal(raw.get("months_per_12"), f"{where}: months_per_12", problems)
    long_total = positive_decimal(
        raw.get("long_total_months"), f"{where}: long_total_months", problems
    )
    long_from = raw.get("long_from_months")
    if long_from is not None and (not isinstance(long_from, int) or long_from <= 0):
        problems.append(f"{where}: long_from_months must be a positive integer")
    long_note = raw.get("long_note")
    if long_note is not None and not isinstance(long_note, str):
        problems.append(f"{where}: long_note must be a rule id")
    if len(problems) > count or reviewed is None:
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


def _parse_entries(
    raw: Any,
    what: str,
    parse: Callable[..., Any],
    rules: Mapping[str, FeeRule],
    problems: list[str],
    **extra: Any,
) -> dict[str, Any]:
    """A mapping of code -> entry (markets or jobs), each validated by ``parse``."""
    entries: dict[str, Any] = {}
    if not isinstance(raw, dict):
        problems.append(f"'{what}' must be a mapping")
        return entries
    for code, value in raw.items():
        entry = parse(str(code), value, rules, problems, **extra)
        if entry is not None:
            entries[entry.code] = entry
    return entries


def _common(
    where: str, raw: Any, keys: frozenset[str], rules: Mapping[str, FeeRule], problems: list[str]
) -> tuple[str, str | None, tuple[str, ...]] | None:
    """Label, cap rule and notes of a market or job entry."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping")
        return None
    unknown = set(raw) - keys
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    cap = raw.get("cap")
    if cap is not None and (cap not in rules or rules[cap].months_per_12 is None):
        problems.append(f"{where}: cap {cap!r} is not a rule with months_per_12")
    notes = _codes(raw.get("notes"), f"{where}: notes", problems)
    for note in notes:
        if note not in rules:
            problems.append(f"{where}: unknown note {note!r}")
    label = raw.get("label")
    if not isinstance(label, str) or not label:
        problems.append(f"{where}: missing label")
        label = ""
    return label, cap, notes


def _codes(raw: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{where} must be a list")
        return ()
    return tuple(str(item) for item in raw)


def _parse_job(
    code: str, raw: Any, rules: Mapping[str, FeeRule], problems: list[str]
) -> JobRules | None:
    common = _common(f"job {code!r}", raw, _JOB_KEYS, rules, problems)
    if common is None:
        return None
    label, cap, notes = common
    return JobRules(code=code, label=label or code, cap=cap, notes=notes)


def _parse_market(
    code: str,
    raw: Any,
    rules: Mapping[str, FeeRule],
    problems: list[str],
    jobs: Mapping[str, JobRules],
) -> MarketRules | None:
    where = f"market {code!r}"
    common = _common(where, raw, _MARKET_KEYS, rules, problems)
    if common is None:
        return None
    label, cap, notes = common
    market_jobs = _codes(raw.get("jobs"), f"{where}: jobs", problems)
    for job in market_jobs:
        if job not in jobs:
            problems.append(f"{where}: unknown job {job!r}")
    currency = raw.get("currency")
    if currency is not None and currency not in CURRENCY_NAMES:
        problems.append(f"{where}: unknown currency {currency!r}")
    return MarketRules(
        code=code,
        label=label or code,
        cap=cap,
        notes=notes,
        jobs=market_jobs,
        currency=currency,
    )


def _parse_aliases(
    raw: Any, markets: Mapping[str, MarketRules], problems: list[str]
) -> dict[str, str]:
    aliases: dict[str, str] = {}
    if raw is None:
        return aliases
    if not isinstance(raw, dict):
        problems.append("'aliases' must be a mapping")
        return aliases
    for alias, target in raw.items():
        if target not in markets:
            problems.append(f"alias {alias!r} points to unknown market {target!r}")
        else:
            aliases[str(alias)] = str(target)
    return aliases


def _parse_rates(data: Any, origin: str) -> RateTable:
    """Rates as "26403" (đồng for one unit) under the table's date and source, or a
    mapping with a ``vnd`` figure and its own ``date`` and ``source``."""
    if not isinstance(data, dict):
        raise FeeRulesError(origin, ["top level must be a mapping"])
    problems: list[str] = []
    unknown = set(data) - _RATE_TOP_KEYS
    if unknown:
        problems.append(f"unknown top-level keys {sorted(unknown)}")
    table_date = as_date(data.get("date"))
    table_source = data.get("source")
    stale = data.get("stale_after_days", 31)
    if not isinstance(stale, int) or isinstance(stale, bool) or stale < 1:
        problems.append("'stale_after_days' must be a positive integer")
        stale = 31
    raw_rates = data.get("rates")
    if not isinstance(raw_rates, dict):
        raw_rates = {}
        problems.append("'rates' must be a mapping of currency codes")
    rates: dict[str, Rate] = {}
    for code, raw in raw_rates.items():
        rate = _parse_rate(str(code), raw, table_date, table_source, problems)
        if rate is not None:
            rates[rate.currency] = rate
    if problems:
        raise FeeRulesError(origin, problems)
    return RateTable(MappingProxyType(rates), stale)


def _parse_rate(
    code: str, raw: Any, table_date: dt.date | None, table_source: Any, problems: list[str]
) -> Rate | None:
    where = f"rate {code!r}"
    found: list[str] = []
    if code not in CURRENCY_NAMES or code == "VND":
        found.append(f"{where}: unknown currency (use one of {sorted(CURRENCY_NAMES)[1:]})")
    entry = raw if isinstance(raw, dict) else {"vnd": raw}
    unknown = set(entry) - _RATE_KEYS
    if unknown:
        found.append(f"{where}: unknown keys {sorted(unknown)}")
    vnd = positive_decimal(entry.get("vnd"), f"{where}: vnd", found)
    if vnd is None and not found:
        found.append(f"{where}: missing vnd figure")
    date = as_date(entry["date"]) if "date" in entry else table_date
    if date is None:
        found.append(f"{where}: missing or invalid date (YYYY-MM-DD)")
    source = entry.get("source", table_source)
    if not isinstance(source, str) or not source.strip():
        found.append(f"{where}: missing source")
    if found:
        problems.extend(found)
        return None
    assert vnd is not None and date is not None and isinstance(source, str)
    return Rate(currency=code, vnd=vnd, date=date, source=" ".join(source.split()))
