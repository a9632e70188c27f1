"""Spoken answers, the staff side: `/ghiam MÃ [ngôn ngữ]`, then a voice note from the
same staff member, keeps it as that FAQ entry's answer in that language; the staff
member hears it back at once. `/ghiam MÃ [ngôn ngữ] xoa` deletes it; recording again
replaces it. The dashboard does the same on the entry's page (dashboard/voice.py).

The audio is fetched from the platform (Telegram: getFile and the file URL) and kept in
the database (`recordings`), checked first (handlers/audio_checks.py): OGG/Opus and
common audio types, at most VOICE_MAX_BYTES and VOICE_MAX_SECONDS.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from db import recordings
from db.clock import utcnow
from faq.normalize import fold
from handlers.access import actor
from handlers.audio_checks import AudioRefused, check_audio, check_size, minutes
from handlers.context import Context
from handlers.languages import VIETNAMESE
from handlers.router import ANYWHERE, Router
from handlers.types import Incoming, Media, Reply

log = logging.getLogger(__name__)
router = Router("recordings")
FLOW = "recording"
# A /ghiam left waiting this long takes no voice note any more (it may be meant for a
# worker's thread by then).
WAIT = timedelta(minutes=30)
DELETE_WORDS = frozenset({"xoa", "delete", "del"})
AUDIO_KINDS = frozenset({"voice", "audio", "document"})
USAGE = (
    "Cách dùng: /ghiam MÃ_CÂU [ngôn ngữ], rồi gửi một tin nhắn thoại.\n"
    "Xoá: /ghiam MÃ_CÂU [ngôn ngữ] xoa\n"
    "Mã câu xem ở trang «Nội dung hỏi đáp» của trang quản trị."
)


def language_list(ctx: Context) -> str:
    labels = ctx.settings.voice_language_labels
    return ", ".join(f"{code} ({label})" for code, label in labels.items())


@router.command(
    "ghiam",
    staff=True,
    where=ANYWHERE,
    help="/ghiam MÃ_CÂU [ngôn ngữ]: ghi âm câu trả lời (rồi gửi tin nhắn thoại); thêm «xoa» để xoá",
)
async def record_command(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    words = [fold(word) for word in args.split()]
    if not words:
        return [Reply(USAGE)]
    entry_id, rest = words[0], words[1:]
    faq = ctx.faq
    if faq is None or entry_id not in faq.kb.entries:
        return [Reply(f"Không có câu hỏi mã «{args.split()[0][:40]}».\n{USAGE}")]
    delete = any(word in DELETE_WORDS for word in rest)
    named = [word for word in rest if word not in DELETE_WORDS]
    labels = ctx.settings.voice_language_labels
    language = named[0] if named else VIETNAMESE
    if language not in labels or len(named) > 1:
        return [Reply(f"Ngôn ngữ «{' '.join(named)[:20]}» chưa có. Các mã: {language_list(ctx)}.")]
    question = faq.kb.entries[entry_id].questions[0]
    if delete:
        return [await _delete(ctx, entry_id, language, question)]
    ctx.start_flow(FLOW, "wait", {"entry": entry_id, "language": language, "at": _now()})
    limits = ctx.settings
    return [
        Reply(
            f"🎙 Ghi âm câu «{question}» bằng {labels[language]}.\n"
            f"Bây giờ bạn gửi một tin nhắn thoại (tối đa {minutes(limits.voice_max_seconds)}). "
            "Gõ /huy để thôi."
        )
    ]


async def _delete(ctx: Context, entry_id: str, language: str, question: str) -> Reply:
    label = ctx.settings.voice_language_labels[language]
    if await recordings.remove(ctx.session, entry_id, language):
        return Reply(f"🗑 Đã xoá bản ghi âm {label} của câu «{question}».")
    return Reply(f"Câu «{question}» chưa có bản ghi âm {label}.")


def _now() -> str:
    return utcnow().isoformat()


def _waiting(ctx: Context) -> tuple[str, str] | None:
    """The entry and language a recent /ghiam of this staff member waits for."""
    data = ctx.state.data or {}
    entry, language, at = data.get("entry"), data.get("language"), data.get("at")
    if not isinstance(entry, str) or not isinstance(language, str) or not isinstance(at, str):
        return None
    try:
        started = datetime.fromisoformat(at)
    except ValueError:
        return None
    return (entry, language) if utcnow() - started <= WAIT else None


async def on_message(ctx: Context, incoming: Incoming) -> list[Reply] | None:
    """The voice note after /ghiam. Anything else (a reply to a worker's thread, other
    talk in the staff chat) is not for this flow and goes on as usual."""
    media = incoming.media
    if media is None or media.kind not in AUDIO_KINDS or incoming.reply_to:
        return None
    waiting = _waiting(ctx)
    ctx.end_flow()
    if waiting is None:
        return None
    entry_id, language = waiting
    try:
        audio = await _fetch(ctx, media)
    except AudioRefused as refused:
        ctx.start_flow(FLOW, "wait", {"entry": entry_id, "language": language, "at": _now()})
        return [Reply(f"{refused} Bạn gửi lại, hoặc gõ /huy để thôi.")]
    row, replaced = await recordings.save(ctx.session, entry_id, language, audio, actor(ctx))
    label = ctx.settings.voice_language_labels.get(language, language)
    entry = ctx.faq.kb.entries.get(entry_id) if ctx.faq else None
    question = entry.questions[0] if entry else entry_id
    done = "Đã thay bản ghi âm cũ" if replaced else "Đã lưu bản ghi âm"
    return [
        Reply(
            f"✅ {done} {label} của câu «{question}». Nghe lại ở đây.\n"
            f"Xoá: /ghiam {entry_id} {language} xoa",
            recording=row.id,
        )
    ]


async def _fetch(ctx: Context, media: Media) -> recordings.Audio:
    """The voice note's audio, checked: what the platform says of it first, then the
    bytes themselves."""
    settings = ctx.settings
    max_bytes, max_seconds = settings.voice_max_bytes, settings.voice_max_seconds
    check_size(media.size, media.duration, max_bytes, max_seconds)
    if ctx.download is None or not media.file_ref:
        raise AudioRefused("Kênh này chưa lấy được tệp âm thanh. Hãy tải tệp lên trang quản trị.")
    try:
        data, _ = await ctx.download(media.file_ref)
    except Exception as exc:  # the channel's SendError, or its client's own
        log.warning("recording: the voice note could not be fetched: %s", exc)
        raise AudioRefused("Chưa tải được tin nhắn thoại.") from None
    return check_audio(data, max_bytes, max_seconds, media.duration)


RECORDING = router.flow(
    FLOW,
    lambda ctx: [Reply(USAGE)],
    on_message,
    where=ANYWHERE,
    staff=True,
    idle=WAIT,
)
