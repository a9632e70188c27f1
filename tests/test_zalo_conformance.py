"""Zalo as its documentation says it behaves (issue 19, reviews/zalo-conformance-2026-12.md):
the error codes of Zalo's own table, buttons Zalo may refuse, every documented event, the
phone form, the data-subject request, the OA chat tool, the replay window, and no event
lost while the database is away. `serve` against the fake Zalo server, real database."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.channel import PermanentFailure, RetryLater, Unreachable
from bot.serve import Server
from bot.zalo_oa import ZaloOAChannel, _zns_data
from db.models import InboxUpdate, OutboxMessage, Registration, User
from handlers.types import Notice, Reply
from tests.conftest import PG_URL, STAFF_CHAT
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.test_faults import proxied_pg
from tests.test_registration_flow import HAPPY_PATH
from tests.zalo_helpers import number_for, oa_url, start_server, user_row, zalo_server

__all__ = ["proxied_pg", "zalo_server"]

WORKER = "8412300000001"
FORM_IMAGE = "https://vieclam.laocai.gov.vn/logo.png"


def oa(server: Server) -> ZaloOAChannel:
    channel = server.channel("zalo_oa")
    assert isinstance(channel, ZaloOAChannel)
    return channel


async def inbox(server: Server, channel: str = "zalo_oa") -> list[InboxUpdate]:
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        rows = await session.scalars(
            select(InboxUpdate).where(InboxUpdate.channel == channel).order_by(InboxUpdate.id)
        )
        return list(rows)


async def seen(server: Server, user: str) -> None:
    """The user wrote a moment ago (their messaging window is open)."""
    assert server.runtime is not None
    async with server.runtime.sessions.begin() as session:
        session.add(User(channel="zalo_oa", external_id=user))


# --- 1. error codes with their documented meaning ---------------------------------------


@pytest.mark.parametrize("code", [-213, -227, -230, -232, -244])
async def test_window_and_reachability_codes_make_the_user_unreachable(
    zalo_server: Server, fake_zalo: FakeZalo, code: int
) -> None:
    await seen(zalo_server, WORKER)
    fake_zalo.unreachable_users[WORKER] = code
    with pytest.raises(Unreachable, match="không liên lạc được qua Zalo"):
        await oa(zalo_server).send(WORKER, Reply("Lịch phỏng vấn đã có."))


async def test_a_bad_request_is_our_bug_logged_with_its_shape_never_the_users_fault(
    zalo_server: Server, fake_zalo: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    await seen(zalo_server, WORKER)
    fake_zalo.fail_next("oa", error=-201)
    with pytest.raises(PermanentFailure) as refused:
        await oa(zalo_server).send(WORKER, Reply("Số 0912345678 của bạn đã được ghi."))
    assert not isinstance(refused.value, Unreachable) and not refused.value.blocked
    [logged] = [r.getMessage() for r in caplog.records if "refused a request" in r.getMessage()]
    assert "-201" in logged and "'text': '<34 chars>'" in logged
    assert "0912345678" not in logged  # the shape, never the words


async def test_blocked_invitations_are_the_users_block(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    await seen(zalo_server, WORKER)
    fake_zalo.unreachable_users[WORKER] = -217
    with pytest.raises(PermanentFailure) as refused:
        await oa(zalo_server).send(WORKER, Reply("Thông báo phiên giao dịch việc làm."))
    assert refused.value.blocked


async def test_rate_limit_waits_for_the_next_minute(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    await seen(zalo_server, WORKER)
    fake_zalo.fail_next("oa", error=-32)
    with pytest.raises(RetryLater) as later:
        await oa(zalo_server).send(WORKER, Reply("Xin chào"))
    assert str(later.value).startswith("429")  # slows the whole sender down
    window_left = 60 - time.time() % 60
    assert abs(later.value.delay - window_left) < 2.0


async def test_no_cloud_account_raises_one_operator_alert(
    zalo_server: Server, fake_zalo: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    await seen(zalo_server, WORKER)
    fake_zalo.fail_next("oa", error=-320)
    fake_zalo.fail_next("oa", error=-321)
    for _ in range(2):
        with pytest.raises(PermanentFailure):
            await oa(zalo_server).send(WORKER, Reply("Tin sau 48 giờ là tin trả phí."))
    alerts = [r for r in caplog.records if "Zalo Cloud Account" in r.getMessage()]
    assert len(alerts) == 1 and alerts[0].levelno == logging.ERROR
    assert "docs/zalo.md" in alerts[0].getMessage()


async def test_zns_token_refused_with_its_own_code_is_refreshed_and_resent(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    fake_zalo.revoke_access_tokens()  # ZNS answers -124 (its own table), not -216
    channel = oa(zalo_server)
    phone, data, tracking = _zns_data(
        Notice("LC-2026-00042", "hẹn phỏng vấn", "Lò Văn A", "0912345678")
    )
    assert await channel._post_zns(phone, data, tracking)
    statuses = [c.status for c in fake_zalo.calls if c.api in ("zns", "oauth")]
    assert statuses == ["-124", "ok", "ok"]
    # tracking_id: letters and digits only, at most 48 (the fake refuses anything else).
    assert tracking == "LC202600042henphongvan"


async def test_unreachable_users_are_counted_in_the_broadcast_report(
    zalo_server: Server, fake_zalo: FakeZalo, fake_telegram: FakeTelegram
) -> None:
    from db import broadcasts
    from db.models import Broadcast

    assert zalo_server.runtime is not None
    codes = {"oa-a": -232, "oa-b": -227, "oa-c": -244, "oa-d": -201}
    fake_zalo.unreachable_users.update(codes)
    async with zalo_server.runtime.sessions.begin() as session:
        for user in [*codes, "oa-e"]:
            session.add(User(channel="zalo_oa", external_id=user, news_opt_in=True))
        job = Broadcast(
            text="Ngày hội việc làm thứ Bảy.",
            audience={"all": True},
            status="draft",
            report_channel="telegram",
            report_chat=str(STAFF_CHAT),
        )
        session.add(job)
        await session.flush()
        assert await broadcasts.queue(session, job) == 5
    zalo_server.runtime.broadcaster.wake()
    await fake_telegram.wait_for(
        lambda: any("đã gửi xong" in c.text for c in fake_telegram.sent(STAFF_CHAT)), timeout=20
    )
    report = next(c for c in fake_telegram.sent(STAFF_CHAT) if "đã gửi xong" in c.text)
    # -201 is our bad request: a failure, not an unreachable person.
    assert "1 đã gửi, 1 lỗi" in report.text and "3 không liên lạc được qua Zalo" in report.text


# --- 2. buttons that cannot take a user down ----------------------------------------------


async def test_refused_buttons_fall_back_to_numbered_text_once_per_process(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    fake_zalo.refuse_buttons = True  # the v3 cs endpoint does not document buttons
    url = oa_url(zalo_server)
    assert await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, "xin chào")) == 200
    [_, news] = await fake_zalo.wait_oa(WORKER, 2)  # the menu, then the news question
    assert "7. 🔔" in news.text and "(Gõ số để chọn.)" in news.text and news.buttons == []
    refused = [c for c in fake_zalo.calls if c.api == "oa" and c.status == "-201"]
    assert len(refused) == 1 and refused[0].buttons  # tried once with buttons
    assert oa(zalo_server).buttons_refused
    assert zalo_server.runtime is not None
    assert zalo_server.runtime.metrics.zalo_oa_buttons_refused._value.get() == 1
    # The numbered choice still works, and no attachment is tried again.
    number = await number_for(zalo_server, "zalo_oa", WORKER, "menu:staff")
    assert await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, number)) == 200
    reply = (await fake_zalo.wait_oa(WORKER, 3))[2]
    assert "Bạn hãy nhắn câu hỏi" in reply.text and reply.buttons == []
    assert len([c for c in fake_zalo.calls if c.status == "-201"]) == 1


# --- 3. every real event is acknowledged and understood -------------------------------------


async def test_a_pasted_job_advert_link_is_read_as_the_users_text(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    advert = "Tuyển gấp đi Hàn không cần thi, đặt cọc trước 20 triệu giữ chỗ"
    event = fake_zalo.oa_link(WORKER, advert, "https://tuyendung-xkld.example/han")
    assert await fake_zalo.deliver_oa(oa_url(zalo_server), event) == 200
    replies = await fake_zalo.wait_oa(WORKER, 2)
    assert not any("chưa đọc được" in r.text for r in replies)
    assert any("Cảnh báo" in r.text or "⚠️" in r.text for r in replies), [r.text for r in replies]
    [row] = await inbox(zalo_server)
    assert advert in row.payload["text"] and "tuyendung-xkld.example" in row.payload["text"]


async def test_chat_now_greets_and_unknown_or_message_less_events_get_200(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    url = oa_url(zalo_server)
    assert await fake_zalo.deliver_oa(url, fake_zalo.oa_event("user_click_chatnow", WORKER)) == 200
    greeting = (await fake_zalo.wait_oa(WORKER, 1))[0]
    assert "Xin chào" in greeting.text
    for name in ("user_reacted_message", "anonymous_send_text", "user_seen_message",
                 "oa_send_text", "shop_has_order", "event_from_the_future"):  # fmt: skip
        event = fake_zalo.oa_event(name, WORKER)
        assert await fake_zalo.deliver_oa(url, event) == 200, name
    await asyncio.sleep(0.4)
    assert len(fake_zalo.oa_sent(WORKER)) == 2  # the greeting and the news question only
    assert len(await inbox(zalo_server)) == 1  # nothing of the others is kept


async def test_a_business_card_is_read_and_refused_at_the_phone_step(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    url = oa_url(zalo_server)
    card = fake_zalo.oa_business_card(WORKER, "Chị Hoa môi giới", "0987654321")
    assert await fake_zalo.deliver_oa(url, card) == 200
    [thanks] = await fake_zalo.wait_oa(WORKER, 1)
    assert "số điện thoại" in thanks.text and "chưa đọc được" not in thanks.text
    # At the phone step someone else's card is not the worker's number.
    await _register_until_phone(zalo_server, fake_zalo)
    before = len(fake_zalo.oa_sent(WORKER))
    card = fake_zalo.oa_business_card(WORKER, "Chị Hoa môi giới", "0987654321")
    assert await fake_zalo.deliver_oa(url, card) == 200
    [refusal] = (await fake_zalo.wait_oa(WORKER, before + 1))[before:]
    assert "của chính mình" in refusal.text


async def _register_until_phone(server: Server, fake: FakeZalo) -> None:
    url = oa_url(server)
    steps = [("say", "/menu"), *HAPPY_PATH]
    for kind, value in steps:
        before = len(fake.oa_sent(WORKER))
        text = await number_for(server, "zalo_oa", WORKER, value) if kind == "press" else value
        if kind == "say" and value.startswith("+84"):
            return  # the phone step: the caller answers it
        assert await fake.deliver_oa(url, fake.oa_text(WORKER, text)) == 200
        await fake.wait_oa(WORKER, before + 1, timeout=15)


async def test_zalo_bot_events_without_message_unknown_events_and_403(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    await fake_zalo.push(fake_zalo.bot_bare())  # unsupported content: no message at all
    await fake_zalo.push(fake_zalo.bot_bare("bot.added.to.group"))
    await fake_zalo.push(fake_zalo.bot_update("zb1", "👍", event="message.reaction.received"))
    await fake_zalo.push(fake_zalo.bot_group_update("zb1", "g-77", "@Bot trợ lý ơi"))
    update = fake_zalo.bot_update("zb1", "xin chào")
    update["message"]["from"] = {"id": "zb1", "first_name": "Páo", "is_bot": False}
    fake_zalo.fail_next("sendMessage", 403)  # "Internal server error" in the Bot table
    await fake_zalo.push(update)
    replies = await fake_zalo.wait_bot("zb1", 2, timeout=20)
    assert "Xin chào Páo" in replies[0].text  # from.first_name is the display name
    user = await user_row(zalo_server, "zalo_bot", "zb1")
    assert user is not None and user.blocked_at is None  # a 403 is not a block
    assert [c.params.get("chat_id") for c in fake_zalo.calls if c.api == "sendChatAction"] == [
        "zb1"
    ]  # "typing…" only where an answer follows: not to the group
    assert [r.payload["text"] for r in await inbox(zalo_server, "zalo_bot")] == ["xin chào"]


async def test_zalo_bot_webhook_answers_200_to_message_less_events(
    database_url: str, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    from tests.conftest import free_port
    from tests.fakes.zalo_api import BOT_SECRET
    from tests.zalo_helpers import bot_url

    port = free_port()
    server = await start_server(
        database_url, fake_telegram, fake_zalo, oa=False, web_port=port,
        zalo_bot_webhook_secret=BOT_SECRET,
    )  # fmt: skip
    try:
        url = bot_url(server)
        for body, wrapped in ((fake_zalo.bot_bare(), True), (fake_zalo.bot_bare(), False),
                              (fake_zalo.bot_bare("bot.added.to.group"), False)):  # fmt: skip
            assert await fake_zalo.deliver_bot(url, body, wrapped=wrapped) == 200
        assert await inbox(server, "zalo_bot") == []
    finally:
        await server.stop()


# --- 4. privacy: user_withdraw -------------------------------------------------------------


async def test_user_withdraw_runs_the_erasure_of_xoadulieu(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    url = oa_url(zalo_server)
    await _register_until_phone(zalo_server, fake_zalo)
    await _finish_registration(zalo_server, fake_zalo, "0912345678")
    assert zalo_server.runtime is not None
    async with zalo_server.runtime.sessions() as session:
        [reg] = list(await session.scalars(select(Registration)))
        assert reg.full_name and reg.phone == "0912345678"
    event = fake_zalo.oa_event("user_withdraw", WORKER)
    assert "sender" not in event and "message" not in event
    assert await fake_zalo.deliver_oa(url, event) == 200
    for _ in range(100):
        if await user_row(zalo_server, "zalo_oa", WORKER) is None:
            break
        await asyncio.sleep(0.05)
    assert await user_row(zalo_server, "zalo_oa", WORKER) is None
    async with zalo_server.runtime.sessions() as session:
        [reg] = list(await session.scalars(select(Registration)))
        assert reg.full_name is None and reg.phone is None and reg.anonymised_at is not None
        texts = [p for (p,) in (await session.execute(select(InboxUpdate.payload))).all()]
    assert not any("0912345678" in str(p) for p in texts)


async def _finish_registration(server: Server, fake: FakeZalo, phone: str) -> None:
    url = oa_url(server)
    index = next(i for i, (_, value) in enumerate(HAPPY_PATH) if value.startswith("+84"))
    steps = [("say", phone), *HAPPY_PATH[index + 1 :], ("press", "reg:submit")]
    for kind, value in steps:
        before = len(fake.oa_sent(WORKER))
        text = await number_for(server, "zalo_oa", WORKER, value) if kind == "press" else value
        assert await fake.deliver_oa(url, fake.oa_text(WORKER, text)) == 200
        await fake.wait_oa(WORKER, before + 1, timeout=15)


# --- 5. a person writing from the OA chat tool ----------------------------------------------


async def test_oa_chat_tool_messages_are_recorded_for_the_handoff_and_not_answered(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    url = oa_url(zalo_server)
    await seen(zalo_server, WORKER)
    before = await user_row(zalo_server, "zalo_oa", WORKER)
    typed = fake_zalo.oa_admin_text(WORKER, "Chào em, chị là cán bộ trung tâm.")
    echoed = fake_zalo.oa_admin_text(WORKER, "Bạn muốn làm gì?", admin=None)  # our own send
    for event in (typed, echoed):
        assert await fake_zalo.deliver_oa(url, event) == 200
    await asyncio.sleep(0.4)
    [row] = await inbox(zalo_server)
    assert row.payload["operator"] == "4267886274574868951"
    assert row.payload["user_key"] == WORKER and "cán bộ trung tâm" in row.payload["text"]
    assert row.status == "done" and fake_zalo.oa_sent() == []
    after = await user_row(zalo_server, "zalo_oa", WORKER)
    assert before is not None and after is not None
    assert after.last_seen_at == before.last_seen_at  # not the user's own activity


# --- 6. the phone shared with the OA's form ---------------------------------------------------


@pytest.fixture
async def form_server(
    database_url: str, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> AsyncIterator[Server]:
    server = await start_server(
        database_url, fake_telegram, fake_zalo, bot=False, zalo_oa_form_image_url=FORM_IMAGE
    )
    yield server
    await server.stop()


async def test_the_phone_step_sends_the_form_and_takes_the_submitted_number(
    form_server: Server, fake_zalo: FakeZalo, fake_telegram: FakeTelegram
) -> None:
    await _register_until_phone(form_server, fake_zalo)
    await fake_zalo.wait_for(
        lambda: fake_zalo.oa_sent(WORKER)[-1].template.get("template_type") == "request_user_info"
    )
    [question, form] = fake_zalo.oa_sent(WORKER)[-2:]
    assert "điện thoại di động" in question.text and "«Gửi số điện thoại của tôi»" in question.text
    assert form.template["template_type"] == "request_user_info"
    [element] = form.template["elements"]
    assert element["title"] == "Gửi số điện thoại của tôi" and element["image_url"] == FORM_IMAGE
    before = len(fake_zalo.oa_sent(WORKER))
    submitted = fake_zalo.oa_submit_info(WORKER, 84912345678)  # a JSON number, as documented
    assert await fake_zalo.deliver_oa(oa_url(form_server), submitted) == 200
    [next_question] = (await fake_zalo.wait_oa(WORKER, before + 1))[before:]
    assert "xã/phường" in next_question.text, next_question.text
    index = next(i for i, (_, value) in enumerate(HAPPY_PATH) if value.startswith("+84"))
    for kind, value in [*HAPPY_PATH[index + 1 :], ("press", "reg:submit")]:
        before = len(fake_zalo.oa_sent(WORKER))
        text = await number_for(form_server, "zalo_oa", WORKER, value) if kind == "press" else value
        assert await fake_zalo.deliver_oa(oa_url(form_server), fake_zalo.oa_text(WORKER, text))
        await fake_zalo.wait_oa(WORKER, before + 1, timeout=15)
    [card] = await fake_telegram.wait_sent(STAFF_CHAT, 1, timeout=15)
    assert "0912345678" in card.text


# --- 7. nothing lost while the database is away ------------------------------------------------


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
async def test_events_arriving_while_postgres_is_cut_are_all_handled_once_after(
    proxied_pg: tuple[str, TcpProxy], fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    url, proxy = proxied_pg
    server = await start_server(url, fake_telegram, fake_zalo, bot=False)
    try:
        hook = oa_url(server)
        users = [f"84990000000{n}" for n in range(6)]
        assert await fake_zalo.deliver_oa(hook, fake_zalo.oa_text(users[0], "/menu")) == 200
        await fake_zalo.wait_oa(users[0], 1)

        proxy.cut()
        events: list[dict[str, Any]] = []
        for user in users:
            for text in ("/menu", "di han quoc can dieu kien gi"):
                event = fake_zalo.oa_text(user, text)
                events.append(event)
                started = time.monotonic()
                assert await fake_zalo.deliver_oa(hook, event) == 200  # kept on disk
                assert time.monotonic() - started < 2.0  # within Zalo's two seconds
        assert await fake_zalo.deliver_oa(hook, events[3]) == 200  # a redelivery, spooled too
        spool = server.ingress.spool if server.ingress else None
        assert spool is not None and len(spool) == len(events) + 1

        proxy.restore()
        for user in users:
            sent = await fake_zalo.wait_for(
                lambda u=user: any("Điều kiện đi Hàn Quốc" in c.text for c in fake_zalo.oa_sent(u)),
                timeout=60,
                what=f"the answer to {user}",
            )
            del sent
        await asyncio.sleep(1.5)
        assert len(spool) == 0
        rows = await inbox(server)
        assert len(rows) == 1 + len(events)  # every event once, the redelivery dropped
        for user in users:
            texts = [c.text for c in fake_zalo.oa_sent(user)]
            # In order, each once: the menu (then, for the first one, nothing new), the answer.
            assert sum("Điều kiện đi Hàn Quốc" in t for t in texts) == 1, texts
            menus = sum("Bạn muốn làm gì" in t for t in texts)
            assert menus == (2 if user == users[0] else 1), texts
            assert texts.index(next(t for t in texts if "Điều kiện" in t)) == len(texts) - 1
    finally:
        await server.stop()


async def test_a_full_spool_answers_503(
    database_url: str, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    server = await start_server(database_url, fake_telegram, fake_zalo, bot=False)
    try:
        assert server.ingress is not None and server.ingress.spool is not None
        spool = server.ingress.spool
        spool.max_events = 1
        assert await spool.put(fake_zalo_incoming()) is True  # an event already waiting
        # While one waits, new events queue behind it; the spool is full: 503.
        assert await fake_zalo.deliver_oa(oa_url(server), fake_zalo.oa_text(WORKER, "/menu")) == 503
    finally:
        await server.stop()


def fake_zalo_incoming() -> Any:
    from handlers.types import Incoming

    return Incoming(channel="zalo_oa", user_key="waiting", update_key="k-waiting", text="/menu")


# --- 18.9: the replay window -------------------------------------------------------------------


async def test_events_signed_long_ago_are_refused_and_an_old_unfollow_blocks_nobody(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    url = oa_url(zalo_server)
    assert await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, "xin chào")) == 200
    await fake_zalo.wait_oa(WORKER, 2)
    unfollow = fake_zalo.oa_event("unfollow", WORKER)
    unfollow["timestamp"] = str(int((time.time() - 6 * 60) * 1000))  # 6 minutes old
    assert await fake_zalo.deliver_oa(url, unfollow) == 401
    future = fake_zalo.oa_text(WORKER, "/menu")
    future["timestamp"] = str(int((time.time() + 3600) * 1000))
    assert await fake_zalo.deliver_oa(url, future) == 401
    recent = fake_zalo.oa_text(WORKER, "/menu")
    recent["timestamp"] = str(int((time.time() - 4 * 60) * 1000))  # within 5 minutes
    assert await fake_zalo.deliver_oa(url, recent) == 200
    await fake_zalo.wait_oa(WORKER, 3)
    user = await user_row(zalo_server, "zalo_oa", WORKER)
    assert user is not None and user.blocked_at is None
    assert len(await inbox(zalo_server)) == 2


# --- 8. small ones ------------------------------------------------------------------------------


async def test_the_quota_of_each_reply_is_counted(zalo_server: Server, fake_zalo: FakeZalo) -> None:
    assert zalo_server.runtime is not None
    await seen(zalo_server, WORKER)
    for n in range(10):
        await oa(zalo_server).send(WORKER, Reply(f"Tin {n}"))
    quota = zalo_server.runtime.metrics.zalo_oa_quota
    assert quota.labels("reply")._value.get() == 8  # the 8 free replies within 48 h
    assert quota.labels("paid")._value.get() == 2  # then billed


async def test_outbox_rows_to_unreachable_users_are_not_failed_for_a_bad_request(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    """-201 in an outbox row: failed (a bug to fix), the user not counted unreachable."""
    url = oa_url(zalo_server)
    fake_zalo.fail_next("oa", error=-201)
    assert await fake_zalo.deliver_oa(url, fake_zalo.oa_text(WORKER, "/menu")) == 200
    assert zalo_server.runtime is not None
    for _ in range(100):
        async with zalo_server.runtime.sessions() as session:
            status = await session.scalar(select(OutboxMessage.status).limit(1))
        if status not in (None, "pending", "sending"):
            break
        await asyncio.sleep(0.05)
    assert status == "failed"
    user = await user_row(zalo_server, "zalo_oa", WORKER)
    assert user is not None and user.blocked_at is None
