"""Logins never stall the bot (F3) and a lock reveals nothing (F15): password checks run
off the event loop, an address that keeps failing waits longer each time, an account is
locked for longer at each lock, and a locked account answers like an unknown name."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from bot.serve import Server
from dashboard.accounts import lock_length
from dashboard.login_limits import AddressThrottle, Busy, PasswordChecks, client_address
from tests.conftest import free_port, make_settings
from tests.dashboard_kit import CSRF, PASSWORD, add_account, base, client, csrf_of
from tests.fakes.telegram_api import FakeTelegram

LOGIN = "/staff/login"


def test_an_address_waits_longer_after_each_failure_and_starts_afresh_on_success() -> None:
    throttle = AddressThrottle(free=3, first_delay=1, max_delay=8)
    assert [throttle.delay(n) for n in range(8)] == [0, 0, 0, 1, 2, 4, 8, 8]
    for _ in range(3):
        assert throttle.turn("10.0.0.1") == 0
        throttle.failed("10.0.0.1")
    # Attempts that come together take turns, each a whole delay after the one before.
    turns = [throttle.turn("10.0.0.1") for _ in range(3)]
    assert [round(t or 0) for t in turns] == [1, 2, 3]
    throttle.failed("10.0.0.1")  # a 4th failure: from now on 2 s between attempts
    assert round(throttle.turn("10.0.0.1") or 0) == 4  # after the three taken turns
    assert round(throttle.turn("10.0.0.1") or 0) == 6
    assert throttle.turn("10.0.0.2") == 0  # another address is not slowed
    throttle.succeeded("10.0.0.1")
    assert throttle.turn("10.0.0.1") == 0


def test_each_lock_of_an_account_lasts_twice_as_long() -> None:
    settings = make_settings("sqlite+aiosqlite:///x.db")  # 5 failures, 15 minutes
    assert [lock_length(settings, n) for n in (4, 5, 6, 10, 15)] == [
        None,
        timedelta(minutes=15),
        None,
        timedelta(minutes=30),
        timedelta(minutes=60),
    ]
    assert lock_length(settings, 5 * 40) == timedelta(hours=24)


def test_only_a_proxy_on_this_host_may_say_who_the_client_is() -> None:
    def address(peer: str, **headers: str) -> str:
        request = make_mocked_request("POST", LOGIN, headers=headers)
        request._transport_peername = (peer, 1234)  # type: ignore[attr-defined]
        return client_address(request)

    assert address("127.0.0.1", **{"X-Real-IP": "203.0.113.7"}) == "203.0.113.7"
    assert address("127.0.0.1", **{"X-Forwarded-For": "1.2.3.4, 203.0.113.8"}) == "203.0.113.8"
    assert address("203.0.113.9", **{"X-Real-IP": "1.1.1.1"}) == "203.0.113.9"
    assert address("127.0.0.1") == "127.0.0.1"


@pytest.fixture
async def server(
    database_url: str, tmp_path: Path, fake_telegram: FakeTelegram
) -> AsyncIterator[Server]:
    port = free_port()
    settings = make_settings(
        database_url,
        fake_telegram,
        web_port=port,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        dashboard_key_file=str(tmp_path / "dashboard.key"),
    )
    server = Server(settings, None)
    await server.start()
    await add_account(server, "canbo1")
    yield server
    await server.stop()


async def _attempt(
    http: aiohttp.ClientSession, server: Server, token: str, name: str, address: str
) -> tuple[int, str, float]:
    started = time.perf_counter()
    async with http.post(
        base(server) + LOGIN,
        data={"csrf": token, "username": name, "password": "sai-mat-khau-roi"},
        headers={"X-Real-IP": address},
        allow_redirects=False,
    ) as response:
        page = CSRF.sub("", await response.text())
        return response.status, page, time.perf_counter() - started


async def test_a_login_storm_never_blocks_the_event_loop(
    server: Server, fake_telegram: FakeTelegram
) -> None:
    """8 clients posting logins from ever new addresses (so no address delay helps):
    the checks run on the password pool, the loop stays free, and a worker's message is
    answered meanwhile."""
    lags: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - started - 0.01)

    statuses: list[int] = []

    async def storm(number: int) -> None:
        async with client() as http:
            token = await csrf_of(http, base(server) + LOGIN)
            attempt = 0
            while not stop.is_set():
                attempt += 1
                # Unknown names: each costs a full check (a locked account would not).
                name, address = f"ke.la.{number}.{attempt}", f"198.51.{number}.{attempt % 250}"
                status, _, _ = await _attempt(http, server, token, name, address)
                statuses.append(status)

    tasks = [asyncio.create_task(storm(n)) for n in range(8)]
    await asyncio.sleep(0.5)
    watcher = asyncio.create_task(ticker())
    assert await fake_telegram.deliver_webhook(fake_telegram.message_update(42, "/start")) == 200
    await fake_telegram.wait_sent(42, 1, timeout=10)
    await asyncio.sleep(2.5)
    stop.set()
    await asyncio.gather(watcher, *tasks)
    assert statuses and set(statuses) <= {401, 503}
    assert 401 in statuses  # passwords were checked, not only refused as busy
    # With argon2 on the loop every check blocked it for ~90 ms, back to back.
    assert statistics.median(lags) < 0.025, sorted(lags)[-10:]


async def test_an_address_that_keeps_failing_is_slowed_and_others_are_not(
    server: Server,
) -> None:
    async with client() as http:
        token = await csrf_of(http, base(server) + LOGIN)
        for _ in range(5):  # free
            status, _, _ = await _attempt(http, server, token, "canbo1", "192.0.2.1")
            assert status == 401
        _, _, first = await _attempt(http, server, token, "nobody", "192.0.2.1")
        _, _, second = await _attempt(http, server, token, "nobody", "192.0.2.1")
        _, _, other = await _attempt(http, server, token, "nobody", "192.0.2.2")
    assert first >= 1.0 and second >= 2.0 and other < 1.0, (first, second, other)


async def test_a_locked_account_answers_like_a_name_that_does_not_exist(
    server: Server,
) -> None:
    async with client() as http:
        token = await csrf_of(http, base(server) + LOGIN)
        for n in range(5):  # locks canbo1
            await _attempt(http, server, token, "canbo1", f"192.0.2.{10 + n}")
        locked, unknown = [], []
        for n in range(6):
            locked.append(await _attempt(http, server, token, "canbo1", f"192.0.3.{n}"))
            unknown.append(await _attempt(http, server, token, "khongco", f"192.0.4.{n}"))
        # The right password is refused the same way while locked.
        async with http.post(
            base(server) + LOGIN,
            data={"csrf": token, "username": "canbo1", "password": PASSWORD},
            headers={"X-Real-IP": "192.0.5.1"},
            allow_redirects=False,
        ) as response:
            assert response.status == 401
    assert {status for status, _, _ in locked + unknown} == {401}
    assert {page.replace("canbo1", "X") for _, page, _ in locked} == {
        page.replace("khongco", "X") for _, page, _ in unknown
    }
    locked_time = statistics.median(t for _, _, t in locked)
    unknown_time = statistics.median(t for _, _, t in unknown)
    assert 0.5 < locked_time / unknown_time < 2, (locked_time, unknown_time)


async def test_password_checks_take_turns_and_refuse_when_the_queue_is_long() -> None:
    checks = PasswordChecks(rate=10, max_wait=0.25)
    try:
        started = asyncio.get_running_loop().time()
        results = await asyncio.gather(
            *(checks.verify(None, "x") for _ in range(6)), return_exceptions=True
        )
        elapsed = asyncio.get_running_loop().time() - started
    finally:
        checks.close()
    assert results[:3] == [False, False, False]
    assert all(isinstance(r, Busy) for r in results[3:])
    assert elapsed >= 0.2  # the third started two intervals after the first


async def test_a_hash_with_the_old_four_lane_settings_is_remade_at_login(server: Server) -> None:
    """argon2-cffi's default hash (4 lanes: each check ran on 4 threads) is replaced by a
    one-lane hash at the next successful login; the password still works."""
    from argon2 import PasswordHasher
    from sqlalchemy import select

    from db.models import StaffAccount
    from tests.dashboard_kit import login, sessions

    async with sessions(server).begin() as db:
        db.add(
            StaffAccount(
                username="cu", password_hash=PasswordHasher().hash(PASSWORD), failed_logins=0
            )
        )
    async with client() as http:
        assert (await login(http, server, "cu")).status == 302
    async with sessions(server)() as db:
        stored = await db.scalar(
            select(StaffAccount.password_hash).where(StaffAccount.username == "cu")
        )
    assert stored is not None and ",p=1$" in stored
    async with client() as http:
        assert (await login(http, server, "cu")).status == 302
