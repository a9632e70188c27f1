"""Registrations over Telegram (fake Bot API): the whole form, the staff card once,
staff buttons in the group, and forwarding that survives SIGKILL."""

from __future__ import annotations

from typing import Any

from bot.serve import Server
from tests.conftest import STAFF_CHAT, STAFF_MEMBER
from tests.fakes.telegram_api import FakeTelegram
from tests.test_crash_recovery import BotProcess, _wait_until_all_sent
from tests.test_registration_flow import HAPPY_PATH

WORKER = 5001


def updates(fake: FakeTelegram) -> list[dict[str, Any]]:
    made = []
    for kind, value in HAPPY_PATH:
        if value == "+84 912.345.678":  # Telegram's share-contact button instead of typing
            made.append(
                fake.message_update(
                    WORKER,
                    contact={
                        "phone_number": "+84912345678",
                        "first_name": "Minh",
                        "user_id": WORKER,
                    },
                )
            )
        elif kind == "press":
            made.append(fake.callback_update(WORKER, value))
        else:
            made.append(fake.message_update(WORKER, value))
    made.append(fake.callback_update(WORKER, "reg:submit"))
    return made


async def walk(fake: FakeTelegram) -> None:
    for count, update in enumerate(updates(fake), start=1):
        await fake.push(update)
        await fake.wait_sent(WORKER, count, timeout=30)


async def test_form_over_telegram_reaches_the_staff_chat_once(
    polling: Server, fake: FakeTelegram
) -> None:
    await walk(fake)
    sent = fake.sent(WORKER)
    assert len(updates(fake)) <= 15
    phone_ask = next(c for c in sent if "điện thoại di động" in c.text)
    assert phone_ask.params["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    assert "Mã hồ sơ" in sent[-1].text
    [card] = await fake.wait_sent(STAFF_CHAT, 1)
    assert "0912345678" in card.text and "Xã Bát Xát" in card.text
    button = next(data for label, data in card.buttons if "Hẹn phỏng vấn" in label)

    await fake.push(fake.callback_update(STAFF_MEMBER, button, card.message_id, STAFF_CHAT))
    await fake.wait_for(lambda: any("hẹn phỏng vấn" in c.text for c in fake.sent(STAFF_CHAT)))
    notice = (await fake.wait_sent(WORKER, len(sent) + 1))[-1]
    assert "phỏng vấn" in notice.text
    assert len(fake.sent(STAFF_CHAT)) == 2  # the card once, the confirmation once


async def test_forwarding_survives_sigkill_and_arrives_once(
    database_url: str, fake: FakeTelegram, tmp_path: Any
) -> None:
    fake.unreachable_chats.add(str(STAFF_CHAT))  # the staff chat cannot be reached for now
    process = BotProcess(database_url, fake, tmp_path)
    await process.start()
    try:
        await walk(fake)  # the worker got their code: the registration is committed
        await fake.wait_for(lambda: any(c.method == "sendMessage!502" for c in fake.calls))
        await process.kill()  # while the card waits for a retry

        fake.unreachable_chats.clear()
        await process.start()
        [card] = await fake.wait_sent(STAFF_CHAT, 1, timeout=40)
        assert "0912345678" in card.text
        await _wait_until_all_sent(database_url)
        assert len(fake.sent(STAFF_CHAT)) == 1
    finally:
        await process.terminate()


async def test_export_and_qr_are_uploaded_to_the_staff_chat(
    polling: Server, fake: FakeTelegram
) -> None:
    await walk(fake)
    await fake.push(fake.message_update(STAFF_MEMBER, "/xuat", chat_id=STAFF_CHAT))
    await fake.wait_for(
        lambda: [c.method for c in fake.sent(STAFF_CHAT)].count("sendDocument") == 2,
        what="the export as two documents",
    )
    await fake.push(
        fake.message_update(STAFF_MEMBER, "/gioithieu add Lò Văn Páo | Bát Xát", chat_id=STAFF_CHAT)
    )
    await fake.wait_for(
        lambda: [c.method for c in fake.sent(STAFF_CHAT)][-1:] == ["sendPhoto"],
        what="a QR photo",
    )
    photo = fake.sent(STAFF_CHAT)[-1]
    assert "t.me/test_assistant_bot?start=ref_LVPAO" in photo.text
