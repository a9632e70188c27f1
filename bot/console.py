"""`python -m bot chat`: the same dialog core in a terminal, buttons as numbered choices."""

from __future__ import annotations

import asyncio
import itertools
import sys
import uuid
from typing import TextIO

from bot.channel import ChannelLimits, NumberedChoices
from handlers.types import Incoming, Media, Reply

STAFF_CHAT = "staff"
BANNER = (
    "Trợ lý tư vấn đi làm việc ở nước ngoài — chế độ trò chuyện trên máy tính.\n"
    "Gõ tin nhắn rồi Enter (ví dụ: xin chào). Gõ số để bấm nút. Ctrl-D để thoát.\n"
)


class ConsoleChannel(NumberedChoices):
    """Prints replies; messages meant for the staff chat are printed with a tag."""

    name = "console"
    title = "máy tính"
    limits = ChannelLimits(
        max_text=100_000,
        buttons=False,
        media=frozenset({"photo", "voice", "audio", "video", "document"}),
    )

    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self._ids = itertools.count(1)

    async def start(self) -> None:
        """Lines are read by `python -m bot chat` (bot/serve.py), not by the channel."""

    async def stop(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def is_staff(self, user_key: str) -> bool:
        return False

    async def send(
        self, chat_key: str, reply: Reply, media: Media | None = None, reply_to: str | None = None
    ) -> str | None:
        tag = "[gửi tới nhóm cán bộ] " if chat_key == STAFF_CHAT else ""
        if reply_to:
            tag += f"(trả lời tin {reply_to}) "
        extra = f" [{media.kind}]" if media else ""
        if reply.attachment is not None:
            extra += f"\n📎 {reply.attachment.filename} ({len(reply.attachment.data):,} byte)"
        print(f"\n🤖 {tag}{reply.text}{extra}", file=self.out, flush=True)
        return str(next(self._ids))


async def read_lines(stream: TextIO = sys.stdin) -> str | None:
    line = await asyncio.to_thread(stream.readline)
    return line if line else None


def console_incoming(user_key: str, text: str) -> Incoming:
    return Incoming(
        channel="console",
        user_key=user_key,
        update_key=uuid.uuid4().hex,
        text=text,
    )
