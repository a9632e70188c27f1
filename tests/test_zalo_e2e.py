"""Zalo end to end: a whole registration over each Zalo surface reaching the staff chat
on Telegram (and the status notice coming back), and one broadcast reaching Telegram,
Zalo OA and Zalo Bot users, each channel within its own limits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from bot import reminders
from bot.serve import Server
from db import broadcasts
from db.clock import utcnow
from db.models import Broadcast, BroadcastRecipient, FairInterest, JobFair, Registration, User
from tests.conftest import STAFF_CHAT, STAFF_MEMBER
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.test_registration_flow import HAPPY_PATH
from tests.zalo_helpers import number_for, oa_url, start_server, zalo_server

__all__ = ["zalo_server"]

OA_WORKER = "8400000000001"
BOT_WORKER = "zb-5001"


async def register(
    server: Server,
    channel: str,
    user: str,
    say: Callable[[str], Awaitable[None]],
    replies: Callable[[], int],
    wait: Callable[[int], Awaitable[Any]],
) -> None:
    """The happy path, typed: a choice is pressed by typing its number."""
    steps = [("say", "/menu"), *HAPPY_PATH, ("press", "reg:submit")]
    for kind, value in steps:
        before = replies()
        text = await number_for(server, channel, user, value) if kind == "press" else value
        await say(text)
        await wait(before + 1)


async def staff_sets_interview(fake_telegram: FakeTelegram, channel_name: str) -> None:
    [card] = await fake_telegram.wait_sent(STAFF_CHAT, 1, timeout=15)
    assert "0912345678" in card.text and "Xã Bát Xát" in card.text
    button = next(data for label, data in card.buttons if "Hẹn phỏng vấn" in label)
    await fake_telegram.push(
        fake_telegram.callback_update(STAFF_MEMBER, button, card.message_id, STAFF_CHAT)
    )
    await fake_telegram.wait_for(
        lambda: any("hẹn phỏng vấn" in c.text for c in fake_telegram.sent(STAFF_CHAT))
    )


async def test_registration_over_zalo_oa_reaches_staff_and_the_notice_goes_by_zns(
    database_url: str, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    server = await start_server(
        database_url, fake_telegram, fake_zalo, bot=False, zalo_zns_template_id="tpl-42"
    )
    try:
        url = oa_url(server)

        async def say(text: str) -> None:
            assert await fake_zalo.deliver_oa(url, fake_zalo.oa_text(OA_WORKER, text)) == 200

        await register(
            server,
            "zalo_oa",
            OA_WORKER,
            say,
            lambda: len(fake_zalo.oa_sent(OA_WORKER)),
            lambda n: fake_zalo.wait_oa(OA_WORKER, n, timeout=15),
        )
        sent = fake_zalo.oa_sent(OA_WORKER)
        phone_ask = next(c for c in sent if "điện thoại di động" in c.text)
        assert "Telegram" not in phone_ask.text and "bấm nút" not in phone_ask.text
        assert "Mã hồ sơ" in sent[-1].text
        await staff_sets_interview(fake_telegram, "Zalo OA")
        await fake_zalo.wait_for(lambda: any(c.api == "zns" for c in fake_zalo.calls))
        [zns] = [c for c in fake_zalo.calls if c.api == "zns"]
        assert zns.params["phone"] == "84912345678" and zns.params["template_id"] == "tpl-42"
        assert server.runtime is not None
        async with server.runtime.sessions() as session:
            code = await session.scalar(select(Registration.code))
        assert zns.params["template_data"]["ma_ho_so"] == code
        assert zns.params["template_data"]["trang_thai"]
    finally:
        await server.stop()


async def test_registration_over_zalo_bot_reaches_staff_and_the_notice_comes_back(
    database_url: str, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    server = await start_server(database_url, fake_telegram, fake_zalo, oa=False)
    try:

        async def say(text: str) -> None:
            await fake_zalo.push(fake_zalo.bot_update(BOT_WORKER, text))

        await register(
            server,
            "zalo_bot",
            BOT_WORKER,
            say,
            lambda: len(fake_zalo.bot_sent(BOT_WORKER)),
            lambda n: fake_zalo.wait_bot(BOT_WORKER, n, timeout=15),
        )
        count = len(fake_zalo.bot_sent(BOT_WORKER))
        assert "Mã hồ sơ" in fake_zalo.bot_sent(BOT_WORKER)[-1].text
        await staff_sets_interview(fake_telegram, "Zalo Bot")
        notice = (await fake_zalo.wait_bot(BOT_WORKER, count + 1))[-1]
        assert "phỏng vấn" in notice.text
    finally:
        await server.stop()


async def test_broadcast_reaches_telegram_and_zalo_each_at_its_own_pace(
    database_url: str, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    fake_telegram.rate_limit, fake_telegram.rate_burst = 30.0, 3
    fake_telegram.per_chat_interval = 1.0
    fake_zalo.oa_rate_limit = 6.0  # the fake refuses faster sends with 429
    fake_zalo.bot_rate_limit = 6.0
    fake_zalo.rate_burst = 3
    server = await start_server(
        database_url, fake_telegram, fake_zalo, broadcast_rate=25.0, zalo_broadcast_rate=5.0
    )
    try:
        assert server.runtime is not None
        now = utcnow()
        base = {"news_opt_in": True, "interests": [], "last_seen_at": now}
        rows = (
            [{**base, "channel": "telegram", "external_id": str(910_000 + n)} for n in range(10)]
            + [{**base, "channel": "zalo_oa", "external_id": f"oa{n}"} for n in range(8)]
            + [{**base, "channel": "zalo_bot", "external_id": f"zb{n}"} for n in range(5)]
            + [
                {**base, "channel": "zalo_oa", "external_id": f"silent{n}",
                 "last_seen_at": now - timedelta(days=8)}
                for n in range(2)
            ]
        )  # fmt: skip
        async with server.runtime.sessions.begin() as session:
            await session.execute(insert(User), rows)
            job = Broadcast(
                text="Ngày hội việc làm thứ Bảy tại Lào Cai.",
                audience={"all": True},
                status="draft",
                report_channel="telegram",
                report_chat=str(STAFF_CHAT),
            )
            session.add(job)
            await session.flush()
            assert await broadcasts.queue(session, job) == 25
            job_id = job.id
        server.runtime.broadcaster.wake()
        await fake_telegram.wait_for(
            lambda: any("đã gửi xong" in c.text for c in fake_telegram.sent(STAFF_CHAT)),
            timeout=30,
            what="the final report",
        )
        report = next(c for c in fake_telegram.sent(STAFF_CHAT) if "đã gửi xong" in c.text)
        assert report.text == (
            f"📣 Thông báo #{job_id} đã gửi xong: 23 đã gửi, 0 lỗi, 0 đã chặn bot, "
            "0 bỏ qua, 2 không liên lạc được qua Zalo."
        )
        telegram = [c for c in fake_telegram.sent() if c.chat_id != str(STAFF_CHAT)]
        oa = fake_zalo.oa_sent()
        bot = fake_zalo.bot_sent()
        assert len(telegram) == 10 and len(oa) == 8 and len(bot) == 5
        assert not any(c.user.startswith("silent") for c in fake_zalo.calls if c.api == "oa")
        # Within every limit (a 429 is honoured and retried; at most one may slip through
        # when a loaded machine delays a few sends and they reach the fake together).
        assert fake_telegram.enforced_429 <= 1
        assert len([c for c in fake_zalo.calls if c.status == "429"]) <= 1
        # Each channel at its own pace, side by side: the Zalo Bot rows (queued after the
        # OA rows) did not wait for the slower OA queue, nor Telegram for either.
        assert oa[-1].at - oa[0].at >= 7 / 5 * 0.75
        assert bot[0].at < oa[-2].at and telegram[-1].at < oa[-1].at
        async with server.runtime.sessions() as session:
            silent = await session.scalars(
                select(BroadcastRecipient.status).where(BroadcastRecipient.chat_key.like("silent%"))
            )
            assert set(silent) == {"unreachable"}
    finally:
        await server.stop()


async def test_the_rest_of_the_menu_works_over_zalo_oa(
    zalo_server: Server, fake_zalo: FakeZalo
) -> None:
    """FAQ, recruiter check, job-fair reminder, news opt-out and erasure, typed."""
    url = oa_url(zalo_server)
    user = "8400000000077"

    async def say(text: str, replies: int = 1) -> list[Any]:
        before = len(fake_zalo.oa_sent(user))
        assert await fake_zalo.deliver_oa(url, fake_zalo.oa_text(user, text)) == 200
        return (await fake_zalo.wait_oa(user, before + replies))[before:]

    async def press(action: str, replies: int = 1) -> list[Any]:
        return await say(await number_for(zalo_server, "zalo_oa", user, action), replies)

    await say("xin chào", replies=2)
    [answer] = await say("di han quoc can dieu kien gi")
    assert "18 đến 39 tuổi" in answer.text and "📚 Nguồn" in answer.text
    [sources] = await press("faqs:eps_conditions")  # the sources are behind «Nguồn»
    assert "Luật 69/2020/QH14" in sources.text
    await say("/menu")
    [ask] = await press("menu:recruiter")
    assert "tên công ty" in ask.text
    [checked] = await say("cty sông hồng")
    assert checked.text and "Traceback" not in checked.text
    [stopped] = await say("/huytin")
    assert "Đã dừng mọi thông báo" in stopped.text

    assert zalo_server.runtime is not None
    sessions = zalo_server.runtime.sessions
    async with sessions.begin() as session:
        worker = await session.scalar(select(User).where(User.external_id == user))
        assert worker is not None and worker.news_opt_in is False
        fair = JobFair(
            title="Phiên giao dịch việc làm Bát Xát", starts_at=utcnow() + timedelta(days=1)
        )
        session.add(fair)
        await session.flush()
        session.add(
            FairInterest(
                fair_id=fair.id, user_id=worker.id, remind_at=utcnow() - timedelta(minutes=1)
            )
        )
    await reminders.send_due(sessions)  # (or serve's own reminder pass took it)
    zalo_server.runtime.sender.wake()
    reminder = (await fake_zalo.wait_oa(user, len(fake_zalo.oa_sent(user)) + 1))[-1]
    assert "Nhắc bạn" in reminder.text and "Bát Xát" in reminder.text

    [shown] = await say("/dulieu")
    assert "Kênh: zalo_oa" in shown.text
    [confirm] = await say("/xoadulieu")
    assert "không làm lại được" in confirm.text
    [done] = await press("privacy:erase:yes")
    assert "Đã xoá" in done.text
    async with sessions() as session:
        assert await session.scalar(select(User).where(User.external_id == user)) is None


async def test_reminders_go_to_zalo_at_the_zalo_pace(
    database_url: str, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    fake_zalo.oa_rate_limit, fake_zalo.rate_burst = 6.0, 3
    server = await start_server(
        database_url, fake_telegram, fake_zalo, bot=False, zalo_broadcast_rate=5.0
    )
    try:
        assert server.runtime is not None
        sessions = server.runtime.sessions
        now = utcnow()
        async with sessions.begin() as session:
            fair = JobFair(
                title="Phiên giao dịch việc làm Sa Pa", starts_at=now + timedelta(days=1)
            )
            session.add(fair)
            people = [
                User(channel="zalo_oa", external_id=f"r{n}", last_seen_at=now) for n in range(10)
            ]
            people += [User(channel="telegram", external_id=str(920_000 + n)) for n in range(3)]
            session.add_all(people)
            await session.flush()
            for person in people:
                session.add(
                    FairInterest(
                        fair_id=fair.id, user_id=person.id, remind_at=now - timedelta(minutes=1)
                    )
                )
        await reminders.send_due(sessions)  # (or serve's own reminder pass took them)
        server.runtime.sender.wake()
        await fake_zalo.wait_for(
            lambda: len(fake_zalo.oa_sent()) == 10, timeout=15, what="reminders"
        )
        sent = fake_zalo.oa_sent()
        assert all("Sa Pa" in c.text for c in sent)
        assert sent[-1].at - sent[0].at >= 9 / 5 * 0.75  # paced at ZALO_BROADCAST_RATE
        assert len([c for c in fake_zalo.calls if c.status == "429"]) <= 1
        telegram = [c for c in fake_telegram.sent() if c.chat_id.startswith("92")]
        assert len(telegram) == 3 and telegram[-1].at < sent[-1].at  # not held back by Zalo
    finally:
        await server.stop()
