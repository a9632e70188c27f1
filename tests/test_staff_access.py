"""Who is staff in the staff chat (F16): by default only the STAFF_IDS users; with
STAFF_ACCESS=staff_chat_members every member of the staff chat, as before."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from db.models import Registration
from faq.service import FaqService
from settings import Settings
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.test_staff_review import submitted
from tests.transcript import STAFF, Transcript

LISTED = "7001"  # in STAFF_IDS (tests/conftest.py)
MEMBER = "302"  # a member of the staff chat who is not


def test_the_default_is_only_staff_ids() -> None:
    assert Settings(_env_file=None).staff_access == "staff_ids"  # type: ignore[call-arg]


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    settings = make_settings(database_url, staff_access="staff_ids")
    transcript = await Transcript.open(settings, FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


async def _staff(chat: Transcript, user: str, **fields: object) -> str:
    before = len(chat.channel.to(STAFF))
    await chat.send(user=user, chat_key=STAFF, **fields)
    answers = chat.channel.to(STAFF)[before:]
    return "\n".join(a.text for a in answers)


async def _status(chat: Transcript, registration_id: int) -> str:
    async with chat.runtime.sessions() as session:
        status = await session.scalar(
            select(Registration.status).where(Registration.id == registration_id)
        )
    assert status is not None
    return status


async def test_a_chat_member_not_in_staff_ids_can_do_nothing_of_staff(chat: Transcript) -> None:
    registration = await submitted(chat)
    for command in ("/dangky", f"/xem {registration.code}", "/xuat", "/faqreload", "/thongbao"):
        answer = await _staff(chat, MEMBER, text=command)
        assert "chưa có quyền" in answer and MEMBER in answer, command
        assert registration.full_name not in answer
    answer = await _staff(chat, MEMBER, action=f"rs:hen_phong_van:{registration.id}")
    assert "chưa có quyền" in answer
    assert await _status(chat, registration.id) == "moi"
    assert await _staff(chat, MEMBER, text=f"/trangthai {registration.code} đã liên hệ")
    assert await _status(chat, registration.id) == "moi"
    # Ordinary chatter in the group gets no answer at all.
    assert await _staff(chat, MEMBER, text="chào cả nhà") == ""

    # A reply to a worker's hand-off card relays nothing to the worker.
    chat.user = "u2"
    await chat.press("menu:staff")
    await chat.say("Cho em hỏi về vay vốn ạ")
    card_id = str(max(i for i, (c, _, _) in enumerate(chat.channel.sent, 1) if c == STAFF))
    before = len(chat.channel.to("u2"))
    await chat.send(user=MEMBER, chat_key=STAFF, text="Gọi cho anh nhé", reply_to=card_id)
    assert len(chat.channel.to("u2")) == before

    # A STAFF_IDS user in the same chat: all of it works.
    assert registration.code in await _staff(chat, LISTED, text="/dangky")
    answer = await _staff(chat, LISTED, action=f"rs:hen_phong_van:{registration.id}")
    assert "hẹn phỏng vấn" in answer
    assert await _status(chat, registration.id) == "hen_phong_van"
    await chat.send(user=LISTED, chat_key=STAFF, text="Anh gọi lại nhé", reply_to=card_id)
    assert "Anh gọi lại nhé" in chat.channel.to("u2")[-1].text


async def test_with_staff_chat_members_every_member_is_staff(database_url: str) -> None:
    settings = make_settings(database_url, staff_access="staff_chat_members")
    chat = await Transcript.open(settings, FaqService(FIXTURE_FAQ))
    try:
        registration = await submitted(chat)
        assert registration.code in await _staff(chat, MEMBER, text="/dangky")
        await _staff(chat, MEMBER, action=f"rs:da_lien_he:{registration.id}")
        assert await _status(chat, registration.id) == "da_lien_he"
    finally:
        await chat.close()
