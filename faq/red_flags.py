"""Warning signs of scams and overcharging in a worker's message.

People often describe an offer to the bot before they pay ("công ty bắt đặt
cọc trước khi ký", "bao đậu, bay trong 10 ngày"). Spotting those phrases lets
the bot warn them at the moment it matters, with the law behind the warning.
The phrases live in ``faq/data/red_flags.yaml`` so staff can add the wording
they hear locally without touching code.

Matching runs on :func:`faq.normalize.normalize` output, so messages without
diacritics or with chat abbreviations ("ko", "trc", "hđ") match the same
patterns. A false alarm on an ordinary question teaches people to ignore the
warnings, so patterns target the practice itself, not the topic (see the
comment at the top of the YAML file).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faq.normalize import normalize
from faq.rules_file import RulesFileError, load_rules_file

__all__ = [
    "CHECK_COMPANY_TEXT",
    "DEFAULT_RED_FLAGS_PATH",
    "WARNING_MAX_CHARS",
    "RedFlag",
    "RedFlagRules",
    "RedFlagRulesError",
    "default_rules",
    "detect",
    "load_red_flags",
    "warning_text",
]

DEFAULT_RED_FLAGS_PATH = Path(__file__).parent / "data" / "red_flags.yaml"
# One chat bubble that people read to the end on a small screen.
WARNING_MAX_CHARS = 500
CHECK_COMPANY_TEXT = "Bấm «Kiểm tra doanh nghiệp» để xem công ty có giấy phép không."
_WARNING_PREFIX = "Cảnh báo:"
# A single warning must leave room for the prefix and the closing invitation.
_SINGLE_WARNING_MAX_CHARS = WARNING_MAX_CHARS - len(CHECK_COMPANY_TEXT) - len(_WARNING_PREFIX) - 2
# A pasted advertisement is worth scanning, a pasted book is not.
_MAX_SCAN_CHARS = 10_000
_ID_RE = re.compile(r"^[a-z0-9_]{1,40}$")
_MACRO_RE = re.compile(r"<<([a-z_]+)>>")
# Patterns are written in normalize() form: lower-case ASCII only.
_PATTERN_CHARS_RE = re.compile(r"^[\x20-\x7e]+$")
_FLAG_KEYS = frozenset(
    {"id", "severity", "patterns", "unless", "warning", "source", "unlawful_route"}
)
_TOP_KEYS = frozenset({"version", "macros", "flags"})


class RedFlagRulesError(RulesFileError):
    """The red-flag file is unusable; lists every problem so an editor fixes all at once."""


@dataclass(frozen=True)
class RedFlag:
    """One warning sign: what to tell the worker and the law or warning behind it."""

    id: str
    severity: int
    warning: str
    source: str
    # The offer is no lawful contract at all (a tourist visa, a border crossing, a fake
    # notice): a fee cap means nothing, so the fee check steps aside for the warning.
    unlawful_route: bool = False


@dataclass(frozen=True)
class _CompiledFlag:
    """A flag with its patterns compiled once, at load time, for speed."""

    flag: RedFlag
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None


@dataclass(frozen=True)
class RedFlagRules:
    """All flags, most serious first; immutable so one instance serves every chat."""

    flags: tuple[_CompiledFlag, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """Flag ids in detection order (for tests and staff tools)."""
        return tuple(compiled.flag.id for compiled in self.flags)


def load_red_flags(path: Path | str = DEFAULT_RED_FLAGS_PATH) -> RedFlagRules:
    """Load, validate and compile the flags; refuses a file with any problem.

    Every flag needs a source and a short warning, and every pattern must
    compile, so that a typo is caught at start-up and not in a chat.
    """
    return load_rules_file(path, _parse, RedFlagRulesError)


@functools.cache
def default_rules() -> RedFlagRules:
    """The bundled flags, loaded once: they are immutable, so sharing them is safe."""
    return load_red_flags()


def detect(text: str, rules: RedFlagRules | None = None) -> list[RedFlag]:
    """Return the warning signs in ``text``, each at most once, most serious first."""
    if rules is None:
        rules = default_rules()
    normalized = normalize(text[:_MAX_SCAN_CHARS])
    if not normalized:
        return []
    found: list[RedFlag] = []
    for compiled in rules.flags:
        if compiled.pattern.search(normalized) and not (
            compiled.unless is not None and compiled.unless.search(normalized)
        ):
            found.append(compiled.flag)
    return found


def warning_text(flags: Iterable[RedFlag]) -> str:
    """One short message with the warnings, ending with the invitation to check the company.

    Warnings are added most serious first while they fit in
    :data:`WARNING_MAX_CHARS`; the first one always fits (checked at load).
    Returns "" when there is nothing to warn about.
    """
    ordered = sorted(flags, key=lambda flag: flag.severity)
    if not ordered:
        return ""
    parts: list[str] = []
    seen: set[str] = set()
    budget = WARNING_MAX_CHARS - len(_WARNING_PREFIX) - len(CHECK_COMPANY_TEXT) - 2
    for flag in ordered:
        if flag.warning in seen:
            continue
        cost = len(flag.warning) + (1 if parts else 0)
        if parts and cost > budget:
            break
        parts.append(flag.warning)
        seen.add(flag.warning)
        budget -= cost
    return f"{_WARNING_PREFIX} {' '.join(parts)} {CHECK_COMPANY_TEXT}"


def _parse(data: Any, origin: str) -> RedFlagRules:
    """Validate parsed YAML and compile it, collecting every problem."""
    if not isinstance(data, dict):
        raise RedFlagRulesError(origin, ["top level must be a mapping"])
    problems: list[str] = []
    unknown = set(data) - _TOP_KEYS
    if unknown:
        problems.append(f"unknown top-level keys {sorted(unknown)}")
    macros = data.get("macros") or {}
    if not isinstance(macros, dict) or not all(isinstance(v, str) for v in macros.values()):
        problems.append("'macros' must map names to pattern strings")
        macros = {}
    raw_flags = data.get("flags")
    if not isinstance(raw_flags, list) or not raw_flags:
        raise RedFlagRulesError(origin, [*problems, "'flags' must be a non-empty list"])

    compiled: list[tuple[int, int, _CompiledFlag]] = []
    seen_ids: set[str] = set()
    for index, raw in enumerate(raw_flags):
        flag = _parse_flag(raw, index, macros, problems)
        if flag is None:
            continue
        if flag.flag.id in seen_ids:
            problems.append(f"duplicate flag id {flag.flag.id!r}")
        seen_ids.add(flag.flag.id)
        compiled.append((flag.flag.severity, index, flag))
    if problems:
        raise RedFlagRulesError(origin, problems)
    compiled.sort(key=lambda item: (item[0], item[1]))
    return RedFlagRules(flags=tuple(item[2] for item in compiled))


def _parse_flag(
    raw: Any, index: int, macros: dict[str, str], problems: list[str]
) -> _CompiledFlag | None:
    """Validate and compile one flag entry."""
    if not isinstance(raw, dict):
        problems.append(f"flags[{index}]: must be a mapping")
        return None
    flag_id = raw.get("id")
    if not isinstance(flag_id, str) or not _ID_RE.match(flag_id):
        problems.append(f"flags[{index}]: id must be lower-case letters, digits, '_'")
        return None
    where = f"flag {flag_id!r}"
    count = len(problems)
    unknown = set(raw) - _FLAG_KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    severity = raw.get("severity")
    if not isinstance(severity, int) or isinstance(severity, bool) or severity < 1:
        problems.append(f"{where}: severity must be an integer >= 1")
    warning = " ".join(str(raw.get("warning") or "").split())
    if not warning:
        problems.append(f"{where}: missing warning")
    elif len(warning) > _SINGLE_WARNING_MAX_CHARS:
        problems.append(f"{where}: warning longer than {_SINGLE_WARNING_MAX_CHARS} characters")
    source = " ".join(str(raw.get("source") or "").split())
    if not source:
        problems.append(f"{where}: missing source")
    pattern = _compile(raw.get("patterns"), f"{where}: patterns", macros, problems)
    if pattern is None:
        problems.append(f"{where}: needs at least one pattern")
    unless = None
    if raw.get("unless") is not None:
        unless = _compile(raw.get("unless"), f"{where}: unless", macros, problems)
    unlawful_route = raw.get("unlawful_route", False)
    if not isinstance(unlawful_route, bool):
        problems.append(f"{where}: unlawful_route must be true or false")
    if len(problems) > count or pattern is None:
        return None
    assert isinstance(severity, int)
    return _CompiledFlag(
        flag=RedFlag(flag_id, severity, warning, source, unlawful_route=unlawful_route),
        pattern=pattern,
        unless=unless,
    )


def _compile(
    raw: Any, where: str, macros: dict[str, str], problems: list[str]
) -> re.Pattern[str] | None:
    """Join a list of patterns into one whole-word alternation, expanding macros.

    One combined expression per flag keeps detection to a handful of regex
    searches per message.
    """
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: must be a non-empty list")
        return None
    parts: list[str] = []
    for item in raw:
        if not isinstance(item, str) or not item.strip():
            problems.append(f"{where}: empty pattern")
            continue
        if not _PATTERN_CHARS_RE.match(item) or item != item.lower():
            problems.append(f"{where}: {item!r} must be lower-case ASCII (normalized form)")
            continue
        expanded = _expand(item, macros, where, problems)
        try:
            re.compile(expanded)
        except re.error as error:
            problems.append(f"{where}: {item!r} does not compile: {error}")
            continue
        parts.append(f"(?:{expanded})")
    if not parts:
        return None
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + r")(?![a-z0-9])")


def _expand(pattern: str, macros: dict[str, str], where: str, problems: list[str]) -> str:
    """Replace ``<<name>>`` with the macro's pattern (folded lines joined by spaces)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            problems.append(f"{where}: unknown macro {name!r}")
            return ""
        return " ".join(macros[name].split())

    return _MACRO_RE.sub(replace, pattern)
