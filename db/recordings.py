"""Spoken answers (`recordings`), their platforms' file ids, and how often each FAQ
entry was answered (`faq_answer_counts`): small repository functions.

Listings never load the audio (the column is deferred); `audio_of` does, for a send or
the dashboard's player.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from db.clock import utcnow
from db.models import FaqAnswerCount, Recording, RecordingFile


@dataclass(frozen=True, slots=True)
class Audio:
    """Audio that passed the checks (handlers/audio_checks.py), ready to keep."""

    data: bytes
    mime_type: str
    duration: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


async def get(session: AsyncSession, entry_id: str, language: str) -> Recording | None:
    """The recording of an entry in a language (without its audio)."""
    return await session.scalar(
        select(Recording).where(Recording.entry_id == entry_id, Recording.language == language)
    )


async def by_id(session: AsyncSession, recording_id: int) -> Recording | None:
    return await session.get(Recording, recording_id)


async def audio_of(session: AsyncSession, recording_id: int) -> Recording | None:
    """The recording with its audio loaded."""
    return await session.scalar(
        select(Recording).where(Recording.id == recording_id).options(undefer(Recording.audio))
    )


async def available(
    session: AsyncSession, entry_ids: Collection[str], languages: Collection[str]
) -> dict[tuple[str, str], int]:
    """Which of these entries have a recording in which of these languages:
    (entry id, language) → recording id."""
    if not entry_ids or not languages:
        return {}
    rows = await session.execute(
        select(Recording.entry_id, Recording.language, Recording.id).where(
            Recording.entry_id.in_(list(entry_ids)), Recording.language.in_(list(languages))
        )
    )
    return {(entry, language): rid for entry, language, rid in rows.all()}


async def save(
    session: AsyncSession,
    entry_id: str,
    language: str,
    audio: Audio,
    recorded_by: str,
    source: str = "chat",
) -> tuple[Recording, bool]:
    """Keep `audio` as the entry's recording in `language`, replacing an earlier one
    (its platform file ids go with it). Returns the row and whether it replaced one.
    Two staff members saving the same one at once: the later replaces the first."""
    row = await get(session, entry_id, language)
    if row is None:
        try:
            async with session.begin_nested():
                row = Recording(entry_id=entry_id, language=language)
                _fill(row, audio, recorded_by, source)
                session.add(row)
            return row, False
        except IntegrityError:  # the other one was saved meanwhile
            row = await get(session, entry_id, language)
            assert row is not None
    await session.execute(delete(RecordingFile).where(RecordingFile.recording_id == row.id))
    _fill(row, audio, recorded_by, source)
    await session.flush()
    return row, True


def _fill(row: Recording, audio: Audio, recorded_by: str, source: str) -> None:
    row.audio = audio.data
    row.mime_type = audio.mime_type
    row.duration = audio.duration
    row.size = len(audio.data)
    row.sha256 = audio.sha256
    row.recorded_by = recorded_by
    row.source = source
    row.created_at = utcnow()


async def remove(session: AsyncSession, entry_id: str, language: str) -> bool:
    """Delete the entry's recording in `language`; False when there was none."""
    result = await session.execute(
        delete(Recording).where(Recording.entry_id == entry_id, Recording.language == language)
    )
    return bool(getattr(result, "rowcount", 0))


async def file_ref(session: AsyncSession, recording: Recording, channel: str) -> str | None:
    """The platform's id of this recording's current audio on `channel`, if uploaded."""
    return await session.scalar(
        select(RecordingFile.file_ref).where(
            RecordingFile.recording_id == recording.id,
            RecordingFile.channel == channel,
            RecordingFile.sha256 == recording.sha256,
        )
    )


async def remember_file(
    session: AsyncSession, recording_id: int, sha256: str, channel: str, ref: str
) -> None:
    """Keep the platform's id of an upload, for the next send (only while the recording
    still holds the audio it was made from)."""
    current = await session.scalar(select(Recording.sha256).where(Recording.id == recording_id))
    if current != sha256:
        return
    await session.execute(
        delete(RecordingFile).where(
            RecordingFile.recording_id == recording_id, RecordingFile.channel == channel
        )
    )
    session.add(
        RecordingFile(recording_id=recording_id, channel=channel, file_ref=ref, sha256=sha256)
    )


async def listing(session: AsyncSession) -> list[Recording]:
    """Every recording (without audio), by entry and language."""
    rows = await session.scalars(select(Recording).order_by(Recording.entry_id, Recording.language))
    return list(rows.all())


async def count_answered(session: AsyncSession, entry_ids: Iterable[str]) -> None:
    """One more answer for each of these entries (one upsert each)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    for entry_id in dict.fromkeys(entry_ids):
        statement = insert(FaqAnswerCount).values(entry_id=entry_id, answered=1, last_at=now)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["entry_id"],
                set_={"answered": FaqAnswerCount.answered + 1, "last_at": now},
            )
        )


async def answer_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(FaqAnswerCount.entry_id, FaqAnswerCount.answered))
    return {entry: int(n) for entry, n in rows.all()}
