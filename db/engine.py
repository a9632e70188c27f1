"""Async engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db import sqlite_driver
from settings import Settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; busy_timeout waits instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the engine; for SQLite, create the database folder first."""
    if settings.is_sqlite:
        path = settings.sqlite_path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # One connection: SQLite has one writer at a time, and writers on several
        # connections wait for each other in SQLite's busy handler, which sleeps 1…100 ms
        # between tries while the lock is long free (bench/load.py: most of the server's
        # time under load). Queueing for the one connection in asyncio is FIFO and wakes
        # the next transaction at once.
        # A file database goes through `sqlite_driver` (one thread hop per statement).
        creator: dict[str, Any] = (
            {"async_creator": partial(sqlite_driver.connect, str(path), timeout=30)}
            if path is not None
            else {"connect_args": {"timeout": 30}}
        )
        engine = create_async_engine(settings.database_url, pool_size=1, max_overflow=0, **creator)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        settings.database_url, pool_size=10, max_overflow=10, pool_pre_ping=True
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
