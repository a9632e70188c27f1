"""Ids are never given twice (F13): after a worker erases their data, the next new user
gets a new id, not theirs (SQLite reused the largest id after a delete; PostgreSQL's
sequences never do). Migration 0011 rebuilds SQLite's tables with AUTOINCREMENT and keeps
every row, key and conversation."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from db.migrate import head_revision, upgrade
from db.models import User
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings, reset_postgres
from tests.transcript import Transcript


async def _user_id(chat: Transcript, key: str) -> int | None:
    async with chat.runtime.sessions() as session:
        return await session.scalar(
            select(User.id).where(User.channel == "test", User.external_id == key)
        )


async def test_the_id_of_an_erased_user_is_never_given_again(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        await chat.say("xin chào", user="w1")
        erased = await _user_id(chat, "w1")
        assert erased is not None
        await chat.say("/xoadulieu", user="w1")
        await chat.press("privacy:erase:yes", user="w1")
        assert await _user_id(chat, "w1") is None
        await chat.say("xin chào", user="w2")
        newcomer = await _user_id(chat, "w2")
        assert newcomer is not None and newcomer > erased
    finally:
        await chat.close()


SEED = [
    "INSERT INTO users (id, channel, external_id, language, interests, created_at, last_seen_at)"
    " VALUES (7, 'telegram', '501', 'vi', '[]', '2026-11-01', '2026-11-01'),"
    " (9, 'telegram', '502', 'vi', '[]', '2026-11-01', '2026-11-01')",
    "INSERT INTO conversation_states (user_id, flow, step, data, buttons, updated_at)"
    " VALUES (7, 'registration', 'phone', '{\"draft:reg\": {\"name\": \"Lò A\"}}', '[]',"
    " '2026-11-01'), (9, NULL, NULL, '{}', '[]', '2026-11-01')",
    "INSERT INTO registrations (id, code, user_id, status, full_name, created_at, updated_at)"
    " VALUES (3, 'LC-2026-00003', 9, 'moi', 'Lò Thị B', '2026-11-02', '2026-11-02')",
    "INSERT INTO audit_events (id, registration_id, actor, action, created_at)"
    " VALUES (5, 3, 'user:9', 'submit', '2026-11-02')",
    "INSERT INTO staff_accounts (id, username, password_hash, role, failed_logins, created_at)"
    " VALUES (2, 'hoa', 'x', 'staff', 0, '2026-11-01')",
]


async def _count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def test_migration_0011_keeps_every_row_and_then_ids_only_grow(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        await reset_postgres(database_url, migrate=False)
    engine = create_engine(make_settings(database_url))
    try:
        await upgrade(engine, "0009")
        async with engine.begin() as conn:
            for statement in SEED:
                await conn.execute(text(statement))
            if database_url.startswith("postgresql"):  # ids given by hand: move the sequence on
                await conn.execute(text("SELECT setval(pg_get_serial_sequence('users', 'id'), 9)"))
        await upgrade(engine)
        async with engine.connect() as conn:
            assert (
                await conn.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar_one() == head_revision()
            state = (
                await conn.execute(
                    text("SELECT flow, data FROM conversation_states WHERE user_id = 7")
                )
            ).one()
            generation = (
                await conn.execute(text("SELECT session_generation FROM staff_accounts"))
            ).scalar_one()
            event = (await conn.execute(text("SELECT registration_id FROM audit_events"))).one()
        assert state[0] == "registration" and "Lò A" in str(state[1])
        assert generation == 0 and event[0] == 3
        for table, rows in (("users", 2), ("conversation_states", 2), ("registrations", 1)):
            assert await _count(engine, table) == rows, table
        if database_url.startswith("sqlite"):
            async with engine.connect() as conn:
                sql = (
                    await conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'users'"))
                ).scalar_one()
            assert "AUTOINCREMENT" in sql
        # The newest user leaves; the next one gets a higher id.
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM users WHERE id = 9"))
            await conn.execute(
                text(
                    "INSERT INTO users (channel, external_id, language, interests, created_at,"
                    " last_seen_at) VALUES ('telegram', '503', 'vi', '[]', '2026-12-01',"
                    " '2026-12-01')"
                )
            )
        async with engine.connect() as conn:
            new_id = (
                await conn.execute(text("SELECT id FROM users WHERE external_id = '503'"))
            ).scalar_one()
            registration_user = (
                await conn.execute(text("SELECT user_id FROM registrations WHERE id = 3"))
            ).scalar_one()
        assert new_id > 9
        assert registration_user is None  # ON DELETE SET NULL still works after the rebuild
    finally:
        await engine.dispose()
