"""`python -m bot staff add|list|passwd|disable|enable`: dashboard accounts on the server.

The password is asked twice with getpass at a terminal; from a pipe (scripts, tests) the
first line of stdin is the password (a second line, when given, must repeat it).
"""

from __future__ import annotations

import getpass
import sys
from typing import TextIO

from dashboard import accounts
from dashboard.security import password_problem
from db.engine import session_factory
from db.migrate import open_database
from settings import Settings


class _Refused(Exception):
    pass


def read_password(stdin: TextIO = sys.stdin) -> str:
    if stdin.isatty():
        first = getpass.getpass("Mật khẩu: ")
        second = getpass.getpass("Nhập lại mật khẩu: ")
    else:
        lines = stdin.read().splitlines()
        first = lines[0] if lines else ""
        second = lines[1] if len(lines) > 1 else first
    if first != second:
        raise _Refused("Hai lần nhập mật khẩu không giống nhau.")
    problem = password_problem(first)
    if problem:
        raise _Refused(problem)
    return first


async def staff_command(
    settings: Settings,
    action: str,
    username: str | None,
    role: str = "staff",
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    if action != "list" and not username:
        print(f"Cách dùng: python -m bot staff {action} TÊN_ĐĂNG_NHẬP", file=sys.stderr)
        return 2
    engine = await open_database(settings)
    sessions = session_factory(engine)
    try:
        if action == "list":
            async with sessions() as db:
                for a in await accounts.all_accounts(db):
                    state = "disabled" if a.disabled_at else "active"
                    last = f"{a.last_login_at:%Y-%m-%d %H:%M}" if a.last_login_at else "-"
                    print(f"{a.username}\t{a.role}\t{state}\tlast login {last}", file=stdout)
            return 0
        assert username is not None
        async with sessions.begin() as db:
            if action == "add":
                name = accounts.clean_username(username)
                if await accounts.find(db, name) is not None:
                    raise accounts.AccountError(f"Tài khoản {name} đã có.")
                await accounts.create(db, name, read_password(stdin), role)
                print(f"Đã tạo tài khoản {name} ({role}).", file=stdout)
            elif action == "passwd":
                if await accounts.find(db, username) is None:
                    raise accounts.AccountError(f"Không có tài khoản {username}.")
                await accounts.set_password(db, username, read_password(stdin), "cli")
                print(f"Đã đổi mật khẩu của {username}.", file=stdout)
            else:
                await accounts.set_disabled(db, username, action == "disable", "cli")
                verb = "Đã khoá" if action == "disable" else "Đã mở lại"
                print(f"{verb} tài khoản {username}.", file=stdout)
        return 0
    except (accounts.AccountError, _Refused) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
