"""Referral links: a village head or commune officer shares a link or a printed QR code,
and registrations that arrive through it are credited to them.

Telegram carries the referrer in the bot's deep link ``https://t.me/<bot>?start=<payload>``:
opening it sends the bot "/start <payload>". Telegram allows only ``[A-Za-z0-9_-]``
and at most 64 characters in the payload, so codes are short, ASCII and validated
here, once, on both ends (making the link and reading it back).

Codes are made from the referrer's name ("Lò Văn Páo" → "LVPAO") so staff and
villagers can read them aloud or type them, and they are compared in upper case
because people retype them in any case.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection

import segno

from faq.normalize import fold

__all__ = [
    "CODE_MAX_LENGTH",
    "PAYLOAD_PREFIX",
    "deep_link",
    "make_code",
    "parse_start_payload",
    "qr_png",
]

PAYLOAD_PREFIX = "ref_"
# 32 leaves room under Telegram's 64-character limit and matches Referrer.code's column.
CODE_MAX_LENGTH = 32
# Short enough to read aloud; digits for uniqueness are added on top.
_BASE_MAX_LENGTH = 10
_FALLBACK_BASE = "REF"

_CODE_RE = re.compile(rf"[A-Za-z0-9_-]{{1,{CODE_MAX_LENGTH}}}")
# Telegram usernames: 5-32 characters, letters, digits and underscores.
_USERNAME_RE = re.compile(r"[A-Za-z0-9_]{5,32}")
# "/start ref_ABC" or "/start@SomeBot ref_ABC", as Telegram sends them.
_START_RE = re.compile(
    rf"/start(?:@[A-Za-z0-9_]{{5,32}})?\s+{PAYLOAD_PREFIX}([A-Za-z0-9_-]{{1,{CODE_MAX_LENGTH}}})",
    re.IGNORECASE,
)
_NOT_ALNUM_RE = re.compile(r"[^a-z0-9]+")

# A printed QR code: 10 px per module is about 3.5 cm for a typical t.me link at
# 96 dpi (larger at print resolution), and the 4-module quiet zone is what the
# standard requires for phone cameras to find the code.
_QR_SCALE = 10
_QR_BORDER = 4
# Level M survives a crease or a smudge on a printed poster without making the code
# much denser than level L.
_QR_ERROR = "m"


def _check_code(code: str) -> str:
    if not _CODE_RE.fullmatch(code):
        raise ValueError(
            f"referral code must be 1-{CODE_MAX_LENGTH} characters of A-Z, a-z, 0-9, _ or -: "
            f"{code!r}"
        )
    return code.upper()


def deep_link(bot_username: str, code: str) -> str:
    """The t.me link that opens the bot with this referrer's code.

    The code is upper-cased so one referrer has exactly one link; a leading "@" on
    the username is tolerated because that is how staff write usernames.
    Raises ValueError for anything Telegram would reject or silently drop.
    """
    username = bot_username.removeprefix("@")
    if not _USERNAME_RE.fullmatch(username):
        raise ValueError(f"not a Telegram bot username: {bot_username!r}")
    return f"https://t.me/{username}?start={PAYLOAD_PREFIX}{_check_code(code)}"


def parse_start_payload(text: str) -> str | None:
    """The referral code of a "/start ref_<CODE>" message, upper-cased; None otherwise.

    None covers a plain "/start", other payloads and malformed codes, so the caller
    simply starts the conversation without a referrer instead of failing.
    """
    match = _START_RE.fullmatch(text.strip())
    if match is None:
        return None
    return match.group(1).upper()


def make_code(name: str, existing: Collection[str]) -> str:
    """A short, readable code for a referrer, unique among ``existing`` (any case).

    Vietnamese names put the given name last, and it is the one people use, so the
    code is the initials of the other words followed by the given name in full:
    "Lò Văn Páo" → "LVPAO". Diacritics are folded and "đ" becomes "d" so the code
    can be typed on any keyboard. Clashes get a number: "LVPAO2", "LVPAO3"...
    """
    words = [w for w in _NOT_ALNUM_RE.split(fold(name)) if w]
    if words:
        base = ("".join(w[0] for w in words[:-1]) + words[-1]).upper()[:_BASE_MAX_LENGTH]
    else:
        base = _FALLBACK_BASE
    taken = {code.upper() for code in existing}
    if base not in taken:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def qr_png(url: str, caption: str | None = None) -> bytes:
    """A printable PNG of the QR code for ``url``.

    A regular QR code is forced: for short content segno would pick a Micro QR,
    which most phone cameras cannot read. ``caption`` is accepted so callers can
    pass the referrer's name, but it is not drawn: text rendering would need
    Pillow and its fonts; send the caption as the photo's caption instead.
    """
    del caption  # see the docstring: drawn by the chat client, not in the image
    qr = segno.make(url, error=_QR_ERROR, micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=_QR_SCALE, border=_QR_BORDER)
    return buffer.getvalue()
