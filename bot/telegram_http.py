"""python-telegram-bot's networking backend on aiohttp instead of httpx.

PTB stays the transport (Bot API methods, (de)serialisation, error mapping); only the
HTTP client below it changes, through PTB's documented `BaseRequest` interface. aiohttp
is already our web server. Under load the httpx stack cost several CPU milliseconds per
Bot API call in the load benchmark (`bench/load.py`, see the README); aiohttp costs
markedly less for the same calls.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.ptb_internals import DefaultValue, ODVInput


class AiohttpRequest(BaseRequest):
    """A pooled aiohttp client session; timeouts and errors mapped as PTB expects."""

    def __init__(
        self,
        connection_pool_size: int = 32,
        connect_timeout: float = 10.0,
        read_timeout: float = 15.0,
        write_timeout: float = 15.0,
        media_write_timeout: float = 30.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        write: float | None = self._media_write_timeout if files else self._write_timeout
        if not isinstance(write_timeout, DefaultValue):
            write = write_timeout
        # aiohttp has no separate write timeout: the whole request gets connect + write +
        # read, and reading the answer at most `read` between chunks.
        parts = (connect, write, read)
        total = None if None in parts else sum(p for p in parts if p is not None)
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
        body: aiohttp.FormData | None = None
        if request_data is not None:
            body = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, mimetype) in files.items():
                body.add_field(name, content, filename=filename, content_type=mimetype)
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except asyncio.CancelledError:
            raise
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


class PollingRequest(AiohttpRequest):
    """The getUpdates client: an update python-telegram-bot cannot read is replaced by
    its bare `update_id` before the library sees the batch.

    PTB parses a whole batch at once; one unreadable update (a shape from another Bot API
    version) made it log and fetch the same batch again forever, so nobody got an answer
    (reviews/telegram-robustness-2026-12.md, F1). With the bare id in its place the batch
    parses, the offset moves past it, and `on_unreadable(update_id, error)` records it.
    """

    def __init__(self, on_unreadable: Callable[[int, str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_unreadable = on_unreadable

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        status, body = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if status == 200 and url.endswith("/getUpdates"):
            body = readable_updates(body, self._on_unreadable)
        return status, body


def readable_updates(body: bytes, on_unreadable: Callable[[int, str], None]) -> bytes:
    """A getUpdates answer with every update PTB cannot parse replaced by its bare id."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, list):
        return body
    changed = False
    for index, update in enumerate(result):
        try:
            Update.de_json(update, None)
        except Exception as exc:
            update_id = update.get("update_id") if isinstance(update, dict) else None
            if not isinstance(update_id, int):
                continue  # nothing to move the offset past: left to PTB
            on_unreadable(update_id, f"{type(exc).__name__}: {exc}")
            result[index] = {"update_id": update_id}
            changed = True
    return json.dumps(data).encode() if changed else body
