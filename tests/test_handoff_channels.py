"""The hand-off end to end on every channel, over real sockets: the real PTB Application
against the fake Bot API (the staff chat, and Telegram workers), Zalo OA and Zalo Bot
workers against the fake Zalo server."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.serve import Server
from db.clock import utcnow
from db.models import HandoffConversation, HandoffMessage, InboxUpdate
from faq.service import FaqService
from handlers.office_hours import to_local
from tests.conftest import STAFF_CHAT, STAFF_MEMBER, make_settings
from tests.fakes.telegram_api import Call, FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.test_metrics import _scrape as scrape
from tests.zalo_helpers import oa_url, zalo_server

__all__ = ["zalo_server"]

WORKER = 5001
OA_WORKER = "8400000000009"
BOT_WORKER = "zb-7001"
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 2000  # a small JPEG-looking file
PDF = b"%PDF-1.4 huong dan ho so"


def staff_reply(
    fake: FakeTelegram, to: Call, text: str | None = None, **extra: object
) -> dict[str, object]:
    """A staff member's message in the staff chat, replying to `to`."""
    return fake.message_update(
        STAFF_MEMBER, text, chat_id=STAFF_CHAT, name="Chị Hoa", reply_to=to.message_id, **extra
    )


def photo(file_id: str) -> list[dict[str, object]]:
    return [{"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 640, "height": 480}]


async def settle(seconds: float = 0.6) -> None:
    """Let anything that would (wrongly) be sent arrive."""
    await asyncio.sleep(seconds)


async def test_telegram_worker_stays_connected_and_staff_answers_arrive(
    polling: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.message_update(WORKER, "cho toi noi chuyen voi nguoi that"))
    [ack] = await fake.wait_sent(WORKER, 1)
    assert "Tôi đã báo cán bộ" in ack.text
    [card] = await fake.wait_sent(STAFF_CHAT, 1)
    assert "cho toi noi chuyen voi nguoi that" in card.text and "Hội thoại #1" in card.text
    await fake.push(fake.message_update(WORKER, "em ten Lo Van Phong, sdt 0388111222"))
    await fake.push(
        fake.message_update(
            WORKER, voice={"file_id": "VOICE1", "file_unique_id": "v1", "duration": 4}
        )
    )
    await fake.push(fake.message_update(WORKER, photo=photo("RECEIPT"), caption="bien lai"))
    threaded = (await fake.wait_sent(STAFF_CHAT, 4))[1:]
    assert all(c.replying_to == card.message_id for c in threaded)
    assert "0388111222" in threaded[0].text
    assert threaded[1].method == "sendVoice" and threaded[1].params["voice"] == "VOICE1"
    assert threaded[2].method == "sendPhoto" and "bien lai" in threaded[2].text
    await settle()
    assert len(fake.sent(WORKER)) == 1  # the bot said it once, then stayed quiet

    # A staff member answers the voice note (not the card); the worker gets it.
    await fake.push(staff_reply(fake, threaded[1], "Chào Phong, chị nghe rồi. Em mang CCCD nhé."))
    answer = (await fake.wait_sent(WORKER, 2))[1]
    assert "Em mang CCCD nhé" in answer.text
    assert ("🤖 Quay lại trợ lý tự động", "ho:leave") in answer.buttons
    taken = (await fake.wait_sent(STAFF_CHAT, 5))[4]
    assert "Chị Hoa nhận trả lời" in taken.text and taken.replying_to == card.message_id
    # A photo from staff reaches the Telegram worker as the same file.
    fake.add_file("STAFFPHOTO", "photos/file_9.jpg", JPEG)
    await fake.push(staff_reply(fake, card, photo=photo("STAFFPHOTO"), caption="Mẫu đơn"))
    sent = (await fake.wait_sent(WORKER, 3))[2]
    assert sent.method == "sendPhoto" and sent.params["photo"] == "STAFFPHOTO"
    assert "Mẫu đơn" in sent.text
    # «Kết thúc» on the card ends it.
    await fake.push(fake.callback_update(STAFF_MEMBER, "ho:close:1", card.message_id, STAFF_CHAT))
    ended = (await fake.wait_sent(WORKER, 4))[3]
    assert "Cán bộ đã kết thúc" in ended.text


async def test_zalo_oa_worker_gets_staff_text_photos_and_documents(
    zalo_server: Server, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    url = oa_url(zalo_server)
    assert await fake_zalo.deliver_oa(url, fake_zalo.oa_text(OA_WORKER, "gap can bo")) == 200
    [ack] = await fake_zalo.wait_oa(OA_WORKER, 1)
    assert "Tôi đã báo cán bộ" in ack.text and "gõ: thoát" in ack.text
    [card] = await fake_telegram.wait_sent(STAFF_CHAT, 1)
    assert "Zalo OA" in card.text
    event = fake_zalo.oa_text(OA_WORKER, "em o Muong Khuong")
    assert await fake_zalo.deliver_oa(url, event) == 200
    [_, relayed] = await fake_telegram.wait_sent(STAFF_CHAT, 2)
    assert "em o Muong Khuong" in relayed.text and relayed.replying_to == card.message_id

    await fake_telegram.push(staff_reply(fake_telegram, relayed, "Chào em, chị là Hoa."))
    text = (await fake_zalo.wait_oa(OA_WORKER, 2))[1]
    assert "Chào em, chị là Hoa." in text.text
    # A photo: downloaded from Telegram, uploaded to Zalo (≤ 1 MB JPG), sent by its id.
    fake_telegram.add_file("P1", "photos/file_1.jpg", JPEG)
    await fake_telegram.push(
        staff_reply(fake_telegram, card, photo=photo("P1"), caption="Mẫu tờ khai")
    )
    image = (await fake_zalo.wait_oa(OA_WORKER, 3))[2]
    element = image.params["message"]["attachment"]["payload"]["elements"][0]
    assert fake_zalo.uploads[element["attachment_id"]] == JPEG
    assert "Mẫu tờ khai" in image.text
    # A PDF: uploaded as a file, sent after its words.
    fake_telegram.add_file("D1", "documents/huong_dan.pdf", PDF)
    document = {"file_id": "D1", "file_unique_id": "uD1", "file_name": "huong_dan.pdf"}
    await fake_telegram.push(
        staff_reply(fake_telegram, card, document=document, caption="Hướng dẫn")
    )
    sent = await fake_zalo.wait_oa(OA_WORKER, 5)
    assert "Hướng dẫn" in sent[3].text
    token = sent[4].params["message"]["attachment"]["payload"]["token"]
    assert fake_zalo.uploads[token] == PDF
    # A voice note: the OA cs API sends no audio; the worker gets the words, staff are told.
    await fake_telegram.push(
        staff_reply(
            fake_telegram,
            card,
            voice={"file_id": "V9", "file_unique_id": "uV9", "duration": 3},
            caption="Em gọi lại cho chị nhé",
        )
    )
    words = (await fake_zalo.wait_oa(OA_WORKER, 6))[5]
    assert "Em gọi lại cho chị nhé" in words.text
    await fake_telegram.wait_for(
        lambda: any("không nhận được tin nhắn thoại" in c.text for c in fake_telegram.sent())
    )


async def test_zalo_oa_admin_answering_in_zalos_chat_tool_pauses_the_bot(
    zalo_server: Server, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    url = oa_url(zalo_server)
    assert await fake_zalo.deliver_oa(url, fake_zalo.oa_text(OA_WORKER, "xin chào")) == 200
    await fake_zalo.wait_oa(OA_WORKER, 1)
    await settle()
    greeted = len(fake_zalo.oa_sent(OA_WORKER))
    # Our own sends come back as oa_send_* without admin_id: acknowledged, not recorded.
    echo = fake_zalo.oa_admin_text(OA_WORKER, "echo of our own send", admin=None)
    assert await fake_zalo.deliver_oa(url, echo) == 200
    admin = fake_zalo.oa_admin_text(OA_WORKER, "Chào bạn, mình là cán bộ trung tâm đây.")
    assert await fake_zalo.deliver_oa(url, admin) == 200
    notice = (await fake_telegram.wait_sent(STAFF_CHAT, 2))[1]
    assert "mình là cán bộ trung tâm" in notice.text and "quản trị viên" in notice.text
    # The worker answers the admin: the bot stays quiet, the staff chat sees it.
    reply = fake_zalo.oa_text(OA_WORKER, "dạ em muốn hỏi đi Hàn Quốc")
    assert await fake_zalo.deliver_oa(url, reply) == 200
    await fake_telegram.wait_sent(STAFF_CHAT, 3)
    await settle()
    assert len(fake_zalo.oa_sent(OA_WORKER)) == greeted
    assert zalo_server.runtime is not None
    async with zalo_server.runtime.sessions() as session:
        keys = (await session.scalars(select(InboxUpdate.update_key))).all()
        [conversation] = (await session.scalars(select(HandoffConversation))).all()
        authors = (await session.scalars(select(HandoffMessage.author))).all()
    assert not any("oa_send_text" in k and echo["message"]["msg_id"] in k for k in keys)
    assert conversation.reason == "platform" and conversation.paused_until is not None
    assert list(authors) == ["platform", "worker"]


async def test_zalo_bot_worker_reaches_staff_and_gets_answers(
    zalo_server: Server, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    await fake_zalo.push(fake_zalo.bot_update(BOT_WORKER, "cho em gap can bo"))
    [ack] = await fake_zalo.wait_bot(BOT_WORKER, 1)
    assert "Tôi đã báo cán bộ" in ack.text
    [card] = await fake_telegram.wait_sent(STAFF_CHAT, 1)
    await fake_zalo.push(fake_zalo.bot_update(BOT_WORKER, "em 19 tuoi"))
    [_, relayed] = await fake_telegram.wait_sent(STAFF_CHAT, 2)
    assert relayed.replying_to == card.message_id
    await fake_telegram.push(staff_reply(fake_telegram, relayed, "Đủ tuổi rồi em nhé."))
    answer = (await fake_zalo.wait_bot(BOT_WORKER, 2))[1]
    assert "Đủ tuổi rồi em nhé." in answer.text
    # Zalo Bot takes photos by link only: a staff photo is refused with a clear word.
    await fake_telegram.push(staff_reply(fake_telegram, card, photo=photo("P2")))
    await fake_telegram.wait_for(
        lambda: any("không nhận được ảnh" in c.text for c in fake_telegram.sent(STAFF_CHAT))
    )


async def test_metrics_count_opened_and_waiting_conversations(
    polling: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.message_update(WORKER, "gap can bo"))
    await fake.push(fake.callback_update(WORKER + 1, "menu:staff"))
    await fake.wait_sent(STAFF_CHAT, 2)
    status, m = await scrape(polling)
    assert status == 200
    assert m["bot_handoffs_opened_total{reason=request}"] == 1
    assert m["bot_handoffs_opened_total{reason=button}"] == 1
    assert m["bot_handoffs_open{state=waiting}"] == 2
    assert m["bot_handoffs_open{state=taken}"] == 0


async def test_an_album_is_one_conversation_with_one_acknowledgement(
    polling: Server, fake: FakeTelegram
) -> None:
    for n in range(3):
        extra = {"caption": "giấy tờ của em"} if n == 0 else {}
        await fake.push(
            fake.message_update(WORKER, photo=photo(f"ALB{n}"), media_group_id="album-1", **extra)
        )
    # One album (sendMediaGroup) and the conversation's card with the caption.
    album, card = await fake.wait_sent(STAFF_CHAT, 2, timeout=15)
    assert album.method == "sendMediaGroup" and album.media == ["ALB0", "ALB1", "ALB2"]
    assert "giấy tờ của em" in card.text and "Hội thoại #1" in card.text
    await settle()
    assert len(fake.sent(STAFF_CHAT)) == 2
    [ack] = fake.sent(WORKER)
    assert "Tôi đã chuyển ảnh của bạn" in ack.text


async def test_a_reply_to_an_ended_conversation_still_reaches_the_worker_and_reopens_it(
    polling: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.message_update(WORKER, "gap can bo"))
    [card] = await fake.wait_sent(STAFF_CHAT, 1)
    await fake.push(fake.callback_update(STAFF_MEMBER, "ho:close:1", card.message_id, STAFF_CHAT))
    await fake.wait_sent(WORKER, 2)  # the acknowledgement, then "Cán bộ đã kết thúc"
    await fake.push(staff_reply(fake, card, "Chị quên dặn: nhớ mang sổ hộ khẩu nhé."))
    late = (await fake.wait_sent(WORKER, 3))[2]
    assert "nhớ mang sổ hộ khẩu" in late.text
    await fake.wait_for(lambda: any("mở lại" in c.text for c in fake.sent(STAFF_CHAT)))
    await fake.push(fake.message_update(WORKER, "dạ vâng ạ"))
    await fake.wait_for(lambda: any("dạ vâng ạ" in c.text for c in fake.sent(STAFF_CHAT)))
    answer = next(c for c in fake.sent(STAFF_CHAT) if "dạ vâng ạ" in c.text)
    assert answer.replying_to == card.message_id
    assert polling.runtime is not None
    async with polling.runtime.sessions() as session:
        [conversation] = (await session.scalars(select(HandoffConversation))).all()
    assert conversation.status == "open"


async def test_out_of_hours_over_telegram_gives_a_time_and_emergency_numbers(
    database_url: str, fake: FakeTelegram
) -> None:
    today = to_local(utcnow()).date()
    server = Server(
        make_settings(
            database_url,
            fake,
            centre_open_hours="Mon-Sun 07:30-17:00",
            centre_holidays=today.isoformat(),
        ),
        FaqService(),
    )
    await server.start()
    try:
        await fake.push(fake.message_update(WORKER, "cho toi noi chuyen voi can bo"))
        [ack] = await fake.wait_sent(WORKER, 1)
        assert "ngoài giờ làm việc" in ack.text and "7 giờ 30 sáng mai" in ack.text
        assert "113" in ack.text and "111" in ack.text
        [card] = await fake.wait_sent(STAFF_CHAT, 1)
        assert "🌙" in card.text
    finally:
        await server.stop()
