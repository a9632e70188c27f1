"""Conversation state: read with the user in one statement, written back only when changed."""

from __future__ import annotations

from sqlalchemy import event, select

from db import users
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import ConversationState
from tests.conftest import make_settings


async def test_first_contact_creates_both_and_changes_are_written_back(database_url: str) -> None:
    engine = create_engine(make_settings(database_url))
    await upgrade(engine)
    sessions = session_factory(engine)
    updates: list[str] = []

    def watch(_c: object, _cur: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE CONVERSATION_STATES"):
            updates.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", watch)
    try:
        async with sessions.begin() as session:
            user, state = await users.begin_turn(session, "telegram", "77", "Lò Thị B")
            assert (state.flow, state.step, state.data, state.buttons) == (None, None, {}, [])
            state.flow, state.step = "register", "name"
            state.data["draft:name"] = "Lò Thị B"  # changed in place: seen too
            await users.save_state(session, state)
        async with sessions.begin() as session:
            again, state = await users.begin_turn(session, "telegram", "77", "Lò Thị B")
            assert again.id == user.id
            assert (state.flow, state.step) == ("register", "name")
            assert state.data == {"draft:name": "Lò Thị B"}
            assert state.updated_at is not None
            updates.clear()
            await users.save_state(session, state)  # nothing changed: no statement
            assert updates == []
        async with sessions() as session:
            row = await session.scalar(select(ConversationState))
            assert row is not None and row.data == {"draft:name": "Lò Thị B"}
    finally:
        await engine.dispose()
