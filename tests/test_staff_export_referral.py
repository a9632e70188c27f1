"""Staff exports (XLSX + CSV) and referral links with QR codes, attributed registrations."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import openpyxl
import pytest
from sqlalchemy import select

from db.models import Registration, User
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.test_registration_flow import fill
from tests.test_staff_review import staff_says
from tests.transcript import STAFF, Transcript


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    transcript.runtime.inbox.bot_username = "test_assistant_bot"
    yield transcript
    await transcript.close()


async def test_export_sends_a_workbook_and_a_csv(chat: Transcript) -> None:
    await fill(chat)
    await chat.press("reg:submit")
    await chat.send(user="staff-1", chat_key=STAFF, text="/xuat 1/1/2026 31/12/2030")
    workbook_reply, csv_reply = chat.channel.to(STAFF)[-2:]
    assert "1 hồ sơ" in workbook_reply.text
    assert workbook_reply.attachment and workbook_reply.attachment.filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_reply.attachment.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Mã hồ sơ" and rows[1][3] == "Lò Văn Minh"
    assert "0912345678" in rows[1]
    assert csv_reply.attachment and csv_reply.attachment.data.startswith(b"\xef\xbb\xbf")

    await chat.send(user="staff-1", chat_key=STAFF, text="/xuat 1/1/2020 31/12/2020")
    assert "0 hồ sơ" in chat.channel.to(STAFF)[-2].text
    assert "Cách dùng" in await staff_says(chat, text="/xuat hôm qua")
    [refused] = await chat.say("/xuat")
    assert "chỉ dành cho cán bộ" in refused.text


async def test_referral_link_qr_and_attribution(chat: Transcript) -> None:
    await chat.send(user="staff-1", chat_key=STAFF, text="/gioithieu add Lò Văn Páo | Xã Bát Xát")
    created = chat.channel.to(STAFF)[-1]
    assert "https://t.me/test_assistant_bot?start=ref_LVPAO" in created.text
    assert created.attachment and created.attachment.kind == "photo"
    assert created.attachment.data.startswith(b"\x89PNG")

    await chat.say("/start ref_LVPAO", user="new-worker")
    chat.user = "new-worker"
    await fill(chat)
    await chat.press("reg:submit")
    async with chat.runtime.sessions() as session:
        user = await session.scalar(select(User).where(User.external_id == "new-worker"))
        registration = await session.scalar(select(Registration))
    assert user is not None and user.referrer_id is not None
    assert registration is not None and registration.referrer_id == user.referrer_id

    listing = await staff_says(chat, text="/gioithieu")
    assert "LVPAO Lò Văn Páo (Xã Bát Xát): 1 / 1 / 0" in listing
    # A second start from another link does not steal the first referrer.
    await staff_says(chat, text="/gioithieu add Giàng A Sùng")
    await chat.say("/start ref_GASUNG", user="new-worker")
    assert "1 / 1 / 0" in await staff_says(chat, text="/gioithieu")
