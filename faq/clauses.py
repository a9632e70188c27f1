"""Split a worker's message into clauses and tell which of them ask something.

Real messages are stories: "Em đã đóng 60 triệu cho công ty. Hợp đồng chưa ký.
Giờ em không muốn đi nữa, có lấy lại được tiền không?". The matcher reads each
clause (and its neighbours) on its own, so the story around a question gives
context instead of diluting it, and two questions in one message can get two
answers. Punctuation is often missing, so clauses also start at the words that
open a new question ("cho em hỏi", "với lại").
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from faq.normalize import fold, tokens

__all__ = ["MAX_CLAUSES", "Clause", "asks", "split_clauses"]

# A message longer than this many clauses is read from its start; the whole text
# stays in the inbox for staff.
MAX_CLAUSES = 24
# Sentence and clause boundaries: a dot or comma inside a number ("5.000",
# "1,5") is not one.
_BOUNDARY_RE = re.compile(r"[?!;\n\r]+|[.…]+(?!\d)|,(?!\d)|\s[-–—]+\s|:\s")
# Words that open a new question, found in the folded text (same positions).
_OPENER_RE = re.compile(
    r"\b(?:voi lai|ngoai ra|them nua|con nua|"
    r"(?:cho|cko) (?:em|e|co|toi|minh|mk|mik|chau|anh|chi|con|tui) (?:xin )?hoi|xin hoi)\b"
)
# Words that make a clause a question wherever they stand.
_QUESTION_WORDS = frozenset({"gi", "nao", "sao", "dau", "hoi"})
_QUESTION_PAIRS = frozenset(
    {"bao nhieu", "bao lau", "bao gio", "the nao", "co phai", "lam sao", "hay khong"}
    | {"may gio", "may ngay", "may lan"}
)
# Words that make it a question when they end it ("… được không", "… chưa").
_QUESTION_ENDS = frozenset({"khong", "chua", "nhieu"})
# Particles that may follow the question word at the end ("… không ạ", "… chưa ad").
_TRAILING = frozenset({"a", "ha", "nhi", "admin", "oi", "nhe", "nha", "ta", "u", "vay", "the"})


@dataclass(frozen=True)
class Clause:
    """A piece of the message as the worker typed it, and whether it asks something."""

    text: str
    asks: bool


def split_clauses(text: str, limit: int = MAX_CLAUSES) -> list[Clause]:
    """The clauses of a message in order, empty pieces left out, at most ``limit``."""
    pieces: list[str] = []
    for sentence in _BOUNDARY_RE.split(text):
        pieces.extend(_split_openers(sentence))
    clauses = []
    for piece in pieces:
        piece = piece.strip()
        if piece and any(ch.isalnum() for ch in piece):
            clauses.append(Clause(piece, asks(piece)))
            if len(clauses) >= limit:
                break
    return clauses


def asks(text: str) -> bool:
    """True when the clause is a question (a question mark, word or ending)."""
    if "?" in text:
        return True
    words = tokens(text)
    if any(w in _QUESTION_WORDS for w in words):
        return True
    if any(f"{a} {b}" in _QUESTION_PAIRS for a, b in itertools.pairwise(words)):
        return True
    while words and words[-1] in _TRAILING:
        words = words[:-1]
    return bool(words) and words[-1] in _QUESTION_ENDS


def _split_openers(sentence: str) -> list[str]:
    """Cut a sentence before each question opener; positions match the folded copy."""
    folded = _fold_same_length(sentence)
    cuts = [m.start() for m in _OPENER_RE.finditer(folded) if m.start() > 0]
    if not cuts:
        return [sentence]
    bounds = [0, *cuts, len(sentence)]
    return [sentence[a:b] for a, b in itertools.pairwise(bounds)]


def _fold_same_length(text: str) -> str:
    """Fold character by character, so positions in the result are positions in ``text``."""
    return text.translate(_FOLD_TABLE)


def _fold_table() -> dict[int, str]:
    """Latin letters with Vietnamese marks (and capitals) to their folded letter."""
    table: dict[int, str] = {}
    for code in [*range(0x41, 0x5B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        folded = fold(chr(code))
        if len(folded) == 1:
            table[code] = folded
    return table


_FOLD_TABLE = _fold_table()
