"""Logging set-up: personal data masked and secrets removed from everything written.

The masking runs on the finished log line, so a stack trace, an exception's message and
anything a library logs (PTB at DEBUG prints Bot API URLs with the token and the
`setWebhook` parameters with the secret) pass through it like a plain message. SQL
parameters are not printed at all (`hide_parameters` on the engine, db/engine.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TextIO

# Vietnamese phone numbers (0…, 84…, +84…, with spaces or dots) and 9/12-digit ID numbers.
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)")
# Bot tokens (Telegram, Zalo Bot): digits, a colon, a long random part.
_BOT_TOKEN = re.compile(r"(?<!\d)\d{3,}:[A-Za-z0-9_-]{20,}")
# A secret given by name: `'secret_token': 'abc'`, `access_token=abc`, `"password": "…"`.
_NAMED_SECRET = re.compile(
    r"(?i)((?:secret_token|access_token|refresh_token|app_secret|secret_key|secret|password"
    r"|api_key|token)['\"]?\s*[:=]\s*['\"]?)([^'\"\s,&;}]{4,})"
)
HIDDEN = "[hidden]"
# Shorter values are not looked for: they would match ordinary words and numbers.
_MIN_SECRET = 8


def mask_pii(text: str) -> str:
    """Replace all but the last three digits of phone and ID numbers."""

    def keep_tail(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        return "*" * (len(digits) - 3) + digits[-3:]

    return _ID_NUMBER.sub(keep_tail, _PHONE.sub(keep_tail, text))


def hide_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove the configured secrets, bot tokens and values given as a secret's name."""
    for secret in secrets:
        if len(secret) >= _MIN_SECRET and secret in text:
            text = text.replace(secret, HIDDEN)
    text = _BOT_TOKEN.sub(HIDDEN, text)
    return _NAMED_SECRET.sub(lambda m: m.group(1) + HIDDEN, text)


class MaskingFormatter(logging.Formatter):
    """A formatter whose whole output (message, traceback, stack) is cleaned: secrets
    removed first (a token's digits would otherwise look like a phone number), then
    phone and ID numbers masked."""

    def __init__(self, fmt: str, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        # Longest first, so a secret that contains another is removed whole.
        self.secrets = sorted({s for s in secrets if len(s) >= _MIN_SECRET}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return mask_pii(hide_secrets(super().format(record), self.secrets))


def setup_logging(level: str, secrets: Iterable[str] = (), stream: TextIO | None = None) -> None:
    """Log to stderr (or `stream`) through the masking formatter; `secrets` are the
    configured tokens, keys and passwords (`Settings.secret_values()`)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Quiet per-request lines from the HTTP client (they carry the bot token in the URL,
    # which the formatter would hide anyway).
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
