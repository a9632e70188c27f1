"""The licensed-recruiter registry in the database, and a per-process index over it.

Import replaces the whole list in one transaction. Each process keeps a matching index
and rebuilds it when the list in the database changes (another process imported), so
replicas agree without a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import cast

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import utcnow
from db.models import LicensedRecruiter
from faq.recruiters import Recruiter, RegistryIndex, Status


async def replace_all(session: AsyncSession, recruiters: Sequence[Recruiter]) -> int:
    """Swap the registry for `recruiters` (the caller's transaction makes it atomic)."""
    await session.execute(delete(LicensedRecruiter))
    now = utcnow()
    session.add_all(LicensedRecruiter(**asdict(r), imported_at=now) for r in recruiters)
    await session.flush()
    return len(recruiters)


async def load_all(session: AsyncSession) -> list[Recruiter]:
    rows = (await session.scalars(select(LicensedRecruiter).order_by(LicensedRecruiter.id))).all()
    return [
        Recruiter(
            name=r.name,
            short_name=r.short_name or "",
            licence_number=r.licence_number,
            licence_date=r.licence_date,
            address=r.address or "",
            status=cast(Status, r.status),
            status_date=r.status_date,
            source=r.source,
            list_date=r.list_date,
        )
        for r in rows
    ]


async def version(session: AsyncSession) -> tuple[int, datetime | None]:
    """Changes whenever a new list is imported (row count and import time)."""
    count, imported = (
        await session.execute(select(func.count(), func.max(LicensedRecruiter.imported_at)))
    ).one()
    return int(count), imported


class RegistryCache:
    """This process's matching index, rebuilt when the database holds a newer list."""

    def __init__(self) -> None:
        self._version: tuple[int, datetime | None] | None = None
        self._index: RegistryIndex | None = None
        self.list_date: date | None = None

    async def index(self, session: AsyncSession) -> RegistryIndex | None:
        """The index, or None while no list has been imported."""
        current = await version(session)
        if current != self._version:
            recruiters = await load_all(session)
            self._index = RegistryIndex.build(recruiters) if recruiters else None
            self.list_date = max((r.list_date for r in recruiters), default=None)
            self._version = current
        return self._index
