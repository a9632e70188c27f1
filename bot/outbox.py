"""Delivery of queued messages: at once after the commit, and by a worker that retries.

The fast path sends a handler's replies right after its transaction commits. Anything
that could not go (rate limit, outage, crash before sending) stays in the table and the
worker loop picks it up, with exponential backoff, in order per chat.

The loop, error classification and group commit are the delivery core's (bot/delivery.py),
shared with the broadcast sender.

Bulk kinds (job-fair reminders: hundreds can fall due at the same minute) are paced per
channel at that channel's broadcast rate (`rates`), like announcements; replies are not
paced, so a conversation never waits behind a reminder run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import partial
from itertools import groupby
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audio_links import AudioLinks
from bot.channel import (
    AlbumChannel,
    Egress,
    MediaSource,
    NoticeChannel,
    PermanentFailure,
    RetryLater,
    Voice,
    VoiceChannel,
)
from bot.delivery import Failure, GroupCommit, Worker, classify
from bot.metrics import Metrics
from bot.pacing import Pacers
from db import outbox, recordings
from handlers.audio_checks import EXTENSIONS
from handlers.types import Attachment, Media, Notice, Reply

log = logging.getLogger(__name__)

PARALLEL_CHATS = 16
BULK_KINDS = frozenset({"reminder"})
ATTACHMENT_KINDS = frozenset({"photo", "voice", "audio", "video", "document"})
Sent = tuple[int, str | None]  # row id, the platform's message id


class OutboxSender(Worker):
    name = "outbox"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        channels: Mapping[str, Egress],
        instance: str = "",
        rates: Mapping[str, float] | None = None,
        metrics: Metrics | None = None,
        links: AudioLinks | None = None,
    ) -> None:
        super().__init__(sessions, instance, metrics)
        self.channels = channels
        # Links to spoken answers for channels without voice notes (None: no links).
        self.links = links
        self._pacers = Pacers(rates or {})
        # A pass claims no more than the slowest paced channel sends in half a claim.
        slowest = self._pacers.slowest
        self.batch = (
            200 if slowest is None else max(10, min(200, int(slowest * outbox.CLAIM_SECONDS / 2)))
        )
        self._slots = asyncio.Semaphore(PARALLEL_CHATS)
        # Rows sent while the database could not record it (outage): marked when it is
        # back, so they are not sent again when their claim expires.
        self._unmarked: dict[int, str | None] = {}
        self._recorder: GroupCommit[Sent] = GroupCommit(sessions, _mark_sent, on_failure=self._park)

    async def _pace(self, row: Any) -> None:
        """Wait for the channel's slot when the row is of a bulk kind with a rate."""
        pacer = self._pacers.get(row.channel) if row.kind in BULK_KINDS else None
        if pacer is not None and not await pacer.acquire(self.stopping):
            raise RetryLater(0.0, "stopping")

    async def deliver(self, ids: Sequence[int]) -> None:
        """Send these rows now (the fast path after a commit)."""
        if not ids:
            return
        await self._mark_unmarked()
        async with self.sessions.begin() as session:
            rows = await outbox.claim(session, ids, limit=len(ids), by=self.instance)
        await self._send_chat(rows)

    async def send_claimed(self, rows: Sequence[Any]) -> None:
        """Send rows this process claimed in the transaction that queued them."""
        if rows:
            await self._mark_unmarked()
            await self._send_chat(rows)

    async def _mark_unmarked(self) -> None:
        if not self._unmarked:
            return
        done = dict(self._unmarked)
        async with self.sessions.begin() as session:
            await outbox.mark_sent(session, done)
        for row_id in done:
            self._unmarked.pop(row_id, None)
        log.info("outbox: %d rows sent during an outage are recorded as sent", len(done))

    async def run_once(self, limit: int | None = None) -> int:
        """Send what is due; returns how many rows were taken."""
        await self._mark_unmarked()
        async with self.sessions.begin() as session:
            rows = await outbox.claim(session, limit=limit or self.batch, by=self.instance)
        chats = [list(g) for _, g in groupby(rows, key=lambda r: (r.channel, r.chat_key))]
        await asyncio.gather(*(self._guarded(chat) for chat in chats))
        return len(rows)

    # --- the worker loop (bot/delivery.py) -------------------------------------------
    async def _pass(self) -> int:
        return await self.run_once()

    async def _release_claims(self, session: AsyncSession, by: str) -> int:
        return await outbox.release_own_claims(session, by)

    # --- one chat ----------------------------------------------------------------
    async def _guarded(self, rows: list[Any]) -> None:
        async with self._slots:
            await self._send_chat(rows)

    async def _send_chat(self, rows: Sequence[Any]) -> None:
        """Send one chat's rows in order; at the first transient failure the rest wait too."""
        sent: dict[str, str | None] = {}  # this pass's sends: idempotency key → message id
        for index, row in enumerate(rows):
            channel = self.channels.get(row.channel)
            tried = False  # whether the platform was asked (else the claim is no attempt)
            try:
                if channel is None:
                    raise RetryLater(60, f"channel {row.channel} is not running")
                reply, media, thread = await self._prepare(row, sent)
                await self._pace(row)
                tried = True
                if reply.recording is not None:
                    message_id = await self._send_recording(channel, row, reply, thread)
                else:
                    message_id = await _send_row(channel, row, reply, media, thread)
            except Exception as exc:
                if isinstance(exc, RetryLater) and not exc.counts:
                    tried = False  # the chat cannot take messages yet: no attempt used up
                failure = classify(exc, row.attempts, outbox.MAX_ATTEMPTS if tried else None)
                self.metrics.sends.labels(row.channel, failure.label).inc()
                if failure.unexpected:  # a bug in an adapter must not stop the queue
                    log.exception("outbox %s: unexpected error", row.id)
                if not await self._record_failure(rows[index:], failure, tried):
                    return
                continue
            self.metrics.sends.labels(row.channel, "sent").inc()
            sent[row.idempotency_key] = message_id
            await self._record_sent(row.id, message_id)

    async def _prepare(
        self, row: Any, sent: dict[str, str | None]
    ) -> tuple[Reply, Media | None, str | None]:
        """A row's reply, its media (a file of another channel fetched first) and the
        platform message it replies to."""
        reply = Reply.from_json(row.payload["reply"])
        media = Media(**row.payload["media"]) if row.payload.get("media") else None
        if media is not None and media.origin and media.origin != row.channel:
            reply, media = await self._carry(reply, media)
        return reply, media, await self._thread(row, sent)

    async def _thread(self, row: Any, sent: dict[str, str | None]) -> str | None:
        """The platform message a row replies to: the one sent for the outbox row its
        payload names as `thread` (a hand-off card), looked up now, when it has been sent
        (the rows of a chat go in order, so a card goes before its replies)."""
        key = row.payload.get("thread")
        if not isinstance(key, str):
            return None
        if key in sent:
            return sent[key]
        async with self.sessions() as session:
            return await outbox.sent_message_of(session, key, row.channel, row.chat_key)

    async def _carry(self, reply: Reply, media: Media) -> tuple[Reply, Media | None]:
        """A file of another channel (a staff member's Telegram voice note for a Zalo
        user): downloaded from there and attached, for this channel to upload."""
        source = self.channels.get(media.origin or "")
        if not isinstance(source, MediaSource) or not media.file_ref:
            log.warning("outbox: no way to fetch a %s from %s; text only", media.kind, media.origin)
            return reply, None
        data, filename = await source.download(media.file_ref)
        kind = media.kind if media.kind in ATTACHMENT_KINDS else "document"
        return replace(reply, attachment=Attachment.of(filename, data, kind)), None

    async def _send_recording(
        self, channel: Egress, row: Any, reply: Reply, thread: str | None
    ) -> str | None:
        """A spoken answer: a voice note where the channel plays them (by the platform's
        file id once uploaded: the id is kept), else the text with a signed link to it.
        Only a recording staff made is ever sent: the row names it, the audio is ours."""
        assert reply.recording is not None
        text_only = replace(reply, recording=None)
        async with self.sessions() as session:
            found = await recordings.by_id(session, reply.recording)
            ref = await recordings.file_ref(session, found, row.channel) if found else None
        if found is None:  # deleted since the button was pressed
            gone = f"{reply.text}\n(Bản ghi âm này vừa được gỡ. Bạn đọc câu trả lời bằng chữ nhé.)"
            return await channel.send(row.chat_key, replace(text_only, text=gone), reply_to=thread)
        if isinstance(channel, VoiceChannel):
            voice = Voice(
                partial(self._audio, found.id),
                found.mime_type,
                f"tra-loi-{found.id}.{EXTENSIONS.get(found.mime_type, 'ogg')}",
                found.duration,
                ref,
            )
            message_id, new_ref = await channel.send_voice(row.chat_key, text_only, voice, thread)
            if new_ref and new_ref != ref:
                async with self.sessions.begin() as session:
                    await recordings.remember_file(
                        session, found.id, found.sha256, row.channel, new_ref
                    )
            return message_id
        text = f"{reply.text}\n{self._link_line(found.id, found.sha256)}"
        return await channel.send(row.chat_key, replace(text_only, text=text), reply_to=thread)

    async def _audio(self, recording: int) -> bytes:
        async with self.sessions() as session:
            found = await recordings.audio_of(session, recording)
        if found is None:
            raise PermanentFailure("the recording was deleted while it was being sent")
        return found.audio

    def _link_line(self, recording: int, sha256: str) -> str:
        url = self.links.url(recording, sha256) if self.links is not None else None
        if url is None:
            return "(Kênh này chưa phát được bản ghi âm. Bạn gọi trung tâm để nghe giải thích.)"
        hours = int(self.links.ttl.total_seconds() // 3600) if self.links else 0
        return f"🔊 Bấm để nghe: {url}\n(Liên kết dùng được trong {hours} giờ.)"

    async def _record_failure(self, rows: Sequence[Any], failure: Failure, tried: bool) -> bool:
        """Record the failure of `rows[0]`; True when the chat's next row may go.

        A transient failure puts the row back and the later rows of its chat wait behind
        it (their claim's attempt is given back: they were not tried); so does giving up
        on a row, which fails it. Other failures are final for the row only."""
        row, rest = rows[0], [r.id for r in rows]
        async with self.sessions.begin() as session:
            if failure.result == "retry":
                log.warning("outbox %s: retry in %.1fs (%s)", row.id, failure.delay, failure.error)
                tried_id = row.id if tried else None
                await outbox.release(session, rest, failure.delay, failure.error, tried=tried_id)
                return False
            if failure.gave_up:
                log.error(
                    "outbox %s: giving up after %d attempts: %s",
                    row.id,
                    row.attempts,
                    failure.error,
                )
                await outbox.mark_failed(session, row, failure.error)
                await outbox.release(session, rest[1:], failure.delay, failure.error)
                await self._report(session, row, "failed")
                return False
            if failure.result == "unreachable":
                log.info("outbox %s: not attempted (%s)", row.id, failure.error)
                await outbox.mark_failed(session, row, failure.error, status="unreachable")
            else:
                log.warning("outbox %s: failed for good (%s)", row.id, failure.error)
                blocked = failure.result == "blocked"
                await outbox.mark_failed(session, row, failure.error, blocked=blocked)
            await self._report(session, row, failure.result)
        return True

    async def _report(self, session: AsyncSession, row: Any, result: str) -> None:
        """A row that will never arrive and says whom to tell (`on_failure`: a staff
        member's answer to a worker): that message is queued in the same transaction,
        with the words for this outcome (unreachable, blocked, failed)."""
        report = row.payload.get("on_failure")
        if not isinstance(report, dict) or not isinstance(report.get("texts"), dict):
            return
        texts = report["texts"]
        text = texts.get(result) or texts.get("failed")
        if not text:
            return
        payload: dict[str, Any] = {"reply": Reply(str(text)).to_json()}
        for name in ("thread", "conversation"):
            if report.get(name) is not None:
                payload[name] = report[name]
        await outbox.enqueue(
            session,
            key=f"{row.idempotency_key}:failed",
            channel=str(report["channel"]),
            chat_key=str(report["chat_key"]),
            kind=str(report.get("kind") or "reply"),
            payload=payload,
            user_id=report.get("user_id"),
        )
        self.wake()

    async def _record_sent(self, row_id: int, message_id: str | None) -> None:
        """Record a send before the next row of its chat goes (group commit: the sends
        that finish while one transaction records are recorded together in the next,
        one transaction for many under load instead of one each). If the database cannot
        record it, the row is kept in `_unmarked` and marked when it is back."""
        with contextlib.suppress(Exception):  # parked by `_park`, logged once per batch
            await self._recorder.record((row_id, message_id))

    def _park(self, batch: list[Sent], exc: Exception) -> None:
        log.warning("outbox: %d rows sent, but not recorded yet (%s)", len(batch), exc)
        self._unmarked.update(batch)


async def _send_row(
    channel: Egress, row: Any, reply: Reply, media: Media | None, thread: str | None
) -> str | None:
    """One row to its platform: a status notice the channel delivers its own way, an
    album, or a message (in a thread when it names one)."""
    notice = row.payload.get("notice")
    album = [Media(**item) for item in row.payload.get("album") or []]
    if notice and isinstance(channel, NoticeChannel):
        return await channel.send_notice(row.chat_key, reply, Notice(**notice))
    if album:
        return await _send_album(channel, row.chat_key, reply, album, thread)
    if thread is not None:
        return await channel.send(row.chat_key, reply, media, reply_to=thread)
    return await channel.send(row.chat_key, reply, media)


async def _send_album(
    channel: Egress, chat_key: str, reply: Reply, album: Sequence[Media], thread: str | None
) -> str | None:
    """Several media as one album where the channel has albums; else the reply with the
    first, then the others one by one (all under `thread` when there is one)."""
    if isinstance(channel, AlbumChannel):
        return await channel.send_album(chat_key, reply, album, reply_to=thread)
    message_id = await channel.send(chat_key, reply, album[0], reply_to=thread)
    for media in album[1:]:
        await channel.send(chat_key, Reply(""), media, reply_to=thread)
    return message_id


async def _mark_sent(session: AsyncSession, batch: list[Sent]) -> None:
    await outbox.mark_sent(session, dict(batch))
