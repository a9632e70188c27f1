"""Staff accounts: create, log in (with lockout), change password, disable, list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dashboard.login_limits import PasswordChecks
from dashboard.security import hash_password, needs_rehash
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


# The longest lock, however many times an account was locked in a row.
MAX_LOCK = timedelta(hours=24)


def lock_length(settings: Settings, failures: int) -> timedelta | None:
    """How long an account is locked after `failures` failed logins in a row: every
    DASHBOARD_MAX_FAILED_LOGINS failures lock it for DASHBOARD_LOCKOUT_MINUTES, twice as
    long each further time, up to a day (None: not locked now)."""
    limit = settings.dashboard_max_failed_logins
    if failures < limit or failures % limit:
        return None
    locks = failures // limit
    return min(
        MAX_LOCK, timedelta(minutes=settings.dashboard_lockout_minutes) * 2 ** min(locks - 1, 16)
    )


async def login(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    checks: PasswordChecks,
    username: str,
    password: str,
) -> LoginResult:
    """Check a login; count failures and lock the account after too many in a row.

    Every failure looks the same from outside: an unknown name, a wrong password, a
    locked or disabled account each cost one password check (against a dummy hash when
    the account cannot log in) and get the same answer. The check runs on the password
    pool with no database connection held (SQLite has one), between two short
    transactions. Raises `Busy` when the pool is full.
    """
    name = username.strip().lower()
    known = bool(USERNAME.match(name))  # a name that cannot exist is not looked up
    async with sessions() as db:
        account = (
            await db.scalar(select(StaffAccount).where(StaffAccount.username == name))
            if known
            else None
        )
    now = utcnow()
    locked = account is not None and account.locked_until is not None and account.locked_until > now
    usable = account is not None and not locked and account.disabled_at is None
    ok = await checks.verify(account.password_hash if usable and account else None, password)
    new_hash = (
        await checks.hash(password)
        if ok and account is not None and needs_rehash(account.password_hash)
        else None
    )
    async with sessions.begin() as db:
        if account is None:
            shown = name if known else ascii(username)
            db.add(AuditEvent(actor=f"web:{shown[:40]}", action="login_failed"))
            return LoginResult()
        account = await db.get(StaffAccount, account.id, with_for_update=True)
        if account is None:  # deleted meanwhile
            return LoginResult()
        if locked:
            db.add(AuditEvent(actor=actor(account), action="login_failed", note="tạm khoá"))
            return LoginResult()
        if not ok:
            account.failed_logins += 1
            lock = lock_length(settings, account.failed_logins)
            if lock is None:
                db.add(AuditEvent(actor=actor(account), action="login_failed"))
            else:
                account.locked_until = now + lock
                minutes = int(lock.total_seconds() // 60)
                db.add(
                    AuditEvent(actor=actor(account), action="login_locked", note=f"{minutes} phút")
                )
            return LoginResult()
        account.failed_logins = 0
        account.locked_until = None
        account.last_login_at = now
        if new_hash is not None:
            account.password_hash = new_hash
        db.add(AuditEvent(actor=actor(account), action="login"))
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
