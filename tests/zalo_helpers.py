"""Shared pieces of the Zalo tests: a running `serve` wired to the fake Telegram (staff
chat) and the fake Zalo server, and a way to "tap" a numbered choice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.serve import Server
from db.models import ConversationState, User
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo


async def start_server(
    database_url: str, telegram: FakeTelegram, zalo: FakeZalo, **extra: Any
) -> Server:
    values = zalo.settings(**{k: extra.pop(k) for k in ("oa", "bot") if k in extra})
    values.update(extra)
    server = Server(make_settings(database_url, telegram, **values), FaqService(FIXTURE_FAQ))
    await server.start()
    return server


@pytest.fixture
async def zalo_server(
    database_url: str, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> AsyncIterator[Server]:
    """serve with Telegram (staff chat), Zalo OA (webhook) and Zalo Bot (long polling)."""
    server = await start_server(database_url, fake_telegram, fake_zalo)
    yield server
    await server.stop()


def oa_url(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}/zalo/oa"


def bot_url(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}/zalo/bot"


async def number_for(server: Server, channel: str, user: str, action: str) -> str:
    """The number a text-only user types to press `action` (what the numbered list and
    the OA buttons say), read from the user's conversation state."""
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        state = await session.scalar(
            select(ConversationState)
            .join(User, User.id == ConversationState.user_id)
            .where(User.channel == channel, User.external_id == user)
        )
    assert state is not None and action in (state.buttons or []), (action, state and state.buttons)
    return str(state.buttons.index(action) + 1)


async def user_row(server: Server, channel: str, user: str) -> User | None:
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        return await session.scalar(
            select(User).where(User.channel == channel, User.external_id == user)
        )
