"""Staff accounts: create, log in (with lockout), change password, disable, list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard.security import hash_password, needs_rehash, verify_password
from db.clock import utcnow
from db.models import AuditEvent, StaffAccount
from settings import Settings

ROLES = ("admin", "staff")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


class AccountError(ValueError):
    """A refused account operation; the message is for the person at the keyboard."""


def clean_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise AccountError(
            "Tên đăng nhập: 2–32 ký tự, chữ không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới."
        )
    return name


def actor(account: StaffAccount) -> str:
    """How the audit table names a dashboard user."""
    return f"web:{account.username}"


async def find(session: AsyncSession, username: str) -> StaffAccount | None:
    return await session.scalar(
        select(StaffAccount).where(StaffAccount.username == username.strip().lower())
    )


async def create(
    session: AsyncSession, username: str, password: str, role: str = "staff"
) -> StaffAccount:
    name = clean_username(username)
    if role not in ROLES:
        raise AccountError(f"Vai trò phải là {' hoặc '.join(ROLES)}.")
    if await find(session, name) is not None:
        raise AccountError(f"Tài khoản {name} đã có.")
    account = StaffAccount(
        username=name, password_hash=hash_password(password), role=role, failed_logins=0
    )
    session.add(account)
    session.add(AuditEvent(actor="cli", action="staff_add", note=f"{name} ({role})"))
    return account


@dataclass
class LoginResult:
    account: StaffAccount | None = None
    locked_minutes: int = 0


async def login(
    session: AsyncSession, settings: Settings, username: str, password: str
) -> LoginResult:
    """Check a login; count failures and lock the account after too many in a row."""
    now = utcnow()
    name = username.strip().lower()
    # A name that cannot exist is not looked up (NUL bytes and the like are refused by
    # PostgreSQL), but costs the same time below.
    account = (
        await session.scalar(
            select(StaffAccount).where(StaffAccount.username == name).with_for_update()
        )
        if USERNAME.match(name)
        else None
    )
    if account is not None and account.locked_until is not None and account.locked_until > now:
        minutes = -(-int((account.locked_until - now).total_seconds()) // 60)
        return LoginResult(locked_minutes=max(1, minutes))
    ok = verify_password(account.password_hash if account else None, password)
    if account is None:
        shown = name if USERNAME.match(name) else ascii(username)
        session.add(AuditEvent(actor=f"web:{shown[:40]}", action="login_failed"))
        return LoginResult()
    if not ok or account.disabled_at is not None:
        account.failed_logins += 1
        action = "login_failed"
        if account.failed_logins >= settings.dashboard_max_failed_logins:
            account.locked_until = now + timedelta(minutes=settings.dashboard_lockout_minutes)
            account.failed_logins = 0
            action = "login_locked"
        session.add(AuditEvent(actor=actor(account), action=action))
        if action == "login_locked":
            return LoginResult(locked_minutes=settings.dashboard_lockout_minutes)
        return LoginResult()
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    session.add(AuditEvent(actor=actor(account), action="login"))
    return LoginResult(account=account)


async def end_sessions(session: AsyncSession, account_id: int) -> None:
    """Every dashboard session of the account ends at its next request."""
    await session.execute(
        update(StaffAccount)
        .where(StaffAccount.id == account_id)
        .values(session_generation=StaffAccount.session_generation + 1)
    )


async def set_password(session: AsyncSession, username: str, password: str, by: str) -> None:
    account = await find(session, username)
    if account is None:
        raise AccountError(f"Không có tài khoản {username}.")
    account.password_hash = hash_password(password)
    account.failed_logins = 0
    account.locked_until = None
    account.session_generation += 1
    session.add(AuditEvent(actor=by, action="staff_passwd", note=account.username))


async def set_disabled(session: AsyncSession, username: str, disabled: bool, by: str) -> None:
    account = await find(session, username)
    if account is None:
        raise AccountError(f"Không có tài khoản {username}.")
    account.disabled_at = utcnow() if disabled else None
    account.failed_logins = 0
    account.locked_until = None
    # Disabling ends every session; so does enabling (a cookie from before the disable
    # must not come back to life).
    account.session_generation += 1
    action = "staff_disable" if disabled else "staff_enable"
    session.add(AuditEvent(actor=by, action=action, note=account.username))


async def unlock(session: AsyncSession, account: StaffAccount, by: str) -> None:
    account.failed_logins = 0
    account.locked_until = None
    session.add(AuditEvent(actor=by, action="staff_unlock", note=account.username))


async def all_accounts(session: AsyncSession) -> list[StaffAccount]:
    return list((await session.scalars(select(StaffAccount).order_by(StaffAccount.username))).all())


async def count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(StaffAccount)) or 0
