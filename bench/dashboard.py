"""Benchmark the dashboard's registrations list with 10,000 and 100,000 registrations.

Run ``.venv/bin/python -m bench.dashboard`` from the repository root (SQLite in a
temporary folder), or add ``--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/NAME``
for PostgreSQL (its ``public`` schema is dropped and recreated, as the tests do: use a
database of its own). For each size it fills a fresh database with synthetic
registrations (Vietnamese names with diacritics, communes of Lào Cai, markets, statuses,
two years of dates), starts the real `serve` web server on 127.0.0.1, logs in, and
requests each page ``--repeat`` times after a warm-up. The time is the server's own,
from the dashboard's ``Server-Timing`` header (the request's whole life in aiohttp: session,
login check, query, template).

Rows: the unfiltered first page; a name searched without diacritics plus a status filter;
a commune filter; a whole phone number (looked up by its index); and a name that matches
nothing (the name search is a substring match on the folded text, newest first, so it
stops after a page of matches; a search with fewer matches than a page reads the whole
list index on SQLite, while PostgreSQL answers it from the trigram index). The ratio
column is the 100k median ÷ the 10k median.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.serve import Server
from dashboard.security import hash_password
from db.migrate import upgrade
from db.models import Registration, StaffAccount
from faq.normalize import fold
from handlers.registration import places
from handlers.registration.fields import MARKETS
from settings import Settings

FAMILY = ["Nguyễn", "Lò", "Hoàng", "Vàng", "Giàng", "Sùng", "Trần", "Lê", "Phạm", "Đỗ", "Lý"]
MIDDLE = ["Văn", "Thị", "Seo", "A", "Mí", "Đức", "Ngọc", "Minh"]
GIVEN = ["Hoà", "Hùng", "Mai", "Dín", "Páo", "Sử", "Lan", "Quân", "Thảo", "Chứ", "Sinh", "Hà"]
STATUSES = ["moi"] * 5 + ["da_lien_he"] * 3 + ["hen_phong_van", "khong_phu_hop", "da_xuat_canh"]
PASSWORD = "mat-khau-bench"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
TIMING = re.compile(r"app;dur=([0-9.]+)")
PHONE = "0399000123"  # given to exactly one registration


async def fill(url: str, count: int, seed: int = 7) -> None:
    engine = create_async_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    rng = random.Random(seed)
    home = places.default_province("Lào Cai")
    communes = places.commune_names(home.code) if home else ["Xã Bát Xát"]
    markets = [m.label for m in MARKETS]
    start = datetime(2025, 1, 1)
    rows = []
    for n in range(1, count + 1):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        phone = PHONE if n == count // 3 else f"09{rng.randrange(10**8):08d}"
        code = f"LC-2026-{n:06d}"
        rows.append(
            {
                "code": code,
                "status": rng.choice(STATUSES),
                "full_name": name,
                "phone": phone,
                "gender": rng.choice(["Nam", "Nữ"]),
                "birth_year": rng.randrange(1980, 2006),
                "province_name": home.name if home else "Tỉnh Lào Cai",
                "commune_name": rng.choice(communes),
                "market": rng.choice(markets),
                "created_at": start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
                "updated_at": start,
                # Bulk inserts skip the model's hook: fold here exactly as it does.
                "search_text": fold(f"{name} {code} {phone}"),
            }
        )
    async with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            await conn.execute(insert(Registration), rows[i : i + 5000])
        await conn.execute(
            insert(StaffAccount),
            [{"username": "bench", "password_hash": hash_password(PASSWORD), "role": "staff",
              "failed_logins": 0, "created_at": start}],
        )  # fmt: skip
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


async def measure(
    url: str, tmp: Path, pages: dict[str, str], repeat: int
) -> dict[str, list[float]]:
    settings = Settings(
        database_url=url,
        web_port=0,
        dashboard_key_file=str(tmp / "dashboard.key"),
        pid_file=str(tmp / "bot.pid"),
        _env_file=None,  # type: ignore[call-arg]
    )
    server = Server(settings)
    await server.start()
    base = f"http://127.0.0.1:{server.port}"
    times: dict[str, list[float]] = {name: [] for name in pages}
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(base + "/staff/login") as response:
                token = CSRF.search(await response.text())
            assert token
            data = {"csrf": token.group(1), "username": "bench", "password": PASSWORD}
            async with http.post(base + "/staff/login", data=data) as response:
                assert response.status == 200, response.status
            for name, path in pages.items():
                for attempt in range(repeat + 3):
                    async with http.get(base + path) as response:
                        body = await response.text()
                        assert response.status == 200, (path, response.status)
                        match = TIMING.search(response.headers.get("Server-Timing", ""))
                    assert match and ("table" in body or "Không có" in body)
                    if attempt >= 3:  # warm-up first
                        times[name].append(float(match.group(1)))
    finally:
        await server.stop()
    return times


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def bench(args: argparse.Namespace) -> None:
    home = places.default_province("Lào Cai")
    commune = (places.commune_names(home.code) if home else ["Xã Bát Xát"])[0]
    pages = {
        "first page, no filter": "/staff/registrations",
        "search 'nguyen hoa' + status": "/staff/registrations?q=nguyen+hoa&status=moi",
        "commune filter": "/staff/registrations?" + f"commune={commune.replace(' ', '+')}",
        "whole phone number (index)": f"/staff/registrations?q={PHONE}",
        "a name matching nothing": "/staff/registrations?q=zzz",
    }
    results: dict[int, dict[str, list[float]]] = {}
    for count in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
            started = time.perf_counter()
            await fill(url, count)
            print(f"{count:>7,} registrations filled in {time.perf_counter() - started:.1f} s")
            results[count] = await measure(url, tmp, pages, args.repeat)
    backend = "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite"
    small, big = min(args.sizes), max(args.sizes)
    print(f"\n{backend}, server time in ms ({args.repeat} requests each)")
    header = f"{'page':<32}" + "".join(
        f"{f'{n:,} median':>15}{f'{n:,} p95':>12}" for n in args.sizes
    )
    print(header + f"{'ratio':>8}")
    for name in pages:
        line = f"{name:<32}"
        for count in args.sizes:
            values = results[count][name]
            line += f"{statistics.median(values):>15.2f}{p95(values):>12.2f}"
        ratio = statistics.median(results[big][name]) / statistics.median(results[small][name])
        print(line + f"{ratio:>7.2f}×")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=40, help="requests per page (40)")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default SQLite)")
    asyncio.run(bench(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
