"""A registration belongs to the worker who sent it.

A second worker typing the same phone learns nothing (no code, status or name) and
changes nothing; their registration is its own record flagged «trùng số điện thoại», and
staff see both side by side (chat card and dashboard). Only the owner can update or
withdraw, and every button carrying a registration id checks the owner.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import select

from bot.serve import Server
from db.models import AuditEvent, Registration
from faq.service import FaqService
from handlers.registration import places
from handlers.types import Reply
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.dashboard_kit import add_registration
from tests.test_dashboard import get, http, server, staff  # noqa: F401  (fixtures)
from tests.test_registration_flow import HAPPY_PATH
from tests.transcript import STAFF, Transcript

OWNER, OTHER = "owner", "stranger"


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


async def walk(chat: Transcript, user: str, steps: list[tuple[str, str]]) -> list[Reply]:
    replies: list[Reply] = []
    for kind, value in steps:
        send = chat.press if kind == "press" else chat.say
        replies += await send(value, user=user)
    return replies


def renamed(name: str) -> list[tuple[str, str]]:
    return [(k, name if v == "lò văn minh" else v) for k, v in HAPPY_PATH]


async def rows(chat: Transcript) -> list[Registration]:
    async with chat.runtime.sessions() as session:
        return list((await session.scalars(select(Registration).order_by(Registration.id))).all())


async def test_a_second_worker_with_the_same_phone_learns_nothing_and_changes_nothing(
    chat: Transcript,
) -> None:
    await walk(chat, OWNER, [*renamed("Vàng Thị Mai"), ("press", "reg:edit:note")])
    await walk(chat, OWNER, [("say", "Gọi sau 17 giờ"), ("press", "reg:submit")])
    [first] = await rows(chat)
    before = {c: getattr(first, c) for c in Registration.__table__.columns.keys()}

    told = await walk(chat, OTHER, renamed("Thào Seo Lử"))
    shared = [r.text for r in told if "đã có trong một đăng ký khác" in r.text]
    assert shared and "cán bộ" in shared[0]  # told kindly, at the phone step
    told += await chat.press("reg:submit", user=OTHER)
    everything = "\n".join(r.text + " ".join(b.label for b in r.buttons) for r in told)
    for secret in (first.code, "Vàng Thị Mai", "Gọi sau 17 giờ", "trạng thái", "(mới)"):
        assert secret not in everything, secret
    assert not any(b.action.startswith("reg:update:") for r in told for b in r.buttons)

    # Forged buttons carrying the first registration's id do nothing, and say nothing.
    for action in (f"reg:update:{first.id}", f"reg:withdraw:{first.id}",
                   f"reg:withdraw:{first.id}:yes"):  # fmt: skip
        [refused] = await chat.press(action, user=OTHER)
        assert "không còn dùng được" in refused.text and first.code not in refused.text

    [mine] = await chat.say("/dulieu", user=OTHER)
    assert "Thào Seo Lử" in mine.text and first.code not in mine.text
    assert "Vàng Thị Mai" not in mine.text

    first_now, second = await rows(chat)
    assert {c: getattr(first_now, c) for c in before} == before  # not a column changed
    assert second.code != first.code and second.full_name == "Thào Seo Lử"
    assert second.phone == first.phone and second.duplicate_of_id == first.id
    assert [e.action for e in await events(chat, first.id)] == ["submit"]

    # Staff get the new card with the first registration beside it.
    _, (card, _) = chat.staff_messages()
    assert card.text.startswith(f"📝 Đăng ký mới {second.code}")
    assert "Cần kiểm tra: trùng số điện thoại" in card.text
    assert "Thào Seo Lử" in card.text and "Vàng Thị Mai" in card.text and first.code in card.text
    for code in (first.code, second.code):  # /xem shows either with the other beside it
        await chat.send(user="staff-1", chat_key=STAFF, text=f"/xem {code}")
        shown = chat.channel.to(STAFF)[-1].text
        assert "Thào Seo Lử" in shown and "Vàng Thị Mai" in shown and "Cùng số điện thoại" in shown

    # Erasing the second worker's data leaves the first registration whole.
    await chat.say("/xoadulieu", user=OTHER)
    await chat.press("privacy:erase:yes", user=OTHER)
    first_now, second = await rows(chat)
    assert {c: getattr(first_now, c) for c in before} == before
    assert second.anonymised_at is not None and second.full_name is None


async def events(chat: Transcript, registration_id: int) -> list[AuditEvent]:
    async with chat.runtime.sessions() as session:
        found = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.registration_id == registration_id)
            .order_by(AuditEvent.id)
        )
        return list(found.all())


async def test_the_owner_updates_and_withdraws_from_dulieu(chat: Transcript) -> None:
    await walk(chat, OWNER, [*HAPPY_PATH, ("press", "reg:submit")])
    [registration] = await rows(chat)
    [mine] = await chat.say("/dulieu", user=OWNER)
    for label in ("Thôn/bản, tổ: Bản Lếch", "Dân tộc: Mông", "Đã đi nước ngoài: Chưa"):
        assert label in mine.text
    actions = {b.action for b in mine.buttons}
    assert {f"reg:update:{registration.id}", f"reg:withdraw:{registration.id}"} <= actions

    [summary] = await chat.press(f"reg:update:{registration.id}", user=OWNER)
    assert f"Bạn đang sửa hồ sơ {registration.code}" in summary.text
    await chat.press("reg:edit:village", user=OWNER)
    await chat.say("Bản Lếch Mông", user=OWNER)
    [done] = await chat.press("reg:submit", user=OWNER)
    assert "cập nhật" in done.text
    [registration] = await rows(chat)
    assert registration.village == "Bản Lếch Mông" and registration.birth_date is not None

    [ask] = await chat.press(f"reg:withdraw:{registration.id}", user=OWNER)
    assert registration.code in ask.text
    [gone] = await chat.press(f"reg:withdraw:{registration.id}:yes", user=OWNER)
    assert "Đã rút hồ sơ" in gone.text
    [registration] = await rows(chat)
    assert registration.status == "rut_ho_so"
    assert [e.action for e in await events(chat, registration.id)] == ["submit", "update", "status"]
    assert chat.staff_messages()[-1][0].text.startswith(
        f"↩️ Người lao động rút hồ sơ {registration.code}"
    )
    [again] = await chat.press(f"reg:update:{registration.id}", user=OWNER)  # closed now
    assert "không còn dùng được" in again.text


async def test_staff_see_both_registrations_side_by_side_on_the_dashboard(
    server: Server,  # noqa: F811
    staff: aiohttp.ClientSession,  # noqa: F811
) -> None:
    [bat_xat] = places.find_communes("Xã Bát Xát", 15, limit=1)  # a known commune: no ⚠️
    first = await add_registration(
        server, full_name="Lò Văn Minh", village="Bản Lếch", commune_code=bat_xat.code
    )
    second = await add_registration(
        server,
        full_name="Thào Seo Lử",
        village="Sán Chải",
        commune_code=bat_xat.code,
        duplicate_of_id=first.id,
    )
    for shown, other in ((second, first), (first, second)):
        status, page, _ = await get(staff, server, f"/staff/registrations/{shown.id}")
        assert status == 200
        table = page[page.index('id="same-phone"') :]
        assert f"{shown.code} (hồ sơ này)" in table and other.code in table
        for text in ("Lò Văn Minh", "Thào Seo Lử", "Bản Lếch", "Sán Chải"):
            assert text in table, text
    _, page, _ = await get(staff, server, f"/staff/registrations/{second.id}")
    assert "Cần kiểm tra: trùng số điện thoại" in page
    _, listing, _ = await get(staff, server, "/staff/registrations")
    assert listing.count('title="Cần kiểm tra: trùng số điện thoại"') == 1  # the second only
