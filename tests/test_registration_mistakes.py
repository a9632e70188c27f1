"""A mistake costs one answer, never the form.

An invalid answer at any step, in the first pass or while editing from the summary, is
asked again with a specific hint and the draft keeps every other answer; an under-age
date ends the form only once the worker confirms it; natural answers are understood.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from db.models import Registration
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.test_registration_flow import HAPPY_PATH, fill
from tests.transcript import Transcript


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


async def registration(chat: Transcript) -> Registration:
    async with chat.runtime.sessions() as session:
        [row] = (await session.scalars(select(Registration))).all()
        return row


SUMMARY_LINES = (
    "• Họ và tên: Lò Văn Minh",
    "• Số điện thoại: 0912345678",
    "• Xã/phường: Xã Bát Xát",
    "• Thôn/bản, tổ: Bản Lếch",
    "• Dân tộc: Mông",
    "• Muốn vay vốn: Có",
)


async def test_a_wrong_birth_year_while_editing_keeps_every_other_answer(chat: Transcript) -> None:
    await fill(chat)
    await chat.press("reg:edit")
    await chat.press("reg:edit:birth")
    [confirm] = await chat.say("2010")  # meant 2001
    assert "Bạn sinh năm 2010, đúng không?" in confirm.text
    assert {b.action for b in confirm.buttons} >= {"reg:birth:young", "reg:birth:again"}
    [again] = await chat.press("reg:birth:again")
    assert "gõ lại ngày sinh" in again.text and "Ngày sinh của bạn?" in again.text
    [summary] = await chat.say("2001")
    for line in (*SUMMARY_LINES, "• Ngày sinh: năm 2001"):
        assert line in summary.text, line
    [done] = await chat.press("reg:submit")
    assert "Mã hồ sơ" in done.text
    row = await registration(chat)
    assert (row.birth_year, row.village, row.ethnicity) == (2001, "Bản Lếch", "Mông")


async def test_an_under_age_typo_in_the_first_pass_is_typed_again(chat: Transcript) -> None:
    await fill(chat, HAPPY_PATH[:3])
    [confirm] = await chat.say("2011")
    assert "Bạn sinh năm 2011, đúng không?" in confirm.text
    [gender] = await chat.say("12/3/2001")  # typing the right date simply answers again
    assert "Giới tính" in gender.text
    await fill(chat, HAPPY_PATH[4:])
    await chat.press("reg:submit")
    row = await registration(chat)
    assert row.birth_date is not None and row.birth_date.year == 2001


@pytest.mark.parametrize(
    ("field", "bad", "hint"),
    [
        ("phone", "12345", "10 chữ số"),
        ("phone", "số thằng Tuấn 0356789123, số cô 0987654321", "2 số điện thoại"),
        ("birth", "31/2/2000", "chỉ có 29 ngày"),
        ("commune", "qwzx vbnm", "không tìm thấy"),
        ("full_name", "Minh", "cả họ và tên"),
        ("schooling", "lop", "bấm một nút"),
        ("abroad", "có ạ", "Đài Loan, 3 năm"),
    ],
)
async def test_an_invalid_answer_while_editing_asks_that_question_again(
    chat: Transcript, field: str, bad: str, hint: str
) -> None:
    await fill(chat)
    await chat.press(f"reg:edit:{field}")
    [reply] = await chat.say(bad)
    assert hint in reply.text and "?" in reply.text
    [summary] = await chat.press("reg:summary")  # «Quay lại»: nothing else was touched
    for line in SUMMARY_LINES:
        assert line in summary.text, line


@pytest.mark.parametrize(
    ("step", "typed", "stored"),
    [
        ("lop 9", "hết lớp 9", ("schooling", "THCS")),
        ("lop 9", "lớp 12/12", ("schooling", "THPT")),
        ("lop 9", "chưa hết lớp 9", ("schooling", "Chưa tốt nghiệp THCS")),
        ("12/3/1999", "nó sinh năm 2004", ("birth_year", 2004)),
        ("12/3/1999", "em sinh ngày 5/6/1998 ạ", ("birth_year", 1998)),
        ("reg:lang:none", "chua biet gi", ("language_level", "Chưa biết")),
        ("reg:lang:none", "ko", ("language_level", "Chưa biết")),
        ("reg:abroad:no", "ko", ("worked_abroad", "Chưa")),
        ("reg:loan:co", "có ạ", ("loan_wish", "Có")),
        ("reg:loan:co", "dạ không", ("loan_wish", "Không")),
        ("+84 912.345.678", "sđt của em 0912 345 678 ạ", ("phone", "0912345678")),
        ("reg:consent:yes", "có ạ", ("phone", "0912345678")),
    ],
)
async def test_natural_answers_are_understood(
    chat: Transcript, step: str, typed: str, stored: tuple[str, object]
) -> None:
    steps = [(("say", typed) if value == step else (kind, value)) for kind, value in HAPPY_PATH]
    summary = await fill(chat, steps)
    assert "Bạn xem lại thông tin" in summary
    await chat.press("reg:submit")
    column, value = stored
    assert getattr(await registration(chat), column) == value


async def test_an_old_consent_button_pressed_again_keeps_the_answers(chat: Transcript) -> None:
    await fill(chat, HAPPY_PATH[:6])  # up to the phone
    [next_question] = await chat.press("reg:consent:yes")  # the consent message, scrolled up
    assert "xã/phường" in next_question.text  # where the form was, not the first question
    summary = await fill(chat, HAPPY_PATH[6:])
    assert "• Họ và tên: Lò Văn Minh" in summary and "• Số điện thoại: 0912345678" in summary
