"""A bounded spool on local disk for webhook events the database could not take.

Zalo redelivers an OA event only when the connection to the webhook fails (its webhook
documentation), not after a 503, so an event answered 503 may be lost. Instead, when
the inbox cannot be written, the parsed event is written here — one file each, fsynced
and renamed into place, so a crash leaves whole files or nothing — and the platform gets
its 200. `bot/ingress.py` replays the files in order once the database answers, and
deletes each only after the inbox took it (the inbox's unique key drops one recorded
twice, so a crash between the two is harmless).

While files wait, new events go behind them, so one user's messages keep their order.
The spool holds at most `max_events`; beyond that a webhook answers 503 again.

A directory of files rather than a queue library: the needs are few (ordered, bounded,
atomic per event, readable by an operator with `ls`), and every library found kept its
own database file, which is what is unavailable here.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import time
from pathlib import Path

from handlers.types import Incoming

log = logging.getLogger(__name__)

SUFFIX = ".json"


class Spool:
    def __init__(self, directory: Path, max_events: int) -> None:
        self.directory = directory
        self.max_events = max_events
        self._names: list[str] = []
        self._serial = itertools.count()
        self._lock = asyncio.Lock()
        self._loaded = False

    def __len__(self) -> int:
        self._load()
        return len(self._names)

    def _load(self) -> None:
        """The files a previous run left (replayed like any), once."""
        if self._loaded:
            return
        self._loaded = True
        if self.directory.is_dir():
            for leftover in self.directory.glob("*.tmp"):
                leftover.unlink(missing_ok=True)  # a write a crash cut short: never acknowledged
            self._names = sorted(p.name for p in self.directory.glob("*" + SUFFIX))
        if self._names:
            log.warning("spool: %d events from an earlier run wait in %s", len(self._names), self)

    async def put(self, incoming: Incoming) -> bool:
        """Keep an event; False when the spool is full (or the disk refuses)."""
        async with self._lock:
            if len(self) >= self.max_events:
                log.error("spool: full (%d events in %s)", len(self._names), self)
                return False
            name = f"{time.time_ns():020d}-{next(self._serial):06d}{SUFFIX}"
            data = json.dumps({"incoming": incoming.to_json()}, ensure_ascii=False).encode()
            try:
                await asyncio.to_thread(self._write, name, data)
            except OSError as exc:
                log.error("spool: cannot write to %s: %s", self, exc)
                return False
            self._names.append(name)
            return True

    def _write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.directory / name
        temporary = path.with_suffix(".tmp")
        with open(temporary, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    async def first(self) -> tuple[str, Incoming] | None:
        """The oldest event waiting (an unreadable file is set aside as `.bad`)."""
        while len(self):
            name = self._names[0]
            path = self.directory / name
            try:
                raw = await asyncio.to_thread(path.read_bytes)
                return name, Incoming.from_json(json.loads(raw)["incoming"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.error("spool: %s cannot be read (%s); set aside as .bad", name, exc)
                self._names.pop(0)
                if path.exists():
                    path.rename(path.with_suffix(".bad"))
        return None

    async def remove(self, name: str) -> None:
        """The inbox took it."""
        async with self._lock:
            await asyncio.to_thread((self.directory / name).unlink, True)
            if name in self._names:
                self._names.remove(name)

    def __str__(self) -> str:
        return str(self.directory)
