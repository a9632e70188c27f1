"""Any text a person or a platform sends is stored (F9): cut to the column's length where
the column is bounded, NUL characters dropped. PostgreSQL is where this matters (SQLite
stores anything); every test runs on both."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import String, Text, select

from db.engine import session_factory
from db.migrate import open_database
from db.models import AuditEvent, Base, User
from db.stored_text import BoundedString, SafeText
from tests.conftest import STAFF_CHAT, STAFF_MEMBER, make_settings, start_webhook_server
from tests.fakes.telegram_api import FakeTelegram

APOLOGY = "hệ thống đang gặp trục trặc"


def test_every_text_column_of_every_table_takes_any_text() -> None:
    """Reads the schema: a column added later is covered too."""
    for table in Base.metadata.tables.values():
        for column in table.columns:
            assert type(column.type) not in (String, Text), f"{table.name}.{column.name}"
            if isinstance(column.type, BoundedString):
                assert column.type.impl.length, f"{table.name}.{column.name}"  # type: ignore[attr-defined]


async def test_values_at_and_over_the_limit(database_url: str) -> None:
    engine = await open_database(make_settings(database_url))
    try:
        sessions = session_factory(engine)
        at_limit, over, with_nul = "Ă" * 128, "Ư" * 129 + "x" * 500, "Lò\x00 Văn A"
        async with sessions.begin() as db:
            for key, name in (("1", at_limit), ("2", over), ("3", with_nul)):
                db.add(User(channel="telegram", external_id=key, display_name=name))
            db.add(AuditEvent(actor="telegram:1 " + "Hoa " * 40, action="x", note="a\x00b"))
        async with sessions() as db:
            names = dict((await db.execute(select(User.external_id, User.display_name))).all())
            event = await db.scalar(select(AuditEvent))
        assert names == {"1": at_limit, "2": "Ư" * 128, "3": "Lò Văn A"}
        assert event is not None and len(event.actor) == 64 and event.note == "ab"
        # A lookup with the long value finds the row stored under its cut form.
        async with sessions() as db:
            found = await db.scalar(select(User.external_id).where(User.display_name == over))
        assert found == "2"
    finally:
        await engine.dispose()


async def test_a_telegram_name_of_any_length_gets_answers(
    database_url: str, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """A first and a last name of 64 characters each (Telegram's maximum): 129 with the
    space, one more than users.display_name holds. Also a staff member with a long name
    exporting (`audit_events.actor` holds 64)."""
    fake = fake_telegram
    server = await start_webhook_server(
        database_url, fake, dashboard_key_file=str(tmp_path / "dashboard.key")
    )
    try:
        update = fake.message_update(501, "xin chào", name="A" * 64)
        update["message"]["from"]["last_name"] = "B" * 64
        assert await fake.deliver_webhook(update) == 200
        [reply, *_] = await fake.wait_sent(501, 1)
        assert APOLOGY not in reply.text
        staff_name = "Nguyễn Thị Hoa Trung tâm Dịch vụ việc làm tỉnh Lào Cai phòng XKLĐ"
        command = fake.message_update(STAFF_MEMBER, "/xuat", chat_id=STAFF_CHAT, name=staff_name)
        assert await fake.deliver_webhook(command) == 200
        sent = await fake.wait_sent(STAFF_CHAT, 2)
        assert all(APOLOGY not in (c.text or "") for c in sent)
        assert server.runtime is not None
        async with server.runtime.sessions() as db:
            stored = await db.scalar(select(User.display_name).where(User.external_id == "501"))
            actor = await db.scalar(select(AuditEvent.actor).where(AuditEvent.action == "export"))
        assert stored == ("A" * 64 + " " + "B" * 64)[:128]
        assert actor is not None and actor.startswith(f"telegram:{STAFF_MEMBER} Nguyễn Thị Hoa")
        assert len(actor) == 64
    finally:
        await server.stop()


def test_text_columns_drop_nul_characters() -> None:
    assert SafeText().process_bind_param("a\x00b", None) == "ab"  # type: ignore[arg-type]
    assert BoundedString(3).process_bind_param("a\x00bcd", None) == "abc"  # type: ignore[arg-type]
