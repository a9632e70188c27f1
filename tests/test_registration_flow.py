"""The registration form end to end through the inbox processor and the real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from db.clock import utcnow
from db.models import AuditEvent, ConversationState, Registration
from faq.service import FaqService
from handlers.types import Contact, Media
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.transcript import Transcript

HAPPY_PATH: list[tuple[str, str]] = [
    ("press", "menu:register"),
    ("press", "reg:consent:yes"),
    ("say", "lò văn minh"),
    ("say", "12/3/1999"),
    ("press", "reg:gender:nam"),
    ("say", "+84 912.345.678"),
    ("say", "bat xat"),
    ("say", "Bản Lếch"),
    ("press", "reg:eth:Mông"),
    ("say", "lop 9"),
    ("press", "reg:market:kr_eps"),
    ("press", "reg:lang:none"),
    ("press", "reg:abroad:no"),
    ("press", "reg:loan:co"),
]


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


async def fill(chat: Transcript, steps: list[tuple[str, str]] = HAPPY_PATH) -> str:
    last = ""
    for kind, value in steps:
        replies = await (chat.press(value) if kind == "press" else chat.say(value))
        last = replies[-1].text
    return last


async def registrations(chat: Transcript) -> list[Registration]:
    async with chat.runtime.sessions() as session:
        return list((await session.scalars(select(Registration))).all())


async def test_happy_path_in_under_fifteen_messages(chat: Transcript) -> None:
    summary = await fill(chat)
    assert "Lò Văn Minh" in summary and "12/03/1999" in summary and "0912345678" in summary
    assert "Xã Bát Xát" in summary and "Mông" in summary and "THCS" in summary
    [done] = await chat.press("reg:submit")
    assert len(HAPPY_PATH) + 1 <= 15
    assert "LC-" in done.text and "Mã hồ sơ" in done.text
    [registration] = await registrations(chat)
    assert registration.status == "moi" and registration.code in done.text
    assert registration.phone == "0912345678" and registration.commune_name == "Xã Bát Xát"
    assert registration.province_name == "Tỉnh Lào Cai" and registration.consent_forward_at
    [(card, _)] = chat.staff_messages()
    assert registration.code in card.text and "0912345678" in card.text
    assert {b.action for b in card.buttons} >= {f"rs:da_lien_he:{registration.id}"}
    async with chat.runtime.sessions() as session:
        events = (await session.scalars(select(AuditEvent))).all()
    assert [(e.action, e.to_status) for e in events] == [("submit", "moi")]
    # The draft is gone: the menu now starts a new form.
    [again] = await chat.press("menu:register")
    assert "đồng ý" in again.text


@pytest.mark.parametrize(
    ("step", "bad", "hint"),
    [
        ("lò văn minh", "Minh", "cả họ và tên"),
        ("12/3/1999", "30/02/2000", "30/02/2000"),
        ("+84 912.345.678", "0214 3840 123", "di động"),
        ("+84 912.345.678", "12345", "10 chữ số"),
        ("lò văn minh", "x" * 5000, ""),
        ("lò văn minh", "😀😀", ""),
        ("lò văn minh", "   .  ", ""),
        ("bat xat", "qwzx vbnm", "không tìm thấy"),
        ("Bản Lếch", "b" * 300, "100"),
    ],
)
async def test_a_wrong_answer_is_re_asked_with_a_hint_and_nothing_is_lost(
    chat: Transcript, step: str, bad: str, hint: str
) -> None:
    index = next(i for i, (_, value) in enumerate(HAPPY_PATH) if value == step)
    await fill(chat, HAPPY_PATH[:index])
    [reply] = await chat.say(bad)
    assert hint in reply.text and "?" in reply.text  # the hint, then the question again
    assert len(reply.text) < 1000
    await fill(chat, HAPPY_PATH[index:])
    [done] = await chat.press("reg:submit")
    assert "Mã hồ sơ" in done.text


async def test_a_photo_instead_of_a_name_is_asked_again(chat: Transcript) -> None:
    await fill(chat, HAPPY_PATH[:2])
    [reply] = await chat.share(media=Media("photo", "PHOTO-1"))
    assert "bằng chữ" in reply.text
    assert chat.staff_messages() == []  # the form holds it; it is not a hand-off


@pytest.mark.parametrize(
    ("birth", "shown"),
    [("1/1/2012", "ngày 01/01/2012"), ("2011", "năm 2011"), ("12.3.2010", "ngày 12/03/2010")],
)
async def test_under_eighteen_is_confirmed_then_told_kindly_and_nothing_is_kept(
    chat: Transcript, birth: str, shown: str
) -> None:
    await fill(chat, HAPPY_PATH[:3])
    [confirm] = await chat.say(birth)
    assert f"Bạn sinh {shown}, đúng không?" in confirm.text  # a typo is not the end
    [reply] = await chat.press("reg:birth:young")
    assert "18 tuổi" in reply.text
    [fresh] = await chat.press("menu:register")
    assert "đồng ý" in fresh.text  # no draft to continue
    assert await registrations(chat) == []


async def test_refusing_consent_stores_nothing(chat: Transcript) -> None:
    await chat.press("menu:register")
    [reply] = await chat.press("reg:consent:no")
    assert "không lưu" in reply.text
    [typed] = await chat.say("lò văn minh")  # not a form answer any more
    assert "Họ và tên" not in typed.text
    assert await registrations(chat) == []


async def test_returning_days_later_is_offered_to_continue(database_url: str) -> None:
    settings = make_settings(database_url)
    first = await Transcript.open(settings, FaqService(FIXTURE_FAQ))
    await fill(first, HAPPY_PATH[:6])
    async with first.runtime.sessions.begin() as session:  # a week passes
        await session.execute(
            update(ConversationState).values(updated_at=utcnow() - timedelta(days=7))
        )
    await first.close()  # and the process was restarted meanwhile

    again = await Transcript.open(settings, FaqService(FIXTURE_FAQ))
    try:
        replies = await again.say("xin chào")
        assert any("đang làm dở" in r.text for r in replies)
        [asked] = await again.press("reg:resume")
        assert "xã/phường" in asked.text
        await fill(again, HAPPY_PATH[6:])
        [done] = await again.press("reg:submit")
        assert "Mã hồ sơ" in done.text
    finally:
        await again.close()


async def test_the_same_workers_phone_is_caught_at_the_phone_step(chat: Transcript) -> None:
    await fill(chat)
    await chat.press("reg:submit")
    phone_at = next(i for i, (_, value) in enumerate(HAPPY_PATH) if value == "+84 912.345.678")
    await fill(chat, HAPPY_PATH[:phone_at])
    [offer] = await chat.say("0912 345 678")  # not at the end: right when the phone is typed
    [registration] = await registrations(chat)
    assert f"đã có hồ sơ {registration.code}" in offer.text
    update = next(b.action for b in offer.buttons if b.action.startswith("reg:update:"))
    [summary] = await chat.press(update)  # the registration's answers, ready to edit
    assert f"Bạn đang sửa hồ sơ {registration.code}" in summary.text and "Bản Lếch" in summary.text
    await chat.press("reg:edit:loan")
    await chat.press("reg:loan:khong")
    [updated] = await chat.press("reg:submit")
    assert "cập nhật" in updated.text and registration.code in updated.text
    [registration] = await registrations(chat)
    assert registration.loan_wish == "Không" and registration.birth_date is not None
    first, second = (card for card, _ in chat.staff_messages())
    assert first.text.startswith(f"📝 Đăng ký mới {registration.code}")
    assert second.text.startswith(f"🔄 Cập nhật hồ sơ {registration.code}")
    assert "Muốn vay vốn: Không" in second.text and "Ngày sinh: 12/03/1999" in second.text


async def test_edit_one_field_returns_to_the_summary(chat: Transcript) -> None:
    await fill(chat)
    await chat.press("reg:edit")
    [ask] = await chat.press("reg:edit:phone")
    assert "điện thoại" in ask.text
    [summary] = await chat.send(contact=Contact("84987654321"))
    assert "0987654321" in summary.text and "Gửi" in " ".join(b.label for b in summary.buttons)


async def test_old_province_on_the_id_card_maps_to_today(chat: Transcript) -> None:
    await fill(chat, HAPPY_PATH[:6])
    [ask] = await chat.press("reg:com:other")
    assert "tỉnh" in ask.text
    [choose] = await chat.say("yen bai")
    assert "Yên Bái" in choose.text
    assert any(b.label == "Tỉnh Lào Cai" for b in choose.buttons)


async def test_commune_typo_asks_to_confirm(chat: Transcript) -> None:
    await fill(chat, HAPPY_PATH[:6])
    [choose] = await chat.say("bat sat")
    assert "Xã Bát Xát" in [b.label for b in choose.buttons]
    [village] = await chat.press(next(b.action for b in choose.buttons if b.label == "Xã Bát Xát"))
    assert "thôn" in village.text


async def test_cancel_deletes_the_draft(chat: Transcript) -> None:
    await fill(chat, HAPPY_PATH[:5])
    [reply] = await chat.say("/huy")
    assert "Đã dừng" in reply.text
    [fresh] = await chat.press("menu:register")
    assert "đang làm dở" in fresh.text  # /huy leaves the flow; the draft waits
    [gone] = await chat.press("reg:cancel")
    assert "đã được xoá" in gone.text


async def test_news_is_a_separate_opt_in(chat: Transcript) -> None:
    summary = await fill(chat)
    assert "Nhận tin phiên giao dịch việc làm: Không" in summary  # silence is not consent
    [toggled] = await chat.press("reg:news:on")
    assert "Nhận tin phiên giao dịch việc làm: Có" in toggled.text
    await chat.press("reg:submit")
    async with chat.runtime.sessions() as session:
        from db.models import User

        user = await session.scalar(select(User).where(User.external_id == "u1"))
    assert user is not None and user.news_opt_in is True and user.consent_at is not None


@pytest.mark.parametrize(
    "typed", ["đăng ký", "dang ky di han", "muốn đăng ký", "Em muốn đăng ký ạ"]
)
async def test_typing_that_you_want_to_register_opens_the_form(
    chat: Transcript, typed: str
) -> None:
    [consent] = await chat.say(typed)
    assert consent.text == (await chat.press("menu:register"))[0].text
    assert {b.action for b in consent.buttons} == {"reg:consent:yes", "reg:consent:no"}


@pytest.mark.parametrize(
    "typed", ["đăng ký thi EPS ở đâu?", "thoi e ko dang ky nua", "đăng ký có mất tiền không"]
)
async def test_questions_about_registering_are_not_the_form(chat: Transcript, typed: str) -> None:
    replies = await chat.say(typed)
    assert not any("reg:consent:yes" in {b.action for b in r.buttons} for r in replies)
