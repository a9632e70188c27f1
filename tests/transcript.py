"""Chat-transcript style testing of the dialog core over the real database.

    chat = await Transcript.open(settings)
    replies = await chat.say("xin chào")

Uses the same Runtime and inbox processor as the channels, with a recording channel.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.channel import ChannelLimits, InlineButtons, NumberedChoices
from bot.runtime import Runtime
from db.migrate import open_database
from faq.service import FaqService
from handlers.context import StaffRoute
from handlers.types import Contact, Incoming, Media, Reply
from settings import Settings

STAFF = "staff-room"
ALL_MEDIA = frozenset({"photo", "voice", "audio", "video", "document"})


@dataclass
class RecordingChannel:
    """Records what it is asked to send; buttons inline, or numbered when text-only."""

    name: str = "test"
    title: str = "Test"
    limits: ChannelLimits = field(default_factory=lambda: ChannelLimits(4096, True))
    sent: list[tuple[str, Reply, Media | None]] = field(default_factory=list)
    # message id → the message id it was sent as a reply to (None: not a reply).
    threads: dict[str, str | None] = field(default_factory=dict)
    # Users this channel vouches for as staff (Telegram: STAFF_IDS).
    staff_ids: frozenset[str] = frozenset()
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def _buttons(self) -> InlineButtons | NumberedChoices:
        return InlineButtons() if self.limits.buttons else NumberedChoices()

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def render(self, reply: Reply, start: int) -> Reply:
        return self._buttons.render(reply, start)

    def choose(self, text: str, shown: Sequence[str]) -> str | None:
        return self._buttons.choose(text, shown)

    def is_staff(self, user_key: str) -> bool:
        return user_key in self.staff_ids

    async def send(
        self, chat_key: str, reply: Reply, media: Media | None = None, reply_to: str | None = None
    ) -> str | None:
        self.sent.append((chat_key, reply, media))
        message_id = str(next(self._ids))
        self.threads[message_id] = reply_to
        return message_id

    def message_id(self, reply: Reply) -> str:
        """The id this channel gave a message it sent (ids are 1, 2, 3 … in send order)."""
        index = next(i for i, (_, r, _) in enumerate(self.sent) if r is reply)
        return str(index + 1)

    def to(self, chat_key: str) -> list[Reply]:
        return [reply for chat, reply, _ in self.sent if chat == chat_key]


class Transcript:
    def __init__(self, runtime: Runtime, channel: RecordingChannel, user: str) -> None:
        self.runtime = runtime
        self.channel = channel
        self.user = user

    @classmethod
    async def open(
        cls,
        settings: Settings,
        faq: FaqService | None = None,
        text_only: bool = False,
        user: str = "u1",
        channel_name: str = "test",
    ) -> Transcript:
        engine = await open_database(settings)
        runtime = Runtime(settings, engine, faq)
        channel = RecordingChannel(
            name=channel_name,
            limits=ChannelLimits(4096, not text_only, media=ALL_MEDIA),
            staff_ids=frozenset(str(i) for i in settings.staff_ids),
        )
        runtime.add_channel(channel)
        runtime.set_staff_route(StaffRoute(channel.name, STAFF))
        return cls(runtime, channel, user)

    async def send(self, user: str | None = None, **fields: object) -> list[Reply]:
        user = user or self.user
        before = len(self.channel.to(user))
        values: dict[str, object] = {"display_name": "Lò Văn A", **fields}
        incoming = Incoming(
            channel=self.channel.name,
            user_key=user,
            update_key=uuid.uuid4().hex,
            **values,  # type: ignore[arg-type]
        )
        await self.runtime.inbox.submit(incoming, wait=True)
        return self.channel.to(user)[before:]

    async def say(self, text: str, user: str | None = None) -> list[Reply]:
        return await self.send(user, text=text)

    async def press(self, action: str, user: str | None = None) -> list[Reply]:
        return await self.send(user, action=action)

    async def share(
        self, media: Media | None = None, contact: Contact | None = None
    ) -> list[Reply]:
        return await self.send(media=media, contact=contact)

    def staff_messages(self) -> list[tuple[Reply, Media | None]]:
        return [(r, m) for chat, r, m in self.channel.sent if chat == STAFF]

    async def close(self) -> None:
        await self.runtime.close()
