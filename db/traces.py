"""What identifies a person, and finding it in text someone else wrote (pure).

Erasure (`db/erasure.py`) empties the rows linked to a person. Their name, phone number
or ID number may also sit in rows that are not linked to them: a staff member's `/xem`
or `/ghichu` command, the bot's answer to it in the staff chat, an export's search
note, another worker's duplicate-phone card. `Traces` holds the person's identifiers
and message texts; `Traces.found` says whether a text holds one of them, compared
without case, diacritics, or the spaces and dots people put in numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from faq.normalize import fold

# What a found text is replaced with.
REDACTED = "(đã xoá)"
# A message text is searched for elsewhere only from this length: a short one ("vâng",
# "cảm ơn anh") is everyone's and would wipe other people's texts.
MIN_TEXT = 12
# A name, a platform id: shorter ones are too common to search for.
MIN_WORD = 6
# The shortest identifier (a name, a platform id): a shorter text holds none.
MIN_NEEDLE = min(MIN_WORD, MIN_TEXT)
# A phone or ID number: 9 digits or more, maybe written with spaces, dots or dashes.
_NUMBER_RE = re.compile(r"\+?\d(?:[ .\-]?\d){8,}")
_SEPARATOR_RE = re.compile(r"(?<=\d)[ .\-](?=\d)")


def _norm(text: str) -> str:
    """Folded (no case, no diacritics) with digit groups joined: «0912 345.678» and
    «0912345678» read alike."""
    folded = " ".join(text.lower().split()) if text.isascii() else fold(text)
    return _SEPARATOR_RE.sub("", folded)


def numbers_in(text: str) -> set[str]:
    """The phone and ID numbers in a text, as digits; a Vietnamese phone number as its
    9 national digits, so 0912345678, +84912345678 and 84912345678 are one number."""
    found = set()
    for match in _NUMBER_RE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) == 11 and digits.startswith("84"):
            digits = digits[2:]
        elif len(digits) == 10 and digits.startswith("0"):
            digits = digits[1:]
        if not digits.endswith("000"):  # an amount of money (150.000.000), not a number
            found.add(digits)
    return found


@dataclass
class Traces:
    """A person's identifiers (searched for everywhere) and the texts they wrote or that
    were written about them (searched for in the staff's own messages only)."""

    words: set[str] = field(default_factory=set)
    texts: set[str] = field(default_factory=set)
    # The last word of each name as typed (lower case): what a LIKE can look for.
    spelled: set[str] = field(default_factory=set)

    def identifier(self, value: str | None) -> None:
        """A name, a platform id or a phone number."""
        if not value:
            return
        self.words |= numbers_in(value)
        norm = _norm(value)
        if len(norm) >= MIN_WORD:
            self.words.add(norm)
            if not norm.isdigit():
                self.spelled.add(value.split()[-1].lower())

    def text(self, value: str | None) -> None:
        """Something the person wrote, or a note about them: its numbers are identifiers;
        the whole text is searched for when it is long enough to be theirs alone."""
        if not value:
            return
        self.words |= numbers_in(value)
        norm = _norm(value)
        if len(norm) >= MIN_TEXT:
            self.texts.add(norm)

    def __bool__(self) -> bool:
        return bool(self.words or self.texts)

    def found(self, value: str, texts: bool = False) -> bool:
        """Whether `value` holds an identifier (or, with `texts`, one of the texts)."""
        needles: Iterable[str] = self.words | self.texts if texts else self.words
        if len(value) < MIN_NEEDLE:  # a channel name, a status, a short key
            return False
        norm = _norm(value)
        return any(needle in norm for needle in needles)

    def patterns(self) -> list[str]:
        """Lower-case substrings a database LIKE can look for before `found` decides:
        every row `found` matches as stored by people (with diacritics or without, digits
        together or grouped) holds one of them."""
        out = set(self.spelled)
        for word in self.words:
            if word.isdigit():
                out.add(word[-3:])  # the last group of a number, however it is written
            else:
                out.add(word.split(" ")[-1])  # a name's last word, folded
        return sorted(out)


def redact(value: Any, traces: Traces, texts: bool = False) -> tuple[Any, bool]:
    """`value` (text, or JSON of lists and dicts) with every string that holds a trace
    replaced by REDACTED; and whether anything was."""
    if isinstance(value, str):
        return (REDACTED, True) if traces.found(value, texts) else (value, False)
    if isinstance(value, (list, dict)) and not traces.found(
        json.dumps(value, ensure_ascii=False), texts
    ):
        return value, False  # one look at the whole value: most hold nothing
    if isinstance(value, list):
        pairs = [redact(item, traces, texts) for item in value]
        return [item for item, _ in pairs], any(hit for _, hit in pairs)
    if isinstance(value, dict):
        pairs_by_key = {key: redact(item, traces, texts) for key, item in value.items()}
        return (
            {key: item for key, (item, _) in pairs_by_key.items()},
            any(hit for _, hit in pairs_by_key.values()),
        )
    return value, False
