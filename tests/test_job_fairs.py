"""Job fairs: staff create them, workers follow them, reminders survive restarts;
news subscriptions: asked once, interests and area, /huytin and /nhantin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot import reminders
from db.clock import utcnow
from db.models import FairInterest, JobFair, User
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.test_staff_review import staff_says
from tests.transcript import Transcript

FAIR = """/phien add
Tên: Phiên giao dịch việc làm tháng 12
Thời gian: {when}
Tỉnh: Lào Cai
Xã: Bát Xát
Địa chỉ: Nhà văn hoá xã
Thị trường: Hàn Quốc, nhat
Doanh nghiệp: các doanh nghiệp có giấy phép
"""


def in_days(days: int, hour: str = "08:00") -> str:
    return f"{(utcnow() + timedelta(hours=7, days=days)):%d/%m/%Y} {hour}"


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


async def fairs(chat: Transcript) -> list[JobFair]:
    async with chat.runtime.sessions() as session:
        return list((await session.scalars(select(JobFair).order_by(JobFair.id))).all())


async def test_staff_create_list_edit_cancel(chat: Transcript) -> None:
    created = await staff_says(chat, text=FAIR.format(when=in_days(10)))
    assert "Đã tạo phiên #1" in created and "Xã Bát Xát" in created
    assert "Hàn Quốc (EPS), Nhật Bản" in created
    assert "#1" in await staff_says(chat, text="/phien")
    edited = await staff_says(chat, text="/phien sua 1\nĐịa chỉ: Sân vận động xã")
    assert "Sân vận động xã" in edited
    bad = await staff_says(chat, text="/phien add\nTên: X\nThời gian: ngày mai")
    assert "Chưa lưu" in bad and "15/12/2026 08:00" in bad
    assert "Đã huỷ" in await staff_says(chat, text="/phien huy 1")
    [fair] = await fairs(chat)
    assert fair.cancelled_at is not None
    [reply] = await chat.press("menu:fairs")
    assert "chưa có phiên" in reply.text


async def test_workers_see_nearest_first_and_are_reminded_once(chat: Transcript) -> None:
    await staff_says(
        chat,
        text=FAIR.format(when=in_days(3)).replace(
            "Tỉnh: Lào Cai\nXã: Bát Xát\n", "Tỉnh: Lai Châu\n"
        ),
    )
    await staff_says(chat, text=FAIR.format(when=in_days(10)))
    async with chat.runtime.sessions.begin() as session:  # the worker lives in Lào Cai
        await chat.say("/menu")
        await session.execute(update(User).values(province_name="Tỉnh Lào Cai"))
    shown = await chat.press("menu:fairs")
    assert "Bát Xát" in shown[0].text and "Lai Châu" in shown[1].text
    [noted] = await chat.press(shown[0].buttons[0].action)
    assert "Tôi sẽ nhắc bạn lúc 18:00" in noted.text

    async with chat.runtime.sessions.begin() as session:  # time passes
        await session.execute(
            update(FairInterest).values(remind_at=utcnow() - timedelta(minutes=1))
        )
    assert await reminders.send_due(chat.runtime.sessions) == 1
    assert await reminders.send_due(chat.runtime.sessions) == 0  # never twice
    await chat.runtime.sender.run_once()
    reminder = chat.channel.to("u1")[-1]
    assert "Nhắc bạn" in reminder.text and "Bát Xát" in reminder.text


async def test_reminder_survives_a_restart(database_url: str) -> None:
    settings = make_settings(database_url)
    first = await Transcript.open(settings, FaqService(FIXTURE_FAQ))
    await staff_says(first, text=FAIR.format(when=in_days(5)))
    shown = await first.press("menu:fairs")
    await first.press(shown[0].buttons[0].action)
    await first.close()  # the process stops; the reminder is only in the database

    second = await Transcript.open(settings, FaqService(FIXTURE_FAQ))
    try:
        async with second.runtime.sessions.begin() as session:
            await session.execute(update(FairInterest).values(remind_at=utcnow()))
        assert await reminders.send_due(second.runtime.sessions) == 1
        await second.runtime.sender.run_once()
        assert "Nhắc bạn" in second.channel.to("u1")[-1].text
    finally:
        await second.close()


async def test_a_fair_in_the_past_or_cancelled_gets_no_interest(chat: Transcript) -> None:
    await staff_says(chat, text=FAIR.format(when=in_days(2)))
    async with chat.runtime.sessions.begin() as session:
        await session.execute(update(JobFair).values(starts_at=utcnow() - timedelta(hours=1)))
    [reply] = await chat.press("fair:int:1")
    assert "đã diễn ra" in reply.text
    [gone] = await chat.press("fair:int:99")
    assert "không còn" in gone.text


async def test_subscription_interests_area_and_opt_out(chat: Transcript) -> None:
    await chat.say("xin chào")
    thanks, picker = await chat.press("sub:yes")
    assert "Đã bật" in thanks.text
    await chat.press("sub:m:jp")
    [picker] = await chat.press("sub:m:kr_eps")
    assert any(b.label.startswith("✅ Nhật Bản") for b in picker.buttons)
    [area] = await chat.press("sub:done")
    assert "xã/phường" in area.text
    [done] = await chat.say("bat xat")
    assert "Xã Bát Xát" in done.text
    async with chat.runtime.sessions() as session:
        user = await session.scalar(select(User).where(User.external_id == "u1"))
    assert user is not None and user.news_opt_in and set(user.interests) == {"jp", "kr_eps"}
    assert user.commune_name == "Xã Bát Xát"

    [stopped] = await chat.say("/huytin")
    assert "/nhantin" in stopped.text
    async with chat.runtime.sessions() as session:
        user = await session.scalar(select(User).where(User.external_id == "u1"))
    assert user is not None and user.news_opt_in is False
    [back, _] = await chat.say("/nhantin")
    assert "bật lại" in back.text
