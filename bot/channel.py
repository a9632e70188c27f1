"""The interface every channel adapter implements (Telegram, Zalo OA, Zalo Bot, console,
e-mail), the part a webhook channel adds, and the errors a send can end in.

A channel is the whole edge of one platform: its life (`start`, `stop`, `close`), what it
can do (`limits`), how a `Reply`'s buttons look there (`render`, and `choose` to read a
typed choice back), who its staff are (`is_staff`), and `send`. Receiving is either
polling, inside `start`/`stop`, or a webhook (`WebhookIngress`: `webhook_path`, `verify`,
`receive`), served by bot/web.py. Both hand what arrives to bot/ingress.py, which records
it; nothing else of the platform reaches the dialog.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

from handlers.types import Button, ChannelLimits, Incoming, Media, Notice, Reply

__all__ = [
    "AlbumChannel",
    "Channel",
    "ChannelLimits",
    "Egress",
    "InlineButtons",
    "MalformedBody",
    "MediaSource",
    "NoticeChannel",
    "NumberedChoices",
    "PermanentFailure",
    "Received",
    "RetryLater",
    "SendError",
    "Unreachable",
    "Voice",
    "VoiceChannel",
    "WebhookIngress",
]


def secret_matches(given: str, expected: str) -> bool:
    """A webhook's secret header against ours, in constant time.

    aiohttp hands header bytes that are not UTF-8 over as surrogates, and JSON may hold
    lone ones: they are compared as bytes (a mismatch), never an encoding error.
    """
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


# --- errors of a send -------------------------------------------------------------------


class SendError(Exception):
    """A send that did not go through."""


class RetryLater(SendError):
    """Transient: rate limit (429), server error, timeout. Try again after `delay` seconds.

    `counts=False`: the chat itself cannot take messages for now (the bot was removed
    from the staff group): the row waits without using up its attempts, however long."""

    def __init__(self, delay: float, reason: str, counts: bool = True) -> None:
        super().__init__(reason)
        self.delay = delay
        self.counts = counts


class PermanentFailure(SendError):
    """Will never succeed (bad request, or the user blocked the bot)."""

    def __init__(self, reason: str, blocked: bool = False) -> None:
        super().__init__(reason)
        self.blocked = blocked


class Unreachable(PermanentFailure):
    """Not attempted: the platform would refuse it (Zalo OA: the user's messaging window
    is closed). Recorded with the status `unreachable` and counted in reports."""

    STATUS = "unreachable"


# --- the channel --------------------------------------------------------------------------


class Egress(Protocol):
    """The part of a channel the senders (outbox, broadcasts) use."""

    async def send(
        self, chat_key: str, reply: Reply, media: Media | None = None, reply_to: str | None = None
    ) -> str | None:
        """Send one message (as a reply to the platform message `reply_to` where the
        platform threads replies; ignored elsewhere); return the platform's message id.
        Raises `SendError`."""
        ...


@runtime_checkable
class MediaSource(Protocol):
    """A channel whose files can be fetched, to be sent on another channel (a staff
    member's Telegram photo to a Zalo user)."""

    async def download(self, file_ref: str) -> tuple[bytes, str]:
        """The file's bytes and a file name (with its extension). Raises `SendError`."""
        ...


class Channel(Egress, Protocol):
    name: str  # stored with users and outbox rows: "telegram", "zalo_oa" …
    title: str  # how staff read it on a hand-off card: "Zalo OA"
    limits: ChannelLimits

    async def start(self) -> None:
        """Open the clients and begin receiving (polling, or registering a webhook)."""
        ...

    async def stop(self) -> None:
        """Stop receiving; sending still works (the last replies go out after this)."""
        ...

    async def close(self) -> None:
        """Release the clients, once nothing sends any more."""
        ...

    def render(self, reply: Reply, start: int) -> Reply:
        """The reply as this channel shows it. Its buttons stay buttons, or become choices
        numbered from `start` (the replies of one turn are numbered on)."""
        ...

    def choose(self, text: str, shown: Sequence[str]) -> str | None:
        """The action a typed message picks from `shown`, the actions of the buttons last
        rendered, in order (numbered choices: "2" picks the second); None if it picks none."""
        ...

    def is_staff(self, user_key: str) -> bool:
        """Whether this user is centre staff by the channel's own list (STAFF_IDS)."""
        ...


@runtime_checkable
class NoticeChannel(Egress, Protocol):
    """A channel with its own way to deliver registration status notices (Zalo OA: ZNS
    templates when configured), from the notice's facts."""

    async def send_notice(self, chat_key: str, reply: Reply, notice: Notice) -> str | None: ...


@runtime_checkable
class AlbumChannel(Egress, Protocol):
    """A channel that shows several media as one album (Telegram's sendMediaGroup): a
    worker's photos reach staff as one message. Other channels get them one by one."""

    async def send_album(
        self, chat_key: str, reply: Reply, album: Sequence[Media], reply_to: str | None = None
    ) -> str | None:
        """The album, then the reply's text (its message id is returned: staff reply to it),
        both under the platform message `reply_to` when given."""
        ...


@dataclass(frozen=True, slots=True)
class Voice:
    """A spoken answer to send (staff recorded it): its audio, and this channel's own id
    of it when it was uploaded there before."""

    # Reads the audio (from the database) when it must be uploaded.
    audio: Callable[[], Awaitable[bytes]]
    mime_type: str
    filename: str
    duration: int | None = None
    file_ref: str | None = None


@runtime_checkable
class VoiceChannel(Egress, Protocol):
    """A channel that plays voice notes (Telegram): a spoken answer is sent as one, once
    uploaded then by the platform's file id. Other channels get a link to it."""

    async def send_voice(
        self, chat_key: str, reply: Reply, voice: Voice, reply_to: str | None = None
    ) -> tuple[str | None, str | None]:
        """The voice note with the reply's text and buttons; returns the message id and
        the platform's id of the file (to send it by that next time)."""
        ...


# --- receiving by webhook -------------------------------------------------------------------


class MalformedBody(ValueError):
    """A verified request body that is not an event of the platform (answered 400)."""


@dataclass(frozen=True, slots=True)
class Received:
    """One event a channel received, as the core's `Incoming`, with what the channel does
    once it is recorded as new (cosmetic, may fail: stop a pressed button's spinner, show
    "typing…")."""

    incoming: Incoming
    then: Callable[[], Coroutine[Any, Any, None]] | None = None


@runtime_checkable
class WebhookIngress(Protocol):
    """The webhook part of a channel: bot/web.py serves `webhook_path` for it."""

    # The path served (None: the channel polls instead).
    webhook_path: str | None
    # Also answer GET with 200 (Zalo's developer console checks the URL that way).
    webhook_probe: bool

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when the request really comes from the platform (secret or signature)."""
        ...

    def receive(self, body: bytes) -> list[Received]:
        """The events of a verified body; raises `MalformedBody` when it is not one."""
        ...


# --- how buttons look -------------------------------------------------------------------


class InlineButtons:
    """Buttons the platform shows and presses for us (Telegram's inline keyboard)."""

    def render(self, reply: Reply, start: int) -> Reply:
        return reply

    def choose(self, text: str, shown: Sequence[str]) -> str | None:
        return None


class NumberedChoices:
    """Text-only: each button becomes a numbered line, and typing the number presses it.

    `template_buttons`: up to this many choices the platform also shows as buttons that
    send the number back (Zalo OA's `oa.query.show`); the rendered reply keeps them with
    the number as their action. More than that, or 0: text only, no buttons.
    """

    template_buttons = 0

    def render(self, reply: Reply, start: int) -> Reply:
        if not reply.buttons:
            return reply
        numbers = [str(start + i) for i in range(len(reply.buttons))]
        lines = [f"{n}. {b.label}" for n, b in zip(numbers, reply.buttons, strict=True)]
        text = reply.text + "\n\n" + "\n".join(lines) + "\n(Gõ số để chọn.)"
        buttons: tuple[Button, ...] = ()
        if len(reply.buttons) <= self.template_buttons:
            buttons = tuple(Button(b.label, n) for n, b in zip(numbers, reply.buttons, strict=True))
        return replace(reply, text=text, buttons=buttons)

    def choose(self, text: str, shown: Sequence[str]) -> str | None:
        typed = text.strip().rstrip(".")
        # ASCII digits only: "²" is a digit to isdigit() but not to int().
        if typed.isascii() and typed.isdigit() and len(typed) < 4 and 1 <= int(typed) <= len(shown):
            return shown[int(typed) - 1]
        return None
