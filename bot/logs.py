"""Logging set-up with personal data masked (phone and ID-card numbers)."""

from __future__ import annotations

import logging
import re

# Vietnamese phone numbers (0…, 84…, +84…, with spaces or dots) and 9/12-digit ID numbers.
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)")


def mask_pii(text: str) -> str:
    """Replace all but the last three digits of phone and ID numbers."""

    def keep_tail(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        return "*" * (len(digits) - 3) + digits[-3:]

    return _ID_NUMBER.sub(keep_tail, _PHONE.sub(keep_tail, text))


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_pii(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Quiet per-request lines from the HTTP client; they carry the bot token in the URL.
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
