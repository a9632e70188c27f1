"""Zalo Official Account over real sockets: our `serve` (webhook /zalo/oa) against the fake
Zalo server (OA API, OAuth, ZNS), the staff chat on the fake Telegram, the real database."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import func, select, update

from bot.channel import Unreachable
from bot.serve import Server
from bot.zalo_oa import ZaloOAChannel, signature
from bot.zalo_oa_tokens import OaTokens, current
from db.clock import utcnow
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import InboxUpdate, OutboxMessage, User, ZaloOaToken
from faq.service import FaqService
from handlers.types import Reply
from tests.conftest import FIXTURE_FAQ, STAFF_CHAT, STAFF_MEMBER, make_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.zalo_helpers import number_for, oa_url, user_row, zalo_server

__all__ = ["zalo_server"]

WORKER = "8412345678901"


async def inbox_count(server: Server) -> int:
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(InboxUpdate)
                .where(InboxUpdate.channel == "zalo_oa")
            )
            or 0
        )


def test_signature_formula_matches_the_documented_one() -> None:
    body = b'{"app_id":"1","timestamp":"2"}'

    expected = "mac=" + hashlib.sha256(b"1" + body + b"2" + b"k").hexdigest()
    assert signature("1", body, "2", "k") == expected


async def test_bad_signatures_are_refused_and_never_reach_the_dialog(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    url = oa_url(zalo_server)
    for bad in ("wrong-secret", "tampered", None, "mac=" + "0" * 64, "garbage"):
        assert (
            await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, "xin chào"), signature=bad)
            == 401
        )
    other_app = fake_zalo.oa_text(WORKER, "xin chào")
    other_app["app_id"] = "999"  # signed with the right secret, for another app
    assert await fake_zalo.deliver_oa(url, other_app) == 401
    stamp = {"app_id": fake_zalo.app_id, "timestamp": "1"}
    assert await fake_zalo.deliver_oa(url, stamp, body=b"{not json") == 401
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=b"") as response:
            assert response.status == 401
        async with http.get(url) as response:  # Zalo's developer console checks the URL
            assert response.status == 200
    await asyncio.sleep(0.3)
    assert await inbox_count(zalo_server) == 0
    assert fake_zalo.oa_sent() == [] and await user_row(zalo_server, "zalo_oa", WORKER) is None

    # The same kind of event, signed properly, is answered.
    assert await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, "xin chào")) == 200
    replies = await fake_zalo.wait_oa(WORKER, 2)
    assert "Xin chào" in replies[0].text
    # Signed but not an OA event: 400, not 500.
    junk = {"app_id": fake_zalo.app_id, "timestamp": str(int(time.time() * 1000)), "hello": 1}
    assert await fake_zalo.deliver_oa(url, junk) == 400


async def test_duplicate_event_gets_one_reply(zalo_server: Server, fake_zalo: FakeZalo) -> None:
    event = fake_zalo.oa_text(WORKER, "/menu")
    url = oa_url(zalo_server)
    assert await fake_zalo.deliver_oa(url, event) == 200
    assert await fake_zalo.deliver_oa(url, event) == 200  # Zalo retries: handled once
    await fake_zalo.wait_oa(WORKER, 1)
    await asyncio.sleep(0.4)
    assert len(fake_zalo.oa_sent(WORKER)) == 1
    assert await inbox_count(zalo_server) == 1


async def test_choices_are_numbered_and_sent_as_buttons_that_send_the_number(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    url = oa_url(zalo_server)
    await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, "/menu"))
    [menu] = await fake_zalo.wait_oa(WORKER, 1)
    assert "1. " in menu.text and "(Gõ số để chọn.)" in menu.text
    number = await number_for(zalo_server, "zalo_oa", WORKER, "menu:staff")
    if menu.buttons:  # at most MAX_BUTTONS choices ride as a template too
        assert all(b["type"] == "oa.query.show" and b["payload"].isdigit() for b in menu.buttons)
    assert f"{number}. " in menu.text
    # Tapping a button sends its payload as text, exactly like typing the number.
    await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, number))
    reply = (await fake_zalo.wait_oa(WORKER, 2))[1]
    assert "Tôi đã báo cán bộ" in reply.text
    # In a hand-off no numbered choice waits for a number the worker may type to staff.
    assert reply.buttons == [] and "Gõ số để chọn" not in reply.text
    assert "gõ: thoát" in reply.text


async def test_long_staff_answer_is_split_at_the_oa_limit(
    zalo_server: Server, fake_zalo: FakeZalo, fake_telegram: FakeTelegram
) -> None:
    url = oa_url(zalo_server)
    await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, "/menu"))
    await fake_zalo.wait_oa(WORKER, 1)
    staff = await number_for(zalo_server, "zalo_oa", WORKER, "menu:staff")
    await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, staff))
    await fake_zalo.wait_oa(WORKER, 2)
    await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, "Em hỏi về vay vốn"))
    card, question = await fake_telegram.wait_sent(STAFF_CHAT, 2)
    assert "Zalo OA" in card.text and "Em hỏi về vay vốn" in question.text
    answer = "Bạn mang căn cước đến trung tâm. " * 91  # 3,003 characters
    assert len(answer) > 3000
    await fake_telegram.push(
        fake_telegram.message_update(
            STAFF_MEMBER, answer, chat_id=STAFF_CHAT, name="Cán bộ", reply_to=card.message_id
        )
    )
    relayed = (await fake_zalo.wait_oa(WORKER, 4))[2:]
    assert len(relayed) == 2 and all(len(c.text) <= 2000 for c in relayed)
    assert relayed[0].text.startswith("👩‍💼 Cán bộ trung tâm trả lời")
    words = " ".join(c.text for c in relayed).split()
    assert words[-5:] == answer.split()[-5:] and len(words) == len(answer.split()) + 7


@pytest.mark.parametrize("code", ["-216", "-220"])
async def test_refused_token_refreshes_once_and_the_rotated_pair_is_saved(
    zalo_server: Server, fake_zalo: FakeZalo, code: str
) -> None:
    # -216 "access token is invalid", -220 "access_token is expired or removed" (Zalo's table)
    if code == "-216":
        fake_zalo.revoke_access_tokens()
    else:
        fake_zalo.expire_access_tokens()
    await fake_zalo.deliver_oa(oa_url(zalo_server), fake_zalo.oa_text(WORKER, "/menu"))
    [reply] = await fake_zalo.wait_oa(WORKER, 1)
    refused = [c for c in fake_zalo.calls if c.api == "oa" and c.status == code]
    assert len(refused) == 1 and refused[0].token == "AT-0"
    [refresh] = fake_zalo.refreshes()
    assert refresh.params["refresh_token"] == "RT-0" and refresh.token == fake_zalo.app_secret
    assert reply.token == refresh.result["access_token"]
    assert zalo_server.runtime is not None
    stored = await current(zalo_server.runtime.sessions, fake_zalo.app_id)
    assert stored is not None
    assert stored.access == reply.token and stored.refresh == fake_zalo.refresh_token != "RT-0"
    # expires_in from the reply (90000 s), not a constant of ours.
    assert stored.expires_at is not None
    left = (stored.expires_at - utcnow()).total_seconds()
    assert 89_000 < left <= 90_000


async def test_two_processes_never_spend_the_refresh_token_twice(
    database_url: str, fake_zalo: FakeZalo
) -> None:
    settings = make_settings(database_url, **fake_zalo.settings(bot=False))
    engine = create_engine(settings)
    await upgrade(engine)
    sessions = session_factory(engine)
    fake_zalo.refresh_delay = 0.3  # both refreshes overlap
    https = [aiohttp.ClientSession() for _ in range(2)]
    try:
        stores = [
            OaTokens(
                make_settings(database_url, instance_name=f"p{n}", **fake_zalo.settings(bot=False)),
                sessions,
                http,
            )
            for n, http in enumerate(https)
        ]
        first = await stores[0].access_token()
        assert first == "AT-0"
        a, b = await asyncio.gather(*(s.refresh(stale="AT-0") for s in stores))
        assert a.access == b.access != "AT-0"
        assert len(fake_zalo.refreshes()) == 1
        assert all(c.status != "refused" for c in fake_zalo.refreshes())
        # Ahead of expiry: a token about to expire is refreshed before it is used.
        async with sessions.begin() as session:
            await session.execute(
                update(ZaloOaToken).values(expires_at=utcnow() + timedelta(minutes=5))
            )
        stores[1]._current = None
        fresh = await stores[1].access_token()
        assert fresh != a.access and len(fake_zalo.refreshes()) == 2
        stored = await current(sessions, fake_zalo.app_id)
        assert stored is not None and stored.refresh == fake_zalo.refresh_token
    finally:
        for http in https:
            await http.close()
        await engine.dispose()


async def test_media_follow_and_unfollow(
    zalo_server: Server, fake_zalo: FakeZalo, fake_telegram: FakeTelegram
) -> None:
    url = oa_url(zalo_server)
    follow = fake_zalo.oa_event("follow", WORKER)
    assert await fake_zalo.deliver_oa(url, follow) == 200
    greeting = (await fake_zalo.wait_oa(WORKER, 1))[0]
    assert "Xin chào" in greeting.text

    sticker = fake_zalo.oa_attachment("user_send_sticker", WORKER, {"url": "https://z/st.png"})
    # The location as Zalo's example sends it (coordinates as strings): read, and passed
    # to staff with a map link (a worker abroad may be telling where they are).
    location = fake_zalo.oa_attachment(
        "user_send_location", WORKER, {"coordinates": {"latitude": "22.4", "longitude": "103.9"}}
    )
    for event in (sticker, location):
        assert await fake_zalo.deliver_oa(url, event) == 200
    replies = await fake_zalo.wait_oa(WORKER, 4)
    assert "Cảm ơn bạn" in replies[-2].text
    assert "Tôi đã báo cán bộ" in replies[-1].text  # a place shared: a person looks at it
    [place] = await fake_telegram.wait_sent(STAFF_CHAT, 1)
    assert place.method == "sendMessage" and "maps.google.com/?q=22.4,103.9" in place.text

    audio = fake_zalo.oa_attachment("user_send_audio", WORKER, {"url": "https://z/voice.aac"})
    image = fake_zalo.oa_attachment("user_send_image", WORKER, {"url": "https://z/cccd.jpg"})
    for event in (audio, image):
        assert await fake_zalo.deliver_oa(url, event) == 200
    card, voice, photo = await fake_telegram.wait_sent(STAFF_CHAT, 3)
    assert "tin nhắn thoại" in voice.text
    assert photo.method == "sendPhoto" and photo.params["photo"] == "https://z/cccd.jpg"
    assert voice.replying_to == photo.replying_to == card.message_id  # one thread
    await asyncio.sleep(0.3)
    assert len(fake_zalo.oa_sent(WORKER)) == 4  # the one acknowledgement, not one per message

    # (Un)following is recorded like any event and handled right after the 200.
    assert await fake_zalo.deliver_oa(url, fake_zalo.oa_event("unfollow", WORKER)) == 200
    await wait_blocked(zalo_server, True)
    assert len(fake_zalo.oa_sent(WORKER)) == 4  # nothing is said to someone who left
    assert await fake_zalo.deliver_oa(url, fake_zalo.oa_event("follow", WORKER)) == 200
    await wait_blocked(zalo_server, False)
    assert "Xin chào" in (await fake_zalo.wait_oa(WORKER, 5))[-1].text  # greeted again
    # Receipts (the OA as sender, as documented) are acknowledged and ignored.
    seen = fake_zalo.oa_event("user_seen_message", WORKER)
    assert seen["sender"]["id"] != WORKER and seen["message"]["msg_ids"]
    assert await fake_zalo.deliver_oa(url, seen) == 200


async def wait_blocked(server: Server, blocked: bool) -> None:
    for _ in range(200):
        user = await user_row(server, "zalo_oa", WORKER)
        if user is not None and (user.blocked_at is not None) == blocked:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"blocked_at never became {'set' if blocked else 'empty'}")


async def test_a_user_silent_for_seven_days_is_not_attempted(
    zalo_server: Server, fake_zalo: FakeZalo, fake_telegram: FakeTelegram
) -> None:
    url = oa_url(zalo_server)
    await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, "/menu"))
    await fake_zalo.wait_oa(WORKER, 1)
    staff = await number_for(zalo_server, "zalo_oa", WORKER, "menu:staff")
    await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, staff))
    await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, "Cho em hỏi"))
    card, _ = await fake_telegram.wait_sent(STAFF_CHAT, 2)
    await fake_zalo.wait_oa(WORKER, 2)  # the hand-off's one message came before the silence
    assert zalo_server.runtime is not None
    async with zalo_server.runtime.sessions.begin() as session:
        await session.execute(
            update(User)
            .where(User.external_id == WORKER)
            .values(last_seen_at=utcnow() - timedelta(days=8))
        )
    before = len([c for c in fake_zalo.calls if c.api == "oa"])
    await fake_telegram.push(
        fake_telegram.message_update(
            STAFF_MEMBER,
            "Trả lời muộn",
            chat_id=STAFF_CHAT,
            name="Cán bộ",
            reply_to=card.message_id,
        )
    )
    await fake_telegram.wait_for(
        lambda: any("nhận trả lời" in c.text for c in fake_telegram.sent(STAFF_CHAT))
    )

    async def relay_status() -> str | None:
        async with zalo_server.runtime.sessions() as session:  # type: ignore[union-attr]
            return await session.scalar(
                select(OutboxMessage.status).where(
                    OutboxMessage.kind == "relay", OutboxMessage.chat_key == WORKER
                )
            )

    for _ in range(100):
        if await relay_status() not in (None, "pending", "sending"):
            break
        await asyncio.sleep(0.05)
    assert await relay_status() == "unreachable"
    assert len([c for c in fake_zalo.calls if c.api == "oa"]) == before  # not attempted
    # The staff member is told, in the conversation's thread, that it did not arrive.
    await fake_telegram.wait_for(
        lambda: any("chưa tới được" in c.text for c in fake_telegram.sent(STAFF_CHAT))
    )
    told = next(c for c in fake_telegram.sent(STAFF_CHAT) if "chưa tới được" in c.text)
    assert "7 ngày" in told.text and told.replying_to == card.message_id


async def test_webhook_answers_fast_and_server_errors_are_retried(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    fake_zalo.fail_next("oa", status=429)  # (5xx takes the same path, with backoff)
    started = time.monotonic()
    assert (
        await fake_zalo.deliver_oa(oa_url(zalo_server), fake_zalo.oa_text(WORKER, "/menu")) == 200
    )
    assert time.monotonic() - started < 2.0  # Zalo wants its 200 within 2 s
    [reply] = await fake_zalo.wait_oa(WORKER, 1, timeout=15)
    assert "Bạn muốn làm gì" in reply.text
    assert [c.status for c in fake_zalo.calls if c.api == "oa"] == ["429", "ok"]


async def test_window_is_free_then_paid_then_closed(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    channel = zalo_server.channel("zalo_oa")
    assert isinstance(channel, ZaloOAChannel) and zalo_server.runtime is not None
    assert await channel.window("erased-a-moment-ago") == "free"
    async with zalo_server.runtime.sessions.begin() as session:
        for key, age in (
            ("a", timedelta(hours=47)),
            ("b", timedelta(days=6)),
            ("c", timedelta(days=7, minutes=1)),
        ):
            session.add(User(channel="zalo_oa", external_id=key, last_seen_at=utcnow() - age))
    assert [await channel.window(k) for k in "abc"] == ["free", "paid", "closed"]
    # Inside the 7 days a message goes (a consultation message); outside it does not.
    assert await channel.send("b", Reply("Lịch phỏng vấn đã có.")) is not None
    with pytest.raises(Unreachable):
        await channel.send("c", Reply("Lịch phỏng vấn đã có."))
    # Zalo's own refusal (its clock may differ from ours) is recorded the same way.
    fake_zalo.closed_users.add("a")
    with pytest.raises(Unreachable):
        await channel.send("a", Reply("Lịch phỏng vấn đã có."))
    assert [c.user for c in fake_zalo.calls if c.api == "oa"] == ["b", "a"]


async def test_without_settings_each_zalo_surface_is_off_with_one_log_line(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    server = Server(make_settings(database_url), FaqService(FIXTURE_FAQ))
    await server.start()
    try:
        assert server.channel("zalo_oa") is None and server.channel("zalo_bot") is None
        assert server.runtime is not None and set(server.runtime.channels) <= {"telegram"}
        async with aiohttp.ClientSession() as http:
            async with http.post(f"http://127.0.0.1:{server.port}/zalo/oa", data=b"{}") as r:
                assert r.status in (404, 405)
    finally:
        await server.stop()
    off = [r.getMessage() for r in caplog.records if "Zalo" in r.getMessage()]
    assert len([m for m in off if m.startswith("Zalo OA") and "off" in m]) == 1
    assert len([m for m in off if m.startswith("Zalo Bot") and "off" in m]) == 1
