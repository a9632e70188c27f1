"""Typed access to the SQLAlchemy Core pieces the hot paths use.

An ORM model's ``__table__`` is typed as a ``FromClause`` and ``session.execute`` returns
a ``Result``; Core's ``update(table)`` wants a ``Table`` and an UPDATE's result is a
``CursorResult`` with ``rowcount``. These two helpers say so once, for the type checker.
``claimable`` is how every claim (outbox, broadcast recipients, reminders) picks its rows.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result, Select, Table, select


def table_of(model: type) -> Table:
    """The Core table of an ORM model."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed."""
    return cast(CursorResult[Any], result).rowcount or 0


def claimable(candidates: Select[Any], postgresql: bool) -> Any:
    """The ids an ``UPDATE … WHERE id IN (…)`` claims, for concurrent claimers.

    On PostgreSQL the candidates are locked ``FOR UPDATE SKIP LOCKED`` in a MATERIALIZED
    CTE, run once: inside IN the planner may run a ``LIMIT … SKIP LOCKED`` subquery again
    and lock rows it then does not update, which no other claimer can take until the
    transaction ends. Elsewhere (SQLite: one writer) the plain subquery.
    """
    if not postgresql:
        return candidates.scalar_subquery()
    locked = candidates.with_for_update(skip_locked=True).cte("candidates")
    return select(*locked.prefix_with("MATERIALIZED").c)
