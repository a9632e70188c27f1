"""Column types that store any text a person or a platform sends, on both databases.

PostgreSQL refuses a value longer than its VARCHAR(n) (`StringDataRightTruncation`) and
any text holding a NUL character; SQLite takes both, so only PostgreSQL fails, and only
in production: a Telegram name of 64 + 1 + 64 characters in `users.display_name`
(VARCHAR(128)), a long staff name in `audit_events.actor`. These types cut a value to the
column's length and drop NUL characters when it is bound, for every statement (ORM and
Core alike, lookups included, so a cut key still finds its row).

`store_any_text(metadata)` gives every String and Text column of the models these types,
so a column added later is covered without anyone remembering to.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class BoundedString(TypeDecorator[str]):
    """VARCHAR(n) that takes any text: cut to n characters, NUL characters dropped."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str):
            if "\x00" in value:
                value = value.replace("\x00", "")
            length = getattr(self.impl, "length", None)
            if length and len(value) > length:
                value = value[:length]
        return value


class SafeText(TypeDecorator[str]):
    """TEXT that takes any text: NUL characters dropped (PostgreSQL cannot store them)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str) and "\x00" in value:
            return value.replace("\x00", "")
        return value


def fitted(column: Any, value: str | None) -> str | None:
    """`value` as a bounded column will hold it (to compare with what is stored)."""
    if value is None or not isinstance(column.type, BoundedString):
        return value
    return column.type.process_bind_param(value, None)  # type: ignore[arg-type]


def store_any_text(metadata: MetaData) -> None:
    """Every plain String(n) and Text column of `metadata` becomes BoundedString / SafeText."""
    for table in metadata.tables.values():
        for column in table.columns:
            kind = type(column.type)
            if kind is String and column.type.length:  # type: ignore[attr-defined]
                column.type = BoundedString(column.type.length)  # type: ignore[attr-defined]
            elif kind is Text:
                column.type = SafeText()
