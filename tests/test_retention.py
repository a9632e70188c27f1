"""Data retention: `python -m bot retention purge` anonymises what is older than the age,
as erasure does, audited; a dry run changes nothing; recent data is untouched."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, select, update

from db.clock import utcnow
from db.models import (
    AuditEvent,
    ConversationState,
    InboxUpdate,
    OutboxMessage,
    Registration,
    User,
)
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.test_registration_flow import HAPPY_PATH, fill
from tests.transcript import Transcript

ROOT = Path(__file__).resolve().parents[1]
OLD, RECENT, DRAFTING = "old-worker", "recent-worker", "drafting-worker"


def _with_phone(phone: str) -> list[tuple[str, str]]:
    return [("say", phone) if v == "+84 912.345.678" else (k, v) for k, v in HAPPY_PATH]


async def _cli(database_url: str, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "retention",
        "purge",
        *args,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
             "DATABASE_URL": database_url},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode()
    return out.decode()


async def _age(chat: Transcript, user_key: str, days: int) -> None:
    """Make everything of this worker look `days` old."""
    then = utcnow() - timedelta(days=days)
    async with chat.runtime.sessions.begin() as session:
        user = await session.scalar(select(User).where(User.external_id == user_key))
        assert user is not None
        await session.execute(
            update(Registration).where(Registration.user_id == user.id).values(updated_at=then)
        )
        await session.execute(
            update(ConversationState)
            .where(ConversationState.user_id == user.id)
            .values(updated_at=then)
        )
        await session.execute(
            update(InboxUpdate).where(InboxUpdate.user_key == user_key).values(received_at=then)
        )
        await session.execute(  # replies to them, and their cards in the staff chat
            update(OutboxMessage)
            .where(or_(OutboxMessage.chat_key == user_key, OutboxMessage.user_id == user.id))
            .values(created_at=then)
        )


async def test_purge_anonymises_old_data_like_erasure_and_keeps_recent(
    database_url: str,
) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        for user, phone in ((OLD, "0912345678"), (RECENT, "0987654321")):
            chat.user = user
            await fill(chat, _with_phone(phone))
            await chat.press("reg:submit")
        chat.user = DRAFTING
        await fill(chat, HAPPY_PATH[:6])  # a draft with a phone number, never submitted
        await _age(chat, OLD, 400)
        await _age(chat, DRAFTING, 400)
    finally:
        await chat.close()

    dry = await _cli(database_url, "--older-than-days", "365", "--dry-run")
    assert "registrations anonymised: 1" in dry and "form drafts dropped: 1" in dry, dry
    assert "nothing would be changed" in dry

    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        async with chat.runtime.sessions() as session:
            regs = (await session.scalars(select(Registration))).all()
            assert all(r.anonymised_at is None for r in regs)  # the dry run changed nothing
    finally:
        await chat.close()

    out = await _cli(database_url, "--older-than-days", "365")
    assert "registrations anonymised: 1" in out and "Done." in out, out
    again = await _cli(database_url, "--older-than-days", "365")
    assert "registrations anonymised: 0" in again and "inbox messages emptied: 0" in again

    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        async with chat.runtime.sessions() as session:
            regs = {r.commune_name + (r.phone or "-"): r for r in
                    (await session.scalars(select(Registration))).all()}  # fmt: skip
            old = regs["Xã Bát Xát-"]
            assert old.full_name is None and old.phone is None and old.user_id is None
            assert old.market == "Hàn Quốc (EPS)" and old.anonymised_at is not None
            recent = regs["Xã Bát Xát0987654321"]
            assert recent.full_name == "Lò Văn Minh" and recent.anonymised_at is None

            states = {
                s.user_id: s for s in (await session.scalars(select(ConversationState))).all()
            }
            users = {u.external_id: u.id for u in (await session.scalars(select(User))).all()}
            assert states[users[DRAFTING]].data == {}  # the draft with a phone is gone
            assert states[users[RECENT]].data is not None

            for user_key, payload in (
                await session.execute(select(InboxUpdate.user_key, InboxUpdate.payload))
            ).all():
                if user_key == "expired":
                    assert payload == {"expired": True}
                else:
                    assert user_key == RECENT
            outbox = (
                await session.execute(select(OutboxMessage.chat_key, OutboxMessage.payload))
            ).all()
            assert all(p == {"expired": True} for chat_key, p in outbox if chat_key == OLD)
            texts = " ".join(str(p) for _, p in outbox)
            assert "0912345678" not in texts  # not in a reply, nor in the old staff card
            assert "0987654321" in texts  # the recent card is untouched

            audit = (
                await session.scalars(select(AuditEvent).where(AuditEvent.actor == "retention"))
            ).all()
            assert [(a.action, a.registration_id) for a in audit] == [
                ("retention", old.id),
                ("purge", None),
            ]
            assert "older than 365 days" in (audit[0].note or "")
    finally:
        await chat.close()


async def test_purge_needs_an_age(database_url: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "retention", "purge",
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
             "DATABASE_URL": database_url},
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    assert proc.returncode == 2 and b"RETENTION_DAYS" in out
