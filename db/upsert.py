"""INSERT … ON CONFLICT DO NOTHING for both SQLite and PostgreSQL."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_ignore(session: AsyncSession, model: type, conflict: list[str], **values: Any) -> Any:
    """An insert that silently skips a row whose `conflict` columns already exist."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict)


@cache
def insert_ignore_statement(
    dialect: str, table: Table, conflict: tuple[str, ...], returning: str | None = None
) -> Any:
    """The same, built once for a hot path: execute it with the row's values as parameters.

    Building a statement and its cache key for every row cost more CPU than running it
    (bench/load.py); a statement built once keeps its cache key.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    return stmt.returning(table.c[returning]) if returning else stmt
