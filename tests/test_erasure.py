"""Erasure leaves nothing (issue 18 item 1; reviews/security-2026-12.md F2, F14).

A worker lives a full life with the centre (a registration with every answer, an ID
number in its note, FAQ questions, a hand-off with messages both ways, staff notes and a
status reason quoting them, the staff's `/xem` in the staff chat and privately, an export
searched by their phone, a broadcast, a reminder still queued), then erases it with the
real command. Every column of every table is then scanned (`tests/pii_scan.py`: the
schema is read from the database) for their name, phone in every form, ID number,
village, distinctive message texts and platform id. The same for `retention purge`;
Zalo's `user_withdraw` in `tests/test_erasure_zalo.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot import retention
from db.clock import utcnow
from db.erasure import staff_keys
from db.models import (
    AuditEvent,
    Broadcast,
    BroadcastRecipient,
    ConversationState,
    FaqMiss,
    HandoffConversation,
    HandoffMessage,
    InboxUpdate,
    OutboxMessage,
    Registration,
    User,
)
from faq.service import FaqService
from handlers.handoff import LEAVE
from handlers.menu import TALK_TO_STAFF
from tests.conftest import FIXTURE_FAQ, STAFF_MEMBER, make_settings
from tests.pii_scan import scan
from tests.transcript import STAFF, Transcript

WORKER = "8412300000777"  # the platform's id of the worker
NAME = "Nguyễn Văn Xoá"
PHONE = "0988 777 666"
CCCD = "001099012345"
VILLAGE = "Thôn Khuổi Pảng"
MISS = "con trâu nhà tôi bị lạc ở chợ phiên Bắc Hà thì báo ai"
HANDOFF = "tôi muốn hỏi chuyện nợ nần với công ty môi giới Hưng Thịnh"
NOTE = f"CCCD {CCCD}, gọi sau 17 giờ"
# What must be gone: the phone in the forms people write it, and the rest.
DISPLAY_NAME = "Xoá Nguyễn"  # the name the platform gives
NEEDLES = [
    NAME,
    DISPLAY_NAME,
    "0988777666",
    "+84988777666",
    "988777666",
    CCCD,
    VILLAGE,
    MISS,
    HANDOFF,
    "gặp anh ấy ở nhà văn hoá thôn",  # a staff status reason
    WORKER,
]
FORM = [
    ("press", "menu:register"),
    ("press", "reg:consent:yes"),
    ("say", NAME),
    ("say", "15/8/2001"),
    ("press", "reg:gender:nam"),
    ("say", PHONE),
    ("say", "y ty"),
    ("say", VILLAGE),
    ("say", "ha nhi"),
    ("say", "lop 12"),
    ("say", "nhat"),
    ("press", "reg:lang:basic"),
    ("say", "Đài Loan, 3 năm"),
    ("say", "co"),
    ("press", "reg:edit:note"),
    ("say", NOTE),
    ("press", "reg:news:on"),
    ("press", "reg:submit"),
]


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    transcript = await Transcript.open(
        make_settings(database_url), FaqService(FIXTURE_FAQ), user=WORKER
    )
    yield transcript
    await transcript.close()


async def worker(
    chat: Transcript, kind: str, value: str, user: str = WORKER, name: str = DISPLAY_NAME
) -> None:
    field = "action" if kind == "press" else "text"
    await chat.send(user=user, display_name=name, **{field: value})


async def staff(chat: Transcript, text: str, **fields: object) -> None:
    """A staff member in the staff chat (a new message id each time)."""
    await chat.send(
        user="staff-1",
        chat_key=STAFF,
        display_name="Chị Hoa",
        message_ref=f"staff-msg-{len(chat.channel.sent)}",
        text=text,
        **fields,
    )


async def full_life(chat: Transcript) -> Registration:
    """Everything a worker leaves behind, through the real inbox processor (and the rows the
    dashboard and the broadcast sender write, added directly)."""
    for kind, value in FORM:
        await worker(chat, kind, value)
    async with chat.runtime.sessions() as session:
        reg = await session.scalar(select(Registration))
    assert reg is not None and reg.note == NOTE
    code = reg.code
    await worker(chat, "say", MISS)  # not in the FAQ: kept for staff
    await worker(chat, "press", TALK_TO_STAFF.action)
    await worker(chat, "say", f"{HANDOFF}, số tôi {PHONE}")
    card = next(r for r in chat.channel.to(STAFF) if "Hội thoại #" in r.text)
    await staff(
        chat, f"Anh Xoá ơi, mai mang CCCD {CCCD} lên nhé", reply_to=chat.channel.message_id(card)
    )
    assert "mang CCCD" in chat.channel.to(WORKER)[-1].text
    await worker(chat, "press", LEAVE.action)
    await staff(chat, f"/ghichu {code} đã gọi cho Xoá số 0988777666")
    await staff(chat, f"/trangthai {code} hẹn phỏng vấn; gặp anh ấy ở nhà văn hoá thôn")
    await staff(chat, f"/xem {code}")
    assert NAME in chat.channel.to(STAFF)[-1].text
    await chat.send(user=str(STAFF_MEMBER), display_name="Anh Tùng", text=f"/xem {code}")
    async with chat.runtime.sessions.begin() as session:
        session.add(AuditEvent(actor="web:admin", action="export", note="1 hồ sơ; q=0988777666"))
        user = await session.scalar(select(User).where(User.external_id == WORKER))
        assert user is not None
        news = Broadcast(text="Phiên giao dịch việc làm ngày 5/12", status="done")
        session.add(news)
        await session.flush()
        session.add(
            BroadcastRecipient(
                broadcast_id=news.id, user_id=user.id, channel="test", chat_key=WORKER,
                status="sent", last_error=f"chat {WORKER} was slow",
            )
        )  # fmt: skip
    return reg


async def queue_reminder(chat: Transcript) -> None:
    """A message to the worker waiting for a retry (it holds back later ones to them)."""
    async with chat.runtime.sessions.begin() as session:
        user = await session.scalar(select(User).where(User.external_id == WORKER))
        assert user is not None
        session.add(
            OutboxMessage(
                idempotency_key="reminder:test", channel="test", chat_key=WORKER, kind="reminder",
                user_id=user.id, payload={"reply": {"text": f"{NAME} ơi, mai có phiên"}},
                status="pending", next_attempt_at=utcnow() + timedelta(hours=1),
            )
        )  # fmt: skip


async def test_xoadulieu_leaves_no_trace_in_any_table(chat: Transcript) -> None:
    await full_life(chat)
    engine = chat.runtime.engine
    before = await scan(engine, NEEDLES)
    tables = {hit.split(".")[0] for hit in before}
    assert {
        "users", "registrations", "outbox", "processed_updates", "audit_events", "faq_misses",
        "handoff_messages", "broadcast_recipients",
    } <= tables, tables  # fmt: skip

    [shown] = await chat.say("/dulieu")
    for held in (NAME, "0988777666", VILLAGE, NOTE, "đã gọi cho Xoá", MISS, "Trò chuyện với"):
        assert held in shown.text, held
    await worker(chat, "say", "/xoadulieu")
    await queue_reminder(chat)
    await worker(chat, "press", "privacy:erase:yes")
    assert "Đã xoá dữ liệu" in chat.channel.to(WORKER)[-1].text  # the farewell arrived

    assert await scan(engine, NEEDLES) == []
    async with chat.runtime.sessions() as session:
        # What statistics need stays, linked to nobody.
        [reg] = (await session.scalars(select(Registration))).all()
        assert reg.user_id is None and reg.commune_name == "Xã Y Tý" and reg.status
        assert reg.market and reg.anonymised_at is not None
        statuses = (await session.scalars(select(AuditEvent.to_status))).all()
        assert "hen_phong_van" in statuses
        [sent] = (await session.scalars(select(BroadcastRecipient))).all()
        assert sent.status == "sent" and sent.user_id is None
        for model in (User, HandoffConversation, FaqMiss):
            count = await session.scalar(select(func.count()).select_from(model))
            assert count == (2 if model is User else 0), model  # the two staff members
        assert await session.scalar(select(func.count()).select_from(ConversationState)) == 2
        reminder = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == "reminder:test")
        )
        assert reminder is not None and reminder.status == "failed"  # never sent
        inbox = await session.scalar(select(func.count()).select_from(InboxUpdate))
        assert inbox is not None and inbox > 20
    # The staff can still use the chat; the worker is a stranger now.
    await staff(chat, f"/xem {reg.code}")
    assert NAME not in chat.channel.to(STAFF)[-1].text
    [after] = await chat.say("/dulieu")
    assert "Hồ sơ" not in after.text and "0988" not in after.text


async def test_dulieu_lists_everything_held_without_erasing(chat: Transcript) -> None:
    await full_life(chat)
    [shown] = await chat.say("/dulieu")
    lines = shown.text
    for held in (
        NAME, "15/08/2001", "0988777666", VILLAGE, "Hà Nhì", "Đài Loan, 3 năm", NOTE,
        "Nhận tin phiên giao dịch việc làm: Có", "Cán bộ ghi", "gặp anh ấy ở nhà văn hoá thôn",
        MISS, "Trò chuyện với cán bộ: 1 lần", "Thông báo trung tâm đã gửi bạn: 1",
    ):  # fmt: skip
        assert held in lines, held
    assert await scan(chat.runtime.engine, [NAME])  # nothing was erased by looking


async def test_retention_purge_leaves_no_trace_of_an_old_registration(
    chat: Transcript, database_url: str
) -> None:
    await full_life(chat)
    then = utcnow() - timedelta(days=400)
    async with chat.runtime.sessions.begin() as session:
        for model, column in (
            (Registration, Registration.updated_at),
            (InboxUpdate, InboxUpdate.received_at),
            (OutboxMessage, OutboxMessage.created_at),
            (FaqMiss, FaqMiss.created_at),
            (ConversationState, ConversationState.updated_at),
        ):
            await session.execute(update(model).values({column.key: then}))
        await session.execute(
            update(HandoffConversation).values(status="closed", closed_at=then, opened_at=then)
        )
        await session.execute(update(HandoffMessage).values(created_at=then))
    # A staff member looked the registration up yesterday: recent, but it quotes it.
    await staff(chat, "/dangky")
    assert NAME in chat.channel.to(STAFF)[-1].text
    staff_chats = staff_keys(make_settings(database_url), STAFF)
    report = await retention.purge(chat.runtime.sessions, 365, staff=staff_chats)
    assert report.registrations == 1 and report.misses >= 1
    # The worker's user row (platform id, display name) stays: they may still be talking
    # to us. Nothing else of theirs older than a year does.
    assert (
        await scan(chat.runtime.engine, [n for n in NEEDLES if n not in (WORKER, DISPLAY_NAME)])
        == []
    )
    assert await scan(chat.runtime.engine, [DISPLAY_NAME]) == [
        f"users.display_name holds {DISPLAY_NAME!r}: {DISPLAY_NAME}"
    ]


async def test_a_duplicate_phone_no_longer_points_at_the_erased_registration(
    chat: Transcript,
) -> None:
    for kind, value in FORM:
        await worker(chat, kind, value)
    # Someone else gives the same phone: their card shows ours beside it.
    other = [("say", "Lò Thị Khác") if v == NAME else (k, v) for k, v in FORM]
    other = [("say", "Bản Khác") if v == VILLAGE else (k, v) for k, v in other]
    other = [("say", "không") if v == NOTE else (k, v) for k, v in other]
    for kind, value in other:
        await worker(chat, kind, value, user="other-worker", name="Khác")
    assert any(NAME in r.text and "Lò Thị Khác" in r.text for r in chat.channel.to(STAFF))
    async with chat.runtime.sessions() as session:
        first, second = await session.scalars(select(Registration).order_by(Registration.id))
        assert second.duplicate_of_id == first.id
    await worker(chat, "say", "/xoadulieu")
    await worker(chat, "press", "privacy:erase:yes")
    async with chat.runtime.sessions() as session:
        regs = (await session.scalars(select(Registration).order_by(Registration.id))).all()
    assert [r.duplicate_of_id for r in regs] == [None, None]
    assert regs[1].full_name == "Lò Thị Khác"  # the other person's data stays theirs
    # Their registration keeps the number they typed; nothing else names the erased one.
    assert await scan(chat.runtime.engine, [NAME, DISPLAY_NAME, VILLAGE, CCCD, WORKER]) == []
