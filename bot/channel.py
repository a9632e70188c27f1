"""The small interface every channel adapter implements (Telegram, Zalo, console)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from handlers.types import Incoming, Media, Reply


def secret_matches(given: str, expected: str) -> bool:
    """A webhook's secret header against ours, in constant time.

    aiohttp hands header bytes that are not UTF-8 over as surrogates, and JSON may hold
    lone ones: they are compared as bytes (a mismatch), never an encoding error.
    """
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    max_text: int
    buttons: bool


class SendError(Exception):
    """A send that did not go through."""


class RetryLater(SendError):
    """Transient: rate limit (429), server error, timeout. Try again after `delay` seconds."""

    def __init__(self, delay: float, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay


class PermanentFailure(SendError):
    """Will never succeed (bad request, or the user blocked the bot)."""

    def __init__(self, reason: str, blocked: bool = False) -> None:
        super().__init__(reason)
        self.blocked = blocked


class Unreachable(PermanentFailure):
    """Not attempted: the platform would refuse it (Zalo OA: the user's messaging window
    is closed). Recorded with the status `unreachable` and counted in reports."""

    STATUS = "unreachable"


class Channel(Protocol):
    name: str
    limits: ChannelLimits

    async def send(self, chat_key: str, reply: Reply, media: Media | None = None) -> str | None:
        """Send one message; return the platform's message id. Raises `SendError`."""
        ...


class WebhookChannel(Channel, Protocol):
    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when the request really comes from the platform (secret or signature)."""
        ...

    def parse(self, body: bytes) -> list[Incoming]:
        """Turn a verified request body into Incomings; raises ValueError when malformed."""
        ...


@runtime_checkable
class NoticeChannel(Channel, Protocol):
    """A channel with its own way to deliver registration status notices (Zalo OA: ZNS
    templates when configured)."""

    async def send_notice(self, chat_key: str, reply: Reply, user_id: int | None) -> str | None: ...
