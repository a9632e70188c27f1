"""Spoken answers kept in the database: the audio checks, the recordings table (replace,
delete, platform file ids), the languages setting and written translations."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audio_links import AudioLinks
from db import recordings
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from faq.content import check_content, load_content
from handlers.audio_checks import AudioRefused, check_audio, sniff
from handlers.languages import parse_languages
from tests.conftest import make_settings
from tests.voice_kit import MP3, PDF, opus

MB2 = 2 * 1024 * 1024


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(make_settings(database_url))
    await upgrade(engine)
    yield session_factory(engine)
    await engine.dispose()


def test_audio_is_read_from_its_bytes_with_its_length() -> None:
    audio = check_audio(opus(12.5), MB2, 180)
    assert audio.mime_type == "audio/ogg" and audio.duration == 12
    assert sniff(MP3) == "audio/mpeg"
    # MP3's length is not read: what the platform said is used.
    assert check_audio(MP3, MB2, 180, duration=40).duration == 40


def test_audio_that_is_too_long_too_big_or_not_audio_is_refused_in_words() -> None:
    with pytest.raises(AudioRefused, match=r"quá dài\. Tối đa 3 phút"):
        check_audio(opus(200), MB2, 180)
    with pytest.raises(AudioRefused, match=r"quá lớn\. Tối đa 2 MB"):
        check_audio(opus(5, padding=MB2), MB2, 180)
    with pytest.raises(AudioRefused, match="không phải âm thanh"):
        check_audio(PDF, MB2, 180)
    with pytest.raises(AudioRefused, match="quá dài"):
        check_audio(MP3, MB2, 180, duration=181)


def test_languages_setting() -> None:
    assert parse_languages("hmn, dao") == {
        "vi": "Tiếng Việt",
        "hmn": "Tiếng H'Mông",
        "dao": "Tiếng Dao",
    }
    assert parse_languages("vi, kho=Tiếng Khơ Mú")["kho"] == "Tiếng Khơ Mú"
    for bad in ("xyz", "vi, vi", "H'Mong"):
        with pytest.raises(ValueError):
            parse_languages(bad)


async def test_a_recording_is_kept_replaced_and_deleted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first = check_audio(opus(3), MB2, 180)
    async with sessions.begin() as session:
        row, replaced = await recordings.save(session, "fee_cap", "hmn", first, "telegram:1")
        assert not replaced
        await recordings.remember_file(session, row.id, row.sha256, "telegram", "FILE-1")
        rid = row.id
    async with sessions() as session:
        row2 = await recordings.by_id(session, rid)
        assert row2 is not None and await recordings.file_ref(session, row2, "telegram") == "FILE-1"
        found = await recordings.available(session, ["fee_cap", "other"], ["vi", "hmn"])
        assert found == {("fee_cap", "hmn"): rid}
    second = check_audio(opus(5), MB2, 180)
    async with sessions.begin() as session:
        row, replaced = await recordings.save(session, "fee_cap", "hmn", second, "web:hoa", "web")
        assert replaced and row.id == rid
        # The old upload's file id is gone: the new audio is uploaded again.
        assert await recordings.file_ref(session, row, "telegram") is None
        # A file id learnt from the old audio (a send that raced the replace) is not kept.
        await recordings.remember_file(session, rid, first.sha256, "telegram", "OLD")
        assert await recordings.file_ref(session, row, "telegram") is None
    async with sessions() as session:
        loaded = await recordings.audio_of(session, rid)
        assert loaded is not None and loaded.audio == second.data and loaded.duration == 5
    async with sessions.begin() as session:
        assert await recordings.remove(session, "fee_cap", "hmn")
        assert not await recordings.remove(session, "fee_cap", "hmn")


async def test_answers_are_counted(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await recordings.count_answered(session, ["a", "b", "a"])
    async with sessions.begin() as session:
        await recordings.count_answered(session, ["a"])
    async with sessions() as session:
        assert await recordings.answer_counts(session) == {"a": 2, "b": 1}


TOPIC = """
topic: t
title: Chủ đề
order: 1
entries:
  - id: e1
    questions: ["Phí bao nhiêu?"]
    answer: "Tối đa một tháng lương."
    sources: ["Luật 69/2020/QH14"]
    reviewed: 2026-01-01
    translations:
      hmn:
        answer: "Nqi tsis pub tshaj ib hlis nyiaj hli."
        sources: ["Luật 69/2020/QH14"]
        reviewed: 2026-02-01
"""


def test_written_translations_are_loaded_and_checked(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(TOPIC, encoding="utf-8")
    kb = load_content(tmp_path, today=dt.date(2026, 6, 1))
    translation = kb.entries["e1"].translation("hmn")
    assert translation is not None and translation.answer.startswith("Nqi")
    assert kb.entries["e1"].translation("dao") is None
    broken = TOPIC.replace(
        '        sources: ["Luật 69/2020/QH14"]\n        reviewed: 2026-02-01\n', ""
    )
    (tmp_path / "t.yaml").write_text(broken, encoding="utf-8")
    problems = check_content(tmp_path, today=dt.date(2026, 6, 1))
    assert any("translation 'hmn': missing 'sources'" in p for p in problems)
    assert any("translation 'hmn': missing 'reviewed'" in p for p in problems)
    # A translation's first message fits a cheap phone's screen like the Vietnamese one.
    long = TOPIC.replace("Nqi tsis pub tshaj ib hlis nyiaj hli.", "Nqi " + "x" * 590)
    (tmp_path / "t.yaml").write_text(long, encoding="utf-8")
    problems = check_content(tmp_path, today=dt.date(2026, 6, 1))
    assert any("first message of the 'hmn' translation" in p for p in problems), problems


def test_audio_links_are_signed_and_expire() -> None:
    links = AudioLinks(lambda: b"k" * 44, "https://bot.example.vn/", dt.timedelta(hours=72))
    now = dt.datetime(2026, 12, 1, 12, 0)
    url = links.url(42, "ab" * 32, now)
    assert url is not None and url.startswith("https://bot.example.vn/audio/42/")
    recording, expires, tag, signature = url.split("/audio/")[1].split("/")
    assert links.check(recording, expires, tag, signature, now) == (42, "ab" * 8, False)
    later = now + dt.timedelta(hours=73)
    assert links.check(recording, expires, tag, signature, later) == (42, "ab" * 8, True)
    # Another recording, a longer life or another key: not ours.
    assert links.check("43", expires, tag, signature, now) is None
    assert links.check(recording, str(int(expires) + 3600), tag, signature, now) is None
    other = AudioLinks(lambda: b"x" * 44, "https://bot.example.vn", dt.timedelta(hours=1))
    assert other.check(recording, expires, tag, signature, now) is None
    assert links.check("²", expires, tag, signature, now) is None
    assert AudioLinks(lambda: b"k", "", dt.timedelta(hours=1)).url(1, "ab", now) is None


async def test_two_saves_at_once_end_in_a_replace(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first, second = check_audio(opus(3), MB2, 180), check_audio(opus(4), MB2, 180)
    async with sessions.begin() as a:
        await recordings.save(a, "eps_cost", "dao", first, "a")

        async def other() -> bool:
            async with sessions.begin() as b:
                _, replaced = await recordings.save(b, "eps_cost", "dao", second, "b")
                return replaced

        racing = asyncio.ensure_future(other())
        await asyncio.sleep(0.3)  # b has looked and found nothing; a commits now
    assert await racing
    async with sessions() as session:
        row = await recordings.get(session, "eps_cost", "dao")
        assert row is not None and row.recorded_by == "b" and row.sha256 == second.sha256
