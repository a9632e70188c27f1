"""`python -m bot staff …`: accounts made on the server, passwords never stored in clear."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from dashboard import accounts
from dashboard.cli import staff_command
from dashboard.security import verify_password
from db.engine import create_engine, session_factory
from db.models import AuditEvent, StaffAccount
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[1]


async def run(database_url: str, *args: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    action, username, *rest = (*args, None)
    code = await staff_command(
        make_settings(database_url),
        action,  # type: ignore[arg-type]
        username,
        rest[0] if rest and rest[0] else "staff",
        stdin=io.StringIO(stdin),
        stdout=out,
    )
    return code, out.getvalue()


async def stored(database_url: str) -> dict[str, StaffAccount]:
    engine = create_engine(make_settings(database_url))
    try:
        async with session_factory(engine)() as db:
            return {a.username: a for a in await accounts.all_accounts(db)}
    finally:
        await engine.dispose()


async def test_add_list_passwd_disable(database_url: str) -> None:
    code, out = await run(database_url, "add", "Hoa.Nguyen", stdin="mot-mat-khau\nmot-mat-khau\n")
    assert code == 0 and "hoa.nguyen" in out
    account = (await stored(database_url))["hoa.nguyen"]
    assert account.role == "staff" and account.password_hash.startswith("$argon2id$")
    assert "mot-mat-khau" not in account.password_hash
    assert verify_password(account.password_hash, "mot-mat-khau")

    assert (await run(database_url, "add", "hoa.nguyen", stdin="khac-mat-khau\n"))[0] == 1
    assert (await run(database_url, "add", "boss", "admin", stdin="quan-tri-vien\n"))[0] == 0
    code, out = await run(database_url, "list")
    assert code == 0 and "boss\tadmin\tactive" in out and "hoa.nguyen\tstaff" in out

    assert (await run(database_url, "passwd", "hoa.nguyen", stdin="mat-khau-moi-1\n"))[0] == 0
    assert verify_password(
        (await stored(database_url))["hoa.nguyen"].password_hash, "mat-khau-moi-1"
    )
    assert (await run(database_url, "disable", "hoa.nguyen"))[0] == 0
    assert (await stored(database_url))["hoa.nguyen"].disabled_at is not None
    assert (await run(database_url, "enable", "hoa.nguyen"))[0] == 0
    assert (await stored(database_url))["hoa.nguyen"].disabled_at is None
    assert (await run(database_url, "disable", "nobody"))[0] == 1

    engine = create_engine(make_settings(database_url))
    try:
        async with session_factory(engine)() as db:
            actions = (await db.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all()
    finally:
        await engine.dispose()
    assert actions == ["staff_add", "staff_add", "staff_passwd", "staff_disable", "staff_enable"]


async def test_bad_passwords_and_names_are_refused(database_url: str) -> None:
    assert (await run(database_url, "add", "lan", stdin="ngan\n"))[0] == 1
    assert (await run(database_url, "add", "lan", stdin="mat-khau-mot\nmat-khau-hai\n"))[0] == 1
    assert (await run(database_url, "add", "Lan Anh", stdin="mat-khau-du-dai\n"))[0] == 1
    assert (await run(database_url, "add", "lan", "root", stdin="mat-khau-du-dai\n"))[0] == 1
    assert (await run(database_url, "add", "", stdin="mat-khau-du-dai\n"))[0] == 2
    assert await stored(database_url) == {}


def test_the_real_command_line_reads_the_password_from_stdin(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "DASHBOARD_KEY_FILE": str(tmp_path / "key"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "staff", "add", "admin", "--role", "admin"],
        input="mat-khau-quan-tri\nmat-khau-quan-tri\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Đã tạo tài khoản admin (admin)" in done.stdout
    listed = asyncio.run(run(env["DATABASE_URL"], "list"))
    assert listed[0] == 0 and listed[1].startswith("admin\tadmin\tactive")
