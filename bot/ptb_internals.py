"""The names of python-telegram-bot's private modules this project relies on, in one place.

`bot/telegram.py` encodes Bot API parameters with PTB's own `RequestParameter` (so a call
read as plain JSON is encoded exactly as `Bot.send_message` would), and
`bot/telegram_http.py` implements PTB's `BaseRequest` on aiohttp, whose signature uses
`ODVInput` and `DefaultValue`. PTB does not export them; the dependency is pinned below
the next major release (pyproject.toml) and `tests/test_ptb_internals.py` checks that
they still behave as used, so an upgrade that moves them fails a test, not production.
"""

from __future__ import annotations

from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.request._requestparameter import RequestParameter

__all__ = ["DefaultValue", "ODVInput", "RequestParameter"]
