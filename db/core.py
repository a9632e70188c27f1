"""Typed access to the SQLAlchemy Core pieces the hot paths use.

An ORM model's ``__table__`` is typed as a ``FromClause`` and ``session.execute`` returns
a ``Result``; Core's ``update(table)`` wants a ``Table`` and an UPDATE's result is a
``CursorResult`` with ``rowcount``. These two helpers say so once, for the type checker.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result, Table


def table_of(model: type) -> Table:
    """The Core table of an ORM model."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed."""
    return cast(CursorResult[Any], result).rowcount or 0
