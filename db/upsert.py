"""INSERT … ON CONFLICT DO NOTHING for both SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_ignore(session: AsyncSession, model: type, conflict: list[str], **values: Any) -> Any:
    """An insert that silently skips a row whose `conflict` columns already exist."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict)
