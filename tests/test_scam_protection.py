"""Protecting workers: the licensed-recruiter check, the fee-cap calculator, red flags."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import LicensedRecruiter
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.transcript import Transcript

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "faq" / "data" / "recruiters_SAMPLE.csv"


def import_registry(database_url: str, path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "recruiters", "import", str(path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    result = import_registry(database_url, SAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


async def count(chat: Transcript) -> int:
    async with chat.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(LicensedRecruiter)) or 0)


async def test_a_licensed_name_typed_with_cty_and_no_diacritics_is_found(chat: Transcript) -> None:
    [ask] = await chat.press("menu:recruiter")
    assert "tên công ty" in ask.text
    [found] = await chat.say("cty mau song hong nhan luc")
    assert "MAU-001/GP" in found.text and "Đang được phép hoạt động" in found.text
    assert "danh sách ngày 01/09/2025" in found.text and "DỮ LIỆU MẪU" in found.text


async def test_licence_number_and_a_suspended_company(chat: Transcript) -> None:
    await chat.press("menu:recruiter")
    [found] = await chat.say("mau 003 gp")
    assert "đình chỉ" in found.text and "Đừng nộp tiền" in found.text


async def test_a_made_up_name_gets_the_warning(chat: Transcript) -> None:
    await chat.press("menu:recruiter")
    [warning] = await chat.say("cty xkld Rồng Vàng Phương Đông")
    assert "Không thấy" in warning.text and "Đừng nộp tiền" in warning.text
    assert "0200 000 000" in warning.text


async def test_ambiguous_names_offer_buttons(chat: Transcript) -> None:
    await chat.press("menu:recruiter")
    [choose] = await chat.say("cty phu")
    assert "gần giống" in choose.text and "mạo danh" in choose.text
    picks = [b for b in choose.buttons if b.action.startswith("rc:")]
    assert len(picks) >= 2
    [card] = await chat.press(picks[0].action)
    assert "Giấy phép số MAU-01" in card.text


async def test_a_broken_file_changes_nothing(chat: Transcript, tmp_path: Path) -> None:
    before = await count(chat)
    broken = tmp_path / "broken.csv"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("MAU-003/GP", "")  # a row without its licence number
    broken.write_text("\n".join(lines), encoding="utf-8")
    result = import_registry(chat.runtime.settings.database_url, broken)
    assert result.returncode == 1 and "nothing changed" in result.stdout
    assert "4" in result.stdout  # the bad row is named
    assert await count(chat) == before == 20


async def test_no_list_imported_says_where_the_official_list_is(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        await chat.press("menu:recruiter")
        [reply] = await chat.say("cty song hong")
        assert "chưa có danh sách" in reply.text and "dolab" in reply.text
    finally:
        await chat.close()


@pytest.mark.parametrize(
    ("market", "salary", "months", "expected"),
    [
        ("jp", "1200 usd", "12 tháng", "tối đa là 1.200 USD"),
        ("tw", "1200 usd", "2 năm", "tối đa là 2.400 USD"),
        ("jp", "180000 yên", "3 năm", "tối đa là 540.000 yên"),
        ("de", "30 triệu", "48 tháng", "tối đa là 90.000.000 đồng"),
    ],
)
async def test_fee_cap_calculator(
    chat: Transcript, market: str, salary: str, months: str, expected: str
) -> None:
    [ask] = await chat.press("fee:start")
    assert "TỐI ĐA" in ask.text
    await chat.press(f"fee:m:{market}")
    await chat.say(salary)
    replies = await chat.say(months)
    text = "\n".join(r.text for r in replies)
    assert expected in text
    assert "Điều 23" in text and "môi giới" in text and "📚 Nguồn" in replies[-1].text


async def test_fee_calculator_public_programme_and_bad_input(chat: Transcript) -> None:
    await chat.press("fee:start")
    replies = await chat.press("fee:m:kr_eps")
    assert "0 USD" in replies[0].text and "Điều 42" in replies[-1].text
    await chat.press("fee:start")
    await chat.press("fee:m:jp")
    [hint] = await chat.say("nhiều lắm")
    assert "Ví dụ" in hint.text
    await chat.say("1200 usd")
    [again] = await chat.say("0 tháng")
    assert "Ví dụ: 36 tháng" in again.text


async def test_red_flags_come_with_the_normal_answer(chat: Transcript) -> None:
    replies = await chat.say("cty bao dau visa han quoc, dong tien truoc 50 trieu co dc ko")
    assert len(replies) >= 2
    warning = replies[-1]
    assert "Kiểm tra doanh nghiệp" in " ".join(b.label for b in warning.buttons)
    assert "bao đậu" in warning.text.lower() or "chắc chắn" in warning.text


async def test_an_unlisted_company_named_in_a_question(chat: Transcript) -> None:
    replies = await chat.say("cong ty Rong Vang Phuong Dong hua cho em di nhat co that khong")
    assert "Không thấy công ty «rong vang phuong dong" in replies[-1].text


async def test_ordinary_questions_get_no_warning(chat: Transcript) -> None:
    for question in (
        "đi hàn quốc cần điều kiện gì",
        "cty nao uy tin di nhat",
        "cty mau song hong nhan luc co giay phep khong",
    ):
        replies = await chat.say(question)
        assert all("⚠️" not in r.text for r in replies), question
