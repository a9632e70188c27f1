"""The worker's data rights: see what we hold, delete it on request."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import ConversationState, InboxUpdate, Registration, User
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.test_registration_flow import HAPPY_PATH, fill
from tests.transcript import Transcript


async def test_show_then_erase_everything_personal(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        await fill(chat)
        await chat.press("reg:submit")
        [shown] = await chat.say("/dulieu")
        assert "Lò Văn Minh" in shown.text and "0912345678" in shown.text

        [ask] = await chat.say("/xoadulieu")
        assert "không làm lại được" in ask.text
        [done] = await chat.press("privacy:erase:yes")
        assert "Đã xoá" in done.text

        async with chat.runtime.sessions() as session:
            [reg] = (await session.scalars(select(Registration))).all()
            assert reg.full_name is None and reg.phone is None and reg.ethnicity is None
            assert reg.user_id is None and reg.anonymised_at is not None
            assert reg.commune_name == "Xã Bát Xát" and reg.market == "Hàn Quốc (EPS)"
            assert await session.scalar(select(func.count()).select_from(User)) == 0
            assert await session.scalar(select(func.count()).select_from(ConversationState)) == 0
            payloads = (await session.scalars(select(InboxUpdate.payload))).all()
            assert payloads and all("Minh" not in str(p) and "0912" not in str(p) for p in payloads)

        [after] = await chat.say("/dulieu")  # a new, empty user
        assert "Hồ sơ" not in after.text and "Minh" not in after.text
    finally:
        await chat.close()


async def test_keeping_the_data_changes_nothing(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        await fill(chat, HAPPY_PATH[:5])
        await chat.say("/xoadulieu")
        await chat.press("menu:main")
        [resume] = await chat.press("menu:register")
        assert "đang làm dở" in resume.text
    finally:
        await chat.close()
