"""Reading the YAML files that centre staff edit: fee caps, exchange rates, red flags.

Each of those files is read the same way: parse the YAML, validate every entry while
collecting *all* problems (so an editor fixes the whole file in one go), and refuse the
file if there is any. A broken file must stop the bot at start-up or leave the old rules
in service on `/faqreload`; it must never answer a worker half-checked. This module
holds the shared parts: the error, the reader and the small value checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import yaml

__all__ = ["RulesFileError", "as_date", "load_rules_file", "positive_decimal"]

T = TypeVar("T")


class RulesFileError(ValueError):
    """A rules file is unusable; ``problems`` lists every issue found, for the editor."""

    def __init__(self, origin: str, problems: Sequence[str]) -> None:
        self.origin = origin
        self.problems = tuple(problems)
        super().__init__(f"{origin}: " + "; ".join(self.problems))


def load_rules_file(
    path: Path | str,
    parse: Callable[[Any, str], T],
    error: type[RulesFileError] = RulesFileError,
) -> T:
    """Read ``path`` as YAML and hand it to ``parse(data, origin)``.

    ``parse`` raises ``error`` with every problem it finds; an unreadable file or
    broken YAML raises ``error`` too, so callers catch one exception type.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise error(str(path), [f"cannot read: {exc}"]) from exc
    return parse(data, str(path))


def as_date(value: Any) -> dt.date | None:
    """YAML gives a date for 2026-11-23 and a string for "2026-11-23"; accept both."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def positive_decimal(value: Any, where: str, problems: list[str]) -> Decimal | None:
    """Read a figure written as a string (or an int) into an exact, positive Decimal.

    Floats are refused: YAML would turn "1.5" into a binary float and a figure shown to
    a worker must be exactly the one in the file.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        problems.append(f'{where}: write the figure as a string, e.g. "1.5"')
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        problems.append(f"{where}: not a number: {value!r}")
        return None
    if not number.is_finite() or number <= 0:
        problems.append(f"{where}: must be positive")
        return None
    return number
