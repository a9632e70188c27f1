"""Issue 14 over Telegram: the real python-telegram-bot Application long-polling the fake
Bot API, the real database. Every answer reaches the staff chat; a second worker typing
the same phone learns nothing and changes nothing; a wrong birth year while editing
keeps every other answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.serve import Server
from db.models import Registration
from tests.conftest import STAFF_CHAT
from tests.fakes.telegram_api import Call, FakeTelegram

WORKER, SECOND = 5101, 5102
# (kind, value, messages the worker gets back). The commune is typed as the ID card prints
# it, before 1 July 2025, village first: the village is not asked again.
FULL: list[tuple[str, str, int]] = [
    ("press", "menu:register", 1),
    ("press", "reg:consent:yes", 1),
    ("say", "Giàng A Sua", 1),
    ("say", "15/8/2001", 1),
    ("press", "reg:gender:nam", 1),
    ("say", "0912 345 678", 1),
    ("say", "Thôn Phìn Hồ, xã Y Tý, huyện Bát Xát, tỉnh Lào Cai", 2),
    ("say", "ha nhi", 1),
    ("say", "hết lớp 9", 1),
    ("press", "reg:market:jp", 1),
    ("say", "chua biet gi", 1),
    ("say", "Đài Loan, 3 năm", 1),
    ("say", "có ạ", 1),
    ("press", "reg:edit:note", 1),
    ("say", "Gọi sau 17 giờ", 1),
]
CARD_LINES = [
    "Họ và tên: Giàng A Sua",
    "Ngày sinh: 15/08/2001",
    "Giới tính: Nam",
    "Số điện thoại: 0912345678",
    "Tỉnh/thành phố: Tỉnh Lào Cai",
    "Xã/phường: Xã Y Tý (căn cước ghi: Xã Y Tý, huyện Bát Xát, tỉnh Lào Cai)",
    "Thôn/bản, tổ: Thôn Phìn Hồ",
    "Dân tộc: Hà Nhì",
    "Học vấn: THCS",
    "Nước muốn đi: Nhật Bản",
    "Ngoại ngữ: Chưa biết",
    "Đã đi nước ngoài: Đài Loan, 3 năm",
    "Muốn vay vốn: Có",
    "Ghi chú: Gọi sau 17 giờ",
]


async def step(
    fake: FakeTelegram, user: int, kind: str, value: str, replies: int = 1
) -> list[Call]:
    """One update from the worker; wait for its replies, return them."""
    before = len(fake.sent(user))
    if kind == "press":
        await fake.push(fake.callback_update(user, value))
    else:
        await fake.push(fake.message_update(user, value))
    return (await fake.wait_sent(user, before + replies, timeout=30))[before:]


async def walk(fake: FakeTelegram, user: int, steps: list[tuple[str, str, int]]) -> list[Call]:
    got: list[Call] = []
    for kind, value, replies in steps:
        got += await step(fake, user, kind, value, replies)
    return got


async def rows(server: Server) -> list[Registration]:
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        return list((await session.scalars(select(Registration).order_by(Registration.id))).all())


def columns(registration: Registration) -> dict[str, Any]:
    return {c: getattr(registration, c) for c in Registration.__table__.columns.keys()}


async def test_a_full_registration_reaches_the_staff_chat_with_every_answer(
    polling: Server, fake: FakeTelegram
) -> None:
    sent = await walk(fake, WORKER, FULL)
    summary = sent[-1].text
    for line in CARD_LINES:
        assert f"• {line}" in summary, line
    [done] = await step(fake, WORKER, "press", "reg:submit")
    assert "Mã hồ sơ" in done.text
    [card] = await fake.wait_sent(STAFF_CHAT, 1, timeout=30)
    [registration] = await rows(polling)
    assert card.text.startswith(f"📝 Đăng ký mới {registration.code}")
    for line in CARD_LINES:
        assert line in card.text.splitlines(), line
    assert "None" not in card.text
    assert (registration.village, registration.ethnicity, registration.worked_abroad) == (
        "Thôn Phìn Hồ",
        "Hà Nhì",
        "Đài Loan, 3 năm",
    )
    assert registration.old_address == "Xã Y Tý, huyện Bát Xát, tỉnh Lào Cai"


async def test_a_second_worker_typing_the_same_phone_learns_nothing_and_changes_nothing(
    polling: Server, fake: FakeTelegram
) -> None:
    await walk(fake, WORKER, FULL)
    await step(fake, WORKER, "press", "reg:submit")
    await fake.wait_sent(STAFF_CHAT, 1, timeout=30)
    [first] = await rows(polling)
    before = columns(first)

    own = {"Giàng A Sua": "Thào Seo Lử", "Gọi sau 17 giờ": "Em ở Sán Chải"}
    second = [(k, own.get(v, v), n) for k, v, n in FULL]
    phone_at = next(i for i, (_, v, _) in enumerate(second) if v == "0912 345 678")
    told = await walk(fake, SECOND, second[:phone_at])
    at_phone = await step(fake, SECOND, "say", "0912 345 678", 2)  # a notice, then on
    assert "đã có trong một đăng ký khác" in at_phone[0].text
    told += at_phone + await walk(fake, SECOND, second[phone_at + 1 :])
    told += await step(fake, SECOND, "press", "reg:submit")
    seen = "\n".join(c.text + str(c.buttons) for c in told)
    for secret in (first.code, "Giàng A Sua", "Gọi sau 17 giờ", "(mới)"):
        assert secret not in seen, secret
    # A forged button with the first registration's id changes nothing either.
    [refused] = await step(fake, SECOND, "press", f"reg:withdraw:{first.id}:yes")
    assert "không còn dùng được" in refused.text

    first_now, mine = await rows(polling)
    assert columns(first_now) == before
    assert mine.full_name == "Thào Seo Lử" and mine.duplicate_of_id == first.id
    _, card = await fake.wait_sent(STAFF_CHAT, 2, timeout=30)
    assert "Cần kiểm tra: trùng số điện thoại" in card.text
    assert "Thào Seo Lử" in card.text and "Giàng A Sua" in card.text


async def test_a_wrong_birth_year_while_editing_keeps_the_other_answers(
    polling: Server, fake: FakeTelegram
) -> None:
    await walk(fake, WORKER, FULL)
    await step(fake, WORKER, "press", "reg:edit")
    await step(fake, WORKER, "press", "reg:edit:birth")
    [confirm] = await step(fake, WORKER, "say", "2010")
    assert "Bạn sinh năm 2010, đúng không?" in confirm.text
    [summary] = await step(fake, WORKER, "say", "2001")
    for line in CARD_LINES:
        if not line.startswith("Ngày sinh"):
            assert f"• {line}" in summary.text, line
    assert "• Ngày sinh: năm 2001" in summary.text
    await step(fake, WORKER, "press", "reg:submit")
    [card] = await fake.wait_sent(STAFF_CHAT, 1, timeout=30)
    assert "Ngày sinh: năm 2001" in card.text and "Thôn/bản, tổ: Thôn Phìn Hồ" in card.text
