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
from handlers.types import Reply
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.transcript import Transcript

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "faq" / "data" / "recruiters_SAMPLE.csv"
REALISTIC = ROOT / "tests" / "data" / "recruiters" / "realistic_registry.csv"


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
    """A chat over the realistic test registry (500 made-up names, DỮ LIỆU THỬ)."""
    result = import_registry(database_url, REALISTIC)
    assert result.returncode == 0, result.stdout + result.stderr
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


@pytest.fixture
async def sample_chat(database_url: str) -> AsyncIterator[Transcript]:
    """A chat over the shipped sample list (40 rows, MAU-…)."""
    result = import_registry(database_url, SAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


async def count(chat: Transcript) -> int:
    async with chat.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(LicensedRecruiter)) or 0)


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


# --- the company check from the menu ---------------------------------------------------


async def test_a_licensed_name_typed_with_cty_and_no_diacritics_is_certain(
    chat: Transcript,
) -> None:
    [ask] = await chat.press("menu:recruiter")
    assert "tên công ty" in ask.text
    [found] = await chat.say("cty song hong")
    assert found.text.startswith("✅ Có trong danh sách được cấp phép")
    assert "Công ty Cổ phần Cung ứng Nhân lực Sông Hồng" in found.text
    assert "2001/LĐTBXH-GP" in found.text and "danh sách ngày 01/11/2026" in found.text
    assert "DỮ LIỆU THỬ" in found.text and "so số giấy phép" in found.text


async def test_revoked_and_suspended_are_said_first(chat: Transcript) -> None:
    await chat.press("menu:recruiter")
    [revoked] = await chat.say("2004/LĐTBXH-GP")
    first = revoked.text.splitlines()[0]
    assert "ĐÃ BỊ THU HỒI GIẤY PHÉP" in first and "01/03/2026" in first
    assert "✅" not in revoked.text and "Đừng nộp tiền" in revoked.text
    await chat.press("menu:recruiter")
    [suspended] = await chat.say("cty hoang lien son")
    assert "ĐANG BỊ ĐÌNH CHỈ" in suspended.text.splitlines()[0]
    assert "✅" not in suspended.text


@pytest.mark.parametrize(
    "typed",
    ["Song Hong Group", "Công ty CP nhân lực quốc tế Sông Hồng", "cty tnhh song hong", "hong song"],
)
async def test_a_lookalike_gets_no_tick_and_the_licence_number_is_the_way(
    chat: Transcript, typed: str
) -> None:
    await chat.press("menu:recruiter")
    [reply] = await chat.say(typed)
    assert "✅" not in reply.text
    assert "Có công ty tên gần giống" in reply.text and "2001/LĐTBXH-GP" in reply.text
    assert "tên bạn gõ không đúng tên đăng ký".lower() in reply.text.lower()
    assert "số giấy phép trên hợp đồng, phiếu thu" in reply.text
    [prompt] = await chat.press("rc:licence")
    assert "số giấy phép" in prompt.text
    [card] = await chat.say("2001/LĐTBXH-GP")
    assert card.text.startswith("✅") and "Sông Hồng" in card.text


async def test_a_made_up_name_gets_the_warning(chat: Transcript) -> None:
    await chat.press("menu:recruiter")
    [warning] = await chat.say("cty xkld Rồng Vàng Phương Đông")
    assert "Không thấy" in warning.text and "Đừng nộp tiền" in warning.text
    assert "0200 000 000" in warning.text


async def test_two_companies_with_one_name_offer_buttons(chat: Transcript) -> None:
    await chat.press("menu:recruiter")
    [choose] = await chat.say("cty thai dat")
    assert "Có 2 doanh nghiệp được cấp phép" in choose.text
    picks = [b for b in choose.buttons if b.action.startswith("rc:")]
    assert {b.label.rsplit("(", 1)[1] for b in picks} == {"2011/LĐTBXH-GP)", "2496/LĐTBXH-GP)"}
    [card] = await chat.press(picks[0].action)
    assert card.text.startswith("✅") and "Thái Đạt" in card.text


async def test_a_broken_file_changes_nothing(sample_chat: Transcript, tmp_path: Path) -> None:
    before = await count(sample_chat)
    broken = tmp_path / "broken.csv"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("MAU-003/GP", "")  # a row without its licence number
    broken.write_text("\n".join(lines), encoding="utf-8")
    result = import_registry(sample_chat.runtime.settings.database_url, broken)
    assert result.returncode == 1 and "nothing changed" in result.stdout
    assert "4" in result.stdout  # the bad row is named
    assert await count(sample_chat) == before == 40


async def test_the_sample_list_answers_as_the_issue_asks(sample_chat: Transcript) -> None:
    await sample_chat.press("menu:recruiter")
    [lookalike] = await sample_chat.say("Công ty CP nhân lực quốc tế Sông Hồng")
    assert "✅" not in lookalike.text and "MAU-001/GP" in lookalike.text
    [partial] = await sample_chat.say("cty tan minh co giay phep ko")
    assert "✅" not in partial.text and "MAU-004/GP" in partial.text


async def test_no_list_imported_says_where_the_official_list_is(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        await chat.press("menu:recruiter")
        [reply] = await chat.say("cty song hong")
        assert "chưa có danh sách" in reply.text and "dolab" in reply.text
        [again] = await chat.say("kiem tra cong ty")  # the flow does not stay open
        assert "Không thấy «kiem tra cong ty»" not in again.text
    finally:
        await chat.close()


# --- the company check inside a question -------------------------------------------------


async def test_a_question_about_a_licensed_company_names_it(chat: Transcript) -> None:
    replies = await chat.say("cty tan minh co giay phep ko")
    assert replies[0].text.startswith("✅") and "Xuất khẩu Lao động Tân Minh" in replies[0].text
    assert "tan minh co giay phep" not in text_of(replies)


async def test_a_question_about_a_lookalike_is_checked_against_the_right_company(
    chat: Transcript,
) -> None:
    replies = await chat.say("công ty Việt Phúc Land tuyển đi Nhật có uy tín không")
    assert "«Việt Phúc Land»" in replies[0].text and "Có công ty tên gần giống" in replies[0].text
    assert "Nhân lực Việt Phúc (giấy phép số 2003/LĐTBXH-GP" in replies[0].text
    assert "✅" not in text_of(replies)


async def test_an_unlisted_company_named_in_a_question(chat: Transcript) -> None:
    replies = await chat.say("cong ty Rong Vang Phuong Dong hua cho em di nhat co that khong")
    assert "Không thấy «Rong Vang Phuong Dong»" in replies[0].text


async def test_a_licence_number_typed_alone_is_checked(chat: Transcript) -> None:
    [card] = await chat.say("2003/LĐTBXH-GP")
    assert card.text.startswith("✅") and "Việt Phúc" in card.text


async def test_a_company_question_without_a_name_asks_for_it(chat: Transcript) -> None:
    [ask] = await chat.say("cty nay co uy tin khong")
    assert "công ty nào" in ask.text
    [card] = await chat.say("song hong jsc")
    assert card.text.startswith("✅") and "2001/LĐTBXH-GP" in card.text


@pytest.mark.parametrize(
    "text",
    [
        "thu 150 trieu di nhat",
        "vay cty thu 150 trieu di nhat la co qua muc ko",
        "làm sao biết công ty có giấy phép",
        "đi nhật có uy tín không",
    ],
)
async def test_amounts_countries_and_how_to_are_no_company(chat: Transcript, text: str) -> None:
    replies = await chat.say(text)
    joined = text_of(replies)
    assert "Không thấy công ty" not in joined and "Không thấy «" not in joined
    assert "gần giống" not in joined and "✅" not in joined
    assert "công ty nào" not in joined


async def test_a_company_mentioned_without_a_question_is_warned_next_to_the_answer(
    chat: Transcript,
) -> None:
    replies = await chat.say("công ty Rồng Vàng bắt em đặt cọc 30 triệu trước khi ký hợp đồng")
    warning = replies[-1]
    assert "Không thấy công ty «Rồng Vàng»" in warning.text
    assert "trước khi ký hợp đồng" in warning.text  # the red flag too
    assert "Kiểm tra doanh nghiệp" in " ".join(b.label for b in warning.buttons)


async def test_a_lookalike_mentioned_without_a_question_is_warned(chat: Transcript) -> None:
    replies = await chat.say("công ty Song Hong Group bắt đặt cọc 30 triệu")
    assert "«Song Hong Group» không đúng tên doanh nghiệp nào" in replies[-1].text
    assert "2001/LĐTBXH-GP" in replies[-1].text


# --- the fee check ----------------------------------------------------------------------

SCREEN = 800  # one phone screen


async def test_the_issue_question_gets_a_clear_answer_in_dong(chat: Transcript) -> None:
    """«công ty đòi 150 triệu đi Nhật 3 năm có đúng không»: the answer is in đồng at once."""
    [answer] = await chat.say("công ty đòi 150 triệu đi Nhật 3 năm có đúng không")
    assert answer.text.startswith("💰 Nhật Bản (qua công ty) · hợp đồng 36 tháng")
    assert "Tiền dịch vụ tối đa: 3 tháng lương" in answer.text
    assert (
        "Công ty đòi 150 triệu đồng: chỉ đúng luật khi lương hợp đồng của bạn từ "
        "50 triệu đồng một tháng trở lên (khoảng 289.000 yên)." in answer.text
    )
    assert "Tỷ giá tham khảo: 1 yên ≈ 173,12 đồng, ngày 25/12/2025" in answer.text
    assert len(answer.text) <= SCREEN
    [exact] = await chat.say("180.000 yên")
    assert "3 tháng lương = 540.000 yên, khoảng 93,4 triệu đồng." in exact.text
    assert "Công ty đòi 150 triệu đồng: CAO HƠN mức luật cho phép khoảng 56,5 triệu đồng." in (
        exact.text
    )
    assert "Đừng nộp" in exact.text and len(exact.text) <= SCREEN
    [more, sources] = await chat.press(exact.buttons[0].action)
    assert "Cần nhớ" in more.text and "Điều 23 khoản 4" in sources.text
    assert "Vietcombank" in sources.text  # the rate's source


async def test_after_a_quick_answer_another_question_goes_to_the_faq(chat: Transcript) -> None:
    await chat.say("công ty đòi 150 triệu đi Nhật 3 năm có đúng không")
    replies = await chat.say("đi hàn quốc cần điều kiện gì")
    assert "Mình chưa thấy số tiền" not in replies[0].text


async def test_a_question_without_the_length_asks_for_it(chat: Transcript) -> None:
    [ask] = await chat.say("vay cty thu 150 trieu di nhat la co qua muc ko")
    assert "mấy năm" in ask.text and "fee:n:36" in [b.action for b in ask.buttons]
    [answer] = await chat.press("fee:n:36")
    assert "50 triệu đồng một tháng trở lên" in answer.text


async def test_a_question_without_the_market_asks_for_it(chat: Transcript) -> None:
    [ask] = await chat.say("cty đòi 120 triệu hợp đồng 3 năm có cao quá không")
    assert "Công ty đòi 120 triệu đồng" in ask.text
    [answer] = await chat.press("fee:m:jp")
    assert "40 triệu đồng một tháng trở lên" in answer.text
    await chat.say("cty đòi 120 triệu hợp đồng 3 năm có cao quá không")
    [typed] = await chat.say("đi nhật")  # a typed answer instead of a button
    assert "Nhật Bản (qua công ty)" in typed.text and "40 triệu đồng" in typed.text


async def test_menu_flow_asks_market_job_length_wage_and_amount(chat: Transcript) -> None:
    [ask] = await chat.press("fee:start")
    assert "TỐI ĐA" in ask.text
    [job] = await chat.press("fee:m:jp")
    assert "làm việc gì" in job.text
    await chat.press("fee:j:factory")
    await chat.say("3 năm")
    await chat.say("1000 usd")
    [answer] = await chat.say("80 triệu")
    assert "nhà máy, xưởng" in answer.text
    assert "3 tháng lương = 3.000 USD, khoảng 79,2 triệu đồng." in answer.text
    assert "xấp xỉ mức trần" in answer.text  # within 5%: the day's rate decides
    await chat.press("fee:start")
    await chat.press("fee:m:jp")
    await chat.press("fee:j:factory")
    await chat.press("fee:n:36")
    await chat.say("1000 usd")
    [within] = await chat.say("50 trieu")
    assert "không vượt mức trần" in within.text


async def test_a_taiwanese_domestic_helper_is_told_her_case(chat: Transcript) -> None:
    await chat.press("fee:start")
    [job] = await chat.press("fee:m:tw")
    assert "fee:j:domestic" in [b.action for b in job.buttons]
    [hint] = await chat.say("làm gì cũng được")
    assert "bấm một nút" in hint.text
    await chat.say("giúp việc nhà")
    await chat.press("fee:n:36")
    await chat.say("20000 đài tệ")
    [answer] = await chat.press("fee:a:none")
    assert "giúp việc gia đình" in answer.text and "60.000 Đài tệ" in answer.text
    assert "mức trần tiền dịch vụ có thể thấp hơn" in answer.text  # domestic work first
    assert "1.800 Đài tệ năm thứ nhất" in answer.text  # the Taiwanese agency's monthly fee
    assert len(answer.text) <= SCREEN
    await chat.press("fee:start")
    await chat.press("fee:m:tw")
    await chat.press("fee:j:domestic")
    await chat.press("fee:n:36")
    await chat.say("20000 đài tệ")
    [asked] = await chat.say("100 triệu")
    assert "chưa có tỷ giá Đài tệ" in asked.text and "1.800 Đài tệ" in asked.text
    assert len(asked.text) <= SCREEN


@pytest.mark.parametrize(
    ("market", "words"),
    [
        ("kr_eps", "Trung tâm Lao động ngoài nước"),
        ("jp_im", "IM Japan"),
        ("de_triple_win", "Triple Win"),
    ],
)
async def test_programmes_without_a_service_fee_say_so(
    chat: Transcript, market: str, words: str
) -> None:
    await chat.press("fee:start")
    [answer] = await chat.press(f"fee:m:{market}")
    assert "Bạn KHÔNG phải trả tiền dịch vụ." in answer.text and words in answer.text


async def test_a_brokerage_fee_is_never_lawful_whatever_the_wage(chat: Transcript) -> None:
    """Persona p04: asked to pay 150 triệu «phí môi giới» for Japan."""
    ask, warning = await chat.say(
        "cty bao e nop 150 trieu phi moi gioi de di nhat, nop truoc thi moi dc xep don, "
        "co dung luat ko a"
    )
    assert ask.text.startswith("Bạn KHÔNG phải trả phí môi giới") and "mấy năm" in ask.text
    assert "phí môi giới" in warning.text and "trước khi ký" in warning.text
    [answer] = await chat.press("fee:n:36")
    assert "«phí môi giới»: bạn KHÔNG phải trả khoản này" in answer.text
    assert "chỉ đúng luật khi lương" not in answer.text


async def test_eps_with_an_amount_asked_is_told_not_to_pay(chat: Transcript) -> None:
    answer, warning = await chat.say("cty doi 150 trieu de lo cho di eps co dung khong")
    assert "KHÔNG phải trả tiền dịch vụ" in answer.text and "Đừng nộp" in answer.text
    assert "Không ai được «chạy»" in warning.text  # the red flag for a back door into EPS


async def test_ship_crew_long_contract_gives_no_number(chat: Transcript) -> None:
    await chat.press("fee:start")
    await chat.press("fee:m:general")
    await chat.press("fee:j:ship_crew")
    await chat.press("fee:n:36")
    await chat.say("1000 usd")
    [answer] = await chat.press("fee:a:none")
    assert "hãy hỏi trung tâm" in answer.text and "USD" not in answer.text.split("\n")[1]


async def test_fee_calculator_bad_input_keeps_the_step(chat: Transcript) -> None:
    await chat.press("fee:start")
    await chat.press("fee:m:jp")
    await chat.press("fee:j:other")
    [hint] = await chat.say("ba năm")
    assert "Ví dụ" in hint.text or "ví dụ" in hint.text
    await chat.say("36 tháng")
    [again] = await chat.say("nhiều lắm")
    assert "Lương tháng" in again.text
    [still] = await chat.say("0 usd")
    assert "lớn hơn 0" in still.text


async def test_red_flags_come_with_the_normal_answer(chat: Transcript) -> None:
    replies = await chat.say("cty bao dau visa han quoc, dong tien truoc 50 trieu co dc ko")
    assert len(replies) >= 2
    warning = replies[-1]
    assert "Kiểm tra doanh nghiệp" in " ".join(b.label for b in warning.buttons)
    assert "bao đậu" in warning.text.lower() or "chắc chắn" in warning.text


async def test_ordinary_questions_get_no_warning(chat: Transcript) -> None:
    for question in (
        "đi hàn quốc cần điều kiện gì",
        "cty nao uy tin di nhat",
        "cty song hong co giay phep khong",
    ):
        replies = await chat.say(question)
        assert all("⚠️" not in r.text for r in replies), question
