"""What a free-text message asks for besides an answer: a person, a call back, fairs, help.

The wordings are content (``faq/data/intents.yaml``), regular expressions over
:func:`faq.normalize.normalize`, so staff add the ones they find in missed questions
without touching code. :func:`load_intents` refuses a file with any problem.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from faq.normalize import normalize

__all__ = ["INTENTS", "IntentRules", "IntentRulesError", "detect", "load_intents"]

DEFAULT_INTENTS_PATH = Path(__file__).parent / "data" / "intents.yaml"
INTENTS = ("talk_to_person", "callback", "job_fairs", "distress")
# Long messages are stories; the request is usually in the first lines.
_MAX_SCAN_CHARS = 2000


class IntentRulesError(ValueError):
    """The intents file cannot be used; ``problems`` lists every issue."""

    def __init__(self, origin: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{origin}: " + "; ".join(problems))


@dataclass(frozen=True)
class IntentRules:
    patterns: MappingProxyType[str, re.Pattern[str]]


def load_intents(path: Path | str = DEFAULT_INTENTS_PATH) -> IntentRules:
    """Load and compile the intents file (every problem reported at once)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise IntentRulesError(str(path), [f"cannot read: {error}"]) from error
    return _parse(data, str(path))


def _parse(data: Any, origin: str) -> IntentRules:
    problems: list[str] = []
    raw = data.get("intents") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        raise IntentRulesError(origin, ["'intents' must be a mapping of intent → patterns"])
    problems += [f"unknown intent '{name}'" for name in raw if name not in INTENTS]
    compiled: dict[str, re.Pattern[str]] = {}
    for name in INTENTS:
        patterns = raw.get(name)
        if not isinstance(patterns, list) or not patterns:
            problems.append(f"intent '{name}' needs a non-empty list of patterns")
            continue
        for pattern in patterns:
            try:
                re.compile(str(pattern))
            except re.error as error:
                problems.append(f"intent '{name}': pattern {pattern!r}: {error}")
        joined = "|".join(f"(?:{p})" for p in patterns)
        try:
            compiled[name] = re.compile(rf"\b(?:{joined})\b")
        except re.error:
            continue  # reported above
    if problems:
        raise IntentRulesError(origin, problems)
    return IntentRules(MappingProxyType(compiled))


@functools.cache
def default_rules() -> IntentRules:
    """The bundled intents, loaded once (immutable, so sharing is safe)."""
    return load_intents()


def detect(text: str, rules: IntentRules | None = None) -> frozenset[str]:
    """The intents ``text`` expresses (empty when it is only a question)."""
    rules = rules or default_rules()
    normalized = normalize(text[:_MAX_SCAN_CHARS])
    return frozenset(name for name, rx in rules.patterns.items() if rx.search(normalized))
