"""FAQ from the command line and the staff chat: ask, check, reload; misses are kept."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.faq_commands import check
from db.models import FaqMiss
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.transcript import STAFF, Transcript

ROOT = Path(__file__).resolve().parents[1]


def _ask(*questions: str) -> list[dict[str, object]]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "CENTRE_PHONE": "0200 000 000",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask"],
        input="\n".join(questions) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_ask_prints_what_the_worker_sees_first() -> None:
    [record, two] = _ask(
        "di han quoc het bn tien",
        "ký quỹ là gì, về nước đúng hạn có được hoàn tiền ký quỹ không",
    )
    assert record["faq_id"] == "eps_cost" and record["faq_ids"] == ["eps_cost"]
    assert record["kind"] == "answer" and isinstance(record["score"], float)
    answer = str(record["answer"])
    assert answer.startswith("Về: Đi Hàn Quốc theo EPS hết bao nhiêu tiền?\n")
    # sources stay behind «Nguồn»; the centre's placeholders are filled in
    assert "Nguồn" not in answer and "{" not in answer
    assert two["faq_ids"] == ["dep_what", "dep_refund"]
    assert str(two["answer"]).count("Về: ") == 2


def test_ask_fallback_has_no_id_and_the_fallback_text() -> None:
    [record] = _ask("qwzx vbnm plkj")
    assert record["faq_id"] is None
    assert "chưa có câu trả lời" in str(record["answer"])
    assert "0200 000 000" in str(record["answer"])


def test_check_passes_on_the_shipped_content_and_fails_on_broken(tmp_path: Path) -> None:
    assert check() == 0
    (tmp_path / "bad.yaml").write_text("topic: x\ntitle: X\norder: 1\nentries:\n  - id: Bad Id\n")
    assert check(tmp_path) == 1


def test_check_also_validates_the_matcher_lexicon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text(
        'groups:\n  - canonical: "ký quỹ"\n    variants: ["cọc"]\n'
        '  - canonical: "tiền cọc"\n    variants: ["cọc"]\n',
        encoding="utf-8",
    )
    assert check(FIXTURE_FAQ, lexicon) == 1
    assert "'cọc' is already in group 'ký quỹ'" in capsys.readouterr().out
    lexicon.write_text('groups:\n  - canonical: "ký quỹ"\n    variants: ["cọc"]\n')
    assert check(FIXTURE_FAQ, lexicon) == 0


async def test_staff_reload_keeps_the_old_faq_when_the_lexicon_is_broken(
    database_url: str, tmp_path: Path
) -> None:
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text('groups:\n  - canonical: "hàn quốc"\n    variants: ["xứ kim chi"]\n')
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ, lexicon))
    try:
        [before] = await chat.say("đi xứ kim chi hết bao nhiêu tiền")
        assert before.text.startswith("Về: Đi Hàn Quốc theo EPS hết bao nhiêu tiền?")
        lexicon.write_text("groups: [broken")
        await chat.send(user="staff-1", chat_key=STAFF, text="/faqreload")
        assert "có lỗi" in chat.channel.to(STAFF)[-1].text
        [after] = await chat.say("đi xứ kim chi hết bao nhiêu tiền")
        assert after.text == before.text
    finally:
        await chat.close()


async def test_staff_reload_picks_up_edits_and_keeps_old_content_on_errors(
    database_url: str, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_FAQ, content)
    chat = await Transcript.open(make_settings(database_url), FaqService(content))
    try:
        korea = content / "korea.yaml"
        korea.write_text(
            korea.read_text().replace(
                "Điều kiện đi Hàn Quốc theo EPS:", "Điều kiện mới đi Hàn Quốc theo EPS:"
            )
        )
        await chat.send(user="staff-1", chat_key=STAFF, text="/faqreload")
        assert "Đã cập nhật" in chat.channel.to(STAFF)[-1].text
        [answer] = await chat.press("faq:eps_conditions")
        assert "Điều kiện mới" in answer.text

        korea.write_text("topic: [broken")
        await chat.send(user="staff-1", chat_key=STAFF, text="/faqreload")
        assert "có lỗi" in chat.channel.to(STAFF)[-1].text
        [still] = await chat.press("faq:eps_conditions")
        assert "Điều kiện mới" in still.text
    finally:
        await chat.close()


async def test_unanswered_questions_are_kept_for_staff(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        await chat.say("qwzx vbnm plkj")
        async with chat.runtime.sessions() as session:
            misses = (await session.scalars(select(FaqMiss))).all()
        assert [(m.text, m.kind, m.channel) for m in misses] == [("qwzx vbnm plkj", "none", "test")]
    finally:
        await chat.close()


async def test_staff_reload_also_rereads_fee_caps_and_red_flags(database_url: str) -> None:
    from faq import red_flags
    from handlers import fee_calculator

    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        fee_calculator.rules()
        red_flags.default_rules()
        await chat.send(user="staff-1", chat_key=STAFF, text="/faqreload")
        assert "Đã cập nhật" in chat.channel.to(STAFF)[-1].text
        assert fee_calculator.rules.cache_info().currsize == 0
        assert red_flags.default_rules.cache_info().currsize == 0
    finally:
        await chat.close()
