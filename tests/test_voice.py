"""Spoken answers end to end, over real sockets: a staff member records one from the
Telegram staff chat (the voice note fetched with getFile and the file URL from the fake
Bot API), hears it back, replaces and deletes it; workers choose the language they
listen in and press «🔊 Nghe»: a voice note on Telegram (uploaded once, then sent by
its file id), a signed link on Zalo OA and Zalo Bot that our web server plays."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.serve import Server
from db import recordings
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, STAFF_CHAT, STAFF_MEMBER, free_port, make_settings
from tests.fakes.telegram_api import UPLOADS, Call, FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.voice_kit import PDF, opus
from tests.zalo_helpers import number_for, oa_url

WORKER = 5001
OTHER = 5002
OA_WORKER = "8400000000011"
BOT_WORKER = "zb-7011"
LANGUAGES = "vi, hmn, dao, tay"
QUESTION = "di han mat bao nhieu tien"  # the sample content's eps_cost


def settings_for(database_url: str, fake: FakeTelegram, **extra: Any) -> Any:
    port = free_port()
    return make_settings(
        database_url,
        fake,
        voice_languages=LANGUAGES,
        web_port=port,
        public_base_url=f"http://127.0.0.1:{port}",
        **extra,
    )


@pytest.fixture
async def server(database_url: str, fake: FakeTelegram) -> AsyncIterator[Server]:
    server = Server(settings_for(database_url, fake), FaqService(FIXTURE_FAQ))
    await server.start()
    yield server
    await server.stop()


def voice_note(file_id: str, data: bytes, duration: int) -> dict[str, Any]:
    return {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "duration": duration,
        "mime_type": "audio/ogg",
        "file_size": len(data),
    }


async def staff_says(fake: FakeTelegram, text: str | None = None, **extra: Any) -> None:
    await fake.push(fake.message_update(STAFF_MEMBER, text, chat_id=STAFF_CHAT, **extra))


async def record(fake: FakeTelegram, entry: str, language: str, data: bytes, n: int) -> Call:
    """/ghiam, then a voice note: what the staff chat gets back (the recording)."""
    before = len(fake.sent(STAFF_CHAT))
    await staff_says(fake, f"/ghiam {entry} {language}")
    [asked] = (await fake.wait_sent(STAFF_CHAT, before + 1))[before:]
    assert "Bây giờ bạn gửi một tin nhắn thoại" in asked.text
    fake.add_file(f"SV{n}", f"voice/file_{n}.oga", data)
    await staff_says(fake, voice=voice_note(f"SV{n}", data, 4))
    return (await fake.wait_sent(STAFF_CHAT, before + 2))[before + 1]


def listen_button(call: Call) -> tuple[str, str] | None:
    return next((b for b in call.buttons if b[1].startswith("nghe:")), None)


async def test_staff_records_and_a_hmong_worker_hears_it(
    server: Server, fake: FakeTelegram
) -> None:
    hmong, vietnamese = opus(4), opus(6)
    heard = await record(fake, "eps_cost", "hmn", hmong, 1)
    # The staff member hears it back at once: uploaded from our database.
    assert heard.method == "sendVoice" and heard.params["voice"] == "<file>"
    assert heard.params[UPLOADS]["voice"] == hmong
    assert "Đã lưu bản ghi âm Tiếng H'Mông" in heard.text
    # Fetched as the Bot API serves files: getFile, then {file base}/bot<token>/<path>.
    assert any(c.method == "getFile" and c.params["file_id"] == "SV1" for c in fake.calls)
    assert any(c.method == "file" and c.params["path"] == "voice/file_1.oga" for c in fake.calls)
    assert heard.result is not None
    file_id = heard.result["voice"]["file_id"]
    await kept(server, "eps_cost", "hmn", file_id)

    # First contact: the greeting, then which language to listen in.
    await fake.push(fake.message_update(WORKER, "/start"))
    sent = await fake.wait_sent(WORKER, 3)
    asked = next(c for c in sent if "nghe câu trả lời bằng tiếng nào" in c.text)
    assert [label for label, _ in asked.buttons] == [
        "Tiếng Việt",
        "Tiếng H'Mông",
        "Tiếng Dao",
        "Tiếng Tày",
    ]
    await fake.push(fake.callback_update(WORKER, "lang:hmn"))
    [chosen] = (await fake.wait_sent(WORKER, 4))[3:]
    assert "Đã chọn: Tiếng H'Mông" in chosen.text

    await fake.push(fake.message_update(WORKER, QUESTION))
    [answer] = (await fake.wait_sent(WORKER, 5))[4:]
    assert listen_button(answer) == ("🔊 Nghe", "nghe:eps_cost")
    await fake.push(fake.callback_update(WORKER, "nghe:eps_cost"))
    [voice] = (await fake.wait_sent(WORKER, 6))[5:]
    # Uploaded once (in the staff chat), then sent by Telegram's file id.
    assert voice.method == "sendVoice" and voice.params["voice"] == file_id
    assert "Tiếng H'Mông" in voice.text and UPLOADS not in voice.params

    # A worker who listens in Vietnamese: no Vietnamese recording yet, no button.
    await fake.push(fake.message_update(OTHER, QUESTION))
    [plain] = await fake.wait_sent(OTHER, 1)
    assert "Chi phí đi Hàn Quốc" in plain.text and listen_button(plain) is None
    # Once there is one, they get it; the H'Mông worker still hears H'Mông.
    await record(fake, "eps_cost", "vi", vietnamese, 2)
    await fake.push(fake.message_update(OTHER, QUESTION))
    [again] = (await fake.wait_sent(OTHER, 2))[1:]
    assert listen_button(again) == ("🔊 Nghe", "nghe:eps_cost")
    await fake.push(fake.callback_update(OTHER, "nghe:eps_cost"))
    [spoken] = (await fake.wait_sent(OTHER, 3))[2:]
    assert spoken.method == "sendVoice" and spoken.params["voice"] != file_id
    await fake.push(fake.callback_update(WORKER, "nghe:eps_cost"))
    [hmong_again] = (await fake.wait_sent(WORKER, 7))[6:]
    assert hmong_again.params["voice"] == file_id
    assert server.runtime is not None
    metrics = server.runtime.metrics
    assert metrics.voice.labels("hmn")._value.get() == 2
    assert metrics.voice.labels("vi")._value.get() == 1


async def test_replace_delete_and_refusals(server: Server, fake: FakeTelegram) -> None:
    first = await record(fake, "eps_cost", "hmn", opus(4), 1)
    second = await record(fake, "eps_cost", "hmn", opus(8), 2)
    assert "Đã thay bản ghi âm cũ" in second.text
    assert first.result is not None and second.result is not None
    assert second.result["voice"]["file_id"] != first.result["voice"]["file_id"]
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        row = await recordings.get(session, "eps_cost", "hmn")
        assert row is not None and row.duration == 8 and row.source == "chat"

    # Too long (what Telegram says of it: refused before it is fetched), not audio.
    count = len(fake.sent(STAFF_CHAT))
    await staff_says(fake, "/ghiam eps_topik")
    long = opus(200)
    fake.add_file("LONG", "voice/long.oga", long)
    await staff_says(fake, voice=voice_note("LONG", long, 200))
    refused = (await fake.wait_sent(STAFF_CHAT, count + 2))[count + 1]
    assert "Đoạn ghi âm quá dài. Tối đa 3 phút." in refused.text
    assert not any(c.method == "file" and "long" in str(c.params) for c in fake.calls)
    fake.add_file("DOC", "documents/x.pdf", PDF)
    document = {"file_id": "DOC", "file_unique_id": "uDOC", "file_name": "x.pdf"}
    await staff_says(fake, document=document)
    not_audio = (await fake.wait_sent(STAFF_CHAT, count + 3))[count + 2]
    assert "không phải âm thanh" in not_audio.text

    # Unknown entry and language: said in words.
    await staff_says(fake, "/ghiam khong_co")
    await staff_says(fake, "/ghiam eps_cost xyz")
    words = (await fake.wait_sent(STAFF_CHAT, count + 5))[count + 3 :]
    assert "Không có câu hỏi mã «khong_co»" in words[0].text
    assert "Ngôn ngữ «xyz» chưa có" in words[1].text and "hmn (Tiếng H'Mông)" in words[1].text

    # Delete; a worker's old button then says there is none.
    await staff_says(fake, "/ghiam eps_cost hmn xoa")
    deleted = (await fake.wait_sent(STAFF_CHAT, count + 6))[count + 5]
    assert "Đã xoá bản ghi âm Tiếng H'Mông" in deleted.text
    await fake.push(fake.callback_update(WORKER, "nghe:eps_cost"))
    [none] = await fake.wait_sent(WORKER, 1)
    assert "Câu này chưa có bản ghi âm" in none.text and none.method == "sendMessage"


async def test_a_worker_cannot_record(server: Server, fake: FakeTelegram) -> None:
    await fake.push(fake.message_update(WORKER, "/ghiam eps_cost"))
    [refused] = await fake.wait_sent(WORKER, 1)
    assert "chỉ dành cho cán bộ" in refused.text
    # Their voice note opens a hand-off: a person will listen.
    fake.add_file("WV", "voice/w.oga", opus(3))
    await fake.push(fake.message_update(WORKER, voice=voice_note("WV", opus(3), 3)))
    [ack] = (await fake.wait_sent(WORKER, 2))[1:]
    assert "cán bộ sẽ nghe" in ack.text


async def fetch(url: str) -> tuple[int, bytes, str]:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status, await response.read(), response.content_type


LINK = re.compile(r"https?://\S+/audio/\S+")


async def test_zalo_workers_get_a_signed_link(
    database_url: str, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    values = fake_zalo.settings()
    server = Server(settings_for(database_url, fake_telegram, **values), FaqService(FIXTURE_FAQ))
    await server.start()
    try:
        data = opus(5)
        await record(fake_telegram, "eps_cost", "vi", data, 1)
        # Zalo OA: the answer's choices are numbered; typing the number is pressing it.
        url = oa_url(server)
        assert await fake_zalo.deliver_oa(url, fake_zalo.oa_text(OA_WORKER, QUESTION)) == 200
        [answer] = await fake_zalo.wait_oa(OA_WORKER, 1)
        assert "🔊 Nghe" in answer.text
        number = await number_for(server, "zalo_oa", OA_WORKER, "nghe:eps_cost")
        assert await fake_zalo.deliver_oa(url, fake_zalo.oa_text(OA_WORKER, number)) == 200
        [link_message] = (await fake_zalo.wait_oa(OA_WORKER, 2))[1:]
        match = LINK.search(link_message.text)
        assert match is not None and "Liên kết dùng được trong 72 giờ" in link_message.text
        status, body, kind = await fetch(match.group(0))
        assert (status, body, kind) == (200, data, "audio/ogg")
        # A link we did not sign plays nothing.
        forged = match.group(0)[:-3] + "AAA"
        status, body, _ = await fetch(forged)
        assert status == 404 and "Không tìm thấy" in body.decode()

        # Zalo Bot: the same link.
        await fake_zalo.push(fake_zalo.bot_update(BOT_WORKER, QUESTION))
        await fake_zalo.wait_bot(BOT_WORKER, 1)
        number = await number_for(server, "zalo_bot", BOT_WORKER, "nghe:eps_cost")
        await fake_zalo.push(fake_zalo.bot_update(BOT_WORKER, number))
        [bot_link] = (await fake_zalo.wait_bot(BOT_WORKER, 2))[1:]
        bot_match = LINK.search(bot_link.text)
        assert bot_match is not None
        assert (await fetch(bot_match.group(0)))[1] == data

        # Replaced: the old link says so in words.
        await record(fake_telegram, "eps_cost", "vi", opus(7), 2)
        status, body, _ = await fetch(match.group(0))
        assert status == 410 and "đã được thay" in body.decode()
    finally:
        await server.stop()


async def kept(server: Server, entry: str, language: str, ref: str) -> None:
    """Wait until the recording's Telegram file id is `ref`."""
    assert server.runtime is not None
    for _ in range(100):
        async with server.runtime.sessions() as session:
            row = await recordings.get(session, entry, language)
            if row is not None and await recordings.file_ref(session, row, "telegram") == ref:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"file id {ref} not kept")


async def test_a_file_id_telegram_no_longer_knows_is_uploaded_again(
    server: Server, fake: FakeTelegram
) -> None:
    data = opus(4)
    heard = await record(fake, "eps_cost", "vi", data, 1)
    assert heard.result is not None
    old = heard.result["voice"]["file_id"]
    await kept(server, "eps_cost", "vi", old)
    fake.foreign_files.add(old)  # a new bot token, a restore on another bot
    await fake.push(fake.callback_update(WORKER, "nghe:eps_cost"))
    [voice] = await fake.wait_sent(WORKER, 1)
    assert voice.params[UPLOADS]["voice"] == data and voice.result is not None
    new = voice.result["voice"]["file_id"]
    await kept(server, "eps_cost", "vi", new)  # recorded just after the send
    await fake.push(fake.callback_update(OTHER, "nghe:eps_cost"))
    [reused] = await fake.wait_sent(OTHER, 1)
    assert reused.params["voice"] == new != old


async def test_a_voice_reply_to_a_workers_thread_is_not_taken_as_a_recording(
    server: Server, fake: FakeTelegram
) -> None:
    await fake.push(fake.message_update(WORKER, "cho toi noi chuyen voi nguoi that"))
    await fake.wait_sent(WORKER, 1)
    [card] = await fake.wait_sent(STAFF_CHAT, 1)
    await staff_says(fake, "/ghiam eps_cost")
    await fake.wait_sent(STAFF_CHAT, 2)
    data = opus(3)
    fake.add_file("ANSWER", "voice/answer.oga", data)
    await staff_says(fake, voice=voice_note("ANSWER", data, 3), reply_to=card.message_id)
    [relayed] = (await fake.wait_sent(WORKER, 2))[1:]
    assert relayed.method == "sendVoice" and relayed.params["voice"] == "ANSWER"
    assert server.runtime is not None
    async with server.runtime.sessions() as session:
        assert await recordings.get(session, "eps_cost", "vi") is None
    # The next voice note that is not a reply is the recording.
    fake.add_file("REC", "voice/rec.oga", data)
    await staff_says(fake, voice=voice_note("REC", data, 3))
    await fake.wait_for(lambda: any("Đã lưu bản ghi âm" in c.text for c in fake.sent(STAFF_CHAT)))


async def test_a_user_who_refuses_voice_messages_gets_the_audio_as_a_file(
    server: Server, fake: FakeTelegram
) -> None:
    data = opus(4)
    heard = await record(fake, "eps_cost", "vi", data, 1)
    assert heard.result is not None
    file_id = heard.result["voice"]["file_id"]
    await kept(server, "eps_cost", "vi", file_id)
    fake.no_voice_chats.add(str(WORKER))
    await fake.push(fake.callback_update(WORKER, "nghe:eps_cost"))
    [document] = await fake.wait_sent(WORKER, 1)
    assert document.method == "sendDocument" and document.params[UPLOADS]["document"] == data
    assert "🔊" in document.text
    # The voice note's file id is still the one kept.
    await fake.push(fake.callback_update(OTHER, "nghe:eps_cost"))
    [voice] = await fake.wait_sent(OTHER, 1)
    assert voice.params["voice"] == file_id
