"""How long one `/xoadulieu` takes when the staff have a long history.

Run ``.venv/bin/python -m bench.erasure [--count N] [--database-url URL]`` from the
repository root (SQLite in a temporary folder by default; for PostgreSQL give a database
of its own: its ``public`` schema is dropped and recreated, as the tests do). A worker
lives the full life of ``tests/test_erasure.py``; then ``--count`` (default 20,000) rows
each are added of the bot's messages in the staff chat (registration cards naming other
workers), the staff's own messages (``/ghichu`` with phone numbers), audit notes and FAQ
misses; then the worker confirms the erasure. The time printed is that whole turn
(the erasure reads every staff-chat message once: `db/erasure.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

from sqlalchemy import insert

from db.models import AuditEvent, FaqMiss, InboxUpdate, OutboxMessage
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings, reset_postgres
from tests.test_erasure import WORKER, full_life, worker
from tests.transcript import STAFF, Transcript


def _card(i: int) -> dict[str, object]:
    text = (
        f"📄 Hồ sơ LC-2026-{i:05d}\nHọ và tên: Lò Văn Người {i}\n"
        f"Số điện thoại: 09{i:08d}\nThôn/bản: Bản {i}"
    )
    return {
        "idempotency_key": f"bench{i}",
        "channel": "test",
        "chat_key": STAFF,
        "kind": "reply",
        "payload": {"reply": {"text": text, "buttons": []}},
        "status": "sent",
    }


def _staff_message(i: int) -> dict[str, object]:
    payload = {
        "channel": "test",
        "user_key": "staff-1",
        "update_key": f"bench{i}",
        "chat_key": STAFF,
        "display_name": "Chị Hoa",
        "text": f"/ghichu LC-2026-{i:05d} đã gọi số 09{i:08d}",
    }
    return {
        "channel": "test",
        "update_key": f"bench{i}",
        "user_key": "staff-1",
        "payload": payload,
        "status": "done",
    }


async def run(url: str, count: int) -> float:
    if url.startswith("postgresql"):
        await reset_postgres(url)
    chat = await Transcript.open(make_settings(url), FaqService(FIXTURE_FAQ), user=WORKER)
    try:
        await full_life(chat)
        async with chat.runtime.sessions.begin() as session:
            await session.execute(insert(OutboxMessage), [_card(i) for i in range(count)])
            await session.execute(insert(InboxUpdate), [_staff_message(i) for i in range(count)])
            await session.execute(
                insert(AuditEvent),
                [
                    {"actor": "web:x", "action": "note", "note": f"gọi 09{i:08d}"}
                    for i in range(count)
                ],
            )
            await session.execute(
                insert(FaqMiss),
                [
                    {"channel": "test", "text": f"câu hỏi {i} về đi Hàn Quốc", "kind": "none"}
                    for i in range(count)
                ],
            )
        await worker(chat, "say", "/xoadulieu")
        started = time.perf_counter()
        await worker(chat, "press", "privacy:erase:yes")
        return time.perf_counter() - started
    finally:
        await chat.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/erasure.db"
    seconds = asyncio.run(run(url, args.count))
    print(f"{url.split(':')[0]}, {args.count} rows each: erasure turn {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
