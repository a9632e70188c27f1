"""PostgreSQL set-up shared by the benchmarks: a database of the run's own on the
TEST_DATABASE_URL server, so a benchmark never touches the tests' or anyone's data."""

from __future__ import annotations


async def admin(url: str, sql: str) -> None:
    """Run `sql` (CREATE/DROP DATABASE: not allowed in a transaction) on `url`'s server."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
