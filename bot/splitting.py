"""Split long replies at natural boundaries to fit a channel's message limit."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into parts of at most `limit` characters.

    Prefers paragraph breaks, then line breaks, then sentence ends, then spaces; only a
    single word longer than the limit is cut mid-word.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = _best_cut(window, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return [p for p in parts if p]


def _best_cut(window: str, limit: int) -> int:
    floor = limit // 2  # do not make tiny parts just to honour a boundary
    for sep in ("\n\n", "\n"):
        at = window.rfind(sep, floor, limit + 1)
        if at > 0:
            return at
    ends = [m.start() for m in _SENTENCE_END.finditer(window) if floor <= m.start() <= limit]
    if ends:
        return ends[-1]
    at = window.rfind(" ", floor, limit + 1)
    return at if at > 0 else limit
