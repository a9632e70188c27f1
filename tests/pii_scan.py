"""Scan every column of every table for a person's identifiers (issue 18: "erase means
erased"). The tables and columns are read from the database itself (SQLAlchemy
inspection), so a table added later is scanned without changing this file."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from faq.normalize import fold

_SEPARATOR_RE = re.compile(r"(?<=\d)[ .\-](?=\d)")


def _norm(value: str) -> str:
    return _SEPARATOR_RE.sub("", fold(value))


def _readable(value: Any) -> str:
    """A stored value as people would read it: JSON decoded (SQLite keeps «ò» as \\u00f2)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    shown = str(value)
    if shown[:1] in "{[":
        try:
            return json.dumps(json.loads(shown), ensure_ascii=False)
        except ValueError:
            return shown
    return shown


async def _tables(engine: AsyncEngine) -> dict[str, list[str]]:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: {
                table: [column["name"] for column in inspect(sync).get_columns(table)]
                for table in inspect(sync).get_table_names()
            }
        )


async def scan(engine: AsyncEngine, needles: Iterable[str]) -> list[str]:
    """Every `table.column = value` holding one of the needles (compared folded: no
    case, no diacritics, digits with their spaces and dots removed)."""
    wanted = {_norm(needle): needle for needle in needles}
    hits: list[str] = []
    tables = await _tables(engine)
    assert {"users", "outbox", "processed_updates", "faq_misses"} <= set(tables)
    async with engine.connect() as conn:
        for table, columns in sorted(tables.items()):
            quoted = ", ".join(f'"{column}"' for column in columns)
            rows = await conn.execute(text(f'SELECT {quoted} FROM "{table}"'))
            for row in rows.all():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    shown = _readable(value)
                    norm = _norm(shown)
                    hits += [
                        f"{table}.{column} holds {original!r}: {shown[:160]}"
                        for needle, original in wanted.items()
                        if needle in norm
                    ]
    return hits
