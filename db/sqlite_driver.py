"""aiosqlite with one thread round trip per statement instead of three or four.

aiosqlite runs every call on its connection's thread, and SQLAlchemy's adapter makes
four calls per statement: create a cursor, execute, fetch all rows, close the cursor.
Each call is a hop to the thread and back through the event loop; under load a hop waits
for the loop to come round, and the engine's one SQLite connection is held meanwhile
(bench/load.py: most of the database time). Here creating and closing a cursor (no I/O)
happen inline, and execute fetches its rows in the same hop. Everything that touches
the database file still runs on aiosqlite's thread, so a long query or a busy lock never
blocks the event loop.

The sqlite3 connection is opened with `check_same_thread=False` for the inline cursor
calls; SQLite itself is built thread-safe (serialized), and SQLAlchemy never shares a
connection between two transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

import aiosqlite


class Cursor(aiosqlite.Cursor):
    """Rows come back with the execute; fetches read them from memory."""

    def __init__(self, conn: aiosqlite.Connection, cursor: sqlite3.Cursor) -> None:
        super().__init__(conn, cursor)
        self._rows: list[Any] = []
        self._next = 0

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> Cursor:
        cursor = self._cursor
        # SQLAlchemy hands a sequence (qmark style) as sqlite3 wants it: passed as it is.
        args: Any = () if parameters is None else parameters

        def run() -> list[Any]:
            cursor.execute(sql, args)
            return cursor.fetchall() if cursor.description else []

        self._rows, self._next = await self._conn._execute(run), 0
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> Cursor:
        self._rows, self._next = [], 0
        await self._conn._execute(self._cursor.executemany, sql, parameters)
        return self

    def _take(self, count: int) -> list[Any]:
        start = self._next
        self._next = min(len(self._rows), start + count)
        return self._rows[start : self._next]

    async def fetchone(self) -> Any:
        taken = self._take(1)
        return taken[0] if taken else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._take(self.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._take(len(self._rows))

    async def close(self) -> None:
        self._rows, self._next = [], 0
        self._cursor.close()


class Connection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors are made here, without a hop."""

    def cursor(self) -> Any:  # aiosqlite's is an awaitable context manager
        return _CursorContext(Cursor(self, self._conn.cursor()))


class _CursorContext:
    """What `Connection.cursor()` returns in aiosqlite: awaitable, and usable in
    `async with`; both give the cursor."""

    def __init__(self, cursor: Cursor) -> None:
        self._cursor = cursor

    def __await__(self) -> Any:
        async def ready() -> Cursor:
            return self._cursor

        return ready().__await__()

    async def __aenter__(self) -> Cursor:
        return self._cursor

    async def __aexit__(self, *_: object) -> None:
        await self._cursor.close()


def connect(path: str, **kwargs: Any) -> Connection:
    """Like `aiosqlite.connect`, returning the connection above (to be awaited)."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(path, check_same_thread=False, **kwargs)

    connection = Connection(connector, iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy's own adapter does
    return connection
