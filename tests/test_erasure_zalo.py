"""Zalo's `user_withdraw` (a data-subject request made in Zalo) runs the erasure of
`/xoadulieu`: afterwards no table holds the user's name, phone, village, message texts
or Zalo id (`tests/pii_scan.py`), and the confirmation reaches them."""

from __future__ import annotations

import asyncio

from bot.serve import Server
from tests.fakes.zalo_api import FakeZalo
from tests.pii_scan import scan
from tests.test_erasure import MISS
from tests.test_zalo_conformance import WORKER as ZALO_WORKER
from tests.test_zalo_conformance import _finish_registration, _register_until_phone
from tests.zalo_helpers import oa_url, user_row, zalo_server

__all__ = ["zalo_server"]


async def test_zalo_user_withdraw_runs_the_same_erasure(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    await _register_until_phone(zalo_server, fake_zalo)
    await _finish_registration(zalo_server, fake_zalo, "0912345678")
    url = oa_url(zalo_server)
    before = len(fake_zalo.oa_sent(ZALO_WORKER))
    assert await fake_zalo.deliver_oa(url, fake_zalo.oa_text(ZALO_WORKER, MISS)) == 200
    await fake_zalo.wait_oa(ZALO_WORKER, before + 1, timeout=15)
    assert zalo_server.runtime is not None
    engine = zalo_server.runtime.engine
    needles = ["Lò Văn Minh", "912345678", "Bản Lếch", MISS, ZALO_WORKER]
    tables = {hit.split(".")[0] for hit in await scan(engine, needles)}
    assert {"registrations", "outbox", "processed_updates", "faq_misses", "users"} <= tables
    assert await fake_zalo.deliver_oa(url, fake_zalo.oa_event("user_withdraw", ZALO_WORKER)) == 200
    hits: list[str] = []
    for _ in range(200):  # until handled, and the farewell sent (or given up)
        hits = await scan(engine, needles)
        if not hits and await user_row(zalo_server, "zalo_oa", ZALO_WORKER) is None:
            break
        await asyncio.sleep(0.05)
    assert hits == []
    assert "Đã xoá dữ liệu" in fake_zalo.oa_sent(ZALO_WORKER)[-1].text  # the confirmation
