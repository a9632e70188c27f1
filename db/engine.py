"""Async engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import logging
import os
import stat
from functools import partial
from pathlib import Path
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

log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; busy_timeout waits instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def private_database_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600), and make an older file
    (and its -wal and -shm, which SQLite creates with the file's own mode) so too: it
    holds workers' names, phone numbers and messages."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
            if mode & 0o077:
                file.chmod(mode & 0o700)
                log.warning("%s was readable by others (mode %o): now 600", file, mode)
        except FileNotFoundError:
            continue
        except PermissionError as exc:  # not ours: say so, but do not refuse to start
            log.warning("could not make %s private: %s", file, exc)


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the engine; for SQLite, create the database folder and a private file first."""
    if settings.is_sqlite:
        path = settings.sqlite_path
        if path is not None:
            private_database_file(path)
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
        engine = create_async_engine(
            settings.database_url, pool_size=1, max_overflow=0, hide_parameters=True, **creator
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        settings.database_url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        # An error's text never carries what people typed (names, phone numbers).
        hide_parameters=True,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
