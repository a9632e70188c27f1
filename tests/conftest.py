"""Shared fixtures: the real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
the fake Telegram Bot API, and a running server wired to both."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.serve import Server
from db.migrate import head_revision, upgrade
from db.models import Base
from faq.service import FaqService
from settings import Settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
FIXTURE_FAQ = Path(__file__).parent / "data" / "faq_sample"

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


async def reset_postgres(url: str, migrate: bool = True) -> None:
    """An empty public schema, so every test starts from nothing, then the migrations
    (an operator runs `python -m bot db upgrade` before starting on PostgreSQL)."""
    engine = create_async_engine(url)
    if migrate and await _empty_current_schema(engine):
        await engine.dispose()
        return
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    if migrate:
        await upgrade(engine)
    await engine.dispose()


async def _empty_current_schema(engine: AsyncEngine) -> bool:
    """Empty every table of a schema that is already at the newest migration (a few
    milliseconds, where dropping and migrating again takes half a second); False, and
    nothing done, when the schema is anything else (a test left it older or changed)."""
    expected = set(Base.metadata.tables) | {"alembic_version"}
    async with engine.begin() as conn:
        tables = set(
            (
                await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ).scalars()
        )
        if tables != expected:
            return False
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        if version != head_revision():
            return False
        sequences = (
            await conn.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
            )
        ).scalars()
        # Without the foreign keys' triggers the tables empty in any order.
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in sorted(expected - {"alembic_version"}):
            await conn.execute(text(f'DELETE FROM "{table}"'))
        for sequence in list(sequences):
            await conn.execute(text(f"SELECT setval('\"{sequence}\"', 1, false)"))
    return True


async def _admin(sql: str) -> None:
    """Run CREATE/DROP DATABASE (not allowed in a transaction) on the TEST_DATABASE_URL server."""
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A database of this test session's own on the TEST_DATABASE_URL server, so two runs
    (or a developer and CI) never drop each other's tables."""
    name = f"bot_test_{uuid.uuid4().hex[:10]}"
    _run_apart(_admin(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    _run_apart(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _run_apart(work: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine on its own loop in a thread (a test's loop may already be running)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, work).result()


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        await reset_postgres(url)
        return url
    path = tmp_path / f"bot-{uuid.uuid4().hex[:6]}.db"
    # A copy of a database migrated once per run (migrating each test's costs half a second).
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    path.chmod(0o600)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database at the newest migration, copied for each test that wants one."""
    path = tmp_path_factory.mktemp("template") / "bot.db"

    async def migrate() -> None:
        engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    _run_apart(migrate())
    return path


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZalo]:
    fake = FakeZalo()
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
        # The tests' staff chats have members who are not in STAFF_IDS ("staff-1" on the
        # test channel); tests/test_staff_access.py covers the default, staff_ids.
        "staff_access": "staff_chat_members",
        "centre_phone": "0200 000 000",
        "web_port": 0,
        # A spool of this server's own (created only when an event must wait in it).
        "spool_dir": os.path.join(tempfile.gettempdir(), f"bot-spool-{uuid.uuid4().hex[:10]}"),
        # Tests do not depend on the time they run at (office hours have their own tests).
        "centre_open_hours": "",
        # One language: no language question at first contact (tests/test_voice.py
        # asks it with several).
        "voice_languages": "vi",
        "_env_file": None,
    }
    if fake is not None:
        values.update(telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url)
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a server whose URL must be known first)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_webhook_server(
    database_url: str, fake: FakeTelegram, hook_path: str = "/telegram/hook", **extra: object
) -> Server:
    """`serve` in this process in webhook mode against the fake Bot API."""
    port = free_port()
    settings = make_settings(
        database_url,
        fake,
        web_port=port,
        telegram_webhook_url=f"http://127.0.0.1:{port}{hook_path}",
        **extra,
    )
    server = Server(settings, FaqService(FIXTURE_FAQ))
    await server.start()
    return server


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
