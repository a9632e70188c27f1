"""Logout, a new password, disable and enable end every session of the account (F4): a
saved copy of the cookie, or another browser, is logged out too, and stays so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.serve import Server
from dashboard import accounts
from tests.dashboard_kit import add_account, base, client, csrf_of, login, running, sessions


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[Server]:
    async with running(database_url, tmp_path) as server:
        await add_account(server, "canbo1")
        yield server


async def _logged_in(server: Server, http: aiohttp.ClientSession) -> str:
    """Log in; the session cookie's value (what an attacker who copied it would hold)."""
    assert (await login(http, server, "canbo1")).status == 302
    [cookie] = [c for c in http.cookie_jar if c.key == "staff_session"]
    return cookie.value


async def _status_with(server: Server, cookie: str) -> int:
    async with client() as other:
        async with other.get(
            base(server) + "/staff/registrations",
            headers={"Cookie": f"staff_session={cookie}"},
            allow_redirects=False,
        ) as response:
            return response.status


async def test_logout_ends_every_session_including_a_saved_cookie(server: Server) -> None:
    async with client() as first, client() as second:
        saved = await _logged_in(server, first)
        other = await _logged_in(server, second)
        assert await _status_with(server, saved) == 200
        token = await csrf_of(first, base(server) + "/staff/registrations")
        async with first.post(
            base(server) + "/staff/logout", data={"csrf": token}, allow_redirects=False
        ) as response:
            assert response.status == 302
        assert await _status_with(server, saved) == 302
        assert await _status_with(server, other) == 302  # the other browser too
        # Logging in again gives a session that works.
        assert await _status_with(server, await _logged_in(server, first)) == 200


async def test_disable_then_enable_does_not_bring_an_old_cookie_back(server: Server) -> None:
    async with client() as http:
        saved = await _logged_in(server, http)
    async with sessions(server).begin() as db:
        await accounts.set_disabled(db, "canbo1", True, "cli")
    assert await _status_with(server, saved) == 302
    async with sessions(server).begin() as db:
        await accounts.set_disabled(db, "canbo1", False, "cli")
    assert await _status_with(server, saved) == 302
    async with client() as http:
        assert await _status_with(server, await _logged_in(server, http)) == 200


async def test_a_new_password_ends_every_session(server: Server) -> None:
    async with client() as http:
        saved = await _logged_in(server, http)
    async with sessions(server).begin() as db:
        await accounts.set_password(db, "canbo1", "mat-khau-moi-hon", "cli")
    assert await _status_with(server, saved) == 302
