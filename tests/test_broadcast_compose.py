"""/thongbao end to end over Telegram: compose, audience, exact preview, send, reports,
opt-out honoured, cancel."""

from __future__ import annotations

from sqlalchemy import select

from bot.serve import Server
from db.models import User
from tests.conftest import STAFF_CHAT, STAFF_MEMBER
from tests.fakes.telegram_api import FakeTelegram

PEOPLE = {
    7101: ("Tỉnh Lào Cai", "Xã Bát Xát", ["kr_eps"]),
    7102: ("Tỉnh Lào Cai", "Xã Bát Xát", ["jp"]),
    7103: ("Tỉnh Lào Cai", "Phường Lào Cai", []),
    7104: ("Tỉnh Lai Châu", None, ["kr_eps"]),
}


async def subscribers(server: Server, quitter: int | None = None) -> None:
    async with server.runtime.sessions.begin() as session:  # type: ignore[union-attr]
        for user_id, (province, commune, interests) in PEOPLE.items():
            session.add(
                User(
                    channel="telegram",
                    external_id=str(user_id),
                    news_opt_in=True,
                    province_name=province,
                    commune_name=commune,
                    interests=interests,
                    language="vi",
                )
            )
        session.add(
            User(
                channel="telegram",
                external_id="7199",
                news_opt_in=False,
                province_name="Tỉnh Lào Cai",
                interests=[],
                language="vi",
            )
        )


async def staff(fake: FakeTelegram, text: str | None = None, action: str | None = None) -> str:
    before = len(fake.sent(STAFF_CHAT))
    if action:
        await fake.push(fake.callback_update(STAFF_MEMBER, action, 1, STAFF_CHAT))
    else:
        await fake.push(fake.message_update(STAFF_MEMBER, text, chat_id=STAFF_CHAT))
    sent = await fake.wait_sent(STAFF_CHAT, before + 1)
    return sent[-1].text


async def test_compose_choose_preview_send(polling: Server, fake: FakeTelegram) -> None:
    await subscribers(polling)
    assert "Gõ nội dung" in await staff(fake, "/thongbao")
    menu = await staff(fake, "Phiên giao dịch việc làm ngày 15/12 tại xã Bát Xát.")
    assert "4 người" in menu  # everybody who said yes, not the one who said no
    assert "Gõ tên xã/phường" in await staff(fake, action="bc:com")
    menu = await staff(fake, "bat xat")
    assert "Xã Bát Xát" in menu and "2 người" in menu
    menu = await staff(fake, action="bc:m:kr_eps")
    assert "1 người" in menu
    await fake.push(fake.callback_update(STAFF_MEMBER, "bc:preview", 1, STAFF_CHAT))
    await fake.wait_for(lambda: any("Sẽ gửi tới 1 người" in c.text for c in fake.sent(STAFF_CHAT)))
    await fake.push(fake.callback_update(STAFF_MEMBER, "bc:send", 1, STAFF_CHAT))
    [delivered] = await fake.wait_sent(7101, 1, timeout=20)
    assert "Bát Xát" in delivered.text
    await fake.wait_for(
        lambda: any("đã gửi xong" in c.text for c in fake.sent(STAFF_CHAT)),
        timeout=30,
        what="the final report",
    )
    for other in (7102, 7103, 7104, 7199):
        assert fake.sent(other) == []


async def test_opt_out_is_honoured_and_blocked_users_skipped(
    polling: Server, fake: FakeTelegram
) -> None:
    await subscribers(polling)
    await fake.push(fake.message_update(7103, "/huytin"))
    await fake.wait_sent(7103, 1)
    fake.blocked_chats.add("7101")  # this recipient has blocked the bot
    await staff(fake, "/thongbao")
    await staff(fake, "Thông báo chung cho mọi người.")
    await staff(fake, action="bc:all")
    await fake.push(fake.callback_update(STAFF_MEMBER, "bc:send", 1, STAFF_CHAT))
    await fake.wait_for(
        lambda: any("đã gửi xong" in c.text for c in fake.sent(STAFF_CHAT)),
        timeout=30,
        what="the final report",
    )
    final = next(c.text for c in fake.sent(STAFF_CHAT) if "đã gửi xong" in c.text)
    assert "chặn" in final
    got = [u for u in PEOPLE if any("Thông báo chung" in c.text for c in fake.sent(u))]
    assert 7103 not in got and len(got) == 2  # one blocked, one opted out
    async with polling.runtime.sessions() as session:  # type: ignore[union-attr]
        blocked = (await session.scalars(select(User).where(User.blocked_at.is_not(None)))).all()
    assert len(blocked) == 1


async def test_cancel_before_it_starts(polling: Server, fake: FakeTelegram) -> None:
    await subscribers(polling)
    polling.runtime.broadcaster.rate = 0.2  # type: ignore[union-attr]  # slow: time to cancel
    await staff(fake, "/thongbao")
    await staff(fake, "Tin sẽ bị huỷ.")
    await staff(fake, action="bc:all")
    sending = await staff(fake, action="bc:send")
    assert "#1" in sending
    await staff(fake, action="bc:cancel:1")
    await fake.wait_for(lambda: any("Đã huỷ thông báo #1" in c.text for c in fake.sent(STAFF_CHAT)))
    total = sum(1 for u in PEOPLE for c in fake.sent(u) if "Tin sẽ bị huỷ" in c.text)
    assert total <= 1  # at most the one already in flight
