"""Shared fixtures: the real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
the fake Telegram Bot API, and a running server wired to both."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.serve import Server
from db.migrate import upgrade
from faq.service import FaqService
from settings import Settings
from tests.fakes.telegram_api import FakeTelegram

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
FIXTURE_FAQ = Path(__file__).parent / "data" / "faq_sample"

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


async def reset_postgres(url: str, migrate: bool = True) -> None:
    """An empty public schema, so every test starts from nothing, then the migrations
    (an operator runs `python -m bot db upgrade` before starting on PostgreSQL)."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    if migrate:
        await upgrade(engine)
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        await reset_postgres(PG_URL)
        return PG_URL
    return f"sqlite+aiosqlite:///{tmp_path / f'bot-{uuid.uuid4().hex[:6]}.db'}"


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


STAFF_CHAT = -1001234
STAFF_MEMBER = 7001


def make_settings(database_url: str, fake: FakeTelegram | None = None, **extra: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "centre_chat_id": STAFF_CHAT,
        "staff_ids": str(STAFF_MEMBER),
        "centre_phone": "0200 000 000",
        "web_port": 0,
        "_env_file": None,
    }
    if fake is not None:
        values.update(telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url)
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def fake(fake_telegram: FakeTelegram) -> FakeTelegram:
    """Short name for tests that talk to the fake a lot."""
    return fake_telegram


@pytest.fixture
async def polling(database_url: str, fake_telegram: FakeTelegram) -> AsyncIterator[Server]:
    """`serve` in this process: the real PTB Application long-polling the fake Bot API."""
    server = Server(make_settings(database_url, fake_telegram), FaqService(FIXTURE_FAQ))
    await server.start()
    yield server
    await server.stop()
