"""The SQLite driver with one thread hop per statement behaves as aiosqlite does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, exc, insert, select, update

from db.engine import create_engine
from tests.conftest import make_settings

_META = MetaData()
_ITEMS = Table("items", _META, Column("id", Integer, primary_key=True), Column("name", String))


async def test_queries_streams_many_and_errors(tmp_path: Path) -> None:
    engine = create_engine(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_META.create_all)
            await conn.execute(insert(_ITEMS), [{"id": n, "name": f"n{n}"} for n in range(500)])
        async with engine.connect() as conn:
            one = await conn.execute(select(_ITEMS.c.name).where(_ITEMS.c.id == 7))
            assert one.one() == ("n7",)
            assert (await conn.execute(select(_ITEMS).where(_ITEMS.c.id < 0))).first() is None
            # A server-side stream reads in chunks (fetchmany) and still sees every row once.
            result = await conn.stream(select(_ITEMS.c.id).order_by(_ITEMS.c.id))
            assert [row.id async for row in result] == list(range(500))
        async with engine.begin() as conn:
            changed = await conn.execute(update(_ITEMS).where(_ITEMS.c.id < 10).values(name="x"))
            assert changed.rowcount == 10
            returned = await conn.execute(
                insert(_ITEMS).values(id=1000, name="new").returning(_ITEMS.c.id)
            )
            assert returned.scalar() == 1000
        with pytest.raises(exc.IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(insert(_ITEMS).values(id=2000, name="rolled back"))
                await conn.execute(insert(_ITEMS).values(id=1, name="dup"))
        async with engine.connect() as conn:  # the failed transaction left nothing behind
            assert (
                await conn.execute(select(_ITEMS.c.name).where(_ITEMS.c.id == 1))
            ).scalar() == "x"
    finally:
        await engine.dispose()
