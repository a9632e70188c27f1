"""Helpers for dashboard tests: a running `serve`, accounts, registrations, a logged-in client."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.serve import Server
from dashboard.security import hash_password
from db.models import Registration, StaffAccount, User
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings

PASSWORD = "mat-khau-du-dai"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@asynccontextmanager
async def running(
    database_url: str, tmp_path: Path, faq: FaqService | None = None, **extra: Any
) -> AsyncIterator[Server]:
    settings = make_settings(
        database_url, dashboard_key_file=str(tmp_path / "dashboard.key"), **extra
    )
    server = Server(settings, faq or FaqService(FIXTURE_FAQ))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def sessions(server: Server) -> async_sessionmaker[AsyncSession]:
    assert server.runtime is not None
    return server.runtime.sessions


def base(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}"


async def add_account(server: Server, username: str, role: str = "staff") -> None:
    """An account with PASSWORD, hashed once per test run (argon2 is slow on purpose)."""
    async with sessions(server).begin() as db:
        db.add(
            StaffAccount(
                username=username, password_hash=_password_hash(), role=role, failed_logins=0
            )
        )


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


async def add_registration(server: Server, **values: Any) -> Registration:
    """A registration as the form would store it, with its applicant on the test channel."""
    async with sessions(server).begin() as db:
        user = User(channel="test", external_id=f"w{uuid.uuid4().hex[:12]}")
        db.add(user)
        await db.flush()
        fields: dict[str, Any] = {
            "code": "pending",
            "status": "moi",
            "full_name": "Nguyễn Thị Hoà",
            "phone": "0912345678",
            "gender": "Nữ",
            "birth_year": 1998,
            "province_name": "Tỉnh Lào Cai",
            "commune_name": "Xã Bát Xát",
            "village": "Thôn Cốc",
            "ethnicity": "Kinh",
            "market": "Hàn Quốc (EPS)",
            "user_id": user.id,
            **values,
        }
        registration = Registration(**fields)
        db.add(registration)
        await db.flush()
        if registration.code == "pending":
            registration.code = f"LC-2026-{registration.id:05d}"
        return registration


def client() -> aiohttp.ClientSession:
    # unsafe=True: keep cookies for an IP address host (127.0.0.1).
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def csrf_of(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as response:
        page = await response.text()
    match = CSRF.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


async def login(
    http: aiohttp.ClientSession, server: Server, username: str, password: str = PASSWORD
) -> aiohttp.ClientResponse:
    token = await csrf_of(http, base(server) + "/staff/login")
    async with http.post(
        base(server) + "/staff/login",
        data={"csrf": token, "username": username, "password": password},
        allow_redirects=False,
    ) as response:
        await response.read()
        return response


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)
