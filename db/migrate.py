"""Schema migrations (Alembic) run from inside the application's own async engine."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from db.stored_text import BoundedString, SafeText
from settings import Settings, SettingsError

MIGRATIONS = Path(__file__).parent / "migrations"
# Indexes a migration adds only where the database can have them (PostgreSQL with the
# pg_trgm extension), so the models do not describe them: comparisons skip them.
OPTIONAL_INDEXES = frozenset({"ix_registrations_search_trgm"})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: everything but the optional indexes."""
    return not (type_ == "index" and name in OPTIONAL_INDEXES)


def render_item(type_: str, obj: object, autogen_context: object) -> str | Literal[False]:
    """Autogenerate writes the models' text types (db/stored_text.py) as the plain
    String and Text they are in the database."""
    if type_ == "type" and isinstance(obj, BoundedString):
        return f"sa.String(length={getattr(obj.impl, 'length', None)})"
    if type_ == "type" and isinstance(obj, SafeText):
        return "sa.Text()"
    return False


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database schema up to `revision`.

    On SQLite a migration that rebuilds a table (batch mode: copy, drop, rename) must not
    fire the foreign keys' ON DELETE actions when the old table is dropped (dropping
    `users` would empty `conversation_states`): they are off during the migrations and
    checked before the commit. SQLite ignores that switch inside a transaction, so it is
    set first, on a connection that has not begun one.
    """
    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            await conn.run_sync(lambda sync: command.upgrade(_config(sync), revision))
            if sqlite:
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
                if broken:
                    raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
            await conn.commit()
        finally:
            if sqlite:
                await conn.rollback()
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def is_current(engine: AsyncEngine) -> bool:
    """True when the database is at the newest migration (used by start-up and readiness)."""
    return await current_revision(engine) == head_revision()


def make_revision(engine_url_sync: str, message: str) -> None:
    """Developer helper: autogenerate a migration against a scratch database URL (sync driver)."""
    from sqlalchemy import create_engine

    engine = create_engine(engine_url_sync)
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)


async def open_database(settings: Settings) -> AsyncEngine:
    """The engine, with the schema current (SQLite is upgraded here; PostgreSQL must be)."""
    engine = create_engine(settings)
    if settings.is_sqlite:
        await upgrade(engine)
    elif not await is_current(engine):
        await engine.dispose()
        raise SettingsError(
            "DATABASE_URL: the PostgreSQL schema is not current; run `python -m bot db upgrade`"
        )
    return engine
