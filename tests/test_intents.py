"""Free text reaches the feature it asks for: a person, a call back, job fairs, help in trouble."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq import intents
from faq.service import FaqService
from handlers.menu import TALK_TO_STAFF
from handlers.registration.actions import EditField
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.test_registration_flow import fill
from tests.transcript import STAFF, Transcript


@pytest.mark.parametrize(
    "text",
    [
        "cho toi noi chuyen voi nguoi that, ko muon noi voi may",
        "gap can bo",
        "Gặp cán bộ tư vấn",
        "a oi co ai ko, e can gap lam",
        "cho em gặp người thật với",
    ],
)
async def test_asking_for_a_person_opens_the_hand_off(database_url: str, text: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        [reply] = await chat.say(text)
        assert "Tôi đã báo cán bộ" in reply.text
        assert text in chat.channel.to(STAFF)[-1].text  # the request itself is on the card
        # From now on the worker talks to staff: the bot forwards and stays quiet.
        assert await chat.say("e muon hoi ve di han") == []
        assert "e muon hoi ve di han" in chat.channel.to(STAFF)[-1].text
    finally:
        await chat.close()


async def test_a_name_and_phone_left_in_the_chat_reach_staff(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        typed = "Thào Seo Lử 0975 222 333 goi lai cho toi"
        [ack] = await chat.say(typed)
        assert "số điện thoại của bạn cho cán bộ" in ack.text
        card = chat.channel.to(STAFF)[-1].text
        assert typed in card and "gọi lại" in card
    finally:
        await chat.close()


async def test_asking_when_the_next_fair_is_shows_the_fairs(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        [reply] = await chat.say("bao gio co phien giao dich viec lam a")
        assert "phiên giao dịch việc làm" in reply.text
    finally:
        await chat.close()


@pytest.mark.parametrize(
    "text",
    [
        "a oi e nop 60tr tien coc cho 1 cty de di han, gio goi ko ai nghe may, "
        "van phong dong cua roi. e phai lam j bay h",
        "con gai toi di malaysia lam may 5 thang nay chu khong tra luong, con giu ho chieu "
        "cua no, no goi ve khoc. gio toi phai lam sao",
    ],
)
async def test_people_in_trouble_the_faq_cannot_answer_reach_a_person_at_once(
    database_url: str, text: str
) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        replies = await chat.say(text)
        last = replies[-1]
        assert "113" in last.text and "đã chuyển tin nhắn của bạn cho cán bộ" in last.text
        assert all("chưa có câu trả lời" not in r.text for r in replies)
        [card] = chat.channel.to(STAFF)
        assert text in card.text and "🆘" in card.text
    finally:
        await chat.close()


async def test_a_question_about_scams_the_faq_answers_offers_a_person_with_the_question(
    database_url: str,
) -> None:
    """The same words in a general question: the answer, the numbers and a person one tap
    away; the question goes to staff with the card when the worker taps."""
    chat = await Transcript.open(make_settings(database_url), FaqService())
    try:
        question = "bị lừa thì báo ở đâu"
        replies = await chat.say(question)
        assert replies[0].text.startswith("Về: ")  # answered
        assert TALK_TO_STAFF in replies[-1].buttons and "113" in replies[-1].text
        assert chat.channel.to(STAFF) == []
        await chat.press(TALK_TO_STAFF.action)
        assert question in chat.channel.to(STAFF)[0].text
    finally:
        await chat.close()


async def test_an_ordinary_question_gets_no_hand_off_or_alarm(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        replies = await chat.say("di han quoc het bao nhieu tien")
        assert all("khó khăn" not in r.text for r in replies)
        assert chat.channel.to(STAFF) == []
    finally:
        await chat.close()


def test_the_shipped_intents_load_and_a_broken_file_is_refused(tmp_path: Path) -> None:
    assert intents.load_intents().patterns
    bad = tmp_path / "intents.yaml"
    bad.write_text("intents:\n  talk_to_person: ['(unclosed']\n  nonsense: ['x']\n")
    with pytest.raises(intents.IntentRulesError) as error:
        intents.load_intents(bad)
    text = str(error.value)
    assert "unclosed" in text or "missing" in text
    assert "nonsense" in text and "callback" in text


async def test_the_emergency_numbers_come_from_the_sourced_content(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService())
    try:
        replies = await chat.say(
            "con toi sang malaysia bi giu ho chieu, mat lien lac 2 tuan nay roi"
        )
        hotlines = FaqService().kb.entries["emergency_hotlines"]
        assert replies[-1].text.count("+84") >= 1
        assert any(line.strip() in replies[-1].text for line in hotlines.answer.splitlines()[:2])
    finally:
        await chat.close()


async def test_a_running_question_never_swallows_a_request_for_a_person(database_url: str) -> None:
    """The fee check asks for the market: «cho tôi gặp cán bộ» is not a market, it is a
    request for a person, and the hand-off opens (persona p06's words)."""
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        [asked] = await chat.say("cong ty doi 150 trieu co dung khong")
        assert "bạn đi nước nào" in asked.text
        [reply] = await chat.say("cho toi noi chuyen voi nguoi that")
        assert "Tôi đã báo cán bộ" in reply.text
        assert "cho toi noi chuyen voi nguoi that" in chat.channel.to(STAFF)[-1].text
    finally:
        await chat.close()


async def test_money_lost_to_a_scam_is_distress_not_a_fee_question(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        text = "toi bi lua mat 50 trieu, cong ty dong cua roi, gio phai lam sao"
        replies = await chat.say(text)
        assert all("mức luật cho phép" not in r.text for r in replies)
        assert "113" in replies[-1].text
        assert text in chat.channel.to(STAFF)[-1].text
    finally:
        await chat.close()


async def test_the_form_is_left_for_a_person_but_a_note_about_a_scam_is_a_note(
    database_url: str,
) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        await fill(chat)
        [asked] = await chat.press(EditField("note").pack())
        assert "nhắn thêm" in asked.text
        note = "em tung bi lua mat 30 trieu nen muon di qua trung tam"
        replies = await chat.say(note)
        assert note in replies[-1].text  # the summary, with the note; no hand-off
        assert chat.channel.to(STAFF) == []
        await chat.press("menu:register")
        [reply] = await chat.say("cho toi gap can bo")
        assert "Tôi đã báo cán bộ" in reply.text
    finally:
        await chat.close()


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        (
            "co nguoi bao di han bang visa du lich roi o lai lam, mat 8000 do, co nen di ko",
            "visa du lịch",
        ),
        (
            "có giấy thông báo xuất cảnh bắt nộp 690 USD tiền vé máy bay, có thật không",
            "giả danh",
        ),
    ],
)
async def test_an_unlawful_route_is_warned_about_not_priced(
    database_url: str, text: str, warning: str
) -> None:
    """A fee cap means nothing for a tourist visa or a fake notice: no fee check."""
    chat = await Transcript.open(make_settings(database_url), FaqService())
    try:
        replies = await chat.say(text)
        assert all("mấy năm" not in r.text and "nước nào" not in r.text for r in replies)
        assert any(warning in r.text for r in replies)
    finally:
        await chat.close()


async def test_a_scam_victim_is_answered_not_asked_to_choose(database_url: str) -> None:
    """Someone in trouble does not pick from a list: the best entry on the scam topic is
    answered (its neighbours as buttons), with a person and the emergency numbers."""
    chat = await Transcript.open(make_settings(database_url), FaqService())
    try:
        replies = await chat.say(
            # persona p06's first message (reviews/personas-2026-12.md)
            "a oi e nop 60tr tien coc cho 1 cty de di han, gio goi ko ai nghe may, "
            "van phong dong cua roi. e phai lam j bay h"
        )
        assert replies[0].text.startswith("Về: ")
        assert "Trình báo" in replies[0].text or "trình báo" in replies[0].text
        assert "113" in replies[-1].text and TALK_TO_STAFF in replies[-1].buttons
    finally:
        await chat.close()
