"""scripts/backup.sh and scripts/restore.sh on the real database: a backup taken while
data exists brings exactly that data back after later changes (SQLite; PostgreSQL with
pg_dump / pg_restore when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Registration, User
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.test_registration_flow import fill
from tests.transcript import Transcript

ROOT = Path(__file__).resolve().parents[1]


async def _script(name: str, database_url: str, cwd: Path, *args: str) -> tuple[int, str]:
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": database_url,
           "PID_FILE": str(cwd / "bot.pid")}  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        str(ROOT / "scripts" / name),
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def _counts(database_url: str) -> tuple[int, int, list[str]]:
    chat = await Transcript.open(make_settings(database_url))
    try:
        async with chat.runtime.sessions() as session:
            users = await session.scalar(select(func.count()).select_from(User))
            regs = await session.scalar(select(func.count()).select_from(Registration))
            names = list((await session.scalars(select(Registration.full_name))).all())
        return int(users or 0), int(regs or 0), [str(n) for n in names]
    finally:
        await chat.close()


async def test_backup_then_restore_brings_the_data_back(database_url: str, tmp_path: Path) -> None:
    tool = "sqlite3" if database_url.startswith("sqlite") else "pg_dump"
    if shutil.which(tool) is None or (tool == "pg_dump" and not shutil.which("pg_restore")):
        pytest.skip(f"{tool} is not installed")
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        await fill(chat)
        await chat.press("reg:submit")
    finally:
        await chat.close()
    before = await _counts(database_url)
    assert before[1] == 1 and before[2] == ["Lò Văn Minh"]

    status, out = await _script("backup.sh", database_url, tmp_path, str(tmp_path / "b"))
    assert status == 0, out
    backup = Path(out.strip().splitlines()[-1])
    if not backup.is_absolute():
        backup = tmp_path / backup
    assert backup.exists() and backup.stat().st_size > 0
    assert oct(backup.stat().st_mode)[-3:] == "600"  # personal data: owner only

    # Later changes: the worker erases everything, a second one starts talking.
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        await chat.say("/xoadulieu")
        await chat.press("privacy:erase:yes")
        await chat.say("xin chào", user="someone-else")
    finally:
        await chat.close()
    assert (await _counts(database_url))[2] == ["None"]

    # Refused while the bot runs (its pid file names a live process: this test's).
    (tmp_path / "bot.pid").write_text(str(os.getpid()))
    status, out = await _script("restore.sh", database_url, tmp_path, str(backup))
    assert status == 1 and "stop it first" in out
    (tmp_path / "bot.pid").unlink()

    status, out = await _script("restore.sh", database_url, tmp_path, str(backup))
    assert status == 0, out
    assert await _counts(database_url) == before


async def test_backups_beyond_the_newest_few_are_removed(tmp_path: Path) -> None:
    if shutil.which("sqlite3") is None:
        pytest.skip("sqlite3 is not installed")
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await _counts(url)  # creates the database
    folder = tmp_path / "b"
    folder.mkdir()
    for n in range(4):  # older backups
        (folder / f"bot-2020010{n}T000000Z.sqlite3").write_bytes(b"x")
    proc = await asyncio.create_subprocess_exec(
        str(ROOT / "scripts" / "backup.sh"), str(folder),
        env={"PATH": os.environ["PATH"], "DATABASE_URL": url, "BACKUP_KEEP": "2"},
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == 2 and Path(out.decode().strip()).name in left
    assert "bot-20200103T000000Z.sqlite3" in left
