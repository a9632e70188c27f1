"""Personal numbers in a worker's words: phone numbers, ID and passport numbers, e-mail.

A question a worker typed may carry their phone number or ID number ("em sdt
0912 345 678, cccd 001099012345 có đi được không"). Such text goes into the FAQ
content (a new way of asking an entry's question) only without them: `remove`
takes them out for the proposal staff see, and `found` names what is still there,
so the caller refuses text that holds any. Money is not personal: "150.000.000 đ"
(groups of three digits) passes, "150000000" (a bare run of 8+ digits, which could
as well be an account or ID number) does not.
"""

from __future__ import annotations

import re

__all__ = ["found", "remove"]

# Vietnamese phone numbers: 0… or (+)84…, with spaces, dots or dashes between digits.
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,9}(?!\d)")
# Money written in groups of three ("150.000.000", "1,5" is not caught either way).
_MONEY = re.compile(r"(?<![\d.,])\d{1,3}(?:[.,]\d{3})+(?![\d.,]*\d)")
# Any other long number: ID cards (9 or 12 digits), passports (a letter and 7-8
# digits), bank accounts; digits may be spaced or dotted.
_LONG_NUMBER = re.compile(r"(?<!\w)[A-Za-z]\d{7,8}(?!\d)|(?<!\d)\d(?:[\s.\-]?\d){7,}(?!\d)")
_SPACE_BEFORE_MARK = re.compile(r"\s+([,.;:?!])")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# (kind, pattern, looked for with money hidden): a phone number written in groups of
# three ("+84 912.345.678") is still a phone number.
_KINDS = (
    ("số điện thoại", _PHONE, False),
    ("số giấy tờ hoặc số tài khoản", _LONG_NUMBER, True),
    ("email", _EMAIL, False),
)


def _without_money(text: str) -> str:
    return _MONEY.sub(lambda match: "#" * len(match.group()), text)


def found(text: str) -> list[str]:
    """What kinds of personal data the text holds, in Vietnamese (empty when none)."""
    plain = _without_money(text)
    return [kind for kind, pattern, hide in _KINDS if pattern.search(plain if hide else text)]


def remove(text: str) -> str:
    """The text on one line, without the personal numbers it holds."""
    plain = _without_money(text)
    spans = sorted(
        match.span()
        for _, pattern, hide in _KINDS
        for match in pattern.finditer(plain if hide else text)
    )
    kept: list[str] = []
    position = 0
    for start, end in spans:
        if start >= position:
            kept.append(text[position:start])
            position = end
        else:
            position = max(position, end)
    kept.append(text[position:])
    return _SPACE_BEFORE_MARK.sub(r"\1", " ".join("".join(kept).split())).strip(" ,;")
