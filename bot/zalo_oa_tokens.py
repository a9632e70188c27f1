"""Zalo OA access tokens: OAuth v4 refresh, the rotated refresh token kept in the database.

The refresh token is single-use (facts: channels.md 1b). A refresh must therefore be done
by exactly one process, and the new pair saved before anybody else reads the old one:

1. read the row (`version` v);
2. take the lease with `UPDATE … SET version = v+1, lease_until = now+LEASE WHERE
   version = v AND lease is free` — a conditional UPDATE, atomic on SQLite and
   PostgreSQL alike; the loser of the race waits for the winner's new token instead;
3. call OAuth with the refresh token read in 1;
4. save the new pair with `… WHERE version = v+1` (our lease) and free the lease.

A process that dies between 3 and 4 loses the new pair (Zalo has already rotated it):
the lease expires and the next refresh fails with an OAuth error, which is logged loudly;
docs/zalo.md says how to put in a fresh pair. The lifetime comes from `expires_in` in the
reply, never a constant; tokens are refreshed `REFRESH_AHEAD` before they expire.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import RetryLater
from db.clock import utcnow
from db.core import changed
from db.models import ZaloOaToken
from db.upsert import insert_ignore
from settings import Settings

log = logging.getLogger(__name__)

REFRESH_AHEAD = timedelta(minutes=30)
LEASE = timedelta(seconds=60)
WAIT_FOR_OTHER = 30.0  # seconds to wait for another process's refresh


class TokenError(RetryLater):
    """No usable access token for now (refresh failed); sends wait and try again."""


@dataclass(frozen=True, slots=True)
class Token:
    access: str
    refresh: str
    expires_at: datetime | None
    version: int


class OaTokens:
    """The OA's current access token for this process, refreshed when needed."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        http: aiohttp.ClientSession,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.http = http
        self.app_id = settings.zalo_app_id
        self.url = settings.zalo_oauth_base_url.rstrip("/") + "/v4/oa/access_token"
        self._lock = asyncio.Lock()  # one refresh at a time within this process
        self._current: Token | None = None

    async def access_token(self) -> str:
        """A token to send with; refreshed ahead of its expiry."""
        token = self._current or await self._load()
        if token.expires_at is not None and token.expires_at - utcnow() < REFRESH_AHEAD:
            token = await self.refresh(stale=token.access)
        return token.access

    async def refresh(self, stale: str) -> Token:
        """Replace `stale` (expired, or refused with -216); returns the token to use.

        When another process (or task) has already replaced it, its token is used and
        the refresh token is not spent again.
        """
        async with self._lock:
            deadline = time.monotonic() + WAIT_FOR_OTHER
            while True:
                token = await self._load()
                if token.access != stale and not _expiring(token):
                    return token
                if await self._take_lease(token.version):
                    return await self._refresh_under_lease(token)
                if time.monotonic() > deadline:
                    raise TokenError(5.0, "Zalo OA token refresh by another process timed out")
                await asyncio.sleep(0.2)

    async def _load(self) -> Token:
        async with self.sessions.begin() as session:
            row = await session.get(ZaloOaToken, self.app_id, populate_existing=True)
            if row is None:
                await session.execute(
                    insert_ignore(
                        session,
                        ZaloOaToken,
                        ["app_id"],
                        app_id=self.app_id,
                        access_token=self.settings.zalo_oa_access_token,
                        refresh_token=self.settings.zalo_oa_refresh_token,
                        expires_at=None,
                        version=0,
                        updated_at=utcnow(),
                    )
                )
                row = await session.get(ZaloOaToken, self.app_id, populate_existing=True)
            assert row is not None
            token = Token(row.access_token, row.refresh_token, row.expires_at, row.version)
        self._current = token
        return token

    async def _take_lease(self, version: int) -> bool:
        now = utcnow()
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(ZaloOaToken)
                .where(
                    ZaloOaToken.app_id == self.app_id,
                    ZaloOaToken.version == version,
                    or_(ZaloOaToken.lease_until.is_(None), ZaloOaToken.lease_until < now),
                )
                .values(
                    version=version + 1,
                    lease_by=self.settings.instance,
                    lease_until=now + LEASE,
                )
                .execution_options(synchronize_session=False)
            )
            return changed(result) == 1

    async def _refresh_under_lease(self, old: Token) -> Token:
        leased = old.version + 1
        try:
            access, refresh, expires_in = await self._call_oauth(old.refresh)
        except Exception:
            async with self.sessions.begin() as session:
                await session.execute(
                    update(ZaloOaToken)
                    .where(ZaloOaToken.app_id == self.app_id, ZaloOaToken.version == leased)
                    .values(lease_by=None, lease_until=None)
                )
            raise
        now = utcnow()
        expires_at = now + timedelta(seconds=expires_in) if expires_in else None
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(ZaloOaToken)
                .where(and_(ZaloOaToken.app_id == self.app_id, ZaloOaToken.version == leased))
                .values(
                    access_token=access,
                    refresh_token=refresh,
                    expires_at=expires_at,
                    version=leased + 1,
                    lease_by=None,
                    lease_until=None,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if changed(result) != 1:  # our lease expired and was taken: keep ours
                log.error("Zalo OA: token lease lost during a refresh; the new token is kept")
        token = Token(access, refresh, expires_at, leased + 1)
        self._current = token
        log.info("Zalo OA: access token refreshed, valid for %s s", expires_in)
        return token

    async def _call_oauth(self, refresh_token: str) -> tuple[str, str, int | None]:
        form = {
            "refresh_token": refresh_token,
            "app_id": self.app_id,
            "grant_type": "refresh_token",
        }
        headers = {"secret_key": self.settings.zalo_app_secret}
        try:
            async with self.http.post(
                self.url, data=form, headers=headers, timeout=aiohttp.ClientTimeout(total=15)
            ) as response:
                if response.status >= 500 or response.status == 429:
                    raise TokenError(10.0, f"Zalo OAuth answered {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise TokenError(10.0, f"Zalo OAuth unreachable: {exc}") from exc
        if not isinstance(body, dict) or not body.get("access_token"):
            error = body.get("error") if isinstance(body, dict) else body
            log.error("Zalo OA: token refresh refused (%s); see docs/zalo.md", error)
            raise TokenError(60.0, f"Zalo OAuth refused the refresh: {error}")
        expires = body.get("expires_in")
        try:
            expires_in = int(expires) if expires is not None else None
        except (TypeError, ValueError):
            expires_in = None
        rotated = str(body.get("refresh_token") or refresh_token)
        return str(body["access_token"]), rotated, expires_in


def _expiring(token: Token) -> bool:
    return token.expires_at is not None and token.expires_at - utcnow() < REFRESH_AHEAD


async def current(sessions: async_sessionmaker[AsyncSession], app_id: str) -> Token | None:
    """The stored token row (for tests and the admin)."""
    async with sessions() as session:
        row = await session.scalar(select(ZaloOaToken).where(ZaloOaToken.app_id == app_id))
        if row is None:
            return None
        return Token(row.access_token, row.refresh_token, row.expires_at, row.version)
