"""The worker's language in the dialog: asked once after the greeting, changed with
/ngonngu; a written translation shown instead of the Vietnamese answer to workers of
that language; «🔊 Nghe» only where a recording exists (the worker's language first,
else Vietnamese, and the button says which)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from db import recordings
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.transcript import Transcript
from tests.voice_kit import opus

QUESTION = "di han mat bao nhieu tien"
HMONG = "Mus Kauslim siv nyiaj li 650 txog 1.100 USD."
HMONG_MORE = "Daim pib dav hlau, kawm lus, kuaj mob."


def faq_with_translation(tmp_path: Path) -> FaqService:
    content = tmp_path / "faq"
    shutil.copytree(FIXTURE_FAQ, content)
    path = content / "korea.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(e for e in data["entries"] if e["id"] == "eps_cost")
    entry["translations"] = {
        "hmn": {
            "answer": HMONG,
            "more": HMONG_MORE,
            "sources": entry["sources"],
            "reviewed": entry["reviewed"],
        }
    }
    entry["more"] = "Chi tiết: vé máy bay, học tiếng, khám sức khỏe."
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return FaqService(content)


@pytest.fixture
async def chat(database_url: str, tmp_path: Path) -> AsyncIterator[Transcript]:
    settings = make_settings(database_url, voice_languages="vi, hmn, dao, tay")
    transcript = await Transcript.open(settings, faq_with_translation(tmp_path))
    yield transcript
    await transcript.close()


def actions(reply: object) -> list[str]:
    return [b.action for b in getattr(reply, "buttons", ())]


async def test_language_is_asked_once_and_changed(chat: Transcript) -> None:
    first = await chat.say("xin chào")
    assert len(first) == 3 and "nghe câu trả lời bằng tiếng nào" in first[1].text
    assert actions(first[1]) == ["lang:vi", "lang:hmn", "lang:dao", "lang:tay"]
    assert "nhận tin" in first[2].text  # then the news question, as before
    again = await chat.say("chào")
    assert len(again) == 1
    [chosen] = await chat.press("lang:tay")
    assert "Đã chọn: Tiếng Tày." in chosen.text and "/ngonngu" in chosen.text
    [asked] = await chat.say("/ngonngu")
    assert actions(asked)[0] == "lang:vi"
    [stale] = await chat.press("lang:xyz")  # a language no longer offered: asked again
    assert "tiếng nào" in stale.text


async def test_translation_and_listen_button(chat: Transcript) -> None:
    [plain] = await chat.say(QUESTION, user="viet")
    assert "Chi phí đi Hàn Quốc" in plain.text and not any(
        a.startswith("nghe:") for a in actions(plain)
    )
    await chat.press("lang:hmn", user="hmong")
    [translated] = await chat.say(QUESTION, user="hmong")
    assert translated.text.startswith("Về: ") and HMONG in translated.text
    assert "Chi phí đi Hàn Quốc" not in translated.text
    [details] = await chat.press("faqm:eps_cost", user="hmong")
    assert HMONG_MORE in details.text and details.text.startswith("Về: ")
    [viet_details] = await chat.press("faqm:eps_cost", user="viet")
    assert "Chi tiết: vé máy bay" in viet_details.text

    async with chat.runtime.sessions.begin() as db:
        audio = recordings.Audio(opus(3), "audio/ogg", 3)
        await recordings.save(db, "eps_cost", "vi", audio, "test")
    [answer] = await chat.say(QUESTION, user="hmong")
    listen = next(b for b in answer.buttons if b.action == "nghe:eps_cost")
    assert listen.label == "🔊 Nghe (Tiếng Việt)"
    [viet] = await chat.say(QUESTION, user="viet")
    assert viet.buttons[0].label == "🔊 Nghe"
    # This test channel plays no voice notes and the server has no public address.
    [spoken] = await chat.press("nghe:eps_cost", user="hmong")
    assert spoken.recording is None and "chưa phát được bản ghi âm" in spoken.text
    async with chat.runtime.sessions() as db:
        counts = await recordings.answer_counts(db)
    assert counts == {"eps_cost": 4}


async def test_the_chosen_language_is_shown_and_erased_with_the_worker(chat: Transcript) -> None:
    await chat.press("lang:hmn")
    [held] = await chat.say("/dulieu")
    assert "Tiếng bạn chọn để nghe câu trả lời: Tiếng H'Mông" in held.text
    await chat.say("/xoadulieu")
    await chat.press("privacy:erase:yes")
    [after] = await chat.say("/dulieu")
    assert "Tiếng bạn chọn" not in after.text
