"""Staff review in the staff chat: status buttons, notes, lists, details, permissions."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from db.models import AuditEvent, Registration
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.test_registration_flow import HAPPY_PATH, fill
from tests.transcript import STAFF, Transcript


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


async def submitted(chat: Transcript, user: str = "u1") -> Registration:
    chat.user = user
    await fill(chat)
    await chat.press("reg:submit")
    async with chat.runtime.sessions() as session:
        registration = await session.scalar(select(Registration).order_by(Registration.id.desc()))
    assert registration is not None
    return registration


async def staff_says(chat: Transcript, **fields: object) -> str:
    await chat.send(user="staff-1", chat_key=STAFF, **fields)
    return chat.channel.to(STAFF)[-1].text


async def test_status_button_records_who_and_tells_the_applicant(chat: Transcript) -> None:
    registration = await submitted(chat)
    confirm = await staff_says(chat, action=f"rs:hen_phong_van:{registration.id}")
    assert "mới → hẹn phỏng vấn" in confirm and "Đã báo" in confirm
    notice = chat.channel.to("u1")[-1].text
    assert registration.code in notice and "phỏng vấn" in notice
    async with chat.runtime.sessions() as session:
        events = (await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
        stored = await session.get(Registration, registration.id)
    assert stored is not None and stored.status == "hen_phong_van"
    assert [(e.action, e.to_status) for e in events][-1] == ("status", "hen_phong_van")
    assert events[-1].actor.startswith("test:staff-1")


async def test_contacted_is_not_announced_to_the_applicant(chat: Transcript) -> None:
    registration = await submitted(chat)
    before = len(chat.channel.to("u1"))
    confirm = await staff_says(chat, action=f"rs:da_lien_he:{registration.id}")
    assert "đã liên hệ" in confirm and len(chat.channel.to("u1")) == before


async def test_note_button_then_text_and_detail_shows_the_history(chat: Transcript) -> None:
    registration = await submitted(chat)
    prompt = await staff_says(chat, action=f"rn:{registration.id}")
    assert registration.code in prompt
    saved = await staff_says(chat, text="Đã gọi, hẹn thứ Hai mang giấy tờ.")
    assert "Đã ghi chú" in saved
    await staff_says(chat, text=f"/trangthai {registration.code} không phù hợp; chưa đủ tuổi nghề")
    detail = await staff_says(chat, text=f"/xem {registration.code.lower()}")
    assert "Đã gọi, hẹn thứ Hai" in detail and "mới → không phù hợp" in detail
    assert "chưa đủ tuổi nghề" in chat.channel.to("u1")[-1].text  # the reason, in plain words


async def test_list_filters_and_pages(chat: Transcript) -> None:
    for n in range(12):
        phone = f"+84 912.345.{600 + n}"
        chat.user = f"u{n}"
        await fill(chat, [(k, phone if v == "+84 912.345.678" else v) for k, v in HAPPY_PATH])
        await chat.press("reg:submit")
    first = await staff_says(chat, text="/dangky")
    assert "12 hồ sơ, trang 1/2" in first
    page_button = chat.channel.to(STAFF)[-1].buttons[0]
    second = await staff_says(chat, action=page_button.action)
    assert "trang 2/2" in second
    assert "0 hồ sơ" in await staff_says(chat, text="/dangky da lien he") or "Không có" in (
        chat.channel.to(STAFF)[-1].text
    )
    assert "Không rõ trạng thái" in await staff_says(chat, text="/dangky xyz")


async def test_staff_commands_are_refused_to_workers(chat: Transcript) -> None:
    registration = await submitted(chat)
    for attempt in (
        {"text": "/dangky"},
        {"text": f"/xem {registration.code}"},
        {"action": f"rs:khong_phu_hop:{registration.id}"},
    ):
        [reply] = await chat.send(user="u1", **attempt)
        assert "chỉ dành cho cán bộ" in reply.text
    async with chat.runtime.sessions() as session:
        stored = await session.get(Registration, registration.id)
    assert stored is not None and stored.status == "moi"


async def test_bad_staff_input_gets_usage(chat: Transcript) -> None:
    assert "Cách dùng" in await staff_says(chat, text="/xem")
    assert "Không tìm thấy" in await staff_says(chat, text="/xem LC-2026-99999")
    registration = await submitted(chat)
    assert "Cách dùng" in await staff_says(chat, text=f"/ghichu {registration.code}")
    assert "Cách dùng" in await staff_says(chat, text=f"/trangthai {registration.code} bay")
